/**
 * The UI's pure helpers, in Node: the journal → timeline fold (on journals shaped as the engine
 * records them), formatting, the dashboard's series, and the sessions filters in the URL.
 */
import { describe, expect, it } from 'vitest';
import type { JournalEvent } from '../../ui/src/lib/index.js';
import {
  buildTimeline,
  decodeBase64Text,
  excerptLines,
  fillSeries,
  filtersFromSearch,
  formatDuration,
  formatPercent,
  formatRelative,
  localInputToMillis,
  rangeStart,
  searchFromFilters,
  shortId,
  sourceLineOf,
  timeRange,
} from '../../ui/src/lib/index.js';

const T0 = Date.UTC(2025, 10, 22, 9, 0, 0);
let revision = 0;
const ev = (type: string, data: Record<string, unknown>, at = 0): JournalEvent => ({
  revision: revision++,
  type,
  data: { time: T0 + at, ...data },
});

function approvalJournal(): JournalEvent[] {
  revision = 0;
  return [
    ev('SessionStarted', {
      sessionId: 'ses_1',
      entry: 'flow.ts:run',
      input: { item: 'laptop' },
      trigger: { kind: 'webhook' },
    }),
    ev('Log', { level: 'info', text: 'waiting' }),
    ev('TimerStarted', { seq: 1, durationMs: 3_600_000, fireAt: T0 + 3_600_000 }),
    ev('SignalReceived', { name: 'approve', payload: { approved: true } }, 5000),
    ev('TimerCancelled', { seq: 1 }, 5000),
    ev('ActivityScheduled', { seq: 2, name: 'notify', args: ['ann', 'approved'], options: {} }, 5000),
    ev('ActivityLog', { seq: 2, attempt: 1, level: 'info', text: 'sending' }, 5100),
    ev(
      'ActivityFailed',
      {
        seq: 2,
        attempt: 1,
        retryAt: T0 + 6000,
        error: { name: 'Error', message: 'smtp down', retryable: true },
      },
      5200,
    ),
    ev('ActivityCompleted', { seq: 2, attempt: 2, result: 'notified ann' }, 6300),
    ev(
      'ChildStarted',
      { seq: 3, sessionId: 'ses_child', entry: 'flow.ts:audit', input: 1, options: {} },
      6400,
    ),
    ev(
      'ChildCompleted',
      {
        seq: 3,
        sessionId: 'ses_child',
        failed: true,
        error: {
          name: 'AuditError',
          message: 'no auditor',
          source: { file: 'flow.ts', line: 12, column: 5 },
        },
      },
      6900,
    ),
    ev('SessionCompleted', { result: 'done' }, 7000),
  ];
}

describe('buildTimeline', () => {
  it('folds a journal into one row per step, with attempts, logs, results and durations', () => {
    const timeline = buildTimeline(approvalJournal());
    expect(timeline.rows.map((r) => r.kind)).toEqual([
      'lifecycle',
      'log',
      'timer',
      'signal',
      'activity',
      'child',
      'lifecycle',
    ]);
    expect(timeline.revision).toBe(11);
    expect(timeline.counts).toEqual({ activities: 1, timers: 1, children: 1, signals: 1, logs: 2 });

    const [started, log, timer, signal, activity, child, completed] = timeline.rows;
    expect(started).toMatchObject({
      title: 'Session started',
      detail: 'flow.ts:run · by webhook',
      value: { item: 'laptop' },
    });
    expect(log).toMatchObject({ level: 'info', text: 'waiting' });
    expect(timer).toMatchObject({ status: 'cancelled', durationMs: 3_600_000, endedAt: T0 + 5000 });
    expect(signal).toMatchObject({ name: 'approve', payload: { approved: true }, time: T0 + 5000 });
    expect(activity).toEqual({
      key: 'activity-2',
      kind: 'activity',
      revision: 5,
      time: T0 + 5000,
      seq: 2,
      name: 'notify',
      args: ['ann', 'approved'],
      options: {},
      status: 'completed',
      attempts: [
        {
          attempt: 1,
          time: T0 + 5200,
          retryAt: T0 + 6000,
          error: { name: 'Error', message: 'smtp down', retryable: true },
        },
        { attempt: 2, time: T0 + 6300, completed: true },
      ],
      result: 'notified ann',
      endedAt: T0 + 6300,
      durationMs: 1300,
      logs: [{ level: 'info', text: 'sending', time: T0 + 5100, attempt: 1 }],
    });
    expect(child).toMatchObject({ status: 'failed', sessionId: 'ses_child', durationMs: 500 });
    expect(child?.kind === 'child' ? sourceLineOf(child.error) : undefined).toBe('flow.ts:12:5');
    expect(completed).toMatchObject({ title: 'Session completed', tone: 'success', value: 'done' });
  });

  it('gives the same timeline for events in any order and delivered twice (a resumed stream)', () => {
    const journal = approvalJournal();
    const shuffled = [...journal.slice(6), ...journal, ...journal.slice(0, 4)].reverse();
    expect(buildTimeline(shuffled)).toEqual(buildTimeline(journal));
  });

  it('shows the state of a session that is still running: retrying, pending, running', () => {
    revision = 0;
    const timeline = buildTimeline([
      ev('SessionStarted', { entry: 'a.ts:f', input: null }),
      ev('ActivityScheduled', { seq: 1, name: 'charge', args: [] }),
      ev('ActivityFailed', { seq: 1, attempt: 1, retryAt: T0 + 1000, error: { name: 'E', message: 'busy' } }),
      ev('TimerStarted', { seq: 2, durationMs: 60_000, fireAt: T0 + 60_000 }),
      ev('ChildStarted', { seq: 3, sessionId: 'ses_c', entry: 'a.ts:g', input: null }),
    ]);
    expect(timeline.rows.slice(1).map((r) => ('status' in r ? r.status : r.kind))).toEqual([
      'retrying',
      'pending',
      'running',
    ]);
  });

  it('reports final failures, stops and parking with their reasons', () => {
    revision = 0;
    const rows = buildTimeline([
      ev('SessionStarted', { entry: 'a.ts:f', input: null }),
      ev('ActivityScheduled', { seq: 1, name: 'charge', args: [] }),
      ev('ActivityFailed', {
        seq: 1,
        attempt: 3,
        error: { name: 'E', message: 'card declined', retryable: false },
      }),
      ev('CancelRequested', { reason: 'operator', gracePeriodMs: 10_000 }),
      ev('SessionParked', {
        code: 'NONDETERMINISM',
        message: 'm',
        divergence: { message: 'step 2 differs' },
      }),
      ev('SessionStopped', { reason: 'operator', origin: 'engine', forced: true }),
    ]).rows;
    expect(rows[1]).toMatchObject({
      status: 'failed',
      error: { message: 'card declined', retryable: false },
    });
    expect(rows.slice(2).map((r) => (r.kind === 'lifecycle' ? [r.title, r.detail, r.tone] : r.kind))).toEqual(
      [
        ['Stop requested', 'operator', 'warning'],
        ['Session parked: NONDETERMINISM', 'step 2 differs', 'danger'],
        ['Session stopped (forced)', 'operator', 'warning'],
      ],
    );
  });
});

