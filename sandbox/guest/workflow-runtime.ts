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
  createRootScope,
  setCurrentCancellationScope,
  swapCancellationScopes,
} from './cancellation-scope.js';
import type { ScopeState } from './cancellation-scope.js';
import { compareCommands } from './compare-commands.js';
import type { HistoryColumns } from './history-columns.js';
import { commandAt, commandCount, jobAt, jobCount, matchesRecorded } from './history-columns.js';
import { errorToData, failureFromData } from './error-data.js';
import { WhiskerError } from '../../common/index.js';
import { DeterminismViolationError, InvalidArgumentError, WrongContextError, rejection } from './failures.js';
import type { Xoshiro128StarStar } from './prng.js';
import { createSeededRandom } from './prng.js';
import { assertSerializable } from './serializable.js';
import type { StackPreferences } from './stack.js';
import {
  captureSite,
  currentStack,
  defaultStackPreferences,
  siteStack,
  swapStackPreferences,
} from './stack.js';

/** `deliver` / `endReplay` answers. */
export const DELIVERED = 0;
/** Conditions were unblocked: call again (with the same job) after the microtask drain. */
export const RETRY = 1;
/** The context diverged or violated determinism: stop and `conclude`. */
export const STOPPED = 2;
/** `replayNext`: the replay reached its `stopAt` point (the code ran until it waited again). */
export const UNTIL = 3;
/** `replayNext`: every recorded job was delivered. */
export const EXHAUSTED = 4;

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
  /** With `setup.trace`: what the replay did, job by job. */
  trace?: RawReplayTrace;
}

/**
 * What a traced replay did (cheap to keep: two numbers per job, and the logs).
 * `matched[i]` / `issued[i]`: recorded commands matched and new commands issued before job `i`
 * was delivered; the last entry is the total. So job `i` led to the recorded commands
 * `matched[i]..matched[i+1]-1` (0-based) and to the new commands `issued[i]..issued[i+1]-1`.
 */
export interface RawReplayTrace {
  matched: number[];
  issued: number[];
  /** Logs the code printed (replaying or live), with the index of the job being processed. */
  logs: { job: number; level: LogLevel; text: string }[];
}

/** Where the replay stops early (`--until`): after a step was issued, or after some jobs. */
export interface ReplayStopAt {
  /** Stop once this many recorded commands were matched (1-based step). */
  step?: number;
  /** Stop once this many recorded jobs were delivered. */
  jobs?: number;
}

/** The workflow's state as seen from inside (see `WorkflowStateSnapshot` in the protocol). */
export interface RawStateSnapshot {
  time: number;
  jobsDelivered: number;
  stepsMatched: number;
  done: boolean;
  cancelRequested?: string;
  activities: { seq: number; name: string; args: unknown[]; site?: string }[];
  timers: { seq: number; durationMs: number; fireAt: number; purpose: TimerPurpose; site?: string }[];
  children: {
    seq: number;
    entry: string;
    input: unknown;
    started: boolean;
    sessionId?: string;
    site?: string;
  }[];
  conditions: { timeoutSeq?: number; site?: string }[];
  signalWaiters: { name: string; timeoutSeq?: number; site?: string }[];
  bufferedSignals: { name: string; payloads: unknown[] }[];
  signalHandlers: string[];
  queryHandlers: string[];
  queries: { name: string; ok: boolean; value?: unknown; error?: ErrorData }[];
}

/** Why a timer exists: `sleep`, a `condition`/`nextSignal` timeout, a scope timeout, `setTimeout`. */
export type TimerPurpose = 'sleep' | 'timeout' | 'setTimeout';

export type QueryResult = { ok: true; result: unknown } | { ok: false; error: ErrorData };

export interface WorkflowRuntimeSetup {
  info: WorkflowInfo;
  randomSeed: string;
  /** Filename the user's bundle is compiled under (for command sources). */
  bundleFile: string;
  /** Whether recorded jobs come first (a replay). */
  replaying: boolean;
  /**
   * The recorded history (jobs, matched commands, patches), copied into the context once, in
   * columns (`history-columns.ts`): `replayNext` delivers its jobs in order, so a replay costs one
   * call without arguments per job instead of one copy of each job.
   */
  history?: HistoryColumns;
  /** Keep a trace of the replay (logs printed now, commands per job): replay debugging. */
  trace?: boolean;
  /** Remember where pending operations were started (for state snapshots; costs a stack capture each). */
  captureSites?: boolean;
  /** Capture where each command was issued (see `WorkflowInit.commandSources`); default true. */
  commandSources?: boolean;
  /** Stop the replay early (replay debugging's `until`). */
  stopAt?: ReplayStopAt;
}

