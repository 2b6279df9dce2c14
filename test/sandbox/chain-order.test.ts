/**
 * A runner's side of chained steps (see `ActivityChain`): an `unchain` is answered in queue order,
 * and a chained activation that the attempt's end queued BEHIND it must not run — the engine, told
 * "unchained", goes on to activate the session for something else, so the context would see the
 * result before facts journaled ahead of it. The runner runs in this process, fed as the pool
 * feeds it; a busy activation makes it yield (as it does every 10 ms) while the unchain waits.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import type { BuildArtifact } from '../../sandbox/index.js';
import { compileSandboxOptions } from '../../sandbox/index.js';
import { runtimeScripts } from '../../sandbox/host/runtime-scripts.js';
import { Runner } from '../../sandbox/runner/runner.js';
import type { HostRequest, RunnerReply } from '../../sandbox/runner/wire.js';
import { runnerBuildOf } from '../../sandbox/runner/wire.js';
import { T0, buildSources, first, start } from './helpers.js';

const FILES = {
  'workflows.ts': `
import { double } from './activities';
export async function stepOnce(n: number) {
  return await double(n);
}
/** Synchronous work: holds the runner's thread for a while (~50 ms). */
export async function busy() {
  let x = 0;
  for (let i = 0; i < 40_000_000; i++) x = (x + i) % 1_000_003;
  return x;
}
`,
  'activities.ts': `
export async function double(n: number): Promise<number> {
  return n * 2;
}
`,
};

let artifact: BuildArtifact;
const runners: Runner[] = [];

beforeAll(async () => {
  artifact = await buildSources(FILES);
});
afterEach(() => {
  for (const runner of runners.splice(0)) runner.dispose();
});

async function newRunner(): Promise<{ runner: Runner; replies: RunnerReply[] }> {
  const replies: RunnerReply[] = [];
  const options = compileSandboxOptions({ activationCpuLimitMs: 5_000 });
  const runtime = await runtimeScripts();
  const runner = new Runner(
    {
      activationCpuLimitMs: options.activationCpuLimitMs,
      isolateMemoryLimitMb: options.isolateMemoryLimitMb,
      fetch: options.fetch,
    },
    runtime,
    (items) => replies.push(...items),
  );
  runners.push(runner);
  runner.enqueue([{ op: 'build', build: runnerBuildOf(artifact) }]);
  return { runner, replies };
}

/** A runner holding the context of `ses_chain`, which awaits activity seq 1 (`double(21)`). */
async function runnerWithSession(): Promise<{ runner: Runner; replies: RunnerReply[] }> {
  const made = await newRunner();
  made.runner.enqueue([
    { op: 'activate', id: 1, activation: first(artifact, 'ses_chain', 'workflows.ts:stepOnce', [start(21)]) },
  ]);
  await until(() => made.replies.some((r) => r.op === 'activated'));
  return made;
}

function activityRequest(id: number, chain: boolean): HostRequest {
  const task = {
    taskId: `ses_chain:1:1:${id}`,
    buildHash: artifact.hash,
    name: 'double',
    args: [21],
    info: { sessionId: 'ses_chain', seq: 1, attempt: 1, name: 'double', scheduledAt: T0 },
    startToCloseTimeoutMs: 10_000,
    variables: {},
    secrets: {},
  };
  return chain ? { op: 'activity', id, task, chain: true } : { op: 'activity', id, task };
}

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

describe('a runner and its chains', () => {
  it('chains an attempt that ends with its chain standing: one answer, with the activation', async () => {
    const { runner, replies } = await runnerWithSession();
    runner.enqueue([activityRequest(100, true)]);
    await until(() => replies.some((r) => r.op === 'activityDone'));
    const done = replies.find((r) => r.op === 'activityDone');
    expect(done).toMatchObject({ id: 100, outcome: { ok: true, result: 42 } });
    expect(done?.op === 'activityDone' ? done.chained?.outcome : undefined).toMatchObject({
      kind: 'ok',
      commands: [{ command: { kind: 'complete', result: 42 } }],
    });
  });

  it('answers a plain outcome, after `unchained`, for an attempt that ended while the unchain waited', async () => {
    const { runner, replies } = await runnerWithSession();
    runner.enqueue([activityRequest(100, true)]);
    // The attempt runs on isolated-vm's threads and ends while `busy` holds the runner; the unchain
    // is behind `busy` in the queue, the attempt's end comes in at the runner's next yield.
    runner.enqueue([
      { op: 'activate', id: 2, activation: first(artifact, 'ses_busy', 'workflows.ts:busy', [start()]) },
      { op: 'unchain', id: 100 },
    ]);
    await until(() => replies.some((r) => r.op === 'activityDone'));
    const order = replies.filter((r) => r.op === 'unchained' || r.op === 'activityDone').map((r) => r.op);
    expect(order).toEqual(['unchained', 'activityDone']);
    const done = replies.find((r) => r.op === 'activityDone');
    expect(done).toMatchObject({ id: 100, outcome: { ok: true, result: 42 } });
    expect(done).not.toHaveProperty('chained');
  });

  it('answers an unchained attempt plainly, and `unchain` of an attempt already answered at once', async () => {
    const { runner, replies } = await runnerWithSession();
    runner.enqueue([activityRequest(100, false)]);
    await until(() => replies.some((r) => r.op === 'activityDone'));
    expect(replies.find((r) => r.op === 'activityDone')).not.toHaveProperty('chained');
    runner.enqueue([{ op: 'unchain', id: 100 }]);
    await until(() => replies.some((r) => r.op === 'unchained'));
  });
});
