/**
 * Folds a session's journal (its history events, in revision order) into the rows of its
 * timeline: one row per activity (all its attempts, logs, result or error), timer, child session,
 * signal, log line and lifecycle step. Pure and deterministic, so the session page recomputes it
 * as live events arrive and tests check it in Node.
 */
import type { TimeValue } from './format.js';
import { toMillis } from './format.js';

/** One event of a session's journal, as the API's history and event stream give it. */
export interface JournalEvent {
  revision: number;
  type: string;
  data: unknown;
  recordedAt?: TimeValue;
}

/** An error as stored in a journal (name, message, code, the user's source line, stack). */
export interface ErrorInfo {
  name: string;
  message: string;
  code?: string;
  stack?: string;
  source?: { file: string; line: number; column: number };
  retryable?: boolean;
  details?: unknown;
  cause?: ErrorInfo;
}

export interface ActivityAttempt {
  attempt: number;
  /** When this attempt's outcome was journaled. */
  time?: number;
  error?: ErrorInfo;
  /** The next attempt's start, when the attempt failed and will be retried. */
  retryAt?: number;
  completed?: boolean;
}

export interface TimelineLogLine {
  level: string;
  text: string;
  time?: number;
  attempt?: number;
}

export type ActivityStatus = 'running' | 'retrying' | 'completed' | 'failed' | 'cancelling';
export type TimerStatus = 'pending' | 'fired' | 'cancelled';
export type ChildStatus = 'running' | 'completed' | 'failed' | 'cancelling';
export type Tone = 'neutral' | 'info' | 'success' | 'warning' | 'danger';

interface RowBase {
  /** Stable React key. */
  key: string;
  /** Revision of the event that opened the row (rows are ordered by it). */
  revision: number;
  time?: number;
}

export interface ActivityRow extends RowBase {
  kind: 'activity';
  seq: number;
  name: string;
  args: unknown[];
  options?: unknown;
  status: ActivityStatus;
  attempts: ActivityAttempt[];
  result?: unknown;
  error?: ErrorInfo;
  endedAt?: number;
  durationMs?: number;
  logs: TimelineLogLine[];
}

export interface TimerRow extends RowBase {
  kind: 'timer';
  seq: number;
  durationMs?: number;
  fireAt?: number;
  status: TimerStatus;
  endedAt?: number;
}

export interface ChildRow extends RowBase {
  kind: 'child';
  seq: number;
  sessionId: string;
  entry?: string;
  input?: unknown;
  status: ChildStatus;
  result?: unknown;
  error?: ErrorInfo;
  endedAt?: number;
  durationMs?: number;
}

export interface SignalRow extends RowBase {
  kind: 'signal';
  name: string;
  payload: unknown;
}

export interface LogRow extends RowBase {
  kind: 'log';
  level: string;
  text: string;
}

export interface LifecycleRow extends RowBase {
  kind: 'lifecycle';
  type: string;
  title: string;
  detail?: string;
  tone: Tone;
  error?: ErrorInfo;
  value?: unknown;
}

export type TimelineRow = ActivityRow | TimerRow | ChildRow | SignalRow | LogRow | LifecycleRow;

export interface Timeline {
  rows: TimelineRow[];
  /** Highest revision folded in (-1 for none). */
  revision: number;
  counts: { activities: number; timers: number; children: number; signals: number; logs: number };
}

type Data = Record<string, unknown>;

const asData = (value: unknown): Data =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Data) : {};
const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const timeOf = (value: unknown): number | undefined =>
  typeof value === 'number' || typeof value === 'string' ? toMillis(value) : undefined;

/** An `ErrorData` of the journal, or undefined when the value is not one. */
export function asErrorInfo(value: unknown): ErrorInfo | undefined {
  const d = asData(value);
  const message = str(d['message']);
  if (message === undefined) return undefined;
  const info: ErrorInfo = { name: str(d['name']) ?? 'Error', message };
  const code = str(d['code']);
  if (code !== undefined) info.code = code;
  const stack = str(d['stack']);
  if (stack !== undefined) info.stack = stack;
  const source = asData(d['source']);
  const file = str(source['file']);
  const line = num(source['line']);
  if (file !== undefined && line !== undefined)
    info.source = { file, line, column: num(source['column']) ?? 1 };
  if (typeof d['retryable'] === 'boolean') info.retryable = d['retryable'];
  if (d['details'] !== undefined) info.details = d['details'];
  const cause = asErrorInfo(d['cause']);
  if (cause !== undefined) info.cause = cause;
  return info;
}

