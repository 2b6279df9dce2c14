/**
 * The session state machine without I/O: journal → replay history, journal → state, commands →
 * events, retry decisions. Compared exactly, as Temporal tests activations in → commands out.
 */
import { describe, expect, it } from 'vitest';
import { childSessionId, isId, newId } from '../../engine/ids.js';
import { eventsForCommands } from '../../engine/session/commands.js';
import type { SessionEvent } from '../../engine/session/events.js';
import type { JournaledSessionEvent } from '../../engine/session/history.js';
import { replayHistoryOf, splitHistory } from '../../engine/session/history.js';
import { compileActivityOptions, decideRetry } from '../../engine/session/retry.js';
import { OneEntryMap, foldSession } from '../../engine/session/state.js';

const SID = 'ses_01JCZZZZZZZZZZZZZZZZZZZZZZ';

function journal(...events: SessionEvent[]): JournaledSessionEvent[] {
  return events.map((event, revision) => ({ ...event, revision }));
}

const started: SessionEvent = {
  type: 'SessionStarted',
  data: {
    sessionId: SID,
    entry: 'main.ts:run',
    buildId: 'bld_1',
    input: { n: 1 },
    seed: 'ab',
    time: 1000,
    variables: {},
  },
};

describe('replay history', () => {
  it('separates jobs and matched commands, in journal order', () => {
    const history = replayHistoryOf(
      journal(
        started,
        { type: 'ActivityScheduled', data: { seq: 1, name: 'charge', args: [5], options: {}, time: 1000 } },
        { type: 'TimerStarted', data: { seq: 1, durationMs: 500, fireAt: 1500, time: 1000 } },
        { type: 'Log', data: { level: 'info', text: 'hello', time: 1000 } },
        {
          type: 'ActivityFailed',
          data: { seq: 1, error: { name: 'E', message: 'x' }, attempt: 1, retryAt: 2000, time: 1100 },
        },
        { type: 'SignalReceived', data: { name: 'go', payload: 7, time: 1200 } },
        { type: 'ActivityCompleted', data: { seq: 1, result: 'ok', attempt: 2, time: 2100 } },
        { type: 'PatchMarker', data: { id: 'v2', deprecated: false, time: 2100 } },
        {
          type: 'ChildStarted',
          data: { seq: 1, sessionId: 'ses_child', entry: 'main.ts:child', input: 1, options: {}, time: 2100 },
        },
        { type: 'TimerFired', data: { seq: 1, time: 2200 } },
        { type: 'SessionCompleted', data: { result: 42, time: 2300 } },
      ),
    );
    expect(history.jobs).toEqual([
      { kind: 'start', input: { n: 1 }, time: 1000 },
      { kind: 'signal', name: 'go', payload: 7, time: 1200 },
      { kind: 'resolveActivity', seq: 1, result: 'ok', time: 2100 },
      { kind: 'resolveChildStart', seq: 1, sessionId: 'ses_child', time: 2100 },
      { kind: 'fireTimer', seq: 1, time: 2200 },
    ]);
    expect(history.commands).toEqual([
      { command: { kind: 'scheduleActivity', seq: 1, name: 'charge', args: [5], options: {} }, revision: 1 },
      { command: { kind: 'startTimer', seq: 1, durationMs: 500 }, revision: 2 },
      { command: { kind: 'startChild', seq: 1, entry: 'main.ts:child', input: 1, options: {} }, revision: 8 },
      { command: { kind: 'complete', result: 42 }, revision: 10 },
    ]);
    expect(history.patches).toEqual(['v2']);
  });

  it('replays only code-originated endings as commands', () => {
    const error = { name: 'Boom', message: 'x' };
    const byCode = replayHistoryOf(
      journal(started, { type: 'SessionFailed', data: { error, origin: 'code', time: 2 } }),
    );
    const byEngine = replayHistoryOf(
      journal(started, { type: 'SessionFailed', data: { error, origin: 'engine', time: 2 } }),
    );
    expect(byCode.commands.map((c) => c.command)).toEqual([{ kind: 'fail', error }]);
    expect(byEngine.commands).toEqual([]);
  });
});

