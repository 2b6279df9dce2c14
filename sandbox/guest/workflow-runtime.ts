/**
 * The state machine of one workflow context (one session), inside the isolate.
 *
 * The runner calls in once per job (`deliver`), V8 drains microtasks after each call, and the
 * runner calls again: first to re-check `condition`s (a call that unblocks any returns `RETRY`
 * and is repeated after the drain), then with the next job, and finally `conclude` for the
 * commands. So jobs are applied one by one whatever the grouping (see `protocol.ts`).
 *
 * Replay: recorded commands are matched as the code issues them (`compareCommands`); the first
 * mismatch freezes the context and is reported as a divergence. Commands beyond the recorded ones
 * are new. Logs are dropped while recorded jobs are delivered.
 */
import type { ErrorData } from '../../common/index.js';
import type { Command, FieldDifference, HttpResponseData, Job, LogLevel, WorkflowInfo } from '../protocol.js';
import { MATCHED_COMMAND_KINDS } from '../protocol.js';
import type { ActivityOptions as CompiledActivityOptions } from '../protocol.js';
import {
  CancellationScope,
  initCancellationScopes,
  setCurrentCancellationScope,
} from './cancellation-scope.js';
import { compareCommands } from './compare-commands.js';
import { errorToData, failureFromData } from './error-data.js';
import { WhiskerError } from '../../common/index.js';
import { DeterminismViolationError, InvalidArgumentError, WrongContextError, rejection } from './failures.js';
import type { Xoshiro128StarStar } from './prng.js';
import { createSeededRandom } from './prng.js';
import { assertSerializable } from './serializable.js';
import { captureSite, currentStack, siteStack } from './stack.js';

/** `deliver` / `endReplay` answers. */
export const DELIVERED = 0;
/** Conditions were unblocked: call again (with the same job) after the microtask drain. */
export const RETRY = 1;
/** The context diverged or violated determinism: stop and `conclude`. */
export const STOPPED = 2;

/** A function of the guest API, marking where user code called in (see `issue`). */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- any API function serves as a stack boundary
export type ApiFunction = Function;

export interface RawIssuedCommand {
  command: Command;
  /** The stack where the code issued it (raw text, a few frames); the runner finds the user's frame. */
  site?: string;
}

export interface RawDivergence {
  step: number;
  /** Index into the recorded commands (absent when the journal has no command there). */
  recordedIndex?: number;
  issued?: RawIssuedCommand;
  differences: FieldDifference[];
  /** Raw stack (bundle positions) when the diverging command was issued. */
  stack?: string;
  /** Set for divergences that are not a command mismatch (a job for an unknown seq). */
  detail?: string;
}

export interface Conclusion {
  commands: RawIssuedCommand[];
  done: boolean;
  divergence?: RawDivergence;
  violation?: ErrorData;
}

export type QueryResult = { ok: true; result: unknown } | { ok: false; error: ErrorData };

export interface WorkflowRuntimeSetup {
  info: WorkflowInfo;
  randomSeed: string;
  /** Filename the user's bundle is compiled under (for command sources). */
  bundleFile: string;
  /** Recorded matched commands when replaying. */
  recorded?: Command[];
  patches?: string[];
  /** Whether recorded jobs come first (a replay). */
  replaying: boolean;
}

interface ScopedOp {
  scope: CancellationScope;
  unlisten?: () => void;
}

interface ActivityOp extends ScopedOp {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

interface TimerOp {
  /** Scope-bound `sleep`: resolve/reject; internal timers and `setTimeout`: onFire. */
  scoped?: ActivityOp;
  onFire?: () => void;
}

interface ChildOp extends ScopedOp {
  started: boolean;
  sessionId?: string;
  resolveStart(handle: ChildHandle<unknown>): void;
  rejectStart(error: unknown): void;
  outcome?: { ok: true; value: unknown } | { ok: false; error: unknown };
  waiters: { resolve(value: unknown): void; reject(error: unknown): void }[];
}

interface ConditionOp extends ScopedOp {
  fn: () => boolean;
  resolve(value: boolean): void;
  reject(error: unknown): void;
  cancelTimer?: () => void;
}

interface SignalWaiter extends ScopedOp {
  resolve(payload: unknown): void;
  cancelTimer?: () => void;
}

/** A started child session (`startChild`). */
export interface ChildHandle<R> {
  /** The child's session id, assigned by the engine. */
  readonly sessionId: string;
  /** Resolves with the child's result, rejects with its failure. */
  result(): Promise<R>;
}

export class QueryCommandError extends WhiskerError {
  constructor(
    readonly query: string,
    readonly commandKind: string,
  ) {
    super(
      'QUERY_ISSUED_COMMAND',
      `Query handler "${query}" tried to ${commandKind}; query handlers must only read the workflow's state (no activities, timers, child sessions or responses).`,
    );
  }
}

export class WorkflowRuntime {
  readonly info: WorkflowInfo;
  readonly random: Xoshiro128StarStar;
  /** Workflow time (ms): the current job's time. */
  now: number;
  readonly root: CancellationScope;
  readonly signalHandlers = new Map<string, (payload: unknown) => unknown>();
  readonly queryHandlers = new Map<string, (...args: unknown[]) => unknown>();

