/**
 * The engine's behaviour through the embedding API, on the in-memory store with real runners.
 * Restarts and crashes are in recovery.test.ts and crash.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../sandbox/index.js';
import type { SessionEventNotice } from '../../engine/index.js';
import { eventually, sharedSandbox, testEngine } from './helpers.js';
import type { TestEngine } from './helpers.js';

let sandbox: Sandbox;
let t: TestEngine;

beforeAll(async () => {
  sandbox = await sharedSandbox();
  t = await testEngine(sandbox, { stopGracePeriodMs: 2000 });
});

afterAll(async () => {
  await t?.engine.shutdown();
  await sandbox?.close();
});

function types(history: { type: string }[]): string[] {
  return history.map((e) => e.type);
}

describe('sessions', () => {
  it('runs a workflow to its result and journals it', async () => {
    const id = await t.start('hello', 'ada');
    expect(await t.engine.result(id, { timeoutMs: 5000 })).toBe('hello ada');
    const info = t.engine.getSession(id);
    expect(info).toMatchObject({
      status: 'completed',
      result: 'hello ada',
      entry: 'workflows.ts:hello',
      input: 'ada',
    });
    expect(info.durationMs).toBeGreaterThanOrEqual(0);
    const history = await t.engine.history(id);
    expect(types(history)).toEqual(['SessionStarted', 'Log', 'SessionCompleted']);
    expect(history[1]?.data).toMatchObject({ level: 'info', text: 'saying hello to ada' });
  });

  it('chains project activities, each journaled as scheduled then completed', async () => {
    const id = await t.start('doubles', 4);
    expect(await t.engine.result(id, { timeoutMs: 5000 })).toBe(16);
    const history = await t.engine.history(id);
    expect(types(history)).toEqual([
      'SessionStarted',
      ...Array<string[]>(4).fill(['ActivityScheduled', 'ActivityCompleted']).flat(),
      'SessionCompleted',
    ]);
    expect(
      history.filter((e) => e.type === 'ActivityCompleted').map((e) => (e.data as { result: number }).result),
    ).toEqual([2, 4, 8, 16]);
  });

  it('gives activities their session, seq and attempt', async () => {
    const id = await t.start('attemptInfo');
    expect(await t.engine.result(id, { timeoutMs: 5000 })).toBe('describeAttempt#1@1');
  });

  it('exposes workflow info and a recorded clock', async () => {
    const id = await t.start('whoAmI');
    expect(await t.engine.result(id, { timeoutMs: 5000 })).toEqual({
      sessionId: id,
      entry: 'workflows.ts:whoAmI',
      now: true,
    });
  });

  it('fails with the error the code threw, as data', async () => {
    const id = await t.start('failing');
    await expect(t.engine.result(id, { timeoutMs: 5000 })).rejects.toThrow(/failed: .*the input is wrong/);
    const info = t.engine.getSession(id);
    expect(info.status).toBe('failed');
    expect(info.error).toMatchObject({ message: 'the input is wrong', code: 'BadInput', retryable: false });
    expect(info.error?.stack).toContain('workflows.ts');
  });

  it('stops a busy loop at the CPU limit without hurting the engine', async () => {
    const id = await t.start('spin');
    await expect(t.engine.result(id, { timeoutMs: 10_000 })).rejects.toThrow(/failed/);
    expect(t.engine.getSession(id).error?.code).toBe('CPU_LIMIT_EXCEEDED');
    const after = await t.start('hello', 'still alive');
    expect(await t.engine.result(after, { timeoutMs: 5000 })).toBe('hello still alive');
  });

  it('starts once per idempotency key', async () => {
    const first = await t.engine.startSession({
      buildId: t.build.buildId,
      entry: 'workflows.ts:hello',
      input: 'x',
      idempotencyKey: 'order-42',
    });
    const second = await t.engine.startSession({
      buildId: t.build.buildId,
      entry: 'workflows.ts:hello',
      input: 'y',
      idempotencyKey: 'order-42',
    });
    expect(second.sessionId).toBe(first.sessionId);
    expect(await t.engine.result(first.sessionId, { timeoutMs: 5000 })).toBe('hello x');
  });

  it('rejects bad input with errors naming the field', async () => {
    const start = (over: object) =>
      t.engine.startSession({ buildId: t.build.buildId, entry: 'workflows.ts:hello', ...over });
    await expect(start({ buildId: 'bld_nope' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      field: 'buildId',
    });
    await expect(start({ entry: 'hello' })).rejects.toThrow(
      /^entry: must be "file.ts:function", got "hello"/,
    );
    await expect(start({ entry: 'workflows.ts:nope' })).rejects.toMatchObject({
      code: 'ENTRY_POINT_NOT_FOUND',
    });
    await expect(start({ input: () => 1 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      field: 'input',
    });
    await expect(t.engine.signal('ses_01JD0000000000000000000000', 'x')).rejects.toMatchObject({
      code: 'SESSION_NOT_FOUND',
    });
    await expect(t.engine.signal('nope', 'x')).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      field: 'sessionId',
    });
  });
});

describe('activities', () => {
  it('retries a failing host activity per the policy, journaling each failed attempt', async () => {
    const id = await t.start('retried', 'retry-1');
    expect(await t.engine.result(id, { timeoutMs: 5000 })).toBe('ok after 2 failures');
    const failed = (await t.engine.history(id)).filter((e) => e.type === 'ActivityFailed');
    expect(failed.map((e) => (e.data as { attempt: number }).attempt)).toEqual([1, 2]);
    expect(failed.every((e) => typeof (e.data as { retryAt?: number }).retryAt === 'number')).toBe(true);
    expect((failed[0]?.data as { error: { message: string } }).error.message).toBe(
      'failure 1 of 2 for retry-1',
    );
  });

  it('gives the code the final failure once attempts are exhausted', async () => {
    const id = await t.start('catchActivityFailure');
    expect(await t.engine.result(id, { timeoutMs: 5000 })).toBe('caught: attempt 3 failed on purpose');
    const failed = (await t.engine.history(id)).filter((e) => e.type === 'ActivityFailed');
    expect(
      failed.map((e) => (e.data as { attempt: number; retryAt?: number }).retryAt === undefined),
    ).toEqual([false, false, true]);
  });

  it('times out an activity that stops heartbeating, and retries it', async () => {
    const id = await t.start('silentHeartbeat', 'hb');
    await expect(t.engine.result(id, { timeoutMs: 5000 })).rejects.toThrow(/failed/);
    const failed = (await t.engine.history(id)).filter((e) => e.type === 'ActivityFailed');
    expect(failed.map((e) => (e.data as { error: { code: string } }).error.code)).toEqual([
      'ACTIVITY_HEARTBEAT_TIMEOUT',
      'ACTIVITY_HEARTBEAT_TIMEOUT',
    ]);
  });

  it('times out a project activity that stops heartbeating: its runner stops it, and it is retried', async () => {
    const id = await t.start('silentProjectHeartbeat', 20_000);
    await expect(t.engine.result(id, { timeoutMs: 5000 })).rejects.toThrow(/failed/);
    const failed = (await t.engine.history(id)).filter((e) => e.type === 'ActivityFailed');
    expect(failed.map((e) => (e.data as { error: { code: string } }).error.code)).toEqual([
      'ACTIVITY_HEARTBEAT_TIMEOUT',
      'ACTIVITY_HEARTBEAT_TIMEOUT',
    ]);
    // The session failed only once both attempts had really ended in the runner.
    expect(sandbox.stats().activitiesInFlight).toBe(0);
  });

  it('keeps a heartbeating project activity alive past its heartbeat timeout', async () => {
    const id = await t.start('heartbeats', 20);
    expect(await t.engine.result(id, { timeoutMs: 5000 })).toBe(20);
  });

  it('enforces start-to-close on host activities', async () => {
    const id = await t.start('tooSlow', 'slow');
    await expect(t.engine.result(id, { timeoutMs: 5000 })).rejects.toThrow(/did not finish within 100 ms/);
  });
});

describe('timers, signals, queries, children', () => {
  it('sleeps on a durable timer', async () => {
    const id = await t.start('sleeper', 50);
    const slept = (await t.engine.result(id, { timeoutMs: 5000 })) as number;
    expect(slept).toBeGreaterThanOrEqual(50);
    expect(types(await t.engine.history(id))).toEqual([
      'SessionStarted',
      'TimerStarted',
      'TimerFired',
      'SessionCompleted',
    ]);
  });

  it('delivers a signal, and times out a wait without one', async () => {
    const waiting = await t.start('approval', 60_000);
    await t.engine.waitFor(waiting, (s) => s.status === 'waiting' && (s.waitingFor?.timers ?? 0) > 0, 5000);
    await t.engine.signal(waiting, 'decision', { approved: true });
    expect(await t.engine.result(waiting, { timeoutMs: 5000 })).toEqual({ approved: true });

    const timedOut = await t.start('approval', 30);
    expect(await t.engine.result(timedOut, { timeoutMs: 5000 })).toBe('timed out');
  });

  it('answers queries from the live state and applies signals in order', async () => {
    const id = await t.start('counter', 10);
    await t.engine.signal(id, 'add', 3);
    await t.engine.signal(id, 'add', 4);
    expect(await t.engine.query(id, 'count')).toBe(7);
    await t.engine.signal(id, 'add', 3);
    expect(await t.engine.result(id, { timeoutMs: 5000 })).toBe(10);
  });

  it('runs child sessions and returns their results to the parent', async () => {
    const id = await t.start('parent', 3);
    expect(await t.engine.result(id, { timeoutMs: 10_000 })).toEqual([10, 20, 30]);
    const children = t.engine
      .listSessions({ entry: 'workflows.ts:child' })
      .sessions.filter((s) => s.parentSessionId === id);
    expect(children).toHaveLength(3);
    expect(children.every((c) => c.status === 'completed' && c.trigger?.kind === 'child')).toBe(true);
  });
});

describe('stop', () => {
  it('stops a waiting session gracefully: the code cleans up, then it is stopped', async () => {
    const id = await t.start('cleanup', 'graceful');
    await t.engine.waitFor(id, (s) => (s.waitingFor?.timers ?? 0) > 0, 5000);
    await t.engine.stop(id, { reason: 'no longer needed' });
    await expect(t.engine.result(id, { timeoutMs: 5000 })).rejects.toThrow(/was stopped: no longer needed/);
    expect(t.effects.counts.get('graceful:cleanup')).toBe(1);
    const last = (await t.engine.history(id)).at(-1);
    expect(last).toMatchObject({ type: 'SessionStopped', data: { origin: 'code', forced: false } });
  });

  it('stops at once when forced: no more code runs', async () => {
    const id = await t.start('cleanup', 'forced');
    await t.engine.waitFor(id, (s) => (s.waitingFor?.timers ?? 0) > 0, 5000);
    await t.engine.stop(id, { reason: 'now', force: true });
    await expect(t.engine.result(id, { timeoutMs: 5000 })).rejects.toThrow(/was stopped: now/);
    expect(t.effects.counts.get('forced:cleanup')).toBeUndefined();
    expect((await t.engine.history(id)).at(-1)).toMatchObject({
      type: 'SessionStopped',
      data: { forced: true },
    });
  });

  it('stops a session while its activity is in flight, cancelling the activity', async () => {
    const id = await t.start('blockedActivity', 'in-flight');
    await eventually(() => t.effects.blocked.has('in-flight'), 5000, 'the activity to start');
    await t.engine.stop(id, { reason: 'cancel it' });
    await expect(t.engine.result(id, { timeoutMs: 5000 })).rejects.toThrow(/was stopped/);
    expect(t.effects.blocked.has('in-flight')).toBe(false);
  });

  it('stops a session while a project activity is in flight, cancelling it in its runner', async () => {
    const id = await t.start('longProjectActivity', 20_000);
    await t.engine.waitFor(id, (s) => (s.waitingFor?.activities ?? 0) > 0, 5000);
    await eventually(() => sandbox.stats().activitiesInFlight === 1, 5000, 'the activity to start');
    await t.engine.stop(id, { reason: 'cancel it' });
    await expect(t.engine.result(id, { timeoutMs: 5000 })).rejects.toThrow(/was stopped/);
    expect((await t.engine.history(id)).at(-1)).toMatchObject({
      type: 'SessionStopped',
      data: { forced: false },
    });
    // The code is told at once; the attempt itself ends in its runner soon after (uncancelled, it
    // would run until its 5 s start-to-close).
    await eventually(() => sandbox.stats().activitiesInFlight === 0, 3000, 'the runner to stop the attempt');
  });

  it('forces the stop when the grace period passes', async () => {
    const id = await t.start('blockedActivity', 'grace');
    await eventually(() => t.effects.blocked.has('grace'), 5000, 'the activity to start');
    await t.engine.stop(id, { reason: 'short grace', gracePeriodMs: 1 });
    await expect(t.engine.result(id, { timeoutMs: 5000 })).rejects.toThrow(/was stopped/);
  });

  it('refuses to stop, signal or resume an ended session', async () => {
    const id = await t.start('hello', 'done');
    await t.engine.result(id, { timeoutMs: 5000 });
    await expect(t.engine.stop(id)).rejects.toMatchObject({ code: 'INVALID_SESSION_STATE' });
    await expect(t.engine.signal(id, 'x')).rejects.toThrow(/cannot signal session .* it is completed/);
  });
});

describe('listing, subscribing, deleting', () => {
  it('lists with filters and cursors, newest first', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await t.start('hello', `page-${i}`));
    for (const id of ids) await t.engine.result(id, { timeoutMs: 5000 });
    const all = t.engine.listSessions({ entry: 'workflows.ts:hello', status: 'completed', limit: 1000 });
    const ours = all.sessions.filter((s) => ids.includes(s.sessionId)).map((s) => s.sessionId);
    expect(ours).toEqual([...ids].reverse());
    const first = t.engine.listSessions({ entry: 'workflows.ts:hello', limit: 2 });
    expect(first.sessions).toHaveLength(2);
    expect(first.nextCursor).toBe(first.sessions[1]?.sessionId);
    const second = t.engine.listSessions({ entry: 'workflows.ts:hello', limit: 2, cursor: first.nextCursor });
    expect((second.sessions[0]?.sessionId ?? '') < (first.sessions[1]?.sessionId ?? '')).toBe(true);
    expect(() => t.engine.listSessions({ limit: 0 })).toThrow(/^limit: must be an integer from 1 to 1000/);
  });

  it('notifies subscribers of each event of a session', async () => {
    const seen: SessionEventNotice[] = [];
    const id = await t.start('sleeper', 20);
    const unsubscribe = t.engine.subscribe((n) => seen.push(n), { sessionId: id });
    await t.engine.result(id, { timeoutMs: 5000 });
    unsubscribe();
    expect(seen.map((n) => n.type)).toContain('SessionCompleted');
    expect(seen.at(-1)?.status).toBe('completed');
  });

  it('deletes an ended session and its journal, not an open one', async () => {
    const open = await t.start('approval', 60_000);
    await expect(t.engine.deleteSession(open)).rejects.toThrow(/stop it first/);
    const done = await t.start('hello', 'gone');
    await t.engine.result(done, { timeoutMs: 5000 });
    await t.engine.deleteSession(done);
    expect(t.engine.hasSession(done)).toBe(false);
    expect(await t.engine.store.readStream(`session-${done}`)).toEqual([]);
    await t.engine.stop(open, { force: true });
  });
});

describe('context cache', () => {
  it('evicts beyond its bound and replays evicted sessions when they wake', async () => {
    const small = await testEngine(sandbox, { maxCachedContexts: 2 });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push(await small.start('counter', 2));
      for (const id of ids) await small.engine.waitFor(id, (s) => s.status === 'waiting', 5000);
      const before = small.engine.metrics().cache;
      expect(before.size).toBeLessThanOrEqual(2);
      expect(before.evictions).toBeGreaterThanOrEqual(3);
      for (const id of ids) {
        await small.engine.signal(id, 'add', 1);
        await small.engine.signal(id, 'add', 1);
      }
      for (const id of ids) expect(await small.engine.result(id, { timeoutMs: 5000 })).toBe(2);
      expect(small.engine.metrics().cache.misses).toBeGreaterThan(before.misses);
    } finally {
      await small.engine.shutdown();
    }
  });
});

describe('seeded randomness', () => {
  it('gives a context rebuilt from the journal the random numbers the code drew before', async () => {
    // One context for two sessions stepping at once: nearly every step rebuilds one from its journal.
    const tiny = await testEngine(sandbox, { maxCachedContexts: 1 });
    try {
      const misses = tiny.engine.metrics().cache.misses;
      const ids = await Promise.all([tiny.start('randomSteps', 6), tiny.start('randomSteps', 6)]);
      const results = await Promise.all(ids.map((id) => tiny.engine.result(id, { timeoutMs: 10_000 })));
      expect(tiny.engine.metrics().cache.misses - misses).toBeGreaterThan(6);
      for (const [i, id] of ids.entries()) {
        const drawn = results[i] as number[];
        // What the last (replayed) context returns is what earlier contexts passed to the activity.
        const args = (await tiny.engine.history(id))
          .filter((event) => event.type === 'ActivityScheduled')
          .map((event) => (event.data as { args: unknown[] }).args[0]);
        expect(drawn).toHaveLength(6);
        expect(args).toEqual(drawn);
      }
      // Each session has a seed of its own.
      expect(results[0]).not.toEqual(results[1]);
    } finally {
      await tiny.engine.shutdown();
    }
  });
});

describe('sleeping sessions', () => {
  it('give their context back at once when their next wake-up is far off, and replay when it comes', async () => {
    const sleepy = await testEngine(sandbox, { evictSleepingAfterMs: 200 });
    try {
      const long = await sleepy.start('sleeper', 400);
      const short = await sleepy.start('sleeper', 50);
      await sleepy.engine.waitFor(long, (s) => (s.waitingFor?.timers ?? 0) > 0, 5000);
      await eventually(
        () => sleepy.engine.metrics().cache.evictions >= 1,
        5000,
        'the long sleeper to be evicted',
      );
      expect(sleepy.engine.metrics().cache.size).toBeLessThanOrEqual(1);
      expect(await sleepy.engine.result(short, { timeoutMs: 5000 })).toBeGreaterThanOrEqual(50);
      expect(await sleepy.engine.result(long, { timeoutMs: 5000 })).toBeGreaterThanOrEqual(400);
      expect(sleepy.engine.metrics().cache.misses).toBeGreaterThanOrEqual(3);
    } finally {
      await sleepy.engine.shutdown();
    }
  });
});