describe('session state', () => {
  it('tracks pending work and ends', () => {
    const state = foldSession(
      journal(
        started,
        { type: 'ActivityScheduled', data: { seq: 1, name: 'a', args: [], options: {}, time: 1 } },
        { type: 'ActivityScheduled', data: { seq: 2, name: 'b', args: [], options: {}, time: 1 } },
        { type: 'TimerStarted', data: { seq: 1, durationMs: 10, fireAt: 11, time: 1 } },
        {
          type: 'ActivityFailed',
          data: { seq: 2, error: { name: 'E', message: 'm' }, attempt: 1, retryAt: 50, time: 2 },
        },
        { type: 'ActivityCompleted', data: { seq: 1, result: 1, attempt: 1, time: 3 } },
      ),
    );
    expect(state.status).toBe('waiting');
    expect([...state.activities.keys()]).toEqual([2]);
    expect(state.activities.get(2)).toMatchObject({ failedAttempts: 1, retryAt: 50 });
    expect([...state.timers.values()]).toEqual([{ seq: 1, fireAt: 11 }]);
    expect(state.revision).toBe(5);
  });

  it('keeps pending work as a one-entry map until two are pending, and back', () => {
    const timer = (seq: number): SessionEvent => ({
      type: 'TimerStarted',
      data: { seq, durationMs: 10, fireAt: 10 + seq, time: 1 },
    });
    const fired = (seq: number): SessionEvent => ({ type: 'TimerFired', data: { seq, time: 20 } });
    const entriesOf = (map: ReadonlyMap<number, unknown>): unknown[] => {
      const seen: unknown[] = [];
      map.forEach((value, key) => seen.push([key, value]));
      return seen;
    };
    const one = foldSession(journal(started, timer(1)));
    expect(one.timers).toBeInstanceOf(OneEntryMap);
    expect(one.timers.size).toBe(1);
    expect(one.timers.get(1)).toEqual({ seq: 1, fireAt: 11 });
    expect([one.timers.get(2), one.timers.has(1), one.timers.has(2)]).toEqual([undefined, true, false]);
    expect([...one.timers]).toEqual([[1, { seq: 1, fireAt: 11 }]]);
    expect([...one.timers.keys(), ...one.timers.values()]).toEqual([1, { seq: 1, fireAt: 11 }]);
    expect(entriesOf(one.timers)).toEqual([...one.timers.entries()]);

    const two = foldSession(journal(started, timer(1), timer(2)));
    expect(two.timers).toBeInstanceOf(Map);
    expect([...two.timers.keys()]).toEqual([1, 2]);
    const back = foldSession(journal(started, timer(1), timer(2), fired(1)));
    expect(back.timers).toBeInstanceOf(OneEntryMap);
    expect([...back.timers]).toEqual([[2, { seq: 2, fireAt: 12 }]]);
    const none = foldSession(journal(started, timer(1), timer(2), fired(1), fired(2)));
    expect(none.timers.size).toBe(0);
    // The same seq started again replaces its entry.
    const moved: SessionEvent = {
      type: 'TimerStarted',
      data: { seq: 3, durationMs: 5, fireAt: 99, time: 2 },
    };
    const again = foldSession(journal(started, timer(3), moved));
    expect([...again.timers]).toEqual([[3, { seq: 3, fireAt: 99 }]]);
  });

  it('a fresh session is created; a signal at the tail is a pending fact', () => {
    expect(foldSession(journal(started)).status).toBe('created');
    const signalled = foldSession(
      journal(
        started,
        { type: 'TimerStarted', data: { seq: 1, durationMs: 10, fireAt: 11, time: 1 } },
        { type: 'SignalReceived', data: { name: 's', payload: null, time: 5 } },
      ),
    );
    expect(signalled.pendingFacts).toBe(true);
    expect(signalled.status).toBe('waiting');
  });

  it('final events clear pending work and record the outcome', () => {
    const state = foldSession(
      journal(
        started,
        { type: 'TimerStarted', data: { seq: 1, durationMs: 10, fireAt: 11, time: 1 } },
        { type: 'CancelRequested', data: { reason: 'bye', gracePeriodMs: 100, time: 2 } },
        { type: 'SessionStopped', data: { reason: 'bye', origin: 'engine', forced: true, time: 3 } },
      ),
    );
    expect(state.status).toBe('stopped');
    expect(state.stopReason).toBe('bye');
    expect(state.timers.size).toBe(0);
    expect(state.endedAt).toBe(3);
  });

  it('parks and resumes on another build', () => {
    const state = foldSession(
      journal(
        started,
        { type: 'SessionParked', data: { code: 'NONDETERMINISM', message: 'm', time: 2 } },
        { type: 'SessionResumed', data: { buildId: 'bld_2', reason: 'fixed', time: 3 } },
      ),
    );
    expect(state.status).toBe('waiting');
    expect(state.buildId).toBe('bld_2');
    expect(state.startBuildId).toBe('bld_1');
    expect(state.parked).toBeUndefined();
  });

  it('rejects a journal that does not start with SessionStarted', () => {
    expect(() => foldSession(journal({ type: 'TimerFired', data: { seq: 1, time: 1 } }))).toThrow(
      /expected SessionStarted, found TimerFired/,
    );
  });
});

