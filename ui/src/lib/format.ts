/**
 * Formatting of times, durations, counts and ids for display. Pure (no DOM), so it is unit-tested
 * in Node. Times from the API are ms since the epoch or ISO strings; both are accepted.
 */

export type TimeValue = number | string;

/** Milliseconds since the epoch of an API time, or undefined when absent or unreadable. */
export function toMillis(value: TimeValue | null | undefined): number | undefined {
  if (value === undefined || value === null) return undefined;
  const ms = typeof value === 'number' ? value : Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

const DATE_TIME = new Intl.DateTimeFormat('en-GB', {
  year: 'numeric',
  month: 'short',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

const TIME_ONLY = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** `22 Nov 2025, 08:54:12` in the viewer's time zone. */
export function formatDateTime(value: TimeValue | null | undefined): string {
  const ms = toMillis(value);
  return ms === undefined ? '—' : DATE_TIME.format(ms);
}

/** `08:54:12.345`: for timeline rows, where the day is known from context. */
export function formatClock(value: TimeValue | null | undefined): string {
  const ms = toMillis(value);
  if (ms === undefined) return '—';
  return `${TIME_ONLY.format(ms)}.${String(Math.floor(ms % 1000)).padStart(3, '0')}`;
}

/** `3 s ago`, `5 min ago`, `in 2 h`; absolute dates past a week. */
export function formatRelative(value: TimeValue | null | undefined, now: number = Date.now()): string {
  const ms = toMillis(value);
  if (ms === undefined) return '—';
  const delta = now - ms;
  const abs = Math.abs(delta);
  const suffix = (text: string): string => (delta >= 0 ? `${text} ago` : `in ${text}`);
  if (abs < 5_000) return delta >= 0 ? 'just now' : 'in a moment';
  if (abs < 60_000) return suffix(`${Math.round(abs / 1000)} s`);
  if (abs < 3_600_000) return suffix(`${Math.round(abs / 60_000)} min`);
  if (abs < 86_400_000) return suffix(`${Math.round(abs / 3_600_000)} h`);
  if (abs < 7 * 86_400_000) return suffix(`${Math.round(abs / 86_400_000)} d`);
  return formatDateTime(ms);
}

/** `850 ms`, `12.4 s`, `3 min 20 s`, `2 h 5 min`, `3 d 4 h`. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === undefined || ms === null || !Number.isFinite(ms)) return '—';
  if (ms < 0) return '0 ms';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) {
    const seconds = ms / 1000;
    return `${seconds < 10 ? seconds.toFixed(2) : seconds.toFixed(1)} s`;
  }
  const units: [number, string][] = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'min'],
    [1000, 's'],
  ];
  const parts: string[] = [];
  let rest = Math.round(ms / 1000) * 1000;
  for (const [size, name] of units) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)} ${name}`);
      rest %= size;
    }
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}

const INTEGER = new Intl.NumberFormat('en-US');

/** `1,234`. */
export function formatCount(n: number | null | undefined): string {
  return n === undefined || n === null ? '—' : INTEGER.format(n);
}

/** `97.5 %` of a 0..1 rate; `—` when there is none yet. */
export function formatPercent(rate: number | null | undefined): string {
  if (rate === undefined || rate === null || !Number.isFinite(rate)) return '—';
  const pct = rate * 100;
  return `${pct === 100 || pct === 0 ? pct.toFixed(0) : pct.toFixed(1)} %`;
}

/** `ses_01JD…X4QZ`: a long id shortened for tables (the full id stays in the title and the link). */
export function shortId(id: string, keep = 6): string {
  const underscore = id.indexOf('_');
  const prefix = underscore >= 0 ? id.slice(0, underscore + 1) : '';
  const body = id.slice(prefix.length);
  if (body.length <= keep * 2 + 1) return id;
  return `${prefix}${body.slice(0, keep)}…${body.slice(-4)}`;
}

/** Pretty JSON for display; values JSON cannot show are already tagged by the API (`$base64`…). */
export function formatJson(value: unknown): string {
  if (value === undefined) return 'undefined';
  try {
    // JSON.stringify gives undefined for functions and symbols only; API values never are.
    return JSON.stringify(value, null, 2) ?? 'undefined';
  } catch {
    return '(a value that cannot be shown as JSON)';
  }
}

/** A one-line preview of a value, cut at `max` characters. */
export function previewJson(value: unknown, max = 80): string {
  const text = value === undefined ? '' : (JSON.stringify(value) ?? '');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
