/**
 * The columnar form of a replay history (`guest/history-columns.ts`): every job and recorded
 * command comes back exactly (the columnar shapes and the ones kept whole), with revisions and
 * patches, also after crossing the runner wire (typed arrays survive msgpack framing).
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';

import type { Job, RecordedCommand, ReplayHistory } from '../../sandbox/index.js';
import {
  commandAt,
  fromHistoryColumns,
  isHistoryColumns,
  jobAt,
  jobCount,
  matchesRecorded,
  recordedCommandAt,
  toHistoryColumns,
} from '../../sandbox/guest/history-columns.js';
import type { HostMessage } from '../../sandbox/runner/wire.js';
import { readFrames, writeFrame } from '../../sandbox/runner/wire.js';

const T0 = 1_700_000_000_000;

const jobs: Job[] = [
  { kind: 'start', input: { order: 7, at: new Date(T0) }, time: T0 },
  { kind: 'resolveActivity', seq: 1, result: { total: 10n, tags: new Set(['a']) }, time: T0 + 1 },
  { kind: 'resolveActivity', seq: 2, result: undefined, time: T0 + 2 },
  { kind: 'fireTimer', seq: 3, time: T0 + 3 },
  { kind: 'signal', name: 'approve', payload: [1, 2], time: T0 + 4 },
  {
    kind: 'rejectActivity',
    seq: 4,
    error: { name: 'Error', message: 'declined', retryable: false },
    time: T0 + 5,
  },
  { kind: 'cancel', reason: 'stop requested', time: T0 + 6 },
];

const commands: RecordedCommand[] = [
  {
    command: { kind: 'scheduleActivity', seq: 1, name: 'charge', args: [{ cents: 100 }] } as never,
    revision: 2,
  },
  { command: { kind: 'scheduleActivity', seq: 2, name: 'notify', args: [] } as never, revision: 4 },
  { command: { kind: 'startTimer', seq: 3, durationMs: 5000 }, revision: 6 },
  // Kept whole: with options, another kind, no revision.
  {
    command: {
      kind: 'scheduleActivity',
      seq: 4,
      name: 'charge',
      args: [1],
      options: { startToCloseTimeoutMs: 9 },
    },
    revision: 8,
  },
  { command: { kind: 'startChild', seq: 5, entry: 'child.ts:run', input: 3, options: {} } },
  { command: { kind: 'respond', response: { status: 200, headers: {}, body: 'ok' } } as never, revision: 11 },
];

const history: ReplayHistory = { jobs, commands, patches: ['new-path'] };

describe('history in columns', () => {
  it('gives back every job and recorded command exactly', () => {
    const columns = toHistoryColumns(history);
    expect(isHistoryColumns(columns)).toBe(true);
    expect(isHistoryColumns(history)).toBe(false);
    expect(toHistoryColumns(columns)).toBe(columns);
    expect(jobCount(columns)).toBe(jobs.length);
    expect(jobs.map((_, i) => jobAt(columns, i))).toEqual(jobs);
    expect(commands.map((_, i) => recordedCommandAt(columns, i))).toEqual(commands);
    expect(commandAt(columns, 2)).toEqual({ kind: 'startTimer', seq: 3, durationMs: 5000 });
    expect(recordedCommandAt(columns, commands.length)).toBeUndefined();
    expect(fromHistoryColumns(columns)).toEqual(history);
    // The activity names are kept once.
    expect(columns.names).toEqual(['charge', 'notify']);
  });

  it('matches an issued command without building the recorded one only when it is certainly equal', () => {
    const columns = toHistoryColumns({
      jobs: [],
      commands: [
        { command: { kind: 'scheduleActivity', seq: 1, name: 'charge', args: [100, 'eur', true] } as never },
        { command: { kind: 'scheduleActivity', seq: 2, name: 'charge', args: [{ cents: 1 }] } as never },
        { command: { kind: 'scheduleActivity', seq: 3, name: 'charge', args: [Number.NaN] } as never },
        { command: { kind: 'startTimer', seq: 4, durationMs: 5000 } },
        { command: { kind: 'complete', result: 1 } },
      ],
      patches: [],
    });
    const schedule = (seq: number, name: string, args: unknown[]) =>
      ({ kind: 'scheduleActivity', seq, name, args, options: { startToCloseTimeoutMs: 1 } }) as const;
    // Equal, options aside: matched.
    expect(matchesRecorded(columns, 0, schedule(1, 'charge', [100, 'eur', true]))).toBe(true);
    expect(matchesRecorded(columns, 3, { kind: 'startTimer', seq: 4, durationMs: 5000 })).toBe(true);
    // Anything else is left to the full comparison (which reports the differences).
    expect(matchesRecorded(columns, 0, schedule(1, 'charge', [100, 'usd', true]))).toBeUndefined();
    expect(matchesRecorded(columns, 0, schedule(1, 'refund', [100, 'eur', true]))).toBeUndefined();
    expect(matchesRecorded(columns, 0, schedule(9, 'charge', [100, 'eur', true]))).toBeUndefined();
    expect(matchesRecorded(columns, 0, schedule(1, 'charge', [100, 'eur']))).toBeUndefined();
    expect(matchesRecorded(columns, 1, schedule(2, 'charge', [{ cents: 1 }]))).toBeUndefined();
    expect(matchesRecorded(columns, 2, schedule(3, 'charge', [Number.NaN]))).toBeUndefined();
    expect(matchesRecorded(columns, 3, { kind: 'startTimer', seq: 4, durationMs: 6000 })).toBeUndefined();
    expect(matchesRecorded(columns, 3, schedule(4, 'charge', []))).toBeUndefined();
    expect(matchesRecorded(columns, 4, { kind: 'complete', result: 1 })).toBeUndefined();
  });

  it('crosses the runner wire as typed arrays', async () => {
    const stream = new PassThrough();
    const received = new Promise<HostMessage>((resolve) => readFrames<HostMessage>(stream, resolve));
    writeFrame(stream, { t: 'echo', payload: toHistoryColumns(history) });
    const message = await received;
    if (message.t !== 'echo') throw new Error(`unexpected message ${message.t}`);
    const columns = message.payload as ReturnType<typeof toHistoryColumns>;
    expect(columns.jobTimes).toBeInstanceOf(Float64Array);
    expect(columns.commandKinds).toBeInstanceOf(Uint8Array);
    expect(fromHistoryColumns(columns)).toEqual(history);
  });
});