  private entry: ((input: unknown) => unknown) | undefined;
  private readonly bundleFile: string;
  private nextSeq = 1;
  private pending: { command: Command; site?: object }[] = [];
  private recorded: Command[] | undefined;
  private recordedNext = 0;
  private readonly recordedPatches: Set<string>;
  private replaying: boolean;
  private divergence: RawDivergence | undefined;
  private violation: ErrorData | undefined;
  private done = false;
  private queryName: string | undefined;
  private readonly activities = new Map<number, ActivityOp>();
  private readonly timers = new Map<number, TimerOp>();
  private readonly children = new Map<number, ChildOp>();
  private conditions: ConditionOp[] = [];
  private readonly signalBuffer = new Map<string, unknown[]>();
  private readonly signalWaiters = new Map<string, SignalWaiter[]>();
  private readonly patchMemo = new Map<string, boolean>();

  constructor(setup: WorkflowRuntimeSetup) {
    this.info = setup.info;
    this.random = createSeededRandom(setup.randomSeed);
    this.now = setup.info.startTime;
    this.bundleFile = setup.bundleFile;
    this.recorded = setup.recorded;
    this.recordedPatches = new Set(setup.patches ?? []);
    this.replaying = setup.replaying;
    this.root = new CancellationScope({ cancellable: true });
    initCancellationScopes(this.root, {
      startScopeTimer: (durationMs, onFire, site) =>
        this.startInternalTimer(durationMs, onFire, site as ApiFunction | undefined),
    });
  }

  setEntry(entry: (input: unknown) => unknown): void {
    this.entry = entry;
  }

  get isReplaying(): boolean {
    return this.replaying;
  }

  private get stopped(): boolean {
    return this.divergence !== undefined || this.violation !== undefined;
  }

  // -------------------------------------------------------------------------------------------
  // Commands.

  /**
   * Records a command. `site`: the API function user code called, when the command comes straight
   * from a user's call (its caller is the command's source); internal commands have none.
   */
  private issue(command: Command, site?: ApiFunction): void {
    if (this.queryName !== undefined) {
      if (command.kind === 'log') return;
      throw new QueryCommandError(this.queryName, describeCommand(command));
    }
    if (this.stopped || this.done) return;
    const kind = command.kind;
    if (
      MATCHED_COMMAND_KINDS.has(kind) &&
      this.recorded !== undefined &&
      this.recordedNext < this.recorded.length
    ) {
      const index = this.recordedNext;
      const recorded = this.recorded[index] as Command;
      const differences = compareCommands(recorded, command);
      if (differences.length === 0) {
        this.recordedNext++;
        return;
      }
      this.diverge({
        step: index + 1,
        recordedIndex: index,
        issued: withSite({ command }, site === undefined ? undefined : siteStack(captureSite(site))),
        differences,
        stack: currentStack('Divergence'),
      });
      return;
    }
    if (kind === 'log' && this.replaying) return;
    this.pending.push(site === undefined ? { command } : { command, site: captureSite(site) });
  }

  private diverge(divergence: RawDivergence): void {
    if (this.divergence === undefined) this.divergence = divergence;
  }

  /** Records a determinism violation (the activation fails even if the code catches the error). */
  violate(reason: string): DeterminismViolationError {
    const error = new DeterminismViolationError(reason);
    if (this.violation === undefined) this.violation = errorToData(error);
    return error;
  }

  log(level: LogLevel, text: string): void {
    this.issue({ kind: 'log', level, text });
  }

  private takeSeq(): number {
    return this.nextSeq++;
  }

