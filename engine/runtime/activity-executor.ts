/**
 * Runs activity attempts: host activities (functions the embedding app registered, trusted, run
 * here) and project activities (user code, run in a runner through the sandbox). Applies the
 * retry policy and the timeouts, and hands every outcome to the session as a journaled fact.
 *
 * At-least-once: an attempt whose outcome was not journaled (crash, shutdown) runs again; an
 * attempt whose completion was journaled never does, because a completed activity is no longer
 * pending in the session state that recovery restarts attempts from.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { toErrorData } from '../../common/index.js';
import type { ErrorData } from '../../common/index.js';
import type {
  ActivationOutcome,
  ActivityChain,
  ActivityInfo,
  ActivityOutcome,
  LogLevel,
  Sandbox,
} from '../../sandbox/index.js';
import { CANCELLED_CODE } from '../session/commands.js';
import type { CompiledActivityOptions } from '../session/retry.js';
import { compileActivityOptions, decideRetry } from '../session/retry.js';
import type { PendingActivity } from '../session/state.js';
import type { SessionRuntime } from './session-runtime.js';
import type { TimerQueue } from './timer-queue.js';

/**
 * A host activity: any function of structured-clone-safe arguments returning such a value (or a
 * promise of one). Inside it, `activityContext()` gives the attempt's info, heartbeat and signal.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- registered functions take any arguments the workflow passes
export type HostActivityFunction = (...args: any[]) => unknown;

export interface ActivityContext {
  info: ActivityInfo;
  /** Aborted when the attempt is cancelled or timed out. */
  signal: AbortSignal;
  heartbeat(details?: unknown): void;
  /** A line in the session's log (journaled, secrets redacted). */
  log(level: LogLevel, text: string): void;
}

const activityContextStorage = new AsyncLocalStorage<ActivityContext>();

/** The context of the host activity attempt running in the current async call chain. */
export function activityContext(): ActivityContext {
  const context = activityContextStorage.getStore();
  if (context === undefined) throw new Error('activityContext() is only available inside a host activity');
  return context;
}

/** Project variables and decrypted secrets an activity of this session may read. */
export interface ActivityEnvironment {
  variables: Record<string, string>;
  secrets: Record<string, string>;
  /** Applied to the attempt's outcome and logs (see `OutcomeRedactor`). Default: none. */
  redactor?: OutcomeRedactor;
}

export interface ActivityExecutorHost {
  readonly sandbox: Sandbox;
  readonly timers: TimerQueue;
  readonly hostActivities: ReadonlyMap<string, HostActivityFunction>;
  /** Offer runners to chain project activities (see `ActivityChain`). */
  readonly chainActivities: boolean;
  buildHash(buildId: string): Promise<string>;
  environment(session: SessionRuntime): Promise<ActivityEnvironment>;
}

/**
 * Removes secrets from what an activity hands back (result, error, log lines) BEFORE it is
 * journaled or given to the code, so live runs and replays see the same redacted values.
 */
export interface OutcomeRedactor {
  value(value: unknown): unknown;
  error(error: ErrorData): ErrorData;
  text(text: string): string;
}

type AbortReason = 'cancel' | 'heartbeat' | 'discard';

interface RunningAttempt {
  reason?: AbortReason;
  /**
   * Only a host activity has one (its `activityContext().signal`); a project activity is cancelled
   * through the sandbox by its task id: an AbortController and its listener cost ~7 µs per step.
   */
  controller?: AbortController;
  /** The task id of the project activity attempt the sandbox runs now. */
  taskId?: string;
  /** Its completion reached the session with the chained activation (nothing left to deliver). */
  chainAccepted?: true;
}

export interface ActivityExecutorMetrics {
  inFlight: number;
  started: number;
  completed: number;
  failedAttempts: number;
}

export function retryTimerKey(sessionId: string, seq: number): string {
  return ['r', sessionId, seq].join(':'); // one flat string, as `timerKey` (engine.ts)
}

export class ActivityExecutor {
  private readonly running = new Map<string, RunningAttempt>();
  private closed = false;
  private nextTaskId = 0;
  private readonly counters = { started: 0, completed: 0, failedAttempts: 0 };

  constructor(private readonly host: ActivityExecutorHost) {}

