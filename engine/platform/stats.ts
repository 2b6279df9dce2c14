/**
 * Statistics of sessions, per project or deployment: counts by state, success and failure rates,
 * durations, the delay from an event to its session's start, and a time series for charts.
 * A projection computed from the engine's session index and the events (no extra storage).
 */
import type { SessionInfo } from '../runtime/engine.js';
import type { SessionStatus } from '../session/state.js';
import { zeroStatusCounts } from '../session/state.js';

export interface StatsOptions {
  projectId?: string;
  deploymentId?: string;
  /** Only sessions started at or after this time (ms since epoch). */
  since?: number;
  /** Width of a time-series bucket in ms. Default: one hour. */
  bucketMs?: number;
}

export interface Percentiles {
  count: number;
  p50?: number;
  p95?: number;
  max?: number;
}

export interface StatsBucket {
  /** Bucket start (ms since epoch). */
  start: number;
  started: number;
  completed: number;
  failed: number;
  stopped: number;
}

export interface SessionStats {
  total: number;
  byStatus: Record<SessionStatus, number>;
  /** completed / ended (undefined until a session ended). */
  successRate?: number;
  /** failed / ended. */
  failureRate?: number;
  durationMs: Percentiles;
  /** From the trigger event's arrival to the session's start. */
  startDelayMs: Percentiles;
  series: StatsBucket[];
}

const HOUR = 3_600_000;
const MAX_BUCKETS = 1000;

export function percentiles(values: number[]): Percentiles {
  if (values.length === 0) return { count: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number): number =>
    sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] as number;
  return { count: sorted.length, p50: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1] };
}

export function sessionStats(
  sessions: Iterable<SessionInfo>,
  eventTime: (eventId: string) => number | undefined,
  options: StatsOptions = {},
): SessionStats {
  const byStatus: Record<SessionStatus, number> = zeroStatusCounts();
  const durations: number[] = [];
  const delays: number[] = [];
  const bucketMs = options.bucketMs ?? HOUR;
  const buckets = new Map<number, StatsBucket>();
  const bucket = (time: number): StatsBucket => {
    const start = Math.floor(time / bucketMs) * bucketMs;
    let b = buckets.get(start);
    if (b === undefined) {
      b = { start, started: 0, completed: 0, failed: 0, stopped: 0 };
      buckets.set(start, b);
    }
    return b;
  };
  let total = 0;
  for (const s of sessions) {
    if (options.projectId !== undefined && s.projectId !== options.projectId) continue;
    if (options.deploymentId !== undefined && s.deploymentId !== options.deploymentId) continue;
    if (options.since !== undefined && s.startedAt < options.since) continue;
    total++;
    byStatus[s.status]++;
    bucket(s.startedAt).started++;
    if (s.durationMs !== undefined) durations.push(s.durationMs);
    if (
      s.endedAt !== undefined &&
      (s.status === 'completed' || s.status === 'failed' || s.status === 'stopped')
    ) {
      bucket(s.endedAt)[s.status]++;
    }
    const eventId = s.trigger?.eventId;
    if (eventId !== undefined) {
      const at = eventTime(eventId);
      if (at !== undefined) delays.push(Math.max(0, s.startedAt - at));
    }
  }
  const ended = byStatus.completed + byStatus.failed + byStatus.stopped;
  const stats: SessionStats = {
    total,
    byStatus,
    durationMs: percentiles(durations),
    startDelayMs: percentiles(delays),
    series: [...buckets.values()].sort((a, b) => a.start - b.start).slice(-MAX_BUCKETS),
  };
  if (ended > 0) {
    stats.successRate = byStatus.completed / ended;
    stats.failureRate = byStatus.failed / ended;
  }
  return stats;
}
