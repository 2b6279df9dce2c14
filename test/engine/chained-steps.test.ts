/**
 * Chained steps (see `ActivityChain`): the runner holding a session's context runs its project
 * activity and activates the context with the result at once. These tests show that it is what
 * happens (half the messages per step), that it changes nothing the code or the journal shows
 * (same journal as without chaining), and that facts arriving meanwhile (signals) reach the code
 * in journal order, live and in a replay.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { exportSessionJournal, replayJournal, formatReplayReport } from '../../engine/index.js';
import type { Engine, SessionHistoryEvent } from '../../engine/index.js';
import { createSandbox } from '../../sandbox/index.js';
import type { RunnerSandbox } from '../../sandbox/index.js';
import { testEngine } from './helpers.js';
import type { TestEngine } from './helpers.js';

/** The journal without what differs from run to run (times, ids). */
function shapeOf(history: SessionHistoryEvent[]): unknown[] {
  return history.map((event) => {
    const data = { ...(event.data as Record<string, unknown>) };
    for (const key of ['time', 'seed', 'sessionId', 'buildId', 'scheduledAt']) delete data[key];
    return [event.type, data];
  });
}

/** The order the journal gives the code its facts: signals and activity results. */
function factsOrder(history: SessionHistoryEvent[]): string[] {
  return history.flatMap((event) => {
    const data = event.data as { name?: string; payload?: unknown; result?: unknown };
    if (event.type === 'SignalReceived') return [`signal:${String(data.payload)}`];
    if (event.type === 'ActivityCompleted') return [`step:${String(data.result)}`];
    return [];
  });
}

describe('chained steps', () => {
  let chainedSandbox: RunnerSandbox;
  let plainSandbox: RunnerSandbox;
  let chained: TestEngine;
  let plain: TestEngine;

  beforeAll(async () => {
    chainedSandbox = await createSandbox({ runners: 1, activationCpuLimitMs: 500 });
    plainSandbox = await createSandbox({ runners: 1, activationCpuLimitMs: 500 });
    chained = await testEngine(chainedSandbox);
    plain = await testEngine(plainSandbox, { chainActivities: false });
  });
  afterAll(async () => {
    await chained?.engine.shutdown();
    await plain?.engine.shutdown();
    await chainedSandbox?.close();
    await plainSandbox?.close();
  });

  async function messagesPerRun(t: TestEngine, sandbox: RunnerSandbox, steps: number): Promise<number> {
    const before = sandbox.transportStats().messagesSent;
    const id = await t.start('notedSteps', steps);
    await t.engine.result(id);
    return sandbox.transportStats().messagesSent - before;
  }

  it('sends the runner one message per step instead of two, for the same journal', async () => {
    const steps = 20;
    await messagesPerRun(chained, chainedSandbox, 2); // the build reaches the runner first
    await messagesPerRun(plain, plainSandbox, 2);
    const chainedMessages = await messagesPerRun(chained, chainedSandbox, steps);
    const plainMessages = await messagesPerRun(plain, plainSandbox, steps);
    // Unchained: an activity start and an activation per step; chained: the activity start only.
    expect(plainMessages).toBeGreaterThanOrEqual(2 * steps);
    expect(chainedMessages).toBeLessThanOrEqual(steps + 3);

    const a = await chained.start('notedSteps', 6);
    const b = await plain.start('notedSteps', 6);
    expect(await chained.engine.result(a)).toEqual(await plain.engine.result(b));
    expect(shapeOf(await chained.engine.history(a))).toEqual(shapeOf(await plain.engine.history(b)));
  });

  it('signals arriving during chained steps reach the code in journal order, live and in replay', async () => {
    const { engine } = chained;
    const sessions = await Promise.all(Array.from({ length: 12 }, () => chained.start('notedSteps', 15)));
    // Signals at random moments while the steps run (some land mid-activity, some between).
    await Promise.all(
      sessions.map(async (id, i) => {
        for (let k = 0; k < 4; k++) {
          await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 8)));
          await engine.signal(id, 'note', `${i}.${k}`).catch(() => undefined); // may have ended
        }
      }),
    );
    for (const id of sessions) {
      const seen = (await engine.result(id)) as string[];
      const history = await engine.history(id);
      expect(seen).toEqual(factsOrder(history));
      expect(seen.filter((entry) => entry.startsWith('step:'))).toHaveLength(15);
      const replay = await replayJournal({
        journal: await exportSessionJournal(engine, id, { withBuild: true }),
        sandbox: chainedSandbox,
      });
      expect(replay.verdict, formatReplayReport(replay)).toBe('compatible');
    }
    expect(sessions.length).toBe(12);
  }, 30_000);

  it('a session whose context was dropped mid-step replays and ends as one never dropped', async () => {
    const t = chained;
    const id = await t.start('notedSteps', 8);
    // Drop the context at every step while it runs: chained activations then find no context.
    const engine: Engine = t.engine;
    const unsubscribe = engine.subscribe(
      (notice) => {
        if (notice.type === 'ActivityScheduled') chainedSandbox.evict(id);
      },
      { sessionId: id },
    );
    try {
      const seen = (await engine.result(id)) as string[];
      expect(seen).toEqual(Array.from({ length: 8 }, (_, i) => `step:${i}`));
    } finally {
      unsubscribe();
    }
  });

  it('sessions with chained steps in flight survive their runner being killed (SIGKILL)', async () => {
    const { engine } = chained;
    const sessions = await Promise.all(Array.from({ length: 6 }, () => chained.start('notedSteps', 30)));
    await new Promise((resolve) => setTimeout(resolve, 40));
    const [victim] = chainedSandbox.runnerPids();
    // Mid-run: sessions are still stepping when their runner dies.
    expect(sessions.filter((id) => engine.getSession(id).status !== 'completed').length).toBeGreaterThan(0);
    process.kill(victim as number, 'SIGKILL');
    for (const id of sessions) {
      expect(await engine.result(id, { timeoutMs: 20_000 })).toEqual(
        Array.from({ length: 30 }, (_, i) => `step:${i}`),
      );
      const replay = await replayJournal({
        journal: await exportSessionJournal(engine, id, { withBuild: true }),
        sandbox: chainedSandbox,
      });
      expect(replay.verdict, formatReplayReport(replay)).toBe('compatible');
    }
    expect(chainedSandbox.runnerPids()).not.toContain(victim);
  }, 30_000);
});
