/**
 * Activity attempts inside a runner. Each build has a few activity isolates (never shared with
 * workflows or other builds); each isolate keeps a pool of prepared contexts, and an attempt runs in
 * a context of its own, taken from the pool and given back after a clean finish, so a warm attempt
 * pays neither isolate nor context creation (about 0.5 ms each). Attempts in one isolate run
 * concurrently, interleaved at their awaits (as activities do in one Node event loop).
 *
 * Setting up a context is synchronous and bounded by the CPU limit (it runs the bundle's module
 * code). The function starts *inline*: a synchronous call on the runner's thread bounded by
 * `INLINE_START_BUDGET_MS` (10 ms), when its isolate has no asynchronous call in flight (one would hold the
 * isolate's lock, and the thread would wait for it). An asynchronous `apply` costs two thread
 * hand-offs (~60 µs of CPU, ~70 µs of wall time for a trivial function; inline ~5 µs), about a fifth of
 * a runner's CPU per step. A start that overruns the budget is stopped and the attempt starts
 * again asynchronously in a fresh context, on isolated-vm's threads, so a long computation never
 * holds the runner; the next 64 attempts of that activity start asynchronously at once. The stopped run
 * left nothing behind: everything the code can do outside its context goes through callbacks that
 * isolated-vm delivers after the call returns (fetch, timers, logs, heartbeats, the outcome), and
 * those of a discarded context are dropped. Host operations answer through asynchronous `apply`
 * calls, and the outcome arrives through the `done` callback as soon as the function settles (a pure
 * computation: one round trip engine → runner → engine).
 * Start-to-close is enforced by wall clock: when it passes, the attempt's isolate is disposed, which
 * stops even a synchronous endless loop; the other attempts of that isolate then fail with a
 * retryable `ACTIVITY_WORKER_LOST` and run again on a fresh isolate.
 */
import ivm from 'isolated-vm';
import { randomBytes } from 'node:crypto';

import type { ErrorData } from '../../common/index.js';
import type { ActivityOutcome, ActivityTask, FetchRequestData, LogLevel } from '../protocol.js';
import { FETCH_ACTIVITY_NAME } from '../protocol.js';
import type { ActivitySetup } from '../guest/activity-entry.js';
import { ACTIVITY_BUNDLE_FILE, ACTIVITY_RUNTIME_FILE, ActivityOp } from '../guest/entry-points.js';
import type { BundleAnswer } from '../guest/workflow-entry.js';
import { classifyIsolateError } from './isolate-errors.js';
import type { PolicyFetch } from './policy-fetch.js';
import { fetchErrorData } from './policy-fetch.js';
import type { RunnerBuildEntry, RunnerBuilds } from './runner-builds.js';
import { mapErrorData } from './source-mapping.js';

/** Activity isolates per build: attempts go to the least busy; a timeout disposes only its own. */
const ISOLATES_PER_BUILD = 2;
/** More only while every isolate of the build is busy in an asynchronous call (see `takeIsolate`). */
const MAX_ISOLATES_PER_BUILD = 4;
/** Prepared contexts kept per isolate for the next attempts. */
const MAX_IDLE_CONTEXTS_PER_ISOLATE = 64;
const MAX_RANDOM_BYTES = 65_536;
/**
 * Longest an attempt's inline start may hold the runner's thread before it is stopped and run
 * asynchronously instead (see the module comment). Wall time (isolated-vm's timeout): on a loaded
 * machine a quick start may be descheduled past it now and then, which only costs that attempt its
 * inline start.
 */
export const INLINE_START_BUDGET_MS = 10;
/**
 * After an overrun, this many attempts of that activity start asynchronously before one tries
 * inline again (an overrun may be a one-off: a slow input, the machine busy for a moment).
 */
const ASYNC_STARTS_AFTER_OVERRUN = 64;

export interface ActivityReporter {
  done(id: number, outcome: ActivityOutcome): void;
  heartbeat(id: number, details: unknown): void;
  log(id: number, level: LogLevel, text: string): void;
}

export interface ActivityHostOptions {
  memoryLimitMb: number;
  /** Bound of each synchronous setup step (module code of the bundle). */
  cpuLimitMs: number;
  /** How long an attempt's inline start may hold the runner's thread (see the module comment). */
  inlineStartBudgetMs: number;
  runtimeCode: string;
  fetch: PolicyFetch;
  reporter: ActivityReporter;
}

