/**
 * Restarts on the file store: a new engine on the same directory continues every session exactly
 * where it stopped. (Crashes by SIGKILL are in crash.test.ts; here the engine shuts down cleanly,
 * which abandons in-flight activities and timers just as a crash would.)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEngine } from '../../engine/index.js';
import type { Engine } from '../../engine/index.js';
import { openFileEventStore } from '../../journal/index.js';
import type { Sandbox } from '../../sandbox/index.js';
import { APP_DIR, HostEffects, eventually, sharedSandbox } from './helpers.js';

let sandbox: Sandbox;
let dir: string;
const effects = new HostEffects();
const open: Engine[] = [];

beforeAll(async () => {
  sandbox = await sharedSandbox();
});
afterAll(async () => {
  await sandbox?.close();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'whisker-recovery-'));
  effects.counts.clear();
});
afterEach(async () => {
  for (const engine of open.splice(0)) await engine.shutdown();
  await rm(dir, { recursive: true, force: true });
});

async function startEngine(): Promise<Engine> {
  const store = await openFileEventStore({ dir, durability: 'always' });
  const engine = await createEngine({ store, sandbox, activities: effects.activities() });
  open.push(engine);
  return engine;
}

async function restart(engine: Engine): Promise<Engine> {
  open.splice(open.indexOf(engine), 1);
  await engine.shutdown();
  return startEngine();
}

async function start(engine: Engine, entry: string, input?: unknown): Promise<string> {
  const build = await engine.loadProject(APP_DIR);
  return (await engine.startSession({ buildId: build.buildId, entry: `workflows.ts:${entry}`, input }))
    .sessionId;
}

describe('restart', () => {
  it('continues a session without re-running a recorded activity', async () => {
    let engine = await startEngine();
    const id = await start(engine, 'effects', { key: 'once', steps: 30 });
    await eventually(() => effects.counts.size >= 10, 5000, 'ten effects');
    engine = await restart(engine);
    const results = (await engine.result(id, { timeoutMs: 10_000 })) as number[];
    expect(results).toHaveLength(30);
    // Every recorded activity ran once; at most the one in flight at the restart ran twice.
    const counts = [...effects.counts.values()];
    expect(counts).toHaveLength(30);
    expect(counts.filter((n) => n === 2).length).toBeLessThanOrEqual(1);
    expect(counts.every((n) => n === 1 || n === 2)).toBe(true);
    const completed = (await engine.history(id)).filter((e) => e.type === 'ActivityCompleted');
    expect(completed).toHaveLength(30);
  });

  it('keeps a build: sessions recover on the exact build they started on', async () => {
    let engine = await startEngine();
    const id = await start(engine, 'approval', 60_000);
    await engine.waitFor(id, (s) => s.status === 'waiting', 5000);
    const buildId = engine.getSession(id).buildId;
    engine = await restart(engine);
    expect(engine.getBuild(buildId)).toBeDefined();
    expect(engine.getSession(id)).toMatchObject({ status: 'waiting', buildId });
    await engine.signal(id, 'decision', { approved: false });
    expect(await engine.result(id, { timeoutMs: 5000 })).toEqual({ approved: false });
  });

  it('fires overdue timers at once after downtime', async () => {
    let engine = await startEngine();
    const id = await start(engine, 'sleeper', 300);
    await engine.waitFor(id, (s) => (s.waitingFor?.timers ?? 0) > 0, 5000);
    open.splice(open.indexOf(engine), 1);
    await engine.shutdown();
    await new Promise((resolve) => setTimeout(resolve, 400));
    const restartedAt = Date.now();
    engine = await startEngine();
    const slept = (await engine.result(id, { timeoutMs: 5000 })) as number;
    expect(slept).toBeGreaterThanOrEqual(300);
    expect(Date.now() - restartedAt).toBeLessThan(3000);
  });

  it('times out a signal wait across a restart', async () => {
    let engine = await startEngine();
    const id = await start(engine, 'approval', 200);
    await engine.waitFor(id, (s) => (s.waitingFor?.timers ?? 0) > 0, 5000);
    engine = await restart(engine);
    expect(await engine.result(id, { timeoutMs: 5000 })).toBe('timed out');
  });

  it('delivers signals sent to a session before it is loaded again, in order', async () => {
    let engine = await startEngine();
    const id = await start(engine, 'counter', 6);
    await engine.signal(id, 'add', 1);
    await engine.waitFor(id, (s) => s.counts.signals === 1, 5000);
    engine = await restart(engine);
    // The new engine has not loaded the session's context; these are journaled on arrival.
    await engine.signal(id, 'add', 2);
    await engine.signal(id, 'add', 3);
    expect(await engine.result(id, { timeoutMs: 5000 })).toBe(6);
    const signals = (await engine.history(id)).filter((e) => e.type === 'SignalReceived');
    expect(signals.map((e) => (e.data as { payload: number }).payload)).toEqual([1, 2, 3]);
  });

  it('completes parent and child sessions across a restart', async () => {
    let engine = await startEngine();
    const id = await start(engine, 'parentOfSleeper', 300);
    await eventually(
      () => engine.listSessions({ entry: 'workflows.ts:sleeper' }).total === 1,
      5000,
      'the child',
    );
    engine = await restart(engine);
    const result = (await engine.result(id, { timeoutMs: 5000 })) as { child: string; slept: number };
    expect(result.slept).toBeGreaterThanOrEqual(300);
    expect(engine.getSession(result.child)).toMatchObject({ status: 'completed', parentSessionId: id });
  });

  it('stops a session after a restart, and its stop survives another', async () => {
    let engine = await startEngine();
    const id = await start(engine, 'cleanup', 'after-restart');
    await engine.waitFor(id, (s) => (s.waitingFor?.timers ?? 0) > 0, 5000);
    engine = await restart(engine);
    await engine.stop(id, { reason: 'maintenance' });
    await expect(engine.result(id, { timeoutMs: 5000 })).rejects.toThrow(/stopped: maintenance/);
    engine = await restart(engine);
    expect(engine.getSession(id)).toMatchObject({ status: 'stopped', stopReason: 'maintenance' });
    expect(effects.counts.get('after-restart:cleanup')).toBe(1);
  });
});
