/**
 * The events of a session's journal (stream `session-<id>`): the contract of DESIGN.md §3.
 *
 * Facts (delivered to the code as jobs): SessionStarted, ActivityCompleted, ActivityFailed (final),
 * TimerFired, SignalReceived, ChildStarted, ChildCompleted, CancelRequested.
 * Commands (what the code did): ActivityScheduled, ActivityCancelRequested, TimerStarted,
 * TimerCancelled, ChildStarted, ChildCancelRequested, Log, PatchMarker, ResponseSet,
 * SessionCompleted, SessionFailed / SessionStopped (origin `code`).
 * Engine records: ActivityFailed (with `retryAt`, an attempt that will be retried), SessionParked,
 * SessionResumed, SessionFailed / SessionStopped (origin `engine` or `operator`).
 *
 * Every event carries `time`: for facts it is the workflow time at which the code sees them.
 * Event data is versionless but additive: new optional fields only; a change that is not additive
 * needs a new event type, so journals recorded today replay forever (see test/engine/golden).
 */
import type { ErrorData } from '../../common/index.js';
import type {
  ActivityOptions,
  ChildOptions,
  Divergence,
  HttpResponseData,
  LogLevel,
} from '../../sandbox/index.js';

export interface SessionStartedData {
  sessionId: string;
  /** `file.ts:function`. */
  entry: string;
  buildId: string;
  input: unknown;
  /** Seed of the session's deterministic PRNG. */
  seed: string;
  time: number;
  projectId?: string;
  deploymentId?: string;
  /** What started it (trigger id and event id, manual, restart of another session, a parent). */
  trigger?: SessionTrigger;
  parent?: { sessionId: string; seq: number };
  idempotencyKey?: string;
  /** Non-secret project variables as of the start (workflow code reads these deterministically). */
  variables: Record<string, string>;
  /** Free-form labels (searchable), e.g. `{ restartOf: 'ses_…' }`. */
  labels?: Record<string, string>;
}

export interface SessionTrigger {
  kind: 'manual' | 'webhook' | 'schedule' | 'connection' | 'child' | 'restart' | 'api';
  triggerId?: string;
  eventId?: string;
  /** The session this one restarts (kind `restart`). */
  sessionId?: string;
}

export interface ActivityScheduledData {
  seq: number;
  name: string;
  args: unknown[];
  options: ActivityOptions;
  time: number;
}

export interface ActivityCompletedData {
  seq: number;
  result: unknown;
  attempt: number;
  time: number;
}

export interface ActivityFailedData {
  seq: number;
  error: ErrorData;
  attempt: number;
  /** Present: this attempt failed and the activity will be retried then (ms since epoch). Absent: final. */
  retryAt?: number;
  time: number;
}

export interface ActivityCancelRequestedData {
  seq: number;
  time: number;
}

export interface TimerStartedData {
  seq: number;
  durationMs: number;
  fireAt: number;
  time: number;
}

export interface TimerFiredData {
  seq: number;
  time: number;
}

export interface TimerCancelledData {
  seq: number;
  time: number;
}

export interface SignalReceivedData {
  name: string;
  payload: unknown;
  time: number;
}

export interface ChildStartedData {
  seq: number;
  sessionId: string;
  entry: string;
  input: unknown;
  options: ChildOptions;
  time: number;
}

export interface ChildCompletedData {
  seq: number;
  sessionId: string;
  /** Exactly one of `result` / `error` is meaningful; `failed` tells which. */
  failed: boolean;
  result?: unknown;
  error?: ErrorData;
  time: number;
}

export interface ChildCancelRequestedData {
  seq: number;
  time: number;
}

export interface LogData {
  level: LogLevel;
  text: string;
  time: number;
}

/** A log line of an activity attempt (not workflow output: it plays no part in replay). */
export interface ActivityLogData {
  seq: number;
  attempt: number;
  level: LogLevel;
  text: string;
  time: number;
}

export interface PatchMarkerData {
  id: string;
  deprecated: boolean;
  time: number;
}

export interface ResponseSetData {
  response: HttpResponseData;
  time: number;
}

export interface CancelRequestedData {
  reason: string;
  /** Grace period after which the stop is forced (ms). */
  gracePeriodMs: number;
  time: number;
}

export interface SessionCompletedData {
  result: unknown;
  time: number;
}

export type EndOrigin = 'code' | 'engine' | 'operator';

export interface SessionFailedData {
  error: ErrorData;
  /** `code`: the workflow threw; `engine`: a limit or infrastructure failure; `operator`: failed by hand. */
  origin: EndOrigin;
  time: number;
}

export interface SessionStoppedData {
  reason: string;
  /** `code`: the code ended on the cancellation; `engine`: forced after the grace period. */
  origin: EndOrigin;
  forced: boolean;
  /** With origin `code`: the error the code ended with (a cancellation). */
  error?: ErrorData;
  time: number;
}

export interface SessionParkedData {
  /** `NONDETERMINISM` or an infrastructure error code needing attention. */
  code: string;
  message: string;
  divergence?: Divergence;
  error?: ErrorData;
  time: number;
}

export interface SessionResumedData {
  /** The build the session continues on (unchanged when absent). */
  buildId?: string;
  reason: string;
  time: number;
}

/** Every session event type with its data. */
export interface SessionEventMap {
  SessionStarted: SessionStartedData;
  ActivityScheduled: ActivityScheduledData;
  ActivityCompleted: ActivityCompletedData;
  ActivityFailed: ActivityFailedData;
  ActivityCancelRequested: ActivityCancelRequestedData;
  TimerStarted: TimerStartedData;
  TimerFired: TimerFiredData;
  TimerCancelled: TimerCancelledData;
  SignalReceived: SignalReceivedData;
  ChildStarted: ChildStartedData;
  ChildCompleted: ChildCompletedData;
  ChildCancelRequested: ChildCancelRequestedData;
  Log: LogData;
  ActivityLog: ActivityLogData;
  PatchMarker: PatchMarkerData;
  ResponseSet: ResponseSetData;
  CancelRequested: CancelRequestedData;
  SessionCompleted: SessionCompletedData;
  SessionFailed: SessionFailedData;
  SessionStopped: SessionStoppedData;
  SessionParked: SessionParkedData;
  SessionResumed: SessionResumedData;
}

export type SessionEventType = keyof SessionEventMap;

/** A session event as the engine handles it (type-safe pair of type and data). */
export type SessionEvent = {
  [K in SessionEventType]: { type: K; data: SessionEventMap[K] };
}[SessionEventType];

export const SESSION_EVENT_TYPES: ReadonlySet<string> = new Set<SessionEventType>([
  'SessionStarted',
  'ActivityScheduled',
  'ActivityCompleted',
  'ActivityFailed',
  'ActivityCancelRequested',
  'TimerStarted',
  'TimerFired',
  'TimerCancelled',
  'SignalReceived',
  'ChildStarted',
  'ChildCompleted',
  'ChildCancelRequested',
  'Log',
  'ActivityLog',
  'PatchMarker',
  'ResponseSet',
  'CancelRequested',
  'SessionCompleted',
  'SessionFailed',
  'SessionStopped',
  'SessionParked',
  'SessionResumed',
]);

export function sessionStream(sessionId: string): string {
  return `session-${sessionId}`;
}

export const SESSION_STREAM_PREFIX = 'session-';