interface ScopedOp {
  scope: CancellationScope;
  unlisten?: () => void;
}

interface ActivityOp extends ScopedOp {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  /** For state snapshots (the activity's name and arguments; timers leave them out). */
  name?: string;
  args?: unknown[];
  site?: object;
}

interface TimerOp {
  /** Scope-bound `sleep`: resolve/reject; internal timers and `setTimeout`: onFire. */
  scoped?: ActivityOp;
  onFire?: () => void;
  durationMs: number;
  fireAt: number;
  purpose: TimerPurpose;
  site?: object;
}

interface ChildOp extends ScopedOp {
  entry: string;
  input: unknown;
  site?: object;
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
  timeoutSeq?: number;
  site?: object;
}

interface SignalWaiter extends ScopedOp {
  resolve(payload: unknown): void;
  cancelTimer?: () => void;
  timeoutSeq?: number;
  site?: object;
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
  /** The recorded history while replaying (until `endReplay`), and how many commands it holds. */
  private recorded: HistoryColumns | undefined;
  private recordedCount = 0;
  private recordedNext = 0;
  private readonly recordedPatches: Set<string>;
  private replaying: boolean;
  private divergence: RawDivergence | undefined;
  private violation: ErrorData | undefined;
  private done = false;
  private queryName: string | undefined;
  /**
   * While another session runs: this session's scope state; while this one runs: the state it
   * replaced (`resume` and `suspend` swap them).
   */
  private scopes: ScopeState;
  private stackPreferences: StackPreferences = defaultStackPreferences();
  /** Whether this session's state is the one in force (`resume` and `suspend` are idempotent). */
  private resumed = false;
  private readonly activities = new Map<number, ActivityOp>();
  private readonly timers = new Map<number, TimerOp>();
  private readonly children = new Map<number, ChildOp>();
  private conditions: ConditionOp[] = [];
  private readonly signalBuffer = new Map<string, unknown[]>();
  private readonly signalWaiters = new Map<string, SignalWaiter[]>();
  private readonly patchMemo = new Map<string, boolean>();
  /** Recorded jobs held in the context (`setup.jobs`) and the next one to deliver. */
  private readonly recordedJobCount: number;
  private recordedJobNext = 0;
  private readonly stopAt: ReplayStopAt | undefined;
  private readonly captureSites: boolean;
  private readonly commandSources: boolean;
  private readonly trace: RawReplayTrace | undefined;
  /** Jobs delivered so far (recorded and live). */
  private jobsDelivered = 0;

  constructor(setup: WorkflowRuntimeSetup) {
    this.info = setup.info;
    this.random = createSeededRandom(setup.randomSeed);
    this.now = setup.info.startTime;
    this.bundleFile = setup.bundleFile;
    this.recorded = setup.history;
    this.recordedCount = setup.history === undefined ? 0 : commandCount(setup.history);
    this.recordedPatches = new Set(setup.history?.patches ?? []);
    this.replaying = setup.replaying;
    this.recordedJobCount = setup.history === undefined ? 0 : jobCount(setup.history);
    this.stopAt = setup.stopAt;
    this.captureSites = setup.captureSites === true;
    this.commandSources = setup.commandSources !== false;
    this.trace = setup.trace === true ? { matched: [], issued: [], logs: [] } : undefined;
    this.root = createRootScope();
    this.scopes = {
      current: this.root,
      runtime: {
        startScopeTimer: (durationMs, onFire, site) =>
          this.startInternalTimer(durationMs, onFire, site as ApiFunction | undefined),
      },
    };
  }

  /** This session's code runs next (see `enterWorkflowRuntime`): its scopes and stack preferences. */
  resume(): void {
    if (this.resumed) return;
    this.scopes = swapCancellationScopes(this.scopes);
    this.stackPreferences = swapStackPreferences(this.stackPreferences);
    this.resumed = true;
  }