  // -------------------------------------------------------------------------------------------
  // Operations user code starts.

  scheduleActivity(
    name: string,
    args: unknown[],
    options: CompiledActivityOptions,
    site?: ApiFunction,
  ): Promise<unknown> {
    const scope = CancellationScope.current();
    if (scope.cancellation !== undefined) return rejection(scope.cancellation);
    try {
      assertSerializable(args, `activity ${name}`, 'args');
    } catch (error) {
      return rejection(error);
    }
    const seq = this.takeSeq();
    // A copy per command: commands must not share objects (copies keep sharing across the boundary).
    const own: CompiledActivityOptions = { ...options };
    if (options.retry !== undefined) {
      own.retry = { ...options.retry };
      if (options.retry.nonRetryableErrorNames !== undefined) {
        own.retry.nonRetryableErrorNames = [...options.retry.nonRetryableErrorNames];
      }
    }
    this.issue({ kind: 'scheduleActivity', seq, name, args, options: own }, site);
    return new Promise((resolve, reject) => {
      const op: ActivityOp = { scope, resolve, reject };
      this.activities.set(seq, op);
      op.unlisten = scope.onCancel((failure) => {
        const type = options.cancellationType ?? 'try-cancel';
        if (type !== 'abandon') this.issue({ kind: 'requestCancelActivity', seq });
        if (type === 'wait-cancellation-completed') return;
        this.activities.delete(seq);
        reject(failure);
      });
    });
  }

  sleep(durationMs: number, site?: ApiFunction): Promise<void> {
    const scope = CancellationScope.current();
    if (scope.cancellation !== undefined) return rejection(scope.cancellation);
    const seq = this.takeSeq();
    this.issue({ kind: 'startTimer', seq, durationMs }, site);
    return new Promise((resolve, reject) => {
      const op: ActivityOp = { scope, resolve: () => resolve(), reject };
      this.timers.set(seq, { scoped: op });
      op.unlisten = scope.onCancel((failure) => {
        if (!this.timers.delete(seq)) return;
        this.issue({ kind: 'cancelTimer', seq });
        reject(failure);
      });
    });
  }

  /** A timer outside any scope (condition and signal timeouts, `withTimeout`, `setTimeout`). */
  startInternalTimer(
    durationMs: number,
    onFire: () => void,
    site?: ApiFunction,
  ): { seq: number; cancel(): void } {
    const seq = this.takeSeq();
    this.issue({ kind: 'startTimer', seq, durationMs }, site);
    this.timers.set(seq, { onFire });
    return {
      seq,
      cancel: () => {
        if (this.timers.delete(seq)) this.issue({ kind: 'cancelTimer', seq });
      },
    };
  }

  /** `setTimeout`: a durable timer; returns its seq as the handle. */
  setTimer(
    callback: (...args: unknown[]) => unknown,
    durationMs: number,
    args: unknown[],
    site?: ApiFunction,
  ): number {
    return this.startInternalTimer(
      durationMs,
      () => {
        setCurrentCancellationScope(this.root);
        try {
          callback(...args);
        } catch (error) {
          this.failWith(error);
        }
      },
      site,
    ).seq;
  }

  clearTimer(seq: unknown, site?: ApiFunction): void {
    if (typeof seq !== 'number' || !this.timers.get(seq)?.onFire) return;
    this.timers.delete(seq);
    this.issue({ kind: 'cancelTimer', seq }, site);
  }

  condition(fn: () => boolean, timeoutMs: number | undefined, site?: ApiFunction): Promise<boolean> {
    const scope = CancellationScope.current();
    if (scope.cancellation !== undefined) return rejection(scope.cancellation);
    if (fn()) return Promise.resolve(true);
    return new Promise((resolve, reject) => {
      const op: ConditionOp = { scope, fn, resolve, reject };
      this.conditions.push(op);
      if (timeoutMs !== undefined) {
        const timer = this.startInternalTimer(
          timeoutMs,
          () => {
            this.removeCondition(op);
            setCurrentCancellationScope(op.scope);
            resolve(false);
          },
          site,
        );
        op.cancelTimer = () => timer.cancel();
      }
      op.unlisten = scope.onCancel((failure) => {
        this.removeCondition(op);
        op.cancelTimer?.();
        reject(failure);
      });
    });
  }

  private removeCondition(op: ConditionOp): void {
    this.conditions = this.conditions.filter((other) => other !== op);
    op.unlisten?.();
  }