describe('formatting', () => {
  it('formats durations at a readable precision', () => {
    expect([0, 850, 1234, 12_345, 200_000, 7_500_000, 273_600_000].map(formatDuration)).toEqual([
      '0 ms',
      '850 ms',
      '1.23 s',
      '12.3 s',
      '3 min 20 s',
      '2 h 5 min',
      '3 d 4 h',
    ]);
    expect(formatDuration(undefined)).toBe('—');
  });

  it('formats rates, relative times and ids', () => {
    expect([1, 0, 0.975, undefined].map(formatPercent)).toEqual(['100 %', '0 %', '97.5 %', '—']);
    const now = T0;
    expect(formatRelative(now - 2000, now)).toBe('just now');
    expect(formatRelative(now - 45_000, now)).toBe('45 s ago');
    expect(formatRelative(now - 5 * 60_000, now)).toBe('5 min ago');
    expect(formatRelative(now + 2 * 3_600_000, now)).toBe('in 2 h');
    expect(shortId('ses_01JDX4QZ8M7W2E5K9R3T6Y1B0C')).toBe('ses_01JDX4…1B0C');
    expect(shortId('evt_short')).toBe('evt_short');
  });
});

describe('dashboard series', () => {
  it('fills every bucket of the range, keeping the buckets the API returned', () => {
    const range = timeRange('1h');
    const now = T0 + 30_000;
    const since = rangeStart(range, now);
    const filled = fillSeries(
      [{ start: T0, started: 3, completed: 2, failed: 1, stopped: 0 }],
      since,
      now,
      range.bucketMs,
    );
    expect(filled).toHaveLength(60);
    expect(filled[0]?.start).toBe(since);
    expect(filled.at(-1)).toEqual({ start: T0, started: 3, completed: 2, failed: 1, stopped: 0 });
    expect(filled.slice(0, -1).every((b) => b.started === 0)).toBe(true);
    expect(timeRange('nonsense').id).toBe('24h');
  });
});

describe('session filters in the URL', () => {
  it('round-trips filters and drops unknown states and empty values', () => {
    const params = new URLSearchParams('project=prj_1&state=waiting&entry=&bogus=1&from=2025-11-22T08:30');
    expect(filtersFromSearch(params)).toEqual({
      project: 'prj_1',
      state: 'waiting',
      from: '2025-11-22T08:30',
    });
    expect(filtersFromSearch(new URLSearchParams('state=sleeping'))).toEqual({});
    expect(searchFromFilters({ project: 'prj_1', state: 'waiting' }).toString()).toBe(
      'project=prj_1&state=waiting',
    );
    expect(localInputToMillis('2025-11-22T08:30')).toBe(new Date('2025-11-22T08:30').getTime());
    expect(localInputToMillis('not a date')).toBeUndefined();
  });
});

describe('source excerpts', () => {
  it('cuts the lines around an error and decodes UTF-8 files from base64', () => {
    const text = decodeBase64Text(Buffer.from('a\nb\r\nthrow "é"\nd\ne\nf').toString('base64'));
    expect(excerptLines(text, 3)).toEqual([
      { number: 1, text: 'a', target: false },
      { number: 2, text: 'b', target: false },
      { number: 3, text: 'throw "é"', target: true },
      { number: 4, text: 'd', target: false },
      { number: 5, text: 'e', target: false },
    ]);
    expect(excerptLines(text, 6, 1).map((l) => l.number)).toEqual([5, 6]);
    expect(excerptLines(text, 7)).toEqual([]);
  });
});