interface IsolateSlot {
  build: RunnerBuildEntry;
  isolate: ivm.Isolate;
  runtimeScript: ivm.Script;
  bundleScript: ivm.Script;
  /** Contexts prepared for the next attempts (module code already run). */
  idle: PreparedContext[];
  /** Attempts running in this isolate. */
  running: Set<Attempt>;
  /** Asynchronous calls into the isolate not finished yet: while any is, nothing starts inline. */
  asyncCalls: number;
}

/** A context whose runtime is set up and whose bundle is instantiated, waiting for its attempt. */
interface PreparedContext {
  context: ivm.Context;
  dispatch?: ivm.Reference<(op: number, arg: unknown) => unknown>;
  /** The callbacks route to whichever attempt runs in this context. */
  binding: { attempt?: Attempt };
  /** Setting up failed (the bundle's module code threw or ran too long): the attempt fails with this. */
  failure?: ErrorData;
}

/** A context's entry point: `(op, arg)` (see `ActivityOp`). */
type Dispatch = ivm.Reference<(op: number, arg: unknown) => unknown>;

interface HostOperation {
  abort?: AbortController;
  timer?: NodeJS.Timeout;
}

interface Attempt {
  id: number;
  task: ActivityTask;
  build?: RunnerBuildEntry;
  slot?: IsolateSlot;
  prepared?: PreparedContext;
  dispatch?: ivm.Reference<(op: number, arg: unknown) => unknown>;
  deadline?: NodeJS.Timeout;

  /**
   * Aborts the built-in fetch and the attempt's host fetches. Made by the first fetch or a cancel (`controllerOf`):
   * aborting makes a DOMException, whose stack capture cost every attempt ~10 µs when all had one.
   */
  controller?: AbortController;
  operations: Map<number, HostOperation>;
  /** The engine has its outcome (the attempt may still be running, e.g. after a cancel). */
  reported: boolean;
  /** Resources released. */
  closed: boolean;
}

export class ActivityHost {
  private readonly isolates = new Map<string, IsolateSlot[]>();
  private readonly attempts = new Map<number, Attempt>();
  /**
   * Per build, the activities whose inline start overran its budget, with how many attempts are
   * still to start asynchronously before one tries inline again.
   */
  private readonly longStarts = new WeakMap<RunnerBuildEntry, Map<string, number>>();
  private readonly counters = { inlineStarts: 0, asyncStarts: 0, overruns: 0 };

  constructor(
    private readonly builds: RunnerBuilds,
    private readonly options: ActivityHostOptions,
  ) {}

  get inFlight(): number {
    return this.attempts.size;
  }

  /** How attempts started: inline, asynchronously, and inline starts that overran their budget. */
  get startCounts(): { inlineStarts: number; asyncStarts: number; overruns: number } {
    return { ...this.counters };
  }

  run(id: number, task: ActivityTask): void {
    const attempt: Attempt = {
      id,
      task,
      operations: new Map(),
      reported: false,
      closed: false,
    };
    this.attempts.set(id, attempt);
    attempt.deadline = setTimeout(() => this.timedOut(attempt), Math.max(1, task.startToCloseTimeoutMs));
    if (task.name === FETCH_ACTIVITY_NAME) {
      this.runBuiltinFetch(attempt);
      return;
    }
    const build = this.builds.get(task.buildHash);
    if (build === undefined) {
      this.settle(
        attempt,
        failure(
          'BuildNotRegisteredError',
          'BUILD_NOT_REGISTERED',
          `Build ${task.buildHash} is not registered with the sandbox.`,
          false,
        ),
        false,
      );
      return;
    }
    attempt.build = build;
    const exported = build.activity(task.name);
    if (exported === undefined) {
      const known = build.build.activities.map((a) => a.name).join(', ') || 'none';
      this.settle(
        attempt,
        failure(
          'ActivityNotFoundError',
          'ACTIVITY_NOT_FOUND',
          `Activity ${JSON.stringify(task.name)} is not exported by any activity module of build ${task.buildHash} (activities: ${known}).`,
          false,
        ),
        false,
      );
      return;
    }
    this.start(attempt, build, {
      info: task.info,
      variables: task.variables,
      secrets: task.secrets,
      file: exported.file,
      name: exported.name,
    });
  }