/** `handlers.ts:12:5` of an error, when the journal knows it. */
export function sourceLineOf(error: ErrorInfo | undefined): string | undefined {
  if (error?.source === undefined) return undefined;
  return `${error.source.file}:${error.source.line}:${error.source.column}`;
}

/** Builds the timeline of a journal. Events may arrive in any order and twice; each revision counts once. */
export function buildTimeline(events: readonly JournalEvent[]): Timeline {
  const sorted = [...events].sort((a, b) => a.revision - b.revision);
  const rows: TimelineRow[] = [];
  const activities = new Map<number, ActivityRow>();
  const timers = new Map<number, TimerRow>();
  const children = new Map<number, ChildRow>();
  const counts = { activities: 0, timers: 0, children: 0, signals: 0, logs: 0 };
  let last = -1;

  for (const event of sorted) {
    if (event.revision <= last) continue;
    last = event.revision;
    const d = asData(event.data);
    const time = timeOf(d['time']) ?? timeOf(event.recordedAt);
    const base = { revision: event.revision, ...(time !== undefined ? { time } : {}) };
    const seq = num(d['seq']) ?? -1;

    switch (event.type) {
      case 'ActivityScheduled': {
        const row: ActivityRow = {
          ...base,
          key: `activity-${seq}`,
          kind: 'activity',
          seq,
          name: str(d['name']) ?? '(activity)',
          args: Array.isArray(d['args']) ? (d['args'] as unknown[]) : [],
          options: d['options'],
          status: 'running',
          attempts: [],
          logs: [],
        };
        activities.set(seq, row);
        rows.push(row);
        counts.activities++;
        break;
      }
      case 'ActivityCompleted': {
        const row = activities.get(seq);
        if (row === undefined) break;
        const attempt = num(d['attempt']) ?? row.attempts.length + 1;
        row.attempts.push({ attempt, completed: true, ...(time !== undefined ? { time } : {}) });
        row.status = 'completed';
        row.result = d['result'];
        endRow(row, time);
        break;
      }
      case 'ActivityFailed': {
        const row = activities.get(seq);
        if (row === undefined) break;
        const error = asErrorInfo(d['error']);
        const retryAt = timeOf(d['retryAt']);
        row.attempts.push({
          attempt: num(d['attempt']) ?? row.attempts.length + 1,
          ...(time !== undefined ? { time } : {}),
          ...(error !== undefined ? { error } : {}),
          ...(retryAt !== undefined ? { retryAt } : {}),
        });
        if (retryAt !== undefined) {
          row.status = 'retrying';
        } else {
          row.status = 'failed';
          if (error !== undefined) row.error = error;
          endRow(row, time);
        }
        break;
      }
      case 'ActivityCancelRequested': {
        const row = activities.get(seq);
        if (row !== undefined && (row.status === 'running' || row.status === 'retrying'))
          row.status = 'cancelling';
        break;
      }
      case 'ActivityLog': {
        const row = activities.get(seq);
        if (row === undefined) break;
        const attempt = num(d['attempt']);
        row.logs.push({
          level: str(d['level']) ?? 'info',
          text: str(d['text']) ?? '',
          ...(time !== undefined ? { time } : {}),
          ...(attempt !== undefined ? { attempt } : {}),
        });
        counts.logs++;
        break;
      }
      case 'TimerStarted': {
        const durationMs = num(d['durationMs']);
        const fireAt = timeOf(d['fireAt']);
        const row: TimerRow = {
          ...base,
          key: `timer-${seq}`,
          kind: 'timer',
          seq,
          status: 'pending',
          ...(durationMs !== undefined ? { durationMs } : {}),
          ...(fireAt !== undefined ? { fireAt } : {}),
        };
        timers.set(seq, row);
        rows.push(row);
        counts.timers++;
        break;
      }
      case 'TimerFired':
      case 'TimerCancelled': {
        const row = timers.get(seq);
        if (row === undefined) break;
        row.status = event.type === 'TimerFired' ? 'fired' : 'cancelled';
        if (time !== undefined) row.endedAt = time;
        break;
      }
      case 'ChildStarted': {
        if (children.has(seq)) break;
        const entry = str(d['entry']);
        const row: ChildRow = {
          ...base,
          key: `child-${seq}`,
          kind: 'child',
          seq,
          sessionId: str(d['sessionId']) ?? '',
          status: 'running',
          input: d['input'],
          ...(entry !== undefined ? { entry } : {}),
        };
        children.set(seq, row);
        rows.push(row);
        counts.children++;
        break;
      }
      case 'ChildCompleted': {
        const row = children.get(seq);
        if (row === undefined) break;
        if (d['failed'] === true) {
          row.status = 'failed';
          const error = asErrorInfo(d['error']);
          if (error !== undefined) row.error = error;
        } else {
          row.status = 'completed';
          row.result = d['result'];
        }
        endRow(row, time);
        break;
      }
      case 'ChildCancelRequested': {
        const row = children.get(seq);
        if (row !== undefined && row.status === 'running') row.status = 'cancelling';
        break;
      }
      case 'SignalReceived':
        rows.push({
          ...base,
          key: `signal-${event.revision}`,
          kind: 'signal',
          name: str(d['name']) ?? '',
          payload: d['payload'],
        });
        counts.signals++;
        break;
      case 'Log':
        rows.push({
          ...base,
          key: `log-${event.revision}`,
          kind: 'log',
          level: str(d['level']) ?? 'info',
          text: str(d['text']) ?? '',
        });
        counts.logs++;
        break;
      default: {
        const lifecycle = lifecycleRow(event.type, d);
        if (lifecycle !== undefined)
          rows.push({ ...base, key: `event-${event.revision}`, kind: 'lifecycle', ...lifecycle });
      }
    }
  }
  return { rows, revision: last, counts };
}

