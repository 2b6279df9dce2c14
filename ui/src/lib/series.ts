/**
 * The dashboard's time ranges and the time series the charts draw: the API returns only buckets
 * that have sessions; charts need every bucket of the range, empty ones as zeros.
 */

export interface SeriesBucket {
  start: number;
  started: number;
  completed: number;
  failed: number;
  stopped: number;
}

export interface TimeRange {
  id: string;
  label: string;
  spanMs: number;
  bucketMs: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const TIME_RANGES: readonly TimeRange[] = [
  { id: '1h', label: 'Last hour', spanMs: HOUR, bucketMs: MINUTE },
  { id: '24h', label: 'Last 24 hours', spanMs: DAY, bucketMs: 30 * MINUTE },
  { id: '7d', label: 'Last 7 days', spanMs: 7 * DAY, bucketMs: 6 * HOUR },
  { id: '30d', label: 'Last 30 days', spanMs: 30 * DAY, bucketMs: DAY },
];

export function timeRange(id: string | null | undefined): TimeRange {
  return TIME_RANGES.find((r) => r.id === id) ?? (TIME_RANGES[1] as TimeRange);
}

/** The start of the range, aligned to a bucket so the first bucket is whole. */
export function rangeStart(range: TimeRange, now: number): number {
  return Math.floor((now - range.spanMs) / range.bucketMs) * range.bucketMs + range.bucketMs;
}

/** Every bucket from `since` to `now` (inclusive of the current one), zeros where the API had none. */
export function fillSeries(
  series: readonly SeriesBucket[],
  since: number,
  now: number,
  bucketMs: number,
): SeriesBucket[] {
  const byStart = new Map(series.map((b) => [b.start, b]));
  const out: SeriesBucket[] = [];
  const first = Math.floor(since / bucketMs) * bucketMs;
  for (let start = first; start <= now; start += bucketMs) {
    out.push(byStart.get(start) ?? { start, started: 0, completed: 0, failed: 0, stopped: 0 });
  }
  return out;
}
