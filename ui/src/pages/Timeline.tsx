import type { ReactNode } from 'react';
import { useState } from 'react';
import { Link } from 'react-router';
import { Button, ErrorDetails, JsonView, StatusBadge } from '../components/index.js';
import type { ActivityRow, ChildRow, Timeline as TimelineData, TimelineRow, Tone } from '../lib/index.js';
import { formatClock, formatDateTime, formatDuration, previewJson, shortId, toneOf } from '../lib/index.js';
import styles from './Timeline.module.css';

const FIRST_ROWS = 300;

/** A session's journal as a timeline: each row one step of the workflow, details on demand. */
export function Timeline({ timeline }: { timeline: TimelineData }) {
  const [showAll, setShowAll] = useState(false);
  const rows = showAll ? timeline.rows : timeline.rows.slice(0, FIRST_ROWS);
  return (
    <>
      <ol className={styles.timeline} aria-label="Session timeline" data-testid="timeline">
        {rows.map((row) => (
          <li key={row.key} className={styles.row} data-kind={row.kind} data-revision={row.revision}>
            <span className={styles.clock} title={formatDateTime(row.time)}>
              {formatClock(row.time)}
            </span>
            <RowIcon row={row} />
            <div className={styles.main}>
              <RowBody row={row} />
            </div>
          </li>
        ))}
      </ol>
      {!showAll && timeline.rows.length > FIRST_ROWS && (
        <div className={styles.more}>
          <Button onClick={() => setShowAll(true)}>Show all {timeline.rows.length} steps</Button>
        </div>
      )}
    </>
  );
}

const ICONS: Record<TimelineRow['kind'], string> = {
  activity: 'A',
  timer: '◷',
  child: '↳',
  signal: '⚑',
  log: '›',
  lifecycle: '●',
};

function rowTone(row: TimelineRow): Tone {
  switch (row.kind) {
    case 'activity':
    case 'child':
    case 'timer':
      return toneOf(row.status === 'running' ? 'running' : row.status);
    case 'signal':
      return 'info';
    case 'log':
      return row.level === 'error' ? 'danger' : row.level === 'warn' ? 'warning' : 'neutral';
    case 'lifecycle':
      return row.tone;
  }
}

function RowIcon({ row }: { row: TimelineRow }) {
  return (
    <span className={[styles.icon, styles[rowTone(row)]].join(' ')} aria-hidden="true">
      {ICONS[row.kind]}
    </span>
  );
}

function Section({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <div className={styles.label}>{label}</div>
      {children}
    </div>
  );
}

function More({ summary, children }: { summary: string; children: ReactNode }) {
  return (
    <details className={styles.details}>
      <summary>{summary}</summary>
      <div className={styles.detailBody}>{children}</div>
    </details>
  );
}

function RowBody({ row }: { row: TimelineRow }) {
  switch (row.kind) {
    case 'activity':
      return <ActivityBody row={row} />;
    case 'child':
      return <ChildBody row={row} />;
    case 'timer':
      return (
        <div className={styles.head}>
          <span className={styles.title}>Timer {formatDuration(row.durationMs)}</span>
          <StatusBadge state={row.status} />
          <span className={styles.meta}>
            {row.status === 'pending'
              ? `fires ${formatDateTime(row.fireAt)}`
              : row.status === 'fired'
                ? `fired ${formatClock(row.endedAt)}`
                : `at ${formatClock(row.endedAt)}`}
          </span>
        </div>
      );
    case 'signal':
      return (
        <>
          <div className={styles.head}>
            <span className={styles.title}>
              Signal <code>{row.name}</code>
            </span>
          </div>
          {row.payload !== undefined && (
            <>
              <div className={styles.preview}>{previewJson(row.payload, 160)}</div>
              <More summary="Payload">
                <JsonView value={row.payload} label="Signal payload" />
              </More>
            </>
          )}
        </>
      );
    case 'log':
      return (
        <div className={[styles.log, styles[`log${row.level}`] ?? ''].join(' ')}>
          <span className={styles.logLevel}>{row.level}</span>
          {row.text}
        </div>
      );
    case 'lifecycle':
      return (
        <>
          <div className={styles.head}>
            <span className={styles.title}>{row.title}</span>
            {row.detail !== undefined && row.detail !== '' && (
              <span className={styles.meta}>{row.detail}</span>
            )}
          </div>
          {row.error !== undefined && (
            <div className={styles.detailBody}>
              <ErrorDetails error={row.error} />
            </div>
          )}
          {row.value !== undefined && (
            <More
              summary={
                row.type === 'SessionStarted'
                  ? 'Input'
                  : row.type === 'ResponseSet'
                    ? 'Response body'
                    : 'Result'
              }
            >
              <JsonView value={row.value} />
            </More>
          )}
        </>
      );
  }
}

