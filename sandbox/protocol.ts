/**
 * The activation protocol between the engine (host) and workflow code (guest).
 *
 * The engine hands the sandbox an activation (jobs, each with the workflow time at which it
 * is delivered); the guest applies the jobs ONE BY ONE — set the clock to the job's time,
 * deliver it, drain microtasks, re-check `condition`s — and returns the commands the code
 * issued. Because each job is applied on its own, how jobs are grouped into activations never
 * changes what the code does: an activation is a transport batch, not a unit of meaning.
 *
 * Replay: to rebuild a context the engine sends the recorded jobs (in journal order) and the
 * recorded commands (in journal order). The guest delivers the recorded jobs and checks each
 * command the code issues against the next recorded one (`compareCommands`). When every
 * recorded job is delivered, every recorded command must have been issued; commands beyond
 * the recorded ones are new and are returned. Logs are not journaled-for-matching: during
 * replay the code's logs are dropped (silent), live they are returned as `log` commands.
 *
 * All values (`input`, `args`, `result`, `payload`) are structured-clone safe.
 */
import type { ErrorData, SourceLocation } from '../common/index.js';
import type { HistoryColumns } from './guest/history-columns.js';

// ---------------------------------------------------------------------------------------------
// Jobs: facts delivered to workflow code.

interface JobBase {
  /** Workflow time (ms since epoch) while this job is applied: what `Date.now()` returns. */
  time: number;
}

export type Job =
  | (JobBase & { kind: 'start'; input: unknown })
  | (JobBase & { kind: 'resolveActivity'; seq: number; result: unknown })
  | (JobBase & { kind: 'rejectActivity'; seq: number; error: ErrorData })
  | (JobBase & { kind: 'fireTimer'; seq: number })
  | (JobBase & { kind: 'signal'; name: string; payload: unknown })
  | (JobBase & { kind: 'resolveChildStart'; seq: number; sessionId: string })
  | (JobBase & { kind: 'resolveChild'; seq: number; result: unknown })
  | (JobBase & { kind: 'rejectChild'; seq: number; error: ErrorData })
  /** Stop requested: cancels the root cancellation scope. */
  | (JobBase & { kind: 'cancel'; reason: string });

export type JobKind = Job['kind'];

// ---------------------------------------------------------------------------------------------
// Commands: what workflow code asks the engine to do.

/** Retry policy, compiled (ms). Fields absent in a command take the engine's defaults. */
export interface RetryPolicy {
  initialIntervalMs?: number;
  backoffCoefficient?: number;
  maximumIntervalMs?: number;
  /** 0 means unlimited. */
  maximumAttempts?: number;
  nonRetryableErrorNames?: string[];
}

/** Activity options as the code gave them, compiled to ms. Not compared during replay. */
export interface ActivityOptions {
  startToCloseTimeoutMs?: number;
  scheduleToCloseTimeoutMs?: number;
  heartbeatTimeoutMs?: number;
  retry?: RetryPolicy;
  /** What cancelling the calling scope does: `try-cancel` (default) rejects the call at once. */
  cancellationType?: 'try-cancel' | 'wait-cancellation-completed' | 'abandon';
}

