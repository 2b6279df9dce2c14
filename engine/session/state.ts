/**
 * The session reducer: folds a session's journal into its current state. Pure and incremental
 * (`applySessionEvent` mutates a state it owns), so the engine keeps the state of a live session
 * up to date event by event, and recovery rebuilds it from the journal with the same code.
 */
import { WhiskerError } from '../../common/index.js';
import type { ErrorData } from '../../common/index.js';
import type { ActivityOptions, Divergence, HttpResponseData } from '../../sandbox/index.js';
import type { SessionEvent, SessionTrigger } from './events.js';
import { isOutputEvent, jobsOf } from './history.js';

export type SessionStatus = 'created' | 'running' | 'waiting' | 'completed' | 'failed' | 'stopped' | 'parked';

export const FINAL_STATUSES: ReadonlySet<SessionStatus> = new Set<SessionStatus>([
  'completed',
  'failed',
  'stopped',
]);

export function isFinalStatus(status: SessionStatus): boolean {
  return FINAL_STATUSES.has(status);
}

/** A count per status, all zero: the start of every tally by status. */
export function zeroStatusCounts(): Record<SessionStatus, number> {
  return { created: 0, running: 0, waiting: 0, completed: 0, failed: 0, stopped: 0, parked: 0 };
}

export interface PendingActivity {
  seq: number;
  name: string;
  args: unknown[];
  options: ActivityOptions;
  scheduledAt: number;
  /** Attempts that failed and were journaled (the next attempt is `failedAttempts + 1`). */
  failedAttempts: number;
  /** When the next attempt may start (after a journaled retryable failure). */
  retryAt?: number;
  lastError?: ErrorData;
  cancelRequested: boolean;
}

export interface PendingTimer {
  seq: number;
  fireAt: number;
}

export interface PendingChild {
  seq: number;
  sessionId: string;
  entry: string;
  cancelRequested: boolean;
}

export interface SessionState {
  sessionId: string;
  status: SessionStatus;
  entry: string;
  /** The build the code runs on now (changes only through `SessionResumed`). */
  buildId: string;
  /** The build the session started on. */
  startBuildId: string;
  input: unknown;
  variables: Record<string, string>;
  projectId?: string;
  deploymentId?: string;
  trigger?: SessionTrigger;
  parent?: { sessionId: string; seq: number };
  idempotencyKey?: string;
  labels?: Record<string, string>;
  startedAt: number;
  /** Time of the last event. */
  updatedAt: number;
  endedAt?: number;
  result?: unknown;
  error?: ErrorData;
  stopReason?: string;
  parked?: { code: string; message: string; divergence?: Divergence; error?: ErrorData };
  response?: HttpResponseData;
  cancelRequested?: { reason: string; gracePeriodMs: number; time: number };
  /** Revision of the last event folded in. */
  revision: number;
  /** Read-only views: the reducer swaps the shared empty map, one-entry maps and real ones (see `setPending`). */
  activities: ReadonlyMap<number, PendingActivity>;
  timers: ReadonlyMap<number, PendingTimer>;
  children: ReadonlyMap<number, PendingChild>;
  /**
   * True when the last event is a fact the code may not have seen yet (a signal or child start
   * journaled on arrival, a cancel request): recovery must activate the session to be sure.
   */
  pendingFacts: boolean;
  /**
   * How many of each the session had so far. Fields of the state, not an object of their own (~64 B
   * more for each of 100,000 sleeping sessions); `SessionInfo.counts` gathers them.
   */
  activityCount: number;
  timerCount: number;
  signalCount: number;
  logCount: number;
  childCount: number;
}

/** Thrown when a journal does not start with `SessionStarted` or is otherwise not a session's. */
export class MalformedSessionJournalError extends WhiskerError {
  constructor(
    readonly sessionId: string,
    readonly revision: number,
    detail: string,
  ) {
    super('MALFORMED_SESSION_JOURNAL', `journal of session ${sessionId} at revision ${revision}: ${detail}`);
  }
}

/**
 * Most sessions wait on one thing at a time, and 100,000 sleeping sessions must stay small: a
 * pending-work map is one shared empty map, a `OneEntryMap` while it holds one entry, and a real Map
 * (~180 B more) only from two.
 */
const EMPTY: ReadonlyMap<number, never> = new Map<number, never>();

/** A read-only map of exactly one entry. */
export class OneEntryMap<V> implements ReadonlyMap<number, V> {
  constructor(
    readonly key: number,
    readonly value: V,
  ) {}

