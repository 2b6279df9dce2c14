/**
 * The runner pool with real processes: size, batching, sticky routing, health checks replacing a
 * killed or hung runner, in-flight calls answering `context-lost`, clean shutdown, and runners
 * that never outlive their engine.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { BuildArtifact, RunnerSandbox } from '../../sandbox/index.js';
import { createSandbox, InvalidSandboxOptionError } from '../../sandbox/index.js';
import { buildSources, commandsOf, first, resolveActivity, start } from './helpers.js';
import { PROJECT } from './projects.js';
import { processAlive, waitUntil } from '../process-helpers.js';

let artifact: BuildArtifact;
beforeAll(async () => {
  artifact = await buildSources(PROJECT);
});

const entry = (name: string): string => `workflows.ts:${name}`;

describe('a pool of two runners', () => {
  let sandbox: RunnerSandbox;
  beforeAll(async () => {
    sandbox = await createSandbox({ runners: 2, healthCheckIntervalMs: 100, activationCpuLimitMs: 200 });
    sandbox.registerBuild(artifact);
  });
  afterAll(() => sandbox.close());

  it('starts the configured number of runners', () => {
    expect(sandbox.runnerPids()).toHaveLength(2);
    expect(sandbox.stats()).toMatchObject({ runners: 2, runnerRestarts: 0 });
  });

  it('sends the calls of one tick to each runner in one message, and keeps sessions sticky', async () => {
    const before = sandbox.transportStats().messagesSent;
    const ids = Array.from({ length: 20 }, (_, i) => `ses_batch_${i}`);
    const outcomes = await Promise.all(
      ids.map((id) => sandbox.activate(first(artifact, id, entry('main'), [start({ name: id })]))),
    );
    // One message per runner (each also got the build in the same message), whatever pings ran meanwhile.
    expect(sandbox.transportStats().messagesSent - before).toBeLessThanOrEqual(2 + 2);
    expect(outcomes.every((o) => o.kind === 'ok')).toBe(true);
    expect(sandbox.stats().contexts).toBeGreaterThanOrEqual(20);
    // Sticky: every session's next activation finds its context.
    const next = await Promise.all(
      ids.map((id) => sandbox.activate({ sessionId: id, jobs: [resolveActivity(1, 'hi')] })),
    );
    expect(next.map((o) => o.kind)).toEqual(ids.map(() => 'ok'));
    expect(await sandbox.query({ sessionId: ids[0]!, name: 'nope', args: [] })).toMatchObject({
      kind: 'error',
      error: { code: 'QUERY_NOT_FOUND' },
    });
    for (const id of ids) sandbox.evict(id);
    expect(await sandbox.activate({ sessionId: ids[0]!, jobs: [] })).toEqual({
      kind: 'context-missing',
      sessionId: ids[0],
    });
    expect(await sandbox.query({ sessionId: ids[0]!, name: 'x', args: [] })).toEqual({
      kind: 'context-missing',
    });
  });

  it('runs workflows in UTC and en-US whatever the engine host uses', async () => {
    const outcome = await sandbox.activate(first(artifact, 'ses_locale', entry('locale'), [start()]));
    expect(commandsOf(outcome)).toEqual([
      {
        kind: 'complete',
        result: ['Thu Jan 01 1970 00:00:00 GMT+0000 (Coordinated Universal Time)', '1,234.5', 'UTC'],
      },
    ]);
  });

  it('fails an activation of an unregistered build', async () => {
    const outcome = await sandbox.activate({
      sessionId: 'ses_unregistered',
      init: {
        buildHash: 'sha256-nope',
        info: { sessionId: 'x', entry: 'a.ts:b', buildId: 'b', startTime: 0, variables: {} },
        randomSeed: 's',
      },
      jobs: [],
    });
    expect(outcome).toMatchObject({ kind: 'failed', error: { code: 'BUILD_NOT_REGISTERED' } });
  });

  it('replaces a runner killed with SIGKILL', async () => {
    const [victim] = sandbox.runnerPids();
    process.kill(victim!, 'SIGKILL');
    await waitUntil(() => sandbox.runnerPids().length === 2 && !sandbox.runnerPids().includes(victim!));
    expect(sandbox.stats().runnerRestarts).toBe(1);
    const outcome = await sandbox.activate(
      first(artifact, 'ses_after_kill', entry('main'), [start({ name: 'k' })]),
    );
    expect(outcome.kind).toBe('ok');
  });

  it('kills and replaces a hung runner (SIGSTOP) found by the health check', async () => {
    const [hung] = sandbox.runnerPids();
    const restarts = sandbox.stats().runnerRestarts;
    process.kill(hung!, 'SIGSTOP');
    await waitUntil(() => !processAlive(hung!) && sandbox.runnerPids().length === 2);
    expect(sandbox.stats().runnerRestarts).toBe(restarts + 1);
  });
});

describe('a single runner', () => {
  it('answers context-lost for activations in flight when its runner dies', async () => {
    const sandbox = await createSandbox({ runners: 1, activationCpuLimitMs: 10_000 });
    try {
      sandbox.registerBuild(artifact);
      const warm = await sandbox.activate(first(artifact, 'ses_warm', entry('main'), [start({ name: 'w' })]));
      expect(commandsOf(warm)).toHaveLength(1);
      const looping = sandbox.activate(first(artifact, 'ses_looping', entry('loop'), [start()]));
      await new Promise((resolve) => setTimeout(resolve, 200));
      process.kill(sandbox.runnerPids()[0]!, 'SIGKILL');
      expect(await looping).toMatchObject({
        kind: 'context-lost',
        sessionId: 'ses_looping',
        error: { code: 'RUNNER_LOST', message: expect.stringContaining('exited on SIGKILL') as unknown },
      });
      // The warm session lived there too.
      await waitUntil(() => sandbox.stats().runners === 1);
      expect(await sandbox.activate({ sessionId: 'ses_warm', jobs: [] })).toEqual({
        kind: 'context-missing',
        sessionId: 'ses_warm',
      });
    } finally {
      await sandbox.close();
    }
  });

  it('shuts down cleanly: calls in flight settle, no runner process remains', async () => {
    const sandbox = await createSandbox({ runners: 2 });
    sandbox.registerBuild(artifact);
    const pids = sandbox.runnerPids();
    const sleeping = sandbox.runActivity({
      taskId: 'close-1',
      buildHash: artifact.hash,
      name: 'sleepy',
      args: [10_000],
      info: { sessionId: 's', seq: 1, attempt: 1, name: 'sleepy', scheduledAt: 0 },
      startToCloseTimeoutMs: 60_000,
      variables: {},
      secrets: {},
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await sandbox.close();
    expect(await sleeping).toMatchObject({ ok: false, error: { code: 'SANDBOX_CLOSED' } });
    expect(pids.filter(processAlive)).toEqual([]);
    expect(await sandbox.activate({ sessionId: 'x', jobs: [] })).toMatchObject({ kind: 'context-lost' });
  });

  it('leaves no orphan runners when the engine process is killed', async () => {
    const child = spawn(
      process.execPath,
      ['--no-node-snapshot', '--import', 'tsx', fileURLToPath(new URL('./orphan-child.ts', import.meta.url))],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const pids = await new Promise<number[]>((resolve, reject) => {
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes('\n')) resolve(JSON.parse(text) as number[]);
      });
      child.once('exit', (code) => reject(new Error(`engine child exited early (${code})`)));
    });
    expect(pids).toHaveLength(2);
    expect(pids.every(processAlive)).toBe(true);
    child.kill('SIGKILL');
    await waitUntil(() => pids.every((pid) => !processAlive(pid)), 10_000);
  });

  it('checks its options', async () => {
    await expect(createSandbox({ runners: 0 })).rejects.toThrow(InvalidSandboxOptionError);
    await expect(createSandbox({ fetch: { maxRedirects: -1 } })).rejects.toThrow(/fetch\.maxRedirects is -1/);
  });
});