export interface ChildOptions {
  /** Optional caller-chosen id suffix to make the child findable; the engine assigns the id. */
  idempotencyKey?: string;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** A response a session sets for a synchronous webhook caller. */
export interface HttpResponseData {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export type Command =
  | { kind: 'scheduleActivity'; seq: number; name: string; args: unknown[]; options: ActivityOptions }
  | { kind: 'requestCancelActivity'; seq: number }
  | { kind: 'startTimer'; seq: number; durationMs: number }
  | { kind: 'cancelTimer'; seq: number }
  /** `entry` is `file.ts:function` within the same build. */
  | { kind: 'startChild'; seq: number; entry: string; input: unknown; options: ChildOptions }
  | { kind: 'requestCancelChild'; seq: number }
  | { kind: 'log'; level: LogLevel; text: string }
  /** A `patched(id)` / `deprecatePatch(id)` marker (Temporal semantics). */
  | { kind: 'patch'; id: string; deprecated: boolean }
  | { kind: 'respond'; response: HttpResponseData }
  | { kind: 'complete'; result: unknown }
  /** The workflow threw. A cancellation after a `cancel` job has `error.code === 'CANCELLED'`. */
  | { kind: 'fail'; error: ErrorData };

export type CommandKind = Command['kind'];

/**
 * Commands that take part in replay matching. `log` and `patch` are journaled but not matched:
 * logs are silent during replay, and patch markers are looked up by id (see `ReplayHistory.patches`).
 */
export const MATCHED_COMMAND_KINDS: ReadonlySet<CommandKind> = new Set<CommandKind>([
  'scheduleActivity',
  'requestCancelActivity',
  'startTimer',
  'cancelTimer',
  'startChild',
  'requestCancelChild',
  'respond',
  'complete',
  'fail',
]);

/** A command as returned live: with the user's source location where the code issued it. */
export interface IssuedCommand {
  command: Command;
  /** Mapped to the user's source through the bundle's source map, when known. */
  source?: SourceLocation;
}

// ---------------------------------------------------------------------------------------------
// Activations.

/** What a workflow can learn about itself (`workflowInfo()`); fixed for the session's life. */
export interface WorkflowInfo {
  sessionId: string;
  /** `file.ts:function`. */
  entry: string;
  buildId: string;
  projectId?: string;
  deploymentId?: string;
  parentSessionId?: string;
  /** Time the session started (ms since epoch). */
  startTime: number;
  /** Non-secret project variables, as recorded when the session started. */
  variables: Record<string, string>;
}

export interface WorkflowInit {
  /** Content hash of the build (`BuildArtifact.hash`); the build must be registered with the sandbox. */
  buildHash: string;
  info: WorkflowInfo;
  /** Seed of the session's PRNG (`Math.random`, `crypto.*`, `uuid4()`), recorded in the journal. */
  randomSeed: string;
  /**
   * Whether issued commands carry the user's source location (`IssuedCommand.source`); default
   * true. Each costs a stack capture and a source-map lookup, so a caller that does not use them
   * (the engine journals none) turns them off. A divergence always names its source.
   */
  commandSources?: boolean;
}

/** A recorded command with where it sits in the journal. */
export interface RecordedCommand {
  command: Command;
  /** Journal revision of the event that recorded it (for reports). */
  revision?: number;
}

export interface ReplayHistory {
  /** Recorded jobs in journal order. The first is always `start`. */
  jobs: Job[];
  /** Recorded matched commands (see `MATCHED_COMMAND_KINDS`) in journal order. */
  commands: RecordedCommand[];
  /** Patch ids recorded anywhere in the journal: `patched(id)` is true during replay iff listed. */
  patches: string[];
}

export interface WorkflowActivation {
  sessionId: string;
  /**
   * Present to create (or re-create) the context. Without it the runner must already hold
   * the session's context, or it answers `context-missing`.
   */
  init?: WorkflowInit;
  /** With `init`: the recorded history to replay before `jobs` (as objects, or in columns). */
  replay?: ReplayHistory | HistoryColumns;
  /** New jobs, applied live after any replay. */
  jobs: Job[];
}

export type ActivationOutcome =
  /** `commands`: the new commands (after replay), in order. `done`: the code completed or failed. */
  | { kind: 'ok'; sessionId: string; commands: IssuedCommand[]; done: boolean }
  | { kind: 'nondeterminism'; sessionId: string; divergence: Divergence }
  /** The runner holds no context for this session (evicted, runner restarted): resend with init + replay. */
  | { kind: 'context-missing'; sessionId: string }
  /** The runner process died or the isolate was disposed during the activation; retry from the journal. */
  | { kind: 'context-lost'; sessionId: string; error: ErrorData }
  /**
   * The code breached a limit or the guest broke: a session error with a stable code
   * (`CPU_LIMIT_EXCEEDED`, `MEMORY_LIMIT_EXCEEDED`, `DETERMINISM_VIOLATION`, `ENTRY_NOT_FOUND`...).
   */
  | { kind: 'failed'; sessionId: string; error: ErrorData };

// ---------------------------------------------------------------------------------------------
// Non-determinism.

export interface FieldDifference {
  /** Path inside the command, e.g. `args[0].user.id`, `durationMs`, `name`. */
  path: string;
  recorded: unknown;
  issued: unknown;
}

export interface Divergence {
  /** 1-based ordinal of the matched command at which code and journal part ways. */
  step: number;
  /** What the journal recorded at that step; absent when the journal has no command there. */
  recorded?: RecordedCommand;
  /** What the code did now; absent when the code issued no command where the journal has one. */
  issued?: IssuedCommand;
  differences: FieldDifference[];
  /** Stack of the workflow code when it issued the diverging command, mapped to user sources. */
  stack?: string;
  /** One paragraph: step, recorded vs now, source line, and a hint (e.g. guard with `patched('id')`). */
  message: string;
}

// ---------------------------------------------------------------------------------------------
// Queries.

export interface WorkflowQuery {
  sessionId: string;
  name: string;
  args: unknown[];
}

export type QueryOutcome =
  { kind: 'ok'; result: unknown } | { kind: 'error'; error: ErrorData } | { kind: 'context-missing' };

// ---------------------------------------------------------------------------------------------
// Activities (project activities run in a runner; `whisker.fetch` is the built-in HTTP activity).

export const FETCH_ACTIVITY_NAME = 'whisker.fetch';

export interface ActivityInfo {
  sessionId: string;
  /** The activity's sequence number within its session. */
  seq: number;
  /** 1-based. `${sessionId}:${seq}` is a stable idempotency key across attempts. */
  attempt: number;
  name: string;
  /** ms since epoch. */
  scheduledAt: number;
}

export interface ActivityTask {
  /** Unique per attempt. */
  taskId: string;
  buildHash: string;
  name: string;
  args: unknown[];
  info: ActivityInfo;
  /** Wall-clock limit of this attempt; the context is discarded when it passes. */
  startToCloseTimeoutMs: number;
  /** Project variables (all) and secrets (decrypted) for this activity's capabilities. */
  variables: Record<string, string>;
  secrets: Record<string, string>;
}

export type ActivityOutcome = { ok: true; result: unknown } | { ok: false; error: ErrorData };

/** Result of the built-in `whisker.fetch` activity, from which the guest rebuilds a `Response`. */
export interface FetchResultData {
  status: number;
  statusText: string;
  url: string;
  headers: [string, string][];
  body: Uint8Array;
  redirected: boolean;
}

/** Arguments of the built-in `whisker.fetch` activity. */
export interface FetchRequestData {
  url: string;
  method: string;
  headers: [string, string][];
  body?: Uint8Array;
}

// ---------------------------------------------------------------------------------------------
// Replay debugging: a recorded history replayed offline in a throwaway context, with a trace of
// what the code did now, an optional early stop (`until`) with a snapshot of the workflow's
// state, and an optional V8 inspector. Nothing is journaled and no activity runs.

/** Where a replay stops early: once the code issued a step, or once some recorded jobs were delivered. */
export interface ReplayStopAt {
  /** Stop once this many recorded commands were matched (the 1-based step of `Divergence.step`). */
  step?: number;
  /** Stop once this many recorded jobs were delivered. */
  jobs?: number;
}

/** Open a V8 inspector on the replaying context (in the runner), and wait for a debugger. */
export interface InspectOptions {
  /** Interface to listen on. Default `127.0.0.1` (the inspector gives full control of the context). */
  host?: string;
  /** Port; 0 picks a free one. Default 9229. */
  port?: number;
  /**
   * Prefix for the source map's `sources` (e.g. `file:///home/me/project/`), so editors map the
   * user's files to the ones on disk. Default: none (sources appear under `whisker:///project/`).
   */
  sourceRoot?: string;
}

/** Where a debugger can attach. */
export interface InspectorEndpoint {
  /** The WebSocket URL of the inspector (Chrome DevTools Protocol). */
  url: string;
  /** Opens Chrome DevTools on this inspector. */
  devtoolsUrl: string;
  host: string;
  port: number;
}

export interface ReplayRequest {
  /** The context's identity (sessionId in `info`), the build and the seed, as recorded. */
  init: WorkflowInit;
  /** As objects, or in columns (see `HistoryColumns`). */
  history: ReplayHistory | HistoryColumns;
  /** Facts journaled after the code's last output: delivered live after the replay, their commands are new. */
  pending: Job[];
  until?: ReplayStopAt;
  /** Note where each pending operation was started (for the state snapshot). Costs a stack capture per operation. */
  captureSites?: boolean;
  inspect?: InspectOptions;
}

export interface ReplayCallbacks {
  /** The inspector is listening; the replay waits until a debugger attaches and says go. */
  onInspectorListening?: (endpoint: InspectorEndpoint) => void;
}

/** A log line the code printed during the replay, with the index of the job it was processing (-1: module code). */
export interface ReplayLog {
  job: number;
  level: LogLevel;
  text: string;
}

/**
 * What the replay did, job by job (jobs are the history's jobs, then the pending ones, in order).
 * `matched[i]` / `issued[i]`: recorded commands matched / new commands issued before job `i`; the
 * last entry is the total. Job `i` led to recorded commands `matched[i]`..`matched[i+1]-1` (0-based)
 * and to new commands `issued[i]`..`issued[i+1]-1`.
 */
export interface ReplayTrace {
  matched: number[];
  issued: number[];
  logs: ReplayLog[];
}

/** The workflow's state at a point of the replay: what it waits for and what it holds. */
export interface WorkflowStateSnapshot {
  /** Workflow time (ms since epoch). */
  time: number;
  jobsDelivered: number;
  /** Recorded commands matched so far (the last step reached). */
  stepsMatched: number;
  /** The code completed or failed. */
  done: boolean;
  /** The reason, when the session's root scope was cancelled (a stop request). */
  cancelRequested?: string;
  activities: { seq: number; name: string; args: unknown[]; source?: SourceLocation }[];
  timers: {
    seq: number;
    durationMs: number;
    fireAt: number;
    /** `sleep`, a `timeout` (of `condition`, `nextSignal` or a scope), or `setTimeout`. */
    purpose: 'sleep' | 'timeout' | 'setTimeout';
    source?: SourceLocation;
  }[];
  children: {
    seq: number;
    entry: string;
    input: unknown;
    started: boolean;
    sessionId?: string;
    source?: SourceLocation;
  }[];
  /** `condition()` calls waiting for their predicate. */
  conditions: { timeoutSeq?: number; source?: SourceLocation }[];
  /** `nextSignal()` calls waiting. */
  signalWaiters: { name: string; timeoutSeq?: number; source?: SourceLocation }[];
  /** Signals received that no handler or waiter took yet. */
  bufferedSignals: { name: string; payloads: unknown[] }[];
  signalHandlers: string[];
  queryHandlers: string[];
  /** Values of the query handlers that take no arguments. */
  queries: { name: string; ok: boolean; value?: unknown; error?: ErrorData }[];
}

export interface ReplayOutcome {
  /**
   * `compatible`: every recorded command was issued again, in order; `until`: stopped at
   * `request.until` with no divergence before it; `nondeterminism`: see `divergence`;
   * `failed`: the code or the sandbox failed (see `error`).
   */
  kind: 'compatible' | 'until' | 'nondeterminism' | 'failed';
  /** Absent only when the context could not be created. */
  trace?: ReplayTrace;
  /** Commands beyond the recorded ones (issued in reaction to `pending` facts, or after the history). */
  newCommands: IssuedCommand[];
  /** The code completed or failed. */
  done: boolean;
  /** At the end (or at `until`) of the replay. */
  state?: WorkflowStateSnapshot;
  divergence?: Divergence;
  error?: ErrorData;
}
