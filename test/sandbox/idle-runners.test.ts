/**
 * Idle runners are let go (`runnerIdleMs`): real runner processes stop when they hold nothing, the
 * last one is replaced by a fresh process, a runner holding a context is kept, and work brings the
 * stopped ones back.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import type { BuildArtifact, RunnerSandbox } from '../../sandbox/index.js';
import { createSandbox } from '../../sandbox/index.js';
import { buildSources, first, resolveActivity, start } from './helpers.js';
import { PROJECT } from './projects.js';
import { processAlive, waitUntil } from '../process-helpers.js';

let artifact: BuildArtifact;
beforeAll(async () => {
  artifact = await buildSources(PROJECT);
});

const IDLE_MS = 600;
let sandbox: RunnerSandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function startSessions(pool: RunnerSandbox, prefix: string, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => `ses_${prefix}_${i}`);
  const outcomes = await Promise.all(
    ids.map((id) => pool.activate(first(artifact, id, 'workflows.ts:main', [start({ name: id })]))),
  );
  expect(outcomes.map((o) => o.kind)).toEqual(ids.map(() => 'ok'));
  return ids;
}

describe('idle runners', () => {
  it('stops all but one, replaces the last with a fresh process, and starts them again for work', async () => {
    const pool = await createSandbox({ runners: 2, healthCheckIntervalMs: 50, runnerIdleMs: IDLE_MS });
    sandbox = pool;
    pool.registerBuild(artifact);
    const original = pool.runnerPids();
    expect(original).toHaveLength(2);

    // Both runners serve, then hold nothing.
    const ids = await startSessions(pool, 'first', 8);
    for (const id of ids) pool.evict(id);
    await waitUntil(() => pool.stats().runnerRecycles === 1 && pool.runnerPids().length === 1);
    await waitUntil(() => original.every((pid) => !processAlive(pid)));
    const [fresh] = pool.runnerPids();
    expect(original).not.toContain(fresh);
    expect(pool.stats()).toMatchObject({ runners: 1, runnersIdle: 1, runnerRestarts: 0, contexts: 0 });

    // A fresh runner that ran nothing is not replaced again.
    await sleep(3 * IDLE_MS);
    expect(pool.runnerPids()).toEqual([fresh]);
    expect(pool.stats().runnerRecycles).toBe(1);

    // One session at a time goes to the runner that is up; a burst starts the stopped one again.
    await startSessions(pool, 'lone', 1);
    expect(pool.stats().runnersIdle).toBe(1);
    const burst = await startSessions(pool, 'burst', 8);
    await waitUntil(() => pool.runnerPids().length === 2);
    expect(pool.stats()).toMatchObject({ runnersIdle: 0, runnerRestarts: 0 });
    // Woken, it is not let go again before it has been idle for runnerIdleMs.
    await sleep(IDLE_MS / 4);
    expect(pool.runnerPids()).toHaveLength(2);
    // Every context is still where it was made (sticky), on whichever runner that was.
    const next = await Promise.all(
      burst.map((id) => pool.activate({ sessionId: id, jobs: [resolveActivity(1, 'hi')] })),
    );
    expect(next.map((o) => o.kind)).toEqual(burst.map(() => 'ok'));
  });

  it('keeps a runner that holds a context', async () => {
    const pool = await createSandbox({ runners: 1, healthCheckIntervalMs: 50, runnerIdleMs: IDLE_MS });
    sandbox = pool;
    pool.registerBuild(artifact);
    const [pid] = pool.runnerPids();
    const [id] = await startSessions(pool, 'held', 1);
    await sleep(4 * IDLE_MS);
    expect(pool.runnerPids()).toEqual([pid]);
    expect(pool.stats().runnerRecycles).toBe(0);
    expect((await pool.activate({ sessionId: id!, jobs: [resolveActivity(1, 'hi')] })).kind).toBe('ok');

    // Once the context is gone the runner is replaced (it ran something) and the next session runs.
    pool.evict(id!);
    await waitUntil(() => pool.stats().runnerRecycles === 1 && pool.runnerPids().length === 1);
    expect(pool.runnerPids()).not.toContain(pid);
    await waitUntil(() => !processAlive(pid!));
    await startSessions(pool, 'after', 2);
  });

  it('keeps every runner with runnerIdleMs 0', async () => {
    const pool = await createSandbox({ runners: 2, healthCheckIntervalMs: 50, runnerIdleMs: 0 });
    sandbox = pool;
    pool.registerBuild(artifact);
    const pids = pool.runnerPids();
    const ids = await startSessions(pool, 'kept', 4);
    for (const id of ids) pool.evict(id);
    await sleep(4 * IDLE_MS);
    expect(pool.runnerPids()).toEqual(pids);
    expect(pool.stats()).toMatchObject({ runnersIdle: 0, runnerRecycles: 0 });
  });
});
