/**
 * `splitHistoryColumns` (journal events straight into columns) gives exactly what the object
 * path gives (`splitHistory`, commands `withoutOptions`, then `toHistoryColumns`), and the
 * non-allocating predicates agree with `commandOf` / `jobsOf` for every kind of event.
 */
import { describe, expect, it } from 'vitest';

import { toHistoryColumns } from '../../sandbox/guest/history-columns.js';
import type { SessionEvent } from '../../engine/session/events.js';
import type { JournaledSessionEvent } from '../../engine/session/history.js';
import {
  commandOf,
  hasJob,
  isCommandEvent,
  jobsOf,
  splitHistory,
  splitHistoryColumns,
  withoutOptions,
} from '../../engine/session/history.js';

const T0 = 1_700_000_000_000;
const error = { name: 'Error', message: 'boom' };
const options = { startToCloseTimeoutMs: 10_000 };

function journal(tail: SessionEvent[]): JournaledSessionEvent[] {
  const events = [
    {
      type: 'SessionStarted',
      data: {
        sessionId: 's',
        entry: 'w.ts:main',
        buildId: 'b',
        input: { n: 1 },
        seed: 'x',
        time: T0,
        variables: {},
      },
    },
    {
      type: 'ActivityScheduled',
      data: { seq: 1, name: 'a', args: [1, { deep: [2] }], options, time: T0 + 1 },
    },
    { type: 'ActivityFailed', data: { seq: 1, error, attempt: 1, retryAt: T0 + 5, time: T0 + 2 } },
    { type: 'ActivityCompleted', data: { seq: 1, result: new Map([['k', 1n]]), attempt: 2, time: T0 + 6 } },
    { type: 'PatchMarker', data: { id: 'p1', time: T0 + 6 } },
    { type: 'TimerStarted', data: { seq: 2, durationMs: 500, fireAt: T0 + 506, time: T0 + 6 } },
    { type: 'Log', data: { level: 'info', message: 'hi', time: T0 + 6 } },
    { type: 'TimerFired', data: { seq: 2, time: T0 + 506 } },
    { type: 'ActivityScheduled', data: { seq: 3, name: 'b', args: [], options, time: T0 + 507 } },
    { type: 'ActivityFailed', data: { seq: 3, error, attempt: 1, time: T0 + 508 } },
    { type: 'SignalReceived', data: { name: 'go', payload: [1], time: T0 + 509 } },
    {
      type: 'ChildStarted',
      data: { seq: 4, entry: 'w.ts:child', input: 2, options: {}, sessionId: 'c', time: T0 + 510 },
    },
    { type: 'ChildCompleted', data: { seq: 4, result: 3, time: T0 + 511 } },
    { type: 'PatchMarker', data: { id: 'p1', time: T0 + 511 } },
    { type: 'TimerStarted', data: { seq: 5, durationMs: 100, fireAt: T0 + 611, time: T0 + 511 } },
    { type: 'TimerCancelled', data: { seq: 5, time: T0 + 512 } },
    { type: 'ResponseSet', data: { response: { status: 200 }, time: T0 + 512 } },
    ...tail,
  ] as unknown as SessionEvent[];
  return events.map((event, revision) => ({ ...event, revision }));
}

function objectPath(events: JournaledSessionEvent[]) {
  const { replay, pending } = splitHistory(events);
  return { replay: toHistoryColumns({ ...replay, commands: replay.commands.map(withoutOptions) }), pending };
}

describe('splitHistoryColumns', () => {
  const cases: Record<string, SessionEvent[]> = {
    'ending in facts the code may not have seen': [
      { type: 'ActivityScheduled', data: { seq: 6, name: 'c', args: [7], options, time: T0 + 513 } },
      { type: 'ActivityCompleted', data: { seq: 6, result: 'r', attempt: 1, time: T0 + 514 } },
      { type: 'SignalReceived', data: { name: 'late', payload: null, time: T0 + 515 } },
    ] as unknown as SessionEvent[],
    'ending with the session completed': [
      { type: 'SessionCompleted', data: { result: 'done', time: T0 + 520 } },
    ] as unknown as SessionEvent[],
    'ending with a child started (its id is pending)': [
      {
        type: 'ChildStarted',
        data: { seq: 7, entry: 'w.ts:child', input: 3, options: {}, sessionId: 'c2', time: T0 + 530 },
      },
    ] as unknown as SessionEvent[],
  };
  for (const [name, tail] of Object.entries(cases)) {
    it(`gives what the object path gives, ${name}`, () => {
      const events = journal(tail);
      const direct = splitHistoryColumns(events);
      const expected = objectPath(events);
      expect(direct.pending).toEqual(expected.pending);
      expect(direct.replay).toEqual(expected.replay);
      expect(direct.replay.patches).toEqual(['p1']);
    });
  }

  it('agrees with commandOf and jobsOf on every event', () => {
    const events = [...journal(Object.values(cases).flat())];
    events.push(
      ...([
        { type: 'SessionFailed', data: { origin: 'code', error, time: T0 }, revision: 0 },
        { type: 'SessionFailed', data: { origin: 'engine', error, time: T0 }, revision: 0 },
        { type: 'SessionStopped', data: { origin: 'code', error, reason: 'x', time: T0 }, revision: 0 },
        { type: 'SessionStopped', data: { origin: 'operator', reason: 'x', time: T0 }, revision: 0 },
        { type: 'CancelRequested', data: { reason: 'x', time: T0 }, revision: 0 },
        { type: 'ActivityCancelRequested', data: { seq: 1, time: T0 }, revision: 0 },
        { type: 'ChildCancelRequested', data: { seq: 4, time: T0 }, revision: 0 },
      ] as unknown as JournaledSessionEvent[]),
    );
    for (const event of events) {
      expect(isCommandEvent(event), event.type).toBe(commandOf(event) !== undefined);
      expect(hasJob(event), event.type).toBe(jobsOf(event).length > 0);
    }
  });
});