  get size(): number {
    return 1;
  }

  get(key: number): V | undefined {
    return key === this.key ? this.value : undefined;
  }

  has(key: number): boolean {
    return key === this.key;
  }

  forEach(callback: (value: V, key: number, map: ReadonlyMap<number, V>) => void, thisArg?: unknown): void {
    callback.call(thisArg, this.value, this.key, this);
  }

  entries(): MapIterator<[number, V]> {
    return new Map([[this.key, this.value]]).entries();
  }

  keys(): MapIterator<number> {
    return new Map([[this.key, this.value]]).keys();
  }

  values(): MapIterator<V> {
    return new Map([[this.key, this.value]]).values();
  }

  [Symbol.iterator](): MapIterator<[number, V]> {
    return this.entries();
  }
}

type PendingMaps = Pick<SessionState, 'activities' | 'timers' | 'children'>;
type PendingValue<K extends keyof PendingMaps> =
  PendingMaps[K] extends ReadonlyMap<number, infer V> ? V : never;

function setPending<K extends keyof PendingMaps>(
  state: SessionState,
  key: K,
  seq: number,
  value: PendingValue<K>,
): void {
  const map = state[key] as ReadonlyMap<number, PendingValue<K>>;
  const target = state as unknown as Record<K, ReadonlyMap<number, PendingValue<K>>>;
  if (map.size === 0 || (map instanceof OneEntryMap && map.key === seq))
    target[key] = new OneEntryMap(seq, value);
  else if (map instanceof OneEntryMap)
    target[key] = new Map([
      [map.key, map.value as PendingValue<K>],
      [seq, value],
    ]);
  else (map as Map<number, PendingValue<K>>).set(seq, value);
}

function forget<K extends keyof PendingMaps>(state: SessionState, key: K, seq: number): void {
  const map = state[key] as ReadonlyMap<number, PendingValue<K>>;
  if (!map.has(seq)) return;
  const target = state as unknown as Record<K, ReadonlyMap<number, PendingValue<K>>>;
  if (map instanceof OneEntryMap) {
    // Back to the shared empty map: an idle session keeps no table around.
    target[key] = EMPTY;
    return;
  }
  (map as Map<number, PendingValue<K>>).delete(seq);
  if (map.size === 1) {
    const [lastSeq, last] = map.entries().next().value as [number, PendingValue<K>];
    target[key] = new OneEntryMap(lastSeq, last);
  }
}

/** Sessions of one project share identical variable records: keep one copy of each. */
const internedVariables = new Map<string, Readonly<Record<string, string>>>();
const MAX_INTERNED_VARIABLE_SETS = 10_000;

function internVariables(variables: Record<string, string>): Record<string, string> {
  const key = JSON.stringify(variables);
  const known = internedVariables.get(key);
  if (known !== undefined) return known;
  if (internedVariables.size >= MAX_INTERNED_VARIABLE_SETS) internedVariables.clear();
  const frozen = Object.freeze({ ...variables });
  internedVariables.set(key, frozen);
  return frozen;
}

export function initialSessionState(event: SessionEvent & { revision: number }): SessionState {
  if (event.type !== 'SessionStarted') {
    throw new MalformedSessionJournalError(
      '?',
      event.revision,
      `expected SessionStarted, found ${event.type}`,
    );
  }
  const d = event.data;
  const state: SessionState = {
    sessionId: d.sessionId,
    status: 'created',
    entry: d.entry,
    buildId: d.buildId,
    startBuildId: d.buildId,
    input: d.input,
    variables: internVariables(d.variables),
    startedAt: d.time,
    updatedAt: d.time,
    revision: event.revision,
    activities: EMPTY,
    timers: EMPTY,
    children: EMPTY,
    pendingFacts: true,
    activityCount: 0,
    timerCount: 0,
    signalCount: 0,
    logCount: 0,
    childCount: 0,
  };
  if (d.projectId !== undefined) state.projectId = d.projectId;
  if (d.deploymentId !== undefined) state.deploymentId = d.deploymentId;
  if (d.trigger !== undefined) state.trigger = d.trigger;
  if (d.parent !== undefined) state.parent = d.parent;
  if (d.idempotencyKey !== undefined) state.idempotencyKey = d.idempotencyKey;
  if (d.labels !== undefined) state.labels = d.labels;
  return state;
}