describe('commands to events', () => {
  const ctx = { time: 1000, childSessionId: (seq: number) => `child-${seq}` };

  it('translates each command, with timer deadlines from the activation time', () => {
    const events = eventsForCommands(
      [
        {
          command: {
            kind: 'scheduleActivity',
            seq: 1,
            name: 'a',
            args: [1],
            options: { startToCloseTimeoutMs: 5 },
          },
        },
        { command: { kind: 'startTimer', seq: 1, durationMs: 250 } },
        { command: { kind: 'startChild', seq: 1, entry: 'x.ts:y', input: 2, options: {} } },
        { command: { kind: 'log', level: 'info', text: 'hi' } },
        { command: { kind: 'complete', result: 'done' } },
        { command: { kind: 'log', level: 'info', text: 'after the end' } },
      ],
      ctx,
    );
    expect(events).toEqual([
      {
        type: 'ActivityScheduled',
        data: { seq: 1, name: 'a', args: [1], options: { startToCloseTimeoutMs: 5 }, time: 1000 },
      },
      { type: 'TimerStarted', data: { seq: 1, durationMs: 250, fireAt: 1250, time: 1000 } },
      {
        type: 'ChildStarted',
        data: { seq: 1, sessionId: 'child-1', entry: 'x.ts:y', input: 2, options: {}, time: 1000 },
      },
      { type: 'Log', data: { level: 'info', text: 'hi', time: 1000 } },
      { type: 'SessionCompleted', data: { result: 'done', time: 1000 } },
    ]);
  });

  it('a cancellation after a stop request ends the session as stopped; otherwise failed', () => {
    const cancelled = { name: 'CancelledFailure', code: 'CANCELLED', message: 'cancelled' };
    expect(
      eventsForCommands([{ command: { kind: 'fail', error: cancelled } }], {
        ...ctx,
        cancelRequested: { reason: 'r' },
      }),
    ).toEqual([
      {
        type: 'SessionStopped',
        data: { reason: 'r', origin: 'code', forced: false, error: cancelled, time: 1000 },
      },
    ]);
    expect(eventsForCommands([{ command: { kind: 'fail', error: cancelled } }], ctx)).toEqual([
      { type: 'SessionFailed', data: { error: cancelled, origin: 'code', time: 1000 } },
    ]);
  });
});

