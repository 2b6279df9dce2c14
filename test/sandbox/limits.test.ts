/**
 * Limits through real runner processes: CPU, memory (the isolate is disposed, its other sessions
 * answer `context-missing` and are replayed), a refused 1 GiB ArrayBuffer, and the allocation
 * pattern of isolated-vm issue 527 that aborts the whole runner process: the pool replaces it and
 * the engine-side API recovers (`context-lost`, then `context-missing`, then a replay succeeds).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { BuildArtifact, RunnerSandbox } from '../../sandbox/index.js';
import { createSandbox } from '../../sandbox/index.js';
import { buildSources, commandsOf, first, recorded, resolveActivity, start } from './helpers.js';
import { PROJECT } from './projects.js';
import { waitUntil } from '../process-helpers.js';

let artifact: BuildArtifact;
let sandbox: RunnerSandbox;

beforeAll(async () => {
  [artifact, sandbox] = await Promise.all([
    buildSources(PROJECT),
    createSandbox({
      runners: 1,
      activationCpuLimitMs: 200,
      isolateMemoryLimitMb: 64,
      healthCheckIntervalMs: 200,
    }),
  ]);
  sandbox.registerBuild(artifact);
});
afterAll(() => sandbox.close());

const entry = (name: string): string => `workflows.ts:${name}`;

describe('limits', () => {
  it('stops while(true) at the CPU limit with a stable code; a session sharing its context goes on', async () => {
    const neighbour = await sandbox.activate(
      first(artifact, 'ses_cpu_neighbour', entry('main'), [start({ name: 'n' })]),
    );
    expect(commandsOf(neighbour)).toEqual([
      { kind: 'scheduleActivity', seq: 1, name: 'greet', args: ['n'], options: {} },
    ]);
    const outcome = await sandbox.activate(first(artifact, 'ses_cpu', entry('loop'), [start()]));
    expect(outcome).toMatchObject({
      kind: 'failed',
      sessionId: 'ses_cpu',
      error: { code: 'CPU_LIMIT_EXCEEDED', retryable: false },
    });
    expect(outcome.kind === 'failed' && outcome.error.message).toContain('200 ms');
    // The terminated call was in the same context: the neighbour's state, scopes and time are intact.
    const next = await sandbox.activate({
      sessionId: 'ses_cpu_neighbour',
      jobs: [resolveActivity(1, 'hello n')],
    });
    expect(commandsOf(next)).toEqual([{ kind: 'startTimer', seq: 2, durationMs: 5000 }]);
  });

  it('refuses a 1 GiB ArrayBuffer inside the workflow', async () => {
    const outcome = await sandbox.activate(first(artifact, 'ses_ab', entry('bigBuffer'), [start()]));
    expect(commandsOf(outcome)).toEqual([{ kind: 'complete', result: 'refused: RangeError' }]);
  });

  it('stops heap growth at the memory limit; sessions of the same isolate are replayed', async () => {
    const bystander = await sandbox.activate(
      first(artifact, 'ses_bystander', entry('main'), [start({ name: 'b' })]),
    );
    const bystanderCommands = commandsOf(bystander);
    const grown = await sandbox.activate(first(artifact, 'ses_grow', entry('grow'), [start()]));
    expect(grown).toMatchObject({
      kind: 'failed',
      sessionId: 'ses_grow',
      error: { code: 'MEMORY_LIMIT_EXCEEDED' },
    });
    expect(sandbox.stats().runnerRestarts).toBe(0);

    // The bystander's context died with the isolate: the engine learns on its next activation...
    const missing = await sandbox.activate({
      sessionId: 'ses_bystander',
      jobs: [resolveActivity(1, 'hello b')],
    });
    expect(missing).toEqual({ kind: 'context-missing', sessionId: 'ses_bystander' });
    // ...and replays it.
    const replayed = await sandbox.activate(
      first(artifact, 'ses_bystander', entry('main'), [resolveActivity(1, 'hello b')], {
        replay: { jobs: [start({ name: 'b' })], commands: recorded(bystanderCommands), patches: [] },
      }),
    );
    expect(commandsOf(replayed)).toEqual([{ kind: 'startTimer', seq: 2, durationMs: 5000 }]);
  });

  it('stops an activity at the memory limit without touching workflows', async () => {
    const outcome = await sandbox.runActivity({
      taskId: 'hog',
      buildHash: artifact.hash,
      name: 'hog',
      args: [],
      info: { sessionId: 'ses_hog', seq: 1, attempt: 1, name: 'hog', scheduledAt: 0 },
      startToCloseTimeoutMs: 20_000,
      variables: {},
      secrets: {},
    });
    expect(outcome).toMatchObject({ ok: false, error: { code: 'MEMORY_LIMIT_EXCEEDED' } });
    expect(sandbox.stats().runnerRestarts).toBe(0);
  });

  it('survives the issue-527 pattern that aborts a runner: the runner is replaced and sessions recover', async () => {
    const pidsBefore = sandbox.runnerPids();
    const bystander = await sandbox.activate(
      first(artifact, 'ses_527_bystander', entry('main'), [start({ name: 'c' })]),
    );
    const commands = commandsOf(bystander);

    const aborted = await sandbox.activate(first(artifact, 'ses_527', entry('abortPattern'), [start()]));
    expect(aborted).toMatchObject({
      kind: 'context-lost',
      sessionId: 'ses_527',
      error: { code: 'RUNNER_LOST', retryable: true },
    });

    await waitUntil(() => sandbox.stats().runners === 1 && sandbox.runnerPids()[0] !== pidsBefore[0]);
    expect(sandbox.stats().runnerRestarts).toBe(1);

    // The session that lived on the dead runner: context-missing, then init + replay works.
    expect(
      await sandbox.activate({ sessionId: 'ses_527_bystander', jobs: [resolveActivity(1, 'hello c')] }),
    ).toEqual({
      kind: 'context-missing',
      sessionId: 'ses_527_bystander',
    });
    const replayed = await sandbox.activate(
      first(artifact, 'ses_527_bystander', entry('main'), [resolveActivity(1, 'hello c')], {
        replay: { jobs: [start({ name: 'c' })], commands: recorded(commands), patches: [] },
      }),
    );
    expect(commandsOf(replayed)).toEqual([{ kind: 'startTimer', seq: 2, durationMs: 5000 }]);
  });
});