  cancel(id: number, reason: string): void {
    const attempt = this.attempts.get(id);
    if (attempt === undefined || attempt.reported) return;
    // Made now if no fetch made it yet: a fetch the code starts after the cancel is aborted at once.
    controllerOf(attempt).abort();
    if (attempt.slot !== undefined && attempt.dispatch !== undefined)
      this.callAsync(attempt.slot, attempt.dispatch, [ActivityOp.abort, reason], () => undefined);
    this.report(
      attempt,
      failure(
        'CancelledFailure',
        'CANCELLED',
        `Activity ${attempt.task.name} was cancelled: ${reason}`,
        false,
      ),
    );
    // The attempt may ignore its signal: it is discarded when it ends or at its deadline.
    if (attempt.dispatch === undefined) this.close(attempt, false);
  }

  dispose(): void {
    for (const attempt of [...this.attempts.values()]) {
      this.report(attempt, failure('CancelledFailure', 'CANCELLED', 'The sandbox is shutting down.', true));
      this.close(attempt, false);
    }
    for (const slots of this.isolates.values())
      for (const slot of slots) if (!slot.isolate.isDisposed) slot.isolate.dispose();
    this.isolates.clear();
  }

  // -------------------------------------------------------------------------------------------

  /**
   * The isolate for an attempt of `build`: the least busy of those that can take it without the
   * runner's thread waiting, i.e. that have a prepared context, or no asynchronous call in flight (a
   * synchronous call, such as preparing a context, would wait for that call's isolate lock, for as
   * long as a long activity computes). A new isolate while the build has fewer than its share, or
   * while none can take it now (up to `MAX_ISOLATES_PER_BUILD`; past that, the least busy: the
   * thread then waits).
   */
  private takeIsolate(build: RunnerBuildEntry): IsolateSlot {
    const slots = (this.isolates.get(build.hash) ?? []).filter((slot) => !slot.isolate.isDisposed);
    this.isolates.set(build.hash, slots);
    let best: IsolateSlot | undefined;
    let bestFree: IsolateSlot | undefined;
    for (const slot of slots) {
      if (best === undefined || slot.running.size < best.running.size) best = slot;
      const free = slot.idle.length > 0 || slot.asyncCalls === 0;
      if (free && (bestFree === undefined || slot.running.size < bestFree.running.size)) bestFree = slot;
    }
    if (bestFree !== undefined && (bestFree.running.size === 0 || slots.length >= ISOLATES_PER_BUILD))
      return bestFree;
    if (bestFree === undefined && best !== undefined && slots.length >= MAX_ISOLATES_PER_BUILD) return best;
    const isolate = new ivm.Isolate({ memoryLimit: this.options.memoryLimitMb });
    const slot: IsolateSlot = {
      build,
      isolate,
      runtimeScript: isolate.compileScriptSync(this.options.runtimeCode, { filename: ACTIVITY_RUNTIME_FILE }),
      bundleScript: isolate.compileScriptSync(build.build.activityBundle.code, {
        filename: ACTIVITY_BUNDLE_FILE,
      }),
      idle: [],
      running: new Set(),
      asyncCalls: 0,
    };
    slots.push(slot);
    return slot;
  }