  /** Starts (or arms the retry timer of) a pending activity of `session`. */
  start(session: SessionRuntime, activity: PendingActivity): void {
    if (this.closed) return;
    if (activity.retryAt !== undefined && activity.retryAt > Date.now()) {
      this.host.timers.set(retryTimerKey(session.id, activity.seq), activity.retryAt);
      return;
    }
    void this.runAttempt(session, activity);
  }

  /** The retry timer of an activity fired. */
  retryDue(session: SessionRuntime, seq: number): void {
    const activity = session.state.activities.get(seq);
    if (activity === undefined || session.final || this.closed) return;
    void this.runAttempt(session, activity);
  }

  /** The code cancelled the activity: abort the attempt, and tell the code it ended cancelled. */
  cancel(session: SessionRuntime, seq: number): void {
    const running = this.running.get(attemptKey(session.id, seq));
    if (running !== undefined) {
      this.abort(running, 'cancel', cancelledError());
      return;
    }
    this.host.timers.delete(retryTimerKey(session.id, seq));
    const activity = session.state.activities.get(seq);
    if (activity !== undefined)
      this.deliverFinalFailure(session, activity, activity.failedAttempts, cancelledError());
  }

  /**
   * The session ended: abort its attempts silently (nothing more is journaled for it). Pending
   * retry timers find the session ended when they fire and do nothing.
   */
  discardSession(sessionId: string): void {
    const prefix = `${sessionId}:`;
    for (const [key, running] of this.running) {
      if (!key.startsWith(prefix)) continue;
      this.abort(running, 'discard', new Error('the session ended'));
    }
  }

  /** Shutdown: abort every attempt; their outcomes are not journaled, so they run again after restart. */
  close(): void {
    this.closed = true;
    for (const running of this.running.values())
      this.abort(running, 'discard', new Error('the engine is shutting down'));
  }

  /** Aborts the attempt for `reason`: the host activity's signal fires, or the sandbox cancels it. */
  private abort(running: RunningAttempt, reason: AbortReason, error: ErrorData | Error): void {
    // A later reason wins (a cancel after a heartbeat timeout ends it cancelled), as with an
    // AbortController, but the attempt is only aborted once.
    const first = running.reason === undefined;
    running.reason = reason;
    if (!first) return;
    running.controller?.abort(error);
    if (running.taskId !== undefined) this.host.sandbox.cancelActivity(running.taskId, error.message);
  }

  metrics(): ActivityExecutorMetrics {
    return { inFlight: this.running.size, ...this.counters };
  }