function ActivityBody({ row }: { row: ActivityRow }) {
  const attempts = row.attempts.length;
  return (
    <>
      <div className={styles.head}>
        <span className={styles.title}>
          Activity <code>{row.name}</code>
        </span>
        <StatusBadge state={row.status} />
        <span className={styles.meta}>
          {row.durationMs !== undefined ? formatDuration(row.durationMs) : ''}
          {attempts > 1 || row.status === 'retrying'
            ? ` · ${attempts} ${attempts === 1 ? 'attempt' : 'attempts'}`
            : ''}
          {row.logs.length > 0 ? ` · ${row.logs.length} log ${row.logs.length === 1 ? 'line' : 'lines'}` : ''}
        </span>
      </div>
      <div className={styles.preview}>({previewJson(row.args, 160).slice(1, -1)})</div>
      {row.error !== undefined && (
        <div className={styles.detailBody}>
          <ErrorDetails error={row.error} compact />
        </div>
      )}
      <More summary="Arguments, result and attempts">
        <Section label="Arguments">
          <JsonView value={row.args} label={`Arguments of ${row.name}`} />
        </Section>
        {row.status === 'completed' && (
          <Section label="Result">
            <JsonView value={row.result} label={`Result of ${row.name}`} />
          </Section>
        )}
        {row.error !== undefined && (
          <Section label="Error">
            <ErrorDetails error={row.error} />
          </Section>
        )}
        {row.attempts.length > 0 && (
          <Section label="Attempts">
            <ol className={styles.attempts}>
              {row.attempts.map((a) => (
                <li key={`${a.attempt}-${a.time ?? ''}`}>
                  #{a.attempt} · {formatClock(a.time)} ·{' '}
                  {a.completed === true ? 'completed' : (a.error?.message ?? 'failed')}
                  {a.retryAt !== undefined ? ` · retry at ${formatClock(a.retryAt)}` : ''}
                </li>
              ))}
            </ol>
          </Section>
        )}
        {row.logs.length > 0 && (
          <Section label="Logs">
            {row.logs.map((line, i) => (
              <div key={i} className={[styles.log, styles[`log${line.level}`] ?? ''].join(' ')}>
                <span className={styles.logLevel}>{line.level}</span>
                {line.text}
              </div>
            ))}
          </Section>
        )}
      </More>
    </>
  );
}

function ChildBody({ row }: { row: ChildRow }) {
  return (
    <>
      <div className={styles.head}>
        <span className={styles.title}>
          Child session{' '}
          {row.sessionId !== '' ? (
            <Link to={`/sessions/${row.sessionId}`} className="mono" title={row.sessionId}>
              {shortId(row.sessionId)}
            </Link>
          ) : null}
        </span>
        <StatusBadge state={row.status} />
        <span className={styles.meta}>
          {row.entry !== undefined ? <code>{row.entry}</code> : null}
          {row.durationMs !== undefined ? ` · ${formatDuration(row.durationMs)}` : ''}
        </span>
      </div>
      {row.error !== undefined && (
        <div className={styles.detailBody}>
          <ErrorDetails error={row.error} compact />
        </div>
      )}
      <More summary="Input and result">
        <Section label="Input">
          <JsonView value={row.input} />
        </Section>
        {row.status === 'completed' && (
          <Section label="Result">
            <JsonView value={row.result} />
          </Section>
        )}
      </More>
    </>
  );
}