describe('retry policy', () => {
  const error = { name: 'Error', message: 'flaky' };

  it('backs off exponentially up to the maximum interval', () => {
    const options = compileActivityOptions({
      retry: { initialIntervalMs: 100, backoffCoefficient: 3, maximumIntervalMs: 1000 },
    });
    const delays = [1, 2, 3, 4].map((attempt) => decideRetry(options, attempt, error, 0, 0));
    expect(delays).toEqual([
      { retry: true, delayMs: 100 },
      { retry: true, delayMs: 300 },
      { retry: true, delayMs: 900 },
      { retry: true, delayMs: 1000 },
    ]);
  });

  it('stops at maximum attempts, non-retryable errors and names, and schedule-to-close', () => {
    const options = compileActivityOptions({
      retry: { maximumAttempts: 2, nonRetryableErrorNames: ['Fatal', 'E_AUTH'] },
    });
    expect(decideRetry(options, 2, error, 0, 0)).toEqual({
      retry: false,
      reason: 'maximum attempts (2) reached',
    });
    expect(decideRetry(options, 1, { ...error, retryable: false }, 0, 0).retry).toBe(false);
    expect(decideRetry(options, 1, { name: 'Fatal', message: '' }, 0, 0).retry).toBe(false);
    expect(decideRetry(options, 1, { name: 'Error', code: 'E_AUTH', message: '' }, 0, 0).retry).toBe(false);
    const bounded = compileActivityOptions({
      scheduleToCloseTimeoutMs: 1500,
      retry: { initialIntervalMs: 1000 },
    });
    expect(decideRetry(bounded, 1, error, 600, 0).retry).toBe(false);
    expect(decideRetry(bounded, 1, error, 100, 0)).toEqual({ retry: true, delayMs: 1000 });
  });

  it('honours a longer retry-after from the error, and defaults to 5 attempts', () => {
    const options = compileActivityOptions({});
    expect(decideRetry(options, 1, { ...error, retryAfterMs: 7000 }, 0, 0)).toEqual({
      retry: true,
      delayMs: 7000,
    });
    expect(decideRetry(options, 5, error, 0, 0).retry).toBe(false);
    expect(options.startToCloseTimeoutMs).toBe(300_000);
  });
});

describe('ids', () => {
  it('are typed ULIDs; child ids are derived deterministically', () => {
    const parent = newId('session');
    expect(isId('session', parent)).toBe(true);
    expect(isId('build', parent)).toBe(false);
    const child = childSessionId(parent, 3);
    expect(isId('session', child)).toBe(true);
    expect(child).toBe(childSessionId(parent, 3));
    expect(child).not.toBe(childSessionId(parent, 4));
    expect(child.slice(0, 14)).toBe(parent.slice(0, 14));
  });
});

describe('split history (loading a context)', () => {
  it('delivers facts after the last recorded output live, the rest as replay', () => {
    const { replay, pending } = splitHistory(
      journal(
        started,
        { type: 'TimerStarted', data: { seq: 1, durationMs: 10, fireAt: 11, time: 1 } },
        { type: 'SignalReceived', data: { name: 'a', payload: 1, time: 5 } },
        { type: 'Log', data: { level: 'info', text: 'got a', time: 5 } },
        { type: 'SignalReceived', data: { name: 'b', payload: 2, time: 6 } },
        {
          type: 'ActivityFailed',
          data: { seq: 9, error: { name: 'E', message: 'm' }, attempt: 1, retryAt: 9, time: 7 },
        },
        { type: 'CancelRequested', data: { reason: 'r', gracePeriodMs: 1, time: 8 } },
      ),
    );
    expect(replay.jobs.map((j) => j.kind)).toEqual(['start', 'signal']);
    expect(replay.commands.map((c) => c.command.kind)).toEqual(['startTimer']);
    expect(pending).toEqual([
      { kind: 'signal', name: 'b', payload: 2, time: 6 },
      { kind: 'cancel', reason: 'r', time: 8 },
    ]);
  });

  it('a new session replays nothing and delivers start live; a child start id is pending after its command', () => {
    expect(splitHistory(journal(started))).toEqual({
      replay: { jobs: [], commands: [], patches: [] },
      pending: [{ kind: 'start', input: { n: 1 }, time: 1000 }],
    });
    const { replay, pending } = splitHistory(
      journal(started, {
        type: 'ChildStarted',
        data: { seq: 1, sessionId: 'ses_c', entry: 'a.ts:b', input: null, options: {}, time: 2 },
      }),
    );
    expect(replay.commands.map((c) => c.command.kind)).toEqual(['startChild']);
    expect(replay.jobs.map((j) => j.kind)).toEqual(['start']);
    expect(pending).toEqual([{ kind: 'resolveChildStart', seq: 1, sessionId: 'ses_c', time: 2 }]);
  });
});