  private async runAttempt(session: SessionRuntime, activity: PendingActivity): Promise<void> {
    const key = attemptKey(session.id, activity.seq);
    if (this.running.has(key)) return;
    const options = compileActivityOptions(activity.options);
    const attempt = activity.failedAttempts + 1;
    const running: RunningAttempt = {};
    this.running.set(key, running);
    this.counters.started++;
    const info: ActivityInfo = {
      sessionId: session.id,
      seq: activity.seq,
      attempt,
      name: activity.name,
      scheduledAt: activity.scheduledAt,
    };
    let heartbeatTimer: NodeJS.Timeout | undefined;
    const armHeartbeat = (): void => {
      if (options.heartbeatTimeoutMs <= 0) return;
      if (heartbeatTimer) clearTimeout(heartbeatTimer);
      heartbeatTimer = setTimeout(
        () => this.abort(running, 'heartbeat', heartbeatTimeoutError(options.heartbeatTimeoutMs)),
        options.heartbeatTimeoutMs,
      );
    };
    armHeartbeat();
    let outcome: ActivityOutcome;
    let redactor: OutcomeRedactor | undefined;
    const log = (level: LogLevel, text: string): void => {
      if (running.reason === 'discard' || session.final) return;
      const time = Date.now();
      const clean = redactor === undefined ? text : redactor.text(text);
      void session
        .deliver({
          event: { type: 'ActivityLog', data: { seq: activity.seq, attempt, level, text: clean, time } },
          jobs: [],
        })
        .catch(() => undefined);
    };
    try {
      const timeoutMs = attemptTimeout(options, activity.scheduledAt);
      const environment = await this.host.environment(session);
      redactor = environment.redactor;
      const fn = this.host.hostActivities.get(activity.name);
      if (running.reason !== undefined) {
        // Aborted while its environment was looked up: it never starts (the reason decides below).
        outcome = { ok: false, error: cancelledError() };
      } else if (fn !== undefined) {
        running.controller = new AbortController();
        outcome = await runHostActivity(
          fn,
          activity.args,
          info,
          running.controller.signal,
          timeoutMs,
          armHeartbeat,
          log,
        );
      } else {
        const buildHash = await this.host.buildHash(session.state.buildId);
        if (running.reason !== undefined) {
          // Aborted while its build was looked up: it never starts either.
          outcome = { ok: false, error: cancelledError() };
        } else {
          const taskId = `${session.id}:${activity.seq}:${attempt}:${this.nextTaskId++}`;
          // A redactor changes the result before the code may see it: no chain then.
          const chain =
            this.host.chainActivities && redactor === undefined && session.chainable
              ? this.offerChain(session, activity, attempt, running, taskId)
              : undefined;
          // From here `abort` cancels it through the sandbox (a no-op once it settled).
          running.taskId = taskId;
          outcome = await this.host.sandbox.runActivity(
            {
              taskId,
              buildHash,
              name: activity.name,
              args: activity.args,
              info,
              startToCloseTimeoutMs: timeoutMs,
              variables: environment.variables,
              secrets: environment.secrets,
            },
            {
              onHeartbeat: armHeartbeat,
              onLog: log,
              ...(chain !== undefined ? { chain } : {}),
            },
          );
        }
      }
    } catch (error) {
      outcome = { ok: false, error: toErrorData(error) };
    } finally {
      if (heartbeatTimer) clearTimeout(heartbeatTimer);
      this.running.delete(key);
      if (session.chain?.taskId.startsWith(`${key}:`) === true) session.chain = undefined;
    }
    if (running.chainAccepted === true) return;
    if (redactor !== undefined) {
      outcome = outcome.ok
        ? { ok: true, result: redactor.value(outcome.result) }
        : { ok: false, error: redactor.error(outcome.error) };
    }
    if (this.closed || running.reason === 'discard' || session.final) return;
    if (running.reason === 'cancel') {
      this.deliverFinalFailure(session, activity, attempt, cancelledError());
      return;
    }
    if (running.reason === 'heartbeat')
      outcome = { ok: false, error: heartbeatTimeoutError(options.heartbeatTimeoutMs) };
    if (outcome.ok) {
      const stored = checkStorable(outcome.result, `activity ${activity.name} returned a value that`);
      if (stored !== undefined) outcome = { ok: false, error: stored };
    }
    this.settle(session, activity, attempt, outcome, options);
  }

  /**
   * Offers the runner to activate the session with this attempt's result (see `ActivityChain`).
   * The completion is accepted only if the engine would have delivered exactly that result now;
   * otherwise the context, which saw it, is discarded and the completion goes the usual way.
   */
  private offerChain(
    session: SessionRuntime,
    activity: PendingActivity,
    attempt: number,
    running: RunningAttempt,
    taskId: string,
  ): ActivityChain {
    session.chain = { taskId, revoke: () => this.host.sandbox.revokeChain(taskId) };
    return {
      onActivated: (result: unknown, activation: ActivationOutcome, time: number): void => {
        if (session.chain?.taskId === taskId) session.chain = undefined;
        const unstorable = checkStorable(result, `activity ${activity.name} returned a value that`);
        if (this.closed || running.reason !== undefined || session.final || unstorable !== undefined) {
          session.discardContext();
          return;
        }
        running.chainAccepted = true;
        this.counters.completed++;
        const seq = activity.seq;
        session.acceptChained({
          event: { type: 'ActivityCompleted', data: { seq, result, attempt, time } },
          jobs: [{ kind: 'resolveActivity', seq, result, time }],
          chained: { outcome: activation, time },
        });
      },
    };
  }