  /** Resolves every condition that holds now; returns how many settled. */
  private checkConditions(): number {
    if (this.conditions.length === 0) return 0;
    let settled = 0;
    for (const op of [...this.conditions]) {
      let holds: boolean;
      try {
        holds = Boolean(op.fn());
      } catch (error) {
        this.removeCondition(op);
        op.cancelTimer?.();
        op.reject(error);
        settled++;
        continue;
      }
      if (!holds) continue;
      this.removeCondition(op);
      op.cancelTimer?.();
      if (settled === 0) setCurrentCancellationScope(op.scope);
      op.resolve(true);
      settled++;
    }
    return settled;
  }

  startChild(
    entry: string,
    input: unknown,
    idempotencyKey: string | undefined,
    site?: ApiFunction,
  ): Promise<ChildHandle<unknown>> {
    const scope = CancellationScope.current();
    if (scope.cancellation !== undefined) return rejection(scope.cancellation);
    try {
      if (typeof entry !== 'string' || !/^[^:]+:[A-Za-z_$][\w$]*$/.test(entry)) {
        throw new InvalidArgumentError('startChild', 'entry', entry, "'file.ts:functionName'");
      }
      assertSerializable(input, `child ${entry}`, 'input');
    } catch (error) {
      return rejection(error);
    }
    const seq = this.takeSeq();
    this.issue(
      {
        kind: 'startChild',
        seq,
        entry,
        input,
        options: idempotencyKey === undefined ? {} : { idempotencyKey },
      },
      site,
    );
    return new Promise((resolveStart, rejectStart) => {
      const op: ChildOp = { scope, started: false, resolveStart, rejectStart, waiters: [] };
      this.children.set(seq, op);
      op.unlisten = scope.onCancel((failure) => {
        if (!this.children.delete(seq)) return;
        this.issue({ kind: 'requestCancelChild', seq });
        if (!op.started) op.rejectStart(failure);
        op.outcome = { ok: false, error: failure };
        for (const waiter of op.waiters.splice(0)) waiter.reject(failure);
      });
    });
  }

  private childHandle(op: ChildOp, sessionId: string): ChildHandle<unknown> {
    return Object.freeze({
      sessionId,
      result: (): Promise<unknown> => {
        const outcome = op.outcome;
        if (outcome !== undefined)
          return outcome.ok ? Promise.resolve(outcome.value) : rejection(outcome.error);
        return new Promise((resolve, reject) => op.waiters.push({ resolve, reject }));
      },
    });
  }

  nextSignal(name: string, timeoutMs: number | undefined, site?: ApiFunction): Promise<unknown> {
    const buffered = this.signalBuffer.get(name);
    if (buffered !== undefined && buffered.length > 0) {
      const payload = buffered.shift();
      if (buffered.length === 0) this.signalBuffer.delete(name);
      return Promise.resolve(payload);
    }
    const scope = CancellationScope.current();
    if (scope.cancellation !== undefined) return rejection(scope.cancellation);
    return new Promise((resolve, reject) => {
      const waiter: SignalWaiter = { scope, resolve };
      const remove = (): void => {
        const list = this.signalWaiters.get(name) ?? [];
        const rest = list.filter((other) => other !== waiter);
        if (rest.length === 0) this.signalWaiters.delete(name);
        else this.signalWaiters.set(name, rest);
        waiter.unlisten?.();
      };
      const list = this.signalWaiters.get(name) ?? [];
      list.push(waiter);
      this.signalWaiters.set(name, list);
      if (timeoutMs !== undefined) {
        const timer = this.startInternalTimer(
          timeoutMs,
          () => {
            remove();
            setCurrentCancellationScope(scope);
            resolve(undefined);
          },
          site,
        );
        waiter.cancelTimer = () => timer.cancel();
      }
      waiter.unlisten = scope.onCancel((failure) => {
        remove();
        waiter.cancelTimer?.();
        reject(failure);
      });
    });
  }

  setSignalHandler(name: string, handler: ((payload: unknown) => unknown) | undefined): void {
    if (handler === undefined) {
      this.signalHandlers.delete(name);
      return;
    }
    this.signalHandlers.set(name, handler);
    const buffered = this.signalBuffer.get(name);
    if (buffered === undefined) return;
    this.signalBuffer.delete(name);
    for (const payload of buffered) this.callSignalHandler(handler, payload);
  }