function endRow(row: ActivityRow | ChildRow, time: number | undefined): void {
  if (time === undefined) return;
  row.endedAt = time;
  if (row.time !== undefined) row.durationMs = Math.max(0, time - row.time);
}

type LifecycleFields = Pick<LifecycleRow, 'type' | 'title' | 'tone'> &
  Partial<Pick<LifecycleRow, 'detail' | 'error' | 'value'>>;

function lifecycleRow(type: string, d: Data): LifecycleFields | undefined {
  switch (type) {
    case 'SessionStarted': {
      const trigger = asData(d['trigger']);
      const kind = str(trigger['kind']);
      return {
        type,
        title: 'Session started',
        detail: [str(d['entry']), kind !== undefined ? `by ${kind}` : undefined].filter(Boolean).join(' · '),
        tone: 'info',
        value: d['input'],
      };
    }
    case 'CancelRequested':
      return { type, title: 'Stop requested', detail: str(d['reason']) ?? '', tone: 'warning' };
    case 'SessionCompleted':
      return { type, title: 'Session completed', tone: 'success', value: d['result'] };
    case 'SessionFailed': {
      const error = asErrorInfo(d['error']);
      return {
        type,
        title: 'Session failed',
        detail: originText(d['origin']),
        tone: 'danger',
        ...(error !== undefined ? { error } : {}),
      };
    }
    case 'SessionStopped': {
      const reason = str(d['reason']) ?? '';
      const forced = d['forced'] === true ? ' (forced)' : '';
      return { type, title: `Session stopped${forced}`, detail: reason, tone: 'warning' };
    }
    case 'SessionParked': {
      const error = asErrorInfo(d['error']);
      const divergence = asData(d['divergence']);
      return {
        type,
        title: `Session parked: ${str(d['code']) ?? 'needs attention'}`,
        detail: str(divergence['message']) ?? str(d['message']) ?? '',
        tone: 'danger',
        ...(error !== undefined ? { error } : {}),
      };
    }
    case 'SessionResumed':
      return {
        type,
        title: 'Session resumed',
        detail: [str(d['reason']), str(d['buildId'])].filter(Boolean).join(' · '),
        tone: 'info',
      };
    case 'ResponseSet': {
      const response = asData(d['response']);
      return {
        type,
        title: `Responded ${num(response['status']) ?? ''}`.trim(),
        tone: 'neutral',
        value: response['body'],
      };
    }
    case 'PatchMarker':
      return {
        type,
        title: `Patch ${str(d['id']) ?? ''}`.trim(),
        detail: d['deprecated'] === true ? 'deprecated' : '',
        tone: 'neutral',
      };
    default:
      return undefined;
  }
}

function originText(origin: unknown): string {
  switch (origin) {
    case 'code':
      return 'the workflow threw';
    case 'engine':
      return 'a limit or infrastructure failure';
    case 'operator':
      return 'failed by an operator';
    default:
      return '';
  }
}

/** True when the event ends a session (the live stream closes after it). */
export function isFinalEventType(type: string): boolean {
  return type === 'SessionCompleted' || type === 'SessionFailed' || type === 'SessionStopped';
}