  /**
   * A fresh context with the runtime set up and the bundle's module code run (synchronous calls,
   * each bounded by the CPU limit). Done ahead of the attempt when an isolate returns to the pool.
   */
  private prepare(slot: IsolateSlot): PreparedContext {
    const timeout = this.options.cpuLimitMs;
    const context = slot.isolate.createContextSync();
    const prepared: PreparedContext = { context, binding: {} };
    const { binding } = prepared;
    const { reporter } = this.options;
    try {
      const setupFn = slot.runtimeScript.runSync(context, { reference: true, timeout }) as ivm.Reference<
        (...args: unknown[]) => unknown
      >;
      const callbacks = [
        new ivm.Callback(
          (opId: number, op: string, arg: unknown) => {
            if (binding.attempt !== undefined) this.hostOperation(binding.attempt, opId, op, arg);
          },
          { ignored: true },
        ),
        new ivm.Callback(
          (details: unknown) => {
            const attempt = binding.attempt;
            if (attempt !== undefined && !attempt.reported) reporter.heartbeat(attempt.id, details);
          },
          { ignored: true },
        ),
        new ivm.Callback(
          (level: LogLevel, text: string) => {
            const attempt = binding.attempt;
            if (attempt !== undefined && !attempt.reported) reporter.log(attempt.id, level, text);
          },
          { ignored: true },
        ),
        new ivm.Callback(
          (outcome: ActivityOutcome) => {
            if (binding.attempt !== undefined) this.settle(binding.attempt, outcome, true);
          },
          { ignored: true },
        ),
        slot.build.readResource,
        new ivm.Callback(
          (length: number) =>
            new Uint8Array(randomBytes(Math.min(Math.max(0, length | 0), MAX_RANDOM_BYTES))),
        ),
      ];
      const dispatch = setupFn.applySync(undefined, callbacks, {
        result: { reference: true },
        timeout,
      }) as ivm.Reference<(op: number, arg: unknown) => unknown>;
      setupFn.release();
      prepared.dispatch = dispatch;
      const factory = slot.bundleScript.runSync(context, {
        reference: true,
        timeout,
      }) as ivm.Reference<unknown>;
      const answer = dispatch.applySync(
        undefined,
        [ActivityOp.bundle, factory.derefInto({ release: true })],
        {
          result: { copy: true },
          timeout,
        },
      ) as BundleAnswer;
      if (!answer.ok) {
        const error = mapErrorData(answer.error, slot.build.activityMap);
        prepared.failure = { ...error, code: error.code ?? answer.code };
      }
    } catch (error) {
      const kind = classifyIsolateError(error, slot.isolate, {
        memoryLimitMb: this.options.memoryLimitMb,
        cpuLimitMs: this.options.cpuLimitMs,
        what: 'The module code of the activity bundle',
      });
      prepared.failure = kind.error;
    }
    return prepared;
  }

  private start(attempt: Attempt, build: RunnerBuildEntry, setup: ActivitySetup): void {
    const slot = this.takeIsolate(build);
    attempt.slot = slot;
    slot.running.add(attempt);
    const start = { setup, args: attempt.task.args };
    if (slot.asyncCalls === 0 && this.mayStartInline(build, attempt.task.name)) {
      const dispatch = this.bind(attempt, slot);
      if (dispatch === undefined || this.startInline(attempt, dispatch, start)) return;
    }
    const dispatch = this.bind(attempt, slot);
    if (dispatch === undefined) return;
    this.counters.asyncStarts++;
    // Asynchronous: the function may compute for as long as its start-to-close allows without
    // holding the runner's main thread; the outcome comes back through the `done` callback.
    this.callAsync(slot, dispatch, [ActivityOp.start, start], (error) => this.isolateFailed(attempt, error));
  }

  /** False while an activity that overran its inline budget still has asynchronous starts to go. */
  private mayStartInline(build: RunnerBuildEntry, name: string): boolean {
    const long = this.longStarts.get(build);
    const left = long?.get(name);
    if (long === undefined || left === undefined) return true;
    if (left <= 0) {
      long.delete(name);
      return true;
    }
    long.set(name, left - 1);
    return false;
  }

  /**
   * Gives the attempt a prepared context and returns its entry point; undefined when preparing it
   * failed (the attempt is settled with that failure).
   */
  private bind(attempt: Attempt, slot: IsolateSlot): Dispatch | undefined {
    const prepared = slot.idle.pop() ?? this.prepare(slot);
    prepared.binding.attempt = attempt;
    attempt.prepared = prepared;
    attempt.dispatch = prepared.dispatch;
    if (prepared.failure === undefined && prepared.dispatch !== undefined) return prepared.dispatch;
    this.report(attempt, {
      ok: false,
      error:
        prepared.failure ??
        failure(
          'SandboxRuntimeError',
          'SANDBOX_RUNTIME_ERROR',
          'The activity context has no entry point (its set-up did not finish).',
          false,
        ).error,
    });
    this.close(attempt, false);
    return undefined;
  }