  private callSignalHandler(handler: (payload: unknown) => unknown, payload: unknown): void {
    try {
      const result = handler(payload);
      if (isThenable(result)) result.then(undefined, (error: unknown) => this.failWith(error));
    } catch (error) {
      this.failWith(error);
    }
  }

  patched(id: string, deprecated: boolean): boolean {
    if (typeof id !== 'string' || id === '')
      throw new InvalidArgumentError(
        deprecated ? 'deprecatePatch' : 'patched',
        'id',
        id,
        'a non-empty string',
      );
    const memo = this.patchMemo.get(id);
    if (memo !== undefined) return memo;
    let result: boolean;
    if (this.replaying) result = this.recordedPatches.has(id);
    else {
      result = true;
      if (!this.recordedPatches.has(id)) this.issue({ kind: 'patch', id, deprecated });
    }
    this.patchMemo.set(id, result);
    return result;
  }

  respond(response: HttpResponseData, site?: ApiFunction): void {
    this.issue({ kind: 'respond', response }, site);
  }

  // -------------------------------------------------------------------------------------------
  // Completion.

  private complete(result: unknown): void {
    if (this.done) return;
    try {
      assertSerializable(result, 'the workflow result', 'result');
    } catch (error) {
      this.failWith(error);
      return;
    }
    this.issue({ kind: 'complete', result });
    this.done = true;
  }

  failWith(error: unknown): void {
    if (this.done) return;
    this.issue({ kind: 'fail', error: errorToData(error) });
    this.done = true;
  }

  // -------------------------------------------------------------------------------------------
  // Calls from the runner.

  deliver(job: Job): number {
    if (this.stopped) return STOPPED;
    if (this.checkConditions() > 0) return RETRY;
    this.now = job.time;
    switch (job.kind) {
      case 'start':
        this.start(job.input);
        break;
      case 'resolveActivity':
      case 'rejectActivity': {
        const op = this.activities.get(job.seq);
        if (op === undefined) {
          this.unknownSeq(job.kind, job.seq);
          break;
        }
        this.activities.delete(job.seq);
        op.unlisten?.();
        setCurrentCancellationScope(op.scope);
        if (job.kind === 'resolveActivity') op.resolve(job.result);
        else op.reject(failureFromData(job.error));
        break;
      }
      case 'fireTimer': {
        const timer = this.timers.get(job.seq);
        if (timer === undefined) {
          this.unknownSeq(job.kind, job.seq);
          break;
        }
        this.timers.delete(job.seq);
        if (timer.scoped !== undefined) {
          timer.scoped.unlisten?.();
          setCurrentCancellationScope(timer.scoped.scope);
          timer.scoped.resolve(undefined);
        } else {
          setCurrentCancellationScope(this.root);
          timer.onFire?.();
        }
        break;
      }
      case 'signal':
        this.signal(job.name, job.payload);
        break;
      case 'resolveChildStart': {
        const op = this.children.get(job.seq);
        if (op === undefined) {
          this.unknownSeq(job.kind, job.seq);
          break;
        }
        op.started = true;
        op.sessionId = job.sessionId;
        setCurrentCancellationScope(op.scope);
        op.resolveStart(this.childHandle(op, job.sessionId));
        break;
      }
      case 'resolveChild':
      case 'rejectChild': {
        const op = this.children.get(job.seq);
        if (op === undefined) {
          this.unknownSeq(job.kind, job.seq);
          break;
        }
        this.children.delete(job.seq);
        op.unlisten?.();
        setCurrentCancellationScope(op.scope);
        const outcome: ChildOp['outcome'] =
          job.kind === 'resolveChild'
            ? { ok: true, value: job.result }
            : { ok: false, error: failureFromData(job.error) };
        op.outcome = outcome;
        if (!op.started && !outcome.ok) op.rejectStart(outcome.error);
        for (const waiter of op.waiters.splice(0)) {
          if (outcome.ok) waiter.resolve(outcome.value);
          else waiter.reject(outcome.error);
        }
        break;
      }
      case 'cancel':
        setCurrentCancellationScope(this.root);
        this.root.cancel(job.reason);
        break;
    }
    return this.stopped ? STOPPED : DELIVERED;
  }

  private start(input: unknown): void {
    const entry = this.entry;
    if (entry === undefined) throw new Error('whisker runtime: no entry function');
    setCurrentCancellationScope(this.root);
    this.root
      .run(() => entry(input))
      .then(
        (result) => this.complete(result),
        (error: unknown) => this.failWith(error),
      );
  }