  private settle(
    session: SessionRuntime,
    activity: PendingActivity,
    attempt: number,
    outcome: ActivityOutcome,
    options: CompiledActivityOptions,
  ): void {
    const time = Date.now();
    const seq = activity.seq;
    if (outcome.ok) {
      this.counters.completed++;
      void session
        .deliver({
          event: { type: 'ActivityCompleted', data: { seq, result: outcome.result, attempt, time } },
          jobs: [{ kind: 'resolveActivity', seq, result: outcome.result, time }],
        })
        .catch(() => undefined);
      return;
    }
    this.counters.failedAttempts++;
    const decision = decideRetry(options, attempt, outcome.error, time, activity.scheduledAt);
    if (!decision.retry) {
      this.deliverFinalFailure(session, activity, attempt, outcome.error);
      return;
    }
    const retryAt = time + decision.delayMs;
    void session
      .deliver({
        event: { type: 'ActivityFailed', data: { seq, error: outcome.error, attempt, retryAt, time } },
        jobs: [],
      })
      .then(() => {
        const pending = session.state.activities.get(seq);
        if (pending !== undefined && !session.final) this.start(session, pending);
      })
      .catch(() => undefined);
  }

  private deliverFinalFailure(
    session: SessionRuntime,
    activity: PendingActivity,
    attempt: number,
    error: ErrorData,
  ): void {
    const time = Date.now();
    const seq = activity.seq;
    void session
      .deliver({
        event: { type: 'ActivityFailed', data: { seq, error, attempt, time } },
        jobs: [{ kind: 'rejectActivity', seq, error, time }],
      })
      .catch(() => undefined);
  }
}

function attemptKey(sessionId: string, seq: number): string {
  return `${sessionId}:${seq}`;
}

/** An attempt gets its start-to-close limit, shortened to what schedule-to-close leaves. */
function attemptTimeout(options: CompiledActivityOptions, scheduledAt: number): number {
  if (options.scheduleToCloseTimeoutMs <= 0) return options.startToCloseTimeoutMs;
  const left = scheduledAt + options.scheduleToCloseTimeoutMs - Date.now();
  return Math.max(1, Math.min(options.startToCloseTimeoutMs, left));
}

function runHostActivity(
  fn: HostActivityFunction,
  args: unknown[],
  info: ActivityInfo,
  signal: AbortSignal,
  timeoutMs: number,
  onHeartbeat: () => void,
  log: (level: LogLevel, text: string) => void,
): Promise<ActivityOutcome> {
  return new Promise<ActivityOutcome>((resolve) => {
    let settled = false;
    const finish = (outcome: ActivityOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    const controller = new AbortController();
    const timer = setTimeout(() => {
      const error = startToCloseTimeoutError(info, timeoutMs);
      controller.abort(error);
      finish({ ok: false, error });
    }, timeoutMs);
    const onAbort = (): void => {
      controller.abort(signal.reason);
      finish({ ok: false, error: toErrorData(signal.reason) });
    };
    signal.addEventListener('abort', onAbort);
    const context: ActivityContext = {
      info,
      signal: controller.signal,
      heartbeat: () => onHeartbeat(),
      log,
    };
    activityContextStorage.run(context, () => {
      Promise.resolve()
        .then(() => fn(...args))
        .then(
          (result) => finish({ ok: true, result }),
          (error: unknown) => finish({ ok: false, error: toErrorData(error) }),
        );
    });
  });
}

/** Values go into the journal: they must survive a structured clone. */
export function checkStorable(value: unknown, what: string): ErrorData | undefined {
  try {
    structuredClone(value);
    return undefined;
  } catch (error) {
    return {
      name: 'UnstorableValueError',
      code: 'UNSTORABLE_VALUE',
      message: `${what} cannot be stored in the journal (${(error as Error).message}); return plain data (objects, arrays, strings, numbers, Date, Map, Set, typed arrays)`,
      retryable: false,
    };
  }
}

function cancelledError(): ErrorData {
  return {
    name: 'CancelledFailure',
    code: CANCELLED_CODE,
    message: 'the activity was cancelled',
    retryable: false,
  };
}

function heartbeatTimeoutError(timeoutMs: number): ErrorData {
  return {
    name: 'ActivityTimeoutError',
    code: 'ACTIVITY_HEARTBEAT_TIMEOUT',
    message: `the activity did not heartbeat within ${timeoutMs} ms`,
    retryable: true,
  };
}

function startToCloseTimeoutError(info: ActivityInfo, timeoutMs: number): ErrorData {
  return {
    name: 'ActivityTimeoutError',
    code: 'ACTIVITY_TIMEOUT',
    message: `activity ${info.name} (attempt ${info.attempt}) did not finish within ${timeoutMs} ms`,
    retryable: true,
  };
}