  /**
   * Starts the function with a synchronous call bounded by `inlineStartBudgetMs`. True when it
   * started (or failed: the attempt is settled); false when it overran the budget: its context is
   * discarded and the attempt must start again, asynchronously.
   */
  private startInline(
    attempt: Attempt,
    dispatch: Dispatch,
    start: { setup: ActivitySetup; args: unknown[] },
  ): boolean {
    try {
      dispatch.applySync(undefined, [ActivityOp.start, start], {
        arguments: { copy: true },
        timeout: this.options.inlineStartBudgetMs,
      });
      this.counters.inlineStarts++;
      return true;
    } catch (error) {
      const slot = attempt.slot;
      const kind = classifyIsolateError(error, slot?.isolate);
      if (kind.code !== 'CPU_LIMIT_EXCEEDED' || slot === undefined) {
        this.isolateFailed(attempt, error);
        return true;
      }
      this.counters.overruns++;
      const build = slot.build;
      let long = this.longStarts.get(build);
      if (long === undefined) this.longStarts.set(build, (long = new Map<string, number>()));
      long.set(attempt.task.name, ASYNC_STARTS_AFTER_OVERRUN);
      // Whatever the stopped run asked for (a fetch, a timer, a log line) arrives after this call
      // and finds no attempt bound to the released context: it is dropped.
      if (attempt.prepared !== undefined) this.releaseContext(attempt.prepared);
      attempt.prepared = undefined;
      attempt.dispatch = undefined;
      return false;
    }
  }

  /** An asynchronous call into the slot's isolate, counted while it runs (see `asyncCalls`). */
  private callAsync(
    slot: IsolateSlot,
    dispatch: Dispatch,
    args: [op: number, arg: unknown],
    onError: (error: unknown) => void,
  ): void {
    slot.asyncCalls++;
    dispatch.apply(undefined, args, { arguments: { copy: true } }).then(
      () => {
        slot.asyncCalls--;
      },
      (error: unknown) => {
        slot.asyncCalls--;
        onError(error);
      },
    );
  }

  /** An exception from the isolate: the deadline (sync loop), the memory limit, or a bug. */
  private isolateFailed(attempt: Attempt, error: unknown): void {
    if (attempt.reported && attempt.closed) return;
    const kind = classifyIsolateError(error, attempt.slot?.isolate, {
      memoryLimitMb: this.options.memoryLimitMb,
      what: `Activity ${attempt.task.name}`,
    });
    if (kind.code === 'CPU_LIMIT_EXCEEDED') {
      this.timedOut(attempt);
      return;
    }
    if (kind.code === 'ISOLATE_DISPOSED' && attempt.reported) {
      this.close(attempt, false);
      return;
    }
    // The isolate may be shared: which attempt exhausted its memory is unknown, so every attempt
    // that was in it may retry (the guilty one runs out of memory again and out of attempts).
    this.report(attempt, { ok: false, error: { ...kind.error, retryable: true } });
    this.close(attempt, false);
  }

  private timedOut(attempt: Attempt): void {
    this.report(
      attempt,
      failure(
        'ActivityTimeoutError',
        'ACTIVITY_TIMEOUT',
        `Activity ${attempt.task.name} (session ${attempt.task.info.sessionId}, seq ${attempt.task.info.seq}, attempt ${attempt.task.info.attempt}) did not finish within its start-to-close timeout of ${attempt.task.startToCloseTimeoutMs} ms; the attempt was discarded.`,
        true,
      ),
    );
    this.close(attempt, false);
  }

  private hostOperation(attempt: Attempt, opId: number, op: string, arg: unknown): void {
    if (attempt.closed) return;
    switch (op) {
      case 'fetch': {
        const controller = new AbortController();
        attempt.operations.set(opId, { abort: controller });
        const signal = AbortSignal.any([controller.signal, controllerOf(attempt).signal]);
        this.options.fetch.fetch(arg as FetchRequestData, signal).then(
          (result) => this.answer(attempt, opId, true, result),
          (error: unknown) => this.answer(attempt, opId, false, fetchErrorData(error)),
        );
        return;
      }
      case 'fetchAbort':
        attempt.operations.get(Number(arg))?.abort?.abort();
        attempt.operations.delete(Number(arg));
        return;
      case 'sleep': {
        const ms = Math.max(0, Math.min(Number(arg) || 0, 2_147_483_647));
        attempt.operations.set(opId, {
          timer: setTimeout(() => this.answer(attempt, opId, true, undefined), ms),
        });
        return;
      }
    }
  }

  private answer(attempt: Attempt, opId: number, ok: boolean, value: unknown): void {
    if (!attempt.operations.delete(opId) || attempt.closed || attempt.dispatch === undefined) return;
    if (attempt.slot === undefined) return;
    this.callAsync(attempt.slot, attempt.dispatch, [ActivityOp.resolve, [opId, ok, value]], (error) =>
      this.isolateFailed(attempt, error),
    );
  }