  private signal(name: string, payload: unknown): void {
    setCurrentCancellationScope(this.root);
    const handler = this.signalHandlers.get(name);
    if (handler !== undefined) {
      this.callSignalHandler(handler, payload);
      return;
    }
    const waiters = this.signalWaiters.get(name);
    const waiter = waiters?.shift();
    if (waiter !== undefined) {
      if (waiters !== undefined && waiters.length === 0) this.signalWaiters.delete(name);
      waiter.unlisten?.();
      waiter.cancelTimer?.();
      setCurrentCancellationScope(waiter.scope);
      waiter.resolve(payload);
      return;
    }
    const buffer = this.signalBuffer.get(name) ?? [];
    buffer.push(payload);
    this.signalBuffer.set(name, buffer);
  }

  /** A job for a seq the code never started: a divergence while replaying; ignored live (late or cancelled). */
  private unknownSeq(kind: string, seq: number): void {
    if (seq < this.nextSeq || !this.replaying) return;
    this.diverge({
      step: this.recordedNext + 1,
      differences: [],
      detail: `the journal delivers ${kind} for seq ${seq}, which the code never started (it started ${this.nextSeq - 1} operations so far)`,
      stack: currentStack('Divergence'),
    });
  }

  /** After the last recorded job: every recorded command must have been issued. */
  endReplay(): number {
    if (this.stopped) return STOPPED;
    if (this.checkConditions() > 0) return RETRY;
    this.replaying = false;
    if (this.recorded !== undefined && this.recordedNext < this.recorded.length) {
      this.diverge({ step: this.recordedNext + 1, recordedIndex: this.recordedNext, differences: [] });
      return STOPPED;
    }
    this.recorded = undefined;
    return DELIVERED;
  }

  conclude(): Conclusion | typeof RETRY {
    if (!this.stopped && this.checkConditions() > 0) return RETRY;
    const commands = this.pending.map(({ command, site }) =>
      withSite({ command }, site === undefined ? undefined : siteStack(site)),
    );
    this.pending = [];
    const conclusion: Conclusion = { commands, done: this.done };
    if (this.divergence !== undefined) conclusion.divergence = this.divergence;
    if (this.violation !== undefined) conclusion.violation = this.violation;
    return conclusion;
  }

  query(name: string, args: unknown[]): QueryResult {
    const handler = this.queryHandlers.get(name);
    if (handler === undefined) {
      const known = [...this.queryHandlers.keys()];
      return {
        ok: false,
        error: {
          name: 'QueryNotFoundError',
          code: 'QUERY_NOT_FOUND',
          message: `The workflow has no handler for query "${name}" (handlers: ${known.length > 0 ? known.join(', ') : 'none'}); register one with setHandler(defineQuery('${name}'), handler).`,
        },
      };
    }
    this.queryName = name;
    try {
      const result = handler(...args);
      if (isThenable(result)) {
        return {
          ok: false,
          error: {
            name: 'QueryFailedError',
            code: 'QUERY_NOT_SYNCHRONOUS',
            message: `Query handler "${name}" returned a promise; query handlers must return their value synchronously.`,
          },
        };
      }
      assertSerializable(result, `query ${name}`, 'result');
      return { ok: true, result };
    } catch (error) {
      return { ok: false, error: errorToData(error) };
    } finally {
      this.queryName = undefined;
    }
  }
}

function withSite(issued: RawIssuedCommand, site: string | undefined): RawIssuedCommand {
  if (site !== undefined) issued.site = site;
  return issued;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function describeCommand(command: Command): string {
  switch (command.kind) {
    case 'scheduleActivity':
      return `schedule activity ${command.name}`;
    case 'startTimer':
      return 'start a timer';
    case 'startChild':
      return `start child ${command.entry}`;
    default:
      return `issue a ${command.kind} command`;
  }
}

// ---------------------------------------------------------------------------------------------
// The runtime of this context (one per context: each context runs its own copy of this script).

let installed: WorkflowRuntime | undefined;

export function installWorkflowRuntime(runtime: WorkflowRuntime): void {
  installed = runtime;
}

/** The running workflow's runtime, or a clear error for API calls outside a workflow. */
export function workflowRuntime(api: string): WorkflowRuntime {
  if (installed === undefined) {
    throw new WrongContextError(api, 'in workflow code while a workflow runs');
  }
  return installed;
}