/** Folds one event into `state` (mutating it). Events must come in revision order. */
export function applySessionEvent(state: SessionState, event: SessionEvent & { revision: number }): void {
  state.revision = event.revision;
  if ('time' in event.data) state.updatedAt = event.data.time;
  const final = isFinalStatus(state.status);
  switch (event.type) {
    case 'SessionStarted':
      throw new MalformedSessionJournalError(state.sessionId, event.revision, 'a second SessionStarted');
    case 'ActivityScheduled': {
      const d = event.data;
      setPending(state, 'activities', d.seq, {
        seq: d.seq,
        name: d.name,
        args: d.args,
        options: d.options,
        scheduledAt: d.time,
        failedAttempts: 0,
        cancelRequested: false,
      });
      state.activityCount++;
      break;
    }
    case 'ActivityCompleted':
      forget(state, 'activities', event.data.seq);
      break;
    case 'ActivityFailed': {
      const d = event.data;
      if (d.retryAt === undefined) {
        forget(state, 'activities', d.seq);
      } else {
        const activity = state.activities.get(d.seq);
        if (activity) {
          activity.failedAttempts = d.attempt;
          activity.retryAt = d.retryAt;
          activity.lastError = d.error;
        }
      }
      break;
    }
    case 'ActivityCancelRequested': {
      const activity = state.activities.get(event.data.seq);
      if (activity) activity.cancelRequested = true;
      break;
    }
    case 'TimerStarted':
      setPending(state, 'timers', event.data.seq, { seq: event.data.seq, fireAt: event.data.fireAt });
      state.timerCount++;
      break;
    case 'TimerFired':
    case 'TimerCancelled':
      forget(state, 'timers', event.data.seq);
      break;
    case 'SignalReceived':
      state.signalCount++;
      break;
    case 'ChildStarted':
      setPending(state, 'children', event.data.seq, {
        seq: event.data.seq,
        sessionId: event.data.sessionId,
        entry: event.data.entry,
        cancelRequested: false,
      });
      state.childCount++;
      break;
    case 'ChildCompleted':
      forget(state, 'children', event.data.seq);
      break;
    case 'ChildCancelRequested': {
      const child = state.children.get(event.data.seq);
      if (child) child.cancelRequested = true;
      break;
    }
    case 'Log':
    case 'ActivityLog':
      state.logCount++;
      break;
    case 'PatchMarker':
      break;
    case 'ResponseSet':
      state.response = event.data.response;
      break;
    case 'CancelRequested':
      state.cancelRequested = {
        reason: event.data.reason,
        gracePeriodMs: event.data.gracePeriodMs,
        time: event.data.time,
      };
      break;
    case 'SessionCompleted':
      state.status = 'completed';
      state.result = event.data.result;
      state.endedAt = event.data.time;
      break;
    case 'SessionFailed':
      state.status = 'failed';
      state.error = event.data.error;
      state.endedAt = event.data.time;
      break;
    case 'SessionStopped':
      state.status = 'stopped';
      state.stopReason = event.data.reason;
      if (event.data.error !== undefined) state.error = event.data.error;
      state.endedAt = event.data.time;
      break;
    case 'SessionParked': {
      state.status = 'parked';
      const parked: NonNullable<SessionState['parked']> = {
        code: event.data.code,
        message: event.data.message,
      };
      if (event.data.divergence !== undefined) parked.divergence = event.data.divergence;
      if (event.data.error !== undefined) parked.error = event.data.error;
      state.parked = parked;
      break;
    }
    case 'SessionResumed':
      if (event.data.buildId !== undefined) state.buildId = event.data.buildId;
      delete state.parked;
      state.status = 'waiting';
      break;
  }
  // Same rule as `splitHistory`: a fact not yet followed by an output of the code may be unseen.
  if (jobsOf(event).length > 0) state.pendingFacts = true;
  else if (isOutputEvent(event)) state.pendingFacts = false;
  if (isFinalStatus(state.status)) {
    state.pendingFacts = false;
    if (!final) {
      state.activities = EMPTY;
      state.timers = EMPTY;
      state.children = EMPTY;
    }
  } else if (state.status !== 'parked') {
    state.status = state.pendingFacts && state.revision === 0 ? 'created' : 'waiting';
  }
}

/** Folds a whole journal. */
export function foldSession(events: readonly (SessionEvent & { revision: number })[]): SessionState {
  const [first, ...rest] = events;
  if (first === undefined) throw new MalformedSessionJournalError('?', 0, 'the journal is empty');
  const state = initialSessionState(first);
  for (const event of rest) applySessionEvent(state, event);
  return state;
}