  private runBuiltinFetch(attempt: Attempt): void {
    const request = attempt.task.args[0] as Partial<FetchRequestData> | undefined;
    if (
      typeof request !== 'object' ||
      request === null ||
      typeof request.url !== 'string' ||
      typeof request.method !== 'string' ||
      !Array.isArray(request.headers)
    ) {
      this.settle(
        attempt,
        failure(
          'InvalidArgumentError',
          'INVALID_ARGUMENT',
          `${FETCH_ACTIVITY_NAME} takes one FetchRequestData argument { url, method, headers, body? }.`,
          false,
        ),
        false,
      );
      return;
    }
    this.options.fetch.fetch(request as FetchRequestData, controllerOf(attempt).signal).then(
      (result) => this.settle(attempt, { ok: true, result }, false),
      (error: unknown) => this.settle(attempt, { ok: false, error: fetchErrorData(error) }, false),
    );
  }

  private report(attempt: Attempt, outcome: ActivityOutcome): void {
    if (attempt.reported) return;
    attempt.reported = true;
    let reported = outcome;
    if (!outcome.ok && attempt.build !== undefined)
      reported = { ok: false, error: mapErrorData(outcome.error, attempt.build.activityMap) };
    this.options.reporter.done(attempt.id, reported);
  }

  /** The attempt ended with `outcome`; its isolate may be reused when it ended cleanly. */
  private settle(attempt: Attempt, outcome: ActivityOutcome, reusable: boolean): void {
    this.report(attempt, outcome);
    // A function that settled with no host operation left leaves a clean context (even when it was
    // cancelled before and its outcome is no longer wanted).
    this.close(attempt, reusable && attempt.operations.size === 0);
  }

  /**
   * Releases the attempt. `reuse`: it ended cleanly, so its context goes back to the isolate's
   * pool. Otherwise the context is dropped, and the isolate too (a timeout, a cancelled attempt
   * still running, an isolate error): its other attempts fail retryably.
   */
  private close(attempt: Attempt, reuse: boolean): void {
    if (attempt.closed) return;
    attempt.closed = true;
    this.attempts.delete(attempt.id);
    if (attempt.deadline !== undefined) clearTimeout(attempt.deadline);
    attempt.controller?.abort();
    for (const operation of attempt.operations.values()) {
      operation.abort?.abort();
      if (operation.timer !== undefined) clearTimeout(operation.timer);
    }
    attempt.operations.clear();
    const slot = attempt.slot;
    if (slot === undefined) return;
    slot.running.delete(attempt);
    const prepared = attempt.prepared;
    if (reuse && prepared !== undefined && !slot.isolate.isDisposed) {
      prepared.binding.attempt = undefined;
      if (slot.idle.length < MAX_IDLE_CONTEXTS_PER_ISOLATE) slot.idle.push(prepared);
      else this.releaseContext(prepared);
      return;
    }
    if (prepared?.failure !== undefined) {
      // The bundle's module code failed in this context: nothing ran, the isolate is fine.
      this.releaseContext(prepared);
      return;
    }
    this.disposeIsolate(slot, attempt);
  }

  private releaseContext(prepared: PreparedContext): void {
    prepared.binding.attempt = undefined;
    prepared.dispatch?.release();
    prepared.context.release();
  }

  /** Disposes an isolate whose code cannot be trusted to stop; its other attempts retry elsewhere. */
  private disposeIsolate(slot: IsolateSlot, cause: Attempt): void {
    const slots = this.isolates.get(slot.build.hash);
    if (slots !== undefined) {
      const index = slots.indexOf(slot);
      if (index >= 0) slots.splice(index, 1);
    }
    slot.idle.length = 0;
    const bystanders = [...slot.running];
    slot.running.clear();
    if (!slot.isolate.isDisposed) slot.isolate.dispose();
    for (const other of bystanders) {
      this.report(
        other,
        failure(
          'ActivityWorkerLostError',
          'ACTIVITY_WORKER_LOST',
          `Activity ${other.task.name} was interrupted because activity ${cause.task.name} in the same activity isolate had to be stopped; it will be retried.`,
          true,
        ),
      );
      other.slot = undefined;
      this.close(other, false);
    }
  }
}

function controllerOf(attempt: Attempt): AbortController {
  attempt.controller ??= new AbortController();
  return attempt.controller;
}

function failure(
  name: string,
  code: string,
  message: string,
  retryable: boolean,
): { ok: false; error: ErrorData } {
  return { ok: false, error: { name, code, message, retryable } };
}
