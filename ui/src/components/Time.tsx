import { useEffect, useState } from 'react';
import type { TimeValue } from '../lib/index.js';
import { formatDateTime, formatRelative, toMillis } from '../lib/index.js';

/** A time shown relative (`5 min ago`), exact on hover, re-rendered every 15 s. */
export function RelativeTime({ value }: { value: TimeValue | undefined }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 15_000);
    return () => clearInterval(timer);
  }, []);
  const ms = toMillis(value);
  if (ms === undefined) return <span className="muted">—</span>;
  return (
    <time dateTime={new Date(ms).toISOString()} title={formatDateTime(ms)} className="nowrap">
      {formatRelative(ms, now)}
    </time>
  );
}

export function DateTime({ value }: { value: TimeValue | undefined }) {
  const ms = toMillis(value);
  if (ms === undefined) return <span className="muted">—</span>;
  return (
    <time dateTime={new Date(ms).toISOString()} className="nowrap">
      {formatDateTime(ms)}
    </time>
  );
}