  /** Another session's code runs next: keep this one's scopes and stack preferences. */
  suspend(): void {
    if (!this.resumed) return;
    this.scopes = swapCancellationScopes(this.scopes);
    this.stackPreferences = swapStackPreferences(this.stackPreferences);
    this.resumed = false;
  }

  setEntry(entry: (input: unknown) => unknown): void {
    this.entry = entry;
  }

  get isReplaying(): boolean {
    return this.replaying;
  }

  /** The workflow function has returned or thrown. */
  get finished(): boolean {
    return this.done;
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
      this.recordedNext < this.recordedCount
    ) {
      const index = this.recordedNext;
      if (matchesRecorded(this.recorded, index, command) === true) {
        this.recordedNext++;
        return;
      }
      const differences = compareCommands(commandAt(this.recorded, index), command);
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
    if (kind === 'log') {
      if (this.trace !== undefined) {
        this.trace.logs.push({ job: this.jobsDelivered - 1, level: command.level, text: command.text });
        return;
      }
      if (this.replaying) return;
    }
    this.pending.push(
      site === undefined || !this.commandSources ? { command } : { command, site: captureSite(site) },
    );
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
      const op: ActivityOp = { scope, resolve, reject, name, args };
      if (this.captureSites && site !== undefined) op.site = captureSite(site);
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
      const timer: TimerOp = { scoped: op, durationMs, fireAt: this.now + durationMs, purpose: 'sleep' };
      if (this.captureSites && site !== undefined) timer.site = captureSite(site);
      this.timers.set(seq, timer);
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
    purpose: TimerPurpose = 'timeout',
  ): { seq: number; cancel(): void } {
    const seq = this.takeSeq();
    this.issue({ kind: 'startTimer', seq, durationMs }, site);
    const timer: TimerOp = { onFire, durationMs, fireAt: this.now + durationMs, purpose };
    if (this.captureSites && site !== undefined) timer.site = captureSite(site);
    this.timers.set(seq, timer);
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
      'setTimeout',
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
      if (this.captureSites && site !== undefined) op.site = captureSite(site);
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
        op.timeoutSeq = timer.seq;
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

  /** Waiting on `condition` predicates: concluding runs them (user code). */
  get checksConditions(): boolean {
    return !this.stopped && this.conditions.length > 0;
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
      const op: ChildOp = { scope, entry, input, started: false, resolveStart, rejectStart, waiters: [] };
      if (this.captureSites && site !== undefined) op.site = captureSite(site);
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
      if (this.captureSites && site !== undefined) waiter.site = captureSite(site);
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
        waiter.timeoutSeq = timer.seq;
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
    if (this.trace !== undefined) this.markTrace();
    this.jobsDelivered++;
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

  /**
   * Delivers the next recorded job of `setup.jobs` (the replay loop's call: no argument crosses
   * the boundary). Answers like `deliver`, or `UNTIL` when `stopAt` is reached; the runner knows
   * how many jobs there are.
   */
  replayNext(): number {
    if (this.stopped) return STOPPED;
    if (this.checkConditions() > 0) return RETRY;
    const stopAt = this.stopAt;
    if (
      stopAt !== undefined &&
      ((stopAt.step !== undefined && this.recordedNext >= stopAt.step) ||
        (stopAt.jobs !== undefined && this.recordedJobNext >= stopAt.jobs))
    ) {
      return UNTIL;
    }
    if (this.recordedJobNext >= this.recordedJobCount || this.recorded === undefined) return EXHAUSTED;
    const status = this.deliver(jobAt(this.recorded, this.recordedJobNext));
    if (status !== RETRY) this.recordedJobNext++;
    return status;
  }

  private markTrace(): void {
    const trace = this.trace as RawReplayTrace;
    trace.matched.push(this.recordedNext);
    trace.issued.push(this.pending.length);
  }

  /** Where the code stands now: pending operations, handlers, buffered signals (replay debugging). */
  snapshot(): RawStateSnapshot {
    const site = (holder: object | undefined): { site?: string } => {
      const text = holder === undefined ? undefined : siteStack(holder);
      return text === undefined ? {} : { site: text };
    };
    const queries: RawStateSnapshot['queries'] = [];
    for (const [name, handler] of this.queryHandlers) {
      // Only handlers without parameters can be asked here; they must only read state.
      if (handler.length > 0) continue;
      const result = this.query(name, []);
      queries.push(
        result.ok ? { name, ok: true, value: result.result } : { name, ok: false, error: result.error },
      );
    }
    const cancellation = this.root.cancellation;
    const snapshot: RawStateSnapshot = {
      time: this.now,
      jobsDelivered: this.jobsDelivered,
      stepsMatched: this.recordedNext,
      done: this.done,
      activities: [...this.activities].map(([seq, op]) => ({
        seq,
        name: op.name ?? '?',
        args: op.args ?? [],
        ...site(op.site),
      })),
      timers: [...this.timers].map(([seq, timer]) => ({
        seq,
        durationMs: timer.durationMs,
        fireAt: timer.fireAt,
        purpose: timer.purpose,
        ...site(timer.site),
      })),
      children: [...this.children].map(([seq, op]) => ({
        seq,
        entry: op.entry,
        input: op.input,
        started: op.started,
        ...(op.sessionId !== undefined ? { sessionId: op.sessionId } : {}),
        ...site(op.site),
      })),
      conditions: this.conditions.map((op) => ({
        ...(op.timeoutSeq !== undefined ? { timeoutSeq: op.timeoutSeq } : {}),
        ...site(op.site),
      })),
      signalWaiters: [...this.signalWaiters].flatMap(([name, waiters]) =>
        waiters.map((waiter) => ({
          name,
          ...(waiter.timeoutSeq !== undefined ? { timeoutSeq: waiter.timeoutSeq } : {}),
          ...site(waiter.site),
        })),
      ),
      bufferedSignals: [...this.signalBuffer].map(([name, payloads]) => ({ name, payloads: [...payloads] })),
      signalHandlers: [...this.signalHandlers.keys()],
      queryHandlers: [...this.queryHandlers.keys()],
      queries,
    };
    if (cancellation !== undefined) snapshot.cancelRequested = cancellation.message;
    return snapshot;
  }

  /** After the last recorded job: every recorded command must have been issued. */
  endReplay(): number {
    if (this.stopped) return STOPPED;
    if (this.checkConditions() > 0) return RETRY;
    this.replaying = false;
    if (this.recorded !== undefined && this.recordedNext < this.recordedCount) {
      this.diverge({ step: this.recordedNext + 1, recordedIndex: this.recordedNext, differences: [] });
      return STOPPED;
    }
    this.recorded = undefined;
    return DELIVERED;
  }

  conclude(): Conclusion | typeof RETRY {
    if (!this.stopped && this.checkConditions() > 0) return RETRY;
    // The trace's last marks are the totals (before the pending commands are handed over).
    if (this.trace !== undefined) this.markTrace();
    const commands = this.pending.map(({ command, site }) =>
      withSite({ command }, site === undefined ? undefined : siteStack(site)),
    );
    this.pending = [];
    const conclusion: Conclusion = { commands, done: this.done };
    if (this.trace !== undefined) conclusion.trace = this.trace;
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
// The runtime whose session runs now. A context is shared by the sessions of one build in a
// shard (see `workflow-entry.ts`); every call into it names its session, which is entered first.

let installed: WorkflowRuntime | undefined;

/** Makes `runtime` the one the API and the deterministic globals act for. */
export function enterWorkflowRuntime(runtime: WorkflowRuntime): void {
  // Idempotent steps: a call stopped at its CPU limit in the middle of a switch leaves a state
  // the next switch still completes.
  if (installed !== runtime) installed?.suspend();
  installed = runtime;
  runtime.resume();
}

/** Leaves `runtime` if it is the one in force (its session is released). */
export function leaveWorkflowRuntime(runtime: WorkflowRuntime): void {
  if (installed !== runtime) return;
  runtime.suspend();
  installed = undefined;
}

/** The runtime in force now, if any (the one whose session last ran and was not released). */
export function installedWorkflowRuntime(): WorkflowRuntime | undefined {
  return installed;
}

/** The running workflow's runtime, or a clear error for API calls outside a workflow. */
export function workflowRuntime(api: string): WorkflowRuntime {
  if (installed === undefined) {
    throw new WrongContextError(api, 'in workflow code while a workflow runs');
  }
  return installed;
}
