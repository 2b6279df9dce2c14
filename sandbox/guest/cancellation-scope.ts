/**
 * Cancellation scopes (Temporal's model): a tree rooted at the workflow's root scope, which a
 * `cancel` job (a stop request) cancels. A cancellable scope is cancelled with its parent or by
 * `cancel()`; a non-cancellable one shields what runs in it. Operations (activities, timers, child
 * sessions, waits) belong to the scope that was current when they started, and reject with
 * `CancelledFailure` when it is cancelled.
 *
 * Which scope is current: isolates have no async context tracking (no `AsyncLocalStorage`), so the
 * current scope is tracked by the runtime instead: it is the scope whose `run()` callback is on the
 * stack; after an `await`, the scope of the operation whose completion resumed the code (the runtime
 * sets it when it delivers a job); and when a scope's callback settles, its parent again. This
 * follows the usual shape of workflow code; code that awaits a promise started in another scope
 * runs on in that promise's scope. All of it is deterministic.
 */
import { parseDuration } from '../../common/index.js';
import type { Duration } from '../../common/index.js';
import { CancelledFailure, rejection } from './failures.js';

export interface CancellationScopeOptions {
  /** Default true. */
  cancellable?: boolean;
  /** Default: the current scope. */
  parent?: CancellationScope;
}

type CancelListener = (failure: CancelledFailure) => void;

/** Hooks the workflow runtime gives scopes (timers for `withTimeout`). */
export interface ScopeRuntime {
  startScopeTimer(durationMs: number, onFire: () => void, site?: unknown): { cancel(): void };
}

let currentScope: CancellationScope | undefined;
let scopeRuntime: ScopeRuntime | undefined;

export class CancellationScope {
  readonly cancellable: boolean;
  readonly parent: CancellationScope | undefined;
  /** Rejects with `CancelledFailure` when this scope is cancelled (never settles otherwise). */
  readonly cancelRequested: Promise<never>;
  private requested: CancelledFailure | undefined;
  private rejectRequested!: (failure: CancelledFailure) => void;
  private readonly listeners = new Set<CancelListener>();

  constructor(options: CancellationScopeOptions = {}) {
    this.cancellable = options.cancellable ?? true;
    this.parent = options.parent ?? currentScope;
    this.cancelRequested = new Promise<never>((_, reject) => {
      this.rejectRequested = reject;
    });
    // Never an unhandled rejection for a promise nobody awaits.
    this.cancelRequested.catch(() => undefined);
    if (this.parent !== undefined && this.cancellable) {
      this.parent.onCancel((failure) => this.cancel(failure.message));
    }
  }

  /** True once this scope is cancelled (a non-cancellable scope never is). */
  get consideredCancelled(): boolean {
    return this.requested !== undefined;
  }

  /** Cancels this scope and its cancellable descendants; pending operations reject. */
  cancel(reason = 'cancelled'): void {
    if (!this.cancellable || this.requested !== undefined) return;
    const failure = new CancelledFailure(reason);
    this.requested = failure;
    this.rejectRequested(failure);
    const listeners = [...this.listeners];
    this.listeners.clear();
    for (const listener of listeners) listener(failure);
  }

  /**
   * Registers a listener called once when this scope is cancelled; returns the unregistration.
   * Throws `CancelledFailure` when the scope is already cancelled (the operation must not start).
   */
  onCancel(listener: CancelListener): () => void {
    if (this.requested !== undefined) throw this.requested;
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The failure to reject with when starting an operation in this scope now, if cancelled. */
  get cancellation(): CancelledFailure | undefined {
    return this.requested;
  }

  /** Runs `fn` in this scope; resolves or rejects as `fn` does. */
  run<T>(fn: () => Promise<T> | T): Promise<T> {
    const previous = currentScope;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the scope becomes the module's current scope
    currentScope = this;
    let result: Promise<T>;
    try {
      result = Promise.resolve(fn());
    } catch (error) {
      result = rejection(error);
    } finally {
      currentScope = previous;
    }
    return result.then(
      (value) => {
        currentScope = previous;
        return value;
      },
      (error: unknown) => {
        currentScope = previous;
        throw error;
      },
    );
  }

  /** The scope operations started now belong to. */
  static current(): CancellationScope {
    if (currentScope === undefined)
      throw new Error('No cancellation scope: whisker/workflow is not running a workflow here');
    return currentScope;
  }

  static cancellable<T>(fn: () => Promise<T>): Promise<T> {
    return new CancellationScope({ cancellable: true }).run(fn);
  }

  static nonCancellable<T>(fn: () => Promise<T>): Promise<T> {
    return new CancellationScope({ cancellable: false }).run(fn);
  }

  /** Runs `fn` in a cancellable scope that a durable timer cancels after `timeout`. */
  static withTimeout<T>(timeout: Duration, fn: () => Promise<T>): Promise<T> {
    const ms = parseDuration(timeout, 'CancellationScope.withTimeout: timeout');
    const scope = new CancellationScope({ cancellable: true });
    if (scopeRuntime === undefined) throw new Error('CancellationScope.withTimeout needs a running workflow');
    const timer = scopeRuntime.startScopeTimer(
      ms,
      () => scope.cancel(`timed out after ${ms} ms`),
      // The boundary of the captured call site (a function value, never called through this reference).
      // eslint-disable-next-line @typescript-eslint/unbound-method
      CancellationScope.withTimeout,
    );
    const done = (): void => timer.cancel();
    return scope.run(fn).then(
      (value) => {
        done();
        return value;
      },
      (error: unknown) => {
        done();
        throw error;
      },
    );
  }
}

/** Runtime side: the scope current now. */
export function currentCancellationScope(): CancellationScope {
  return CancellationScope.current();
}

/** Runtime side: sets the current scope (when a job resumes code of that scope). */
export function setCurrentCancellationScope(scope: CancellationScope): void {
  currentScope = scope;
}

/**
 * Runtime side: a session's scopes, as swapped in and out when the sessions of a shared context
 * take turns (see `enterWorkflowRuntime`): the scope current when its code last ran, and its timer hooks.
 */
export interface ScopeState {
  current: CancellationScope | undefined;
  runtime: ScopeRuntime | undefined;
}

/** Runtime side: makes `next` the scope state in force; returns the one it replaces. */
export function swapCancellationScopes(next: ScopeState): ScopeState {
  const previous: ScopeState = { current: currentScope, runtime: scopeRuntime };
  currentScope = next.current;
  scopeRuntime = next.runtime;
  return previous;
}

/** Runtime side: a session's root scope (no parent, whichever session's scope is current now). */
export function createRootScope(): CancellationScope {
  const saved = currentScope;
  currentScope = undefined;
  try {
    return new CancellationScope({ cancellable: true });
  } finally {
    currentScope = saved;
  }
}
