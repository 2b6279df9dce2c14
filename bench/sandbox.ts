/**
 * `npm run bench -- sandbox [sessions] [rounds]`: the sandbox runtime's costs.
 *
 * - bundle time of a small project (the build half's `measureBundleTime`);
 * - transport: round trip of a small message and of a 1,000-activation batch, over Node IPC with
 *   `serialization: 'advanced'` and over msgpackr frames on a pipe (what the runners use);
 * - context creation (a runner's workflow host, in this process) and memory per cached context;
 * - source capture: cost per command of recording where the code issued it;
 * - activation round trip engine → runner → engine, one session at a time (p50/p99);
 * - activations/s with 1,000 sessions across the pool, batched: in lockstep rounds (all activated in
 *   the same tick, each round waiting for the last) and as a continuous flow (each session's next
 *   activation sent when its own outcome is back);
 * - activity round trip (a pure function: one message each way).
 *
 * Targets: context creation < 5 ms, < 1 MB per cached context, ≥ 50,000 activations/s.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import type { BuildArtifact, Job, WorkflowActivation } from '../sandbox/index.js';
import { buildProject, createSandbox, formatDiagnostic } from '../sandbox/index.js';
import { runtimeScripts } from '../sandbox/host/runtime-scripts.js';
import { RunnerProcess } from '../sandbox/host/runner-process.js';
import { RunnerBuilds } from '../sandbox/runner/runner-builds.js';
import { WorkflowHost } from '../sandbox/runner/workflow-host.js';
import type { Cell, Stats } from './report.js';
import { printTable, summarize } from './report.js';
import { measureBundleTime } from './sandbox-build.js';

const WORKFLOWS = `
import { proxyActivities, sleep } from 'whisker/workflow';
const { step } = proxyActivities<typeof import('./activities')>({ startToCloseTimeout: '1m' });

/** One activity per activation, for ever: each activation resolves one and schedules the next. */
export async function steps(input: { id: string }) {
  let total = 0;
  for (let i = 0; ; i++) total += await step(input.id, i);
}

export async function idle() {
  await sleep('1d');
}
`;

const ACTIVITIES = `
export function step(id: string, i: number): number {
  return i;
}
export function add(a: number, b: number): number {
  return a + b;
}
`;

async function buildBenchProject(): Promise<BuildArtifact> {
  const dir = await mkdtemp(join(tmpdir(), 'whisker-bench-sandbox-'));
  try {
    const files = { 'workflows.ts': WORKFLOWS, 'activities.ts': ACTIVITIES };
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), content);
    }
    const result = await buildProject(dir, { typecheck: false });
    if (!result.ok) throw new Error(result.diagnostics.map(formatDiagnostic).join('\n'));
    return result.artifact;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const T0 = 1_700_000_000_000;

/** A session's first activation; without command sources unless asked, as the engine runs them. */
function init(
  artifact: BuildArtifact,
  sessionId: string,
  entry: string,
  jobs: Job[],
  commandSources = false,
): WorkflowActivation {
  return {
    sessionId,
    init: {
      buildHash: artifact.hash,
      info: { sessionId, entry, buildId: 'bld_bench', startTime: T0, variables: {} },
      randomSeed: sessionId,
      commandSources,
    },
    jobs,
  };
}

const ms = (start: number): number => performance.now() - start;

/** CPU time (user + system) a process used so far, in ms, from /proc (Linux). */
function processCpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / 100;
  } catch {
    return Number.NaN;
  }
}
const us = (stats: Stats): Record<string, Cell> => ({
  'p50 µs': stats.p50 * 1000,
  'p99 µs': stats.p99 * 1000,
  runs: stats.runs,
});

// ---------------------------------------------------------------------------------------------

const BATCH = Array.from({ length: 1000 }, (_, i) => ({
  op: 'activate',
  id: i,
  activation: {
    sessionId: `ses_01HZZZZZZZZZZZZZZZZZZZZ${i}`,
    jobs: [{ kind: 'resolveActivity', seq: 3, time: T0 + i, result: { ok: true, n: i } }],
  },
}));

const IPC_ECHO = `process.on('message', (m) => process.send(m));`;

async function transport(): Promise<Record<string, Cell>[]> {
  const rows: Record<string, Cell>[] = [];
  // Node IPC, advanced serialization.
  const ipc = spawn(process.execPath, ['-e', IPC_ECHO], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  let resolveIpc: (() => void) | undefined;
  ipc.on('message', () => resolveIpc?.());
  const ipcRoundTrip = (message: unknown): Promise<void> =>
    new Promise((resolve) => {
      resolveIpc = resolve;
      ipc.send(message as object);
    });
  rows.push({ transport: 'Node IPC (advanced)', ...(await measureTransport(ipcRoundTrip)) });
  ipc.kill();

  // msgpackr frames over a pipe: a real runner process answering `echo`.
  let resolvePipe: (() => void) | undefined;
  const runner = new RunnerProcess((message) => {
    if (message.t === 'echo') resolvePipe?.();
  });
  const pipeRoundTrip = (payload: unknown): Promise<void> =>
    new Promise((resolve) => {
      resolvePipe = resolve;
      runner.send({ t: 'echo', payload });
    });
  rows.push({ transport: 'msgpackr frames on a pipe (used)', ...(await measureTransport(pipeRoundTrip)) });
  await runner.stop(1000);
  return rows;
}

async function measureTransport(
  roundTrip: (message: unknown) => Promise<void>,
): Promise<Record<string, Cell>> {
  const small = { op: 'ping', id: 1 };
  for (let i = 0; i < 300; i++) await roundTrip(small);
  const smallSamples: number[] = [];
  for (let i = 0; i < 3000; i++) {
    const started = performance.now();
    await roundTrip(small);
    smallSamples.push(ms(started));
  }
  for (let i = 0; i < 5; i++) await roundTrip(BATCH);
  const batchSamples: number[] = [];
  for (let i = 0; i < 50; i++) {
    const started = performance.now();
    await roundTrip(BATCH);
    batchSamples.push(ms(started));
  }
  const smallStats = summarize(smallSamples);
  const batchStats = summarize(batchSamples);
  return {
    'small msg p50 µs': smallStats.p50 * 1000,
    'small msg p99 µs': smallStats.p99 * 1000,
    'batch of 1000 p50 ms': batchStats.p50,
    'per activation in batch µs': (batchStats.p50 * 1000) / 1000,
  };
}

// ---------------------------------------------------------------------------------------------

async function contexts(artifact: BuildArtifact, count: number): Promise<Record<string, Cell>[]> {
  const builds = new RunnerBuilds();
  builds.add(artifact);
  const host = new WorkflowHost(builds, {
    cpuLimitMs: 1000,
    memoryLimitMb: 512,
    runtimeCode: (await runtimeScripts()).workflow,
    onLost: () => undefined,
  });
  // Warm-up: compile the scripts, JIT.
  for (let i = 0; i < 50; i++) await host.activate(init(artifact, `warm${i}`, 'workflows.ts:idle', []));
  for (let i = 0; i < 50; i++) host.evict(`warm${i}`);

  const createOnly: number[] = [];
  const baseline = host.usedHeapBytes();
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await host.activate(init(artifact, `ctx${i}`, 'workflows.ts:idle', []));
    createOnly.push(ms(started));
  }
  const heldBytes = host.usedHeapBytes() - baseline;
  for (let i = 0; i < count; i++) host.evict(`ctx${i}`);

  const createAndStart: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await host.activate(
      init(artifact, `run${i}`, 'workflows.ts:steps', [
        { kind: 'start', input: { id: `run${i}` }, time: T0 },
      ]),
    );
    createAndStart.push(ms(started));
  }
  const runningBytes = host.usedHeapBytes() - baseline;

  // One activation = resolve + schedule (one command), round-robin over the sessions (each
  // activation switches the shared context to another session).
  const steps = async (prefix: string): Promise<number[]> => {
    const samples: number[] = [];
    for (let round = 1; round <= 20; round++) {
      for (let i = 0; i < count; i++) {
        const started = performance.now();
        await host.activate({
          sessionId: `${prefix}${i}`,
          jobs: [{ kind: 'resolveActivity', seq: round, result: 1, time: T0 + round }],
        });
        samples.push(ms(started));
      }
    }
    return samples;
  };
  const stepSamples = await steps('run');
  for (let i = 0; i < count; i++) host.evict(`run${i}`);
  // The same with the user's source location on every command (a stack capture and a source-map lookup each).
  for (let i = 0; i < count; i++) {
    await host.activate(
      init(
        artifact,
        `src${i}`,
        'workflows.ts:steps',
        [{ kind: 'start', input: { id: `src${i}` }, time: T0 }],
        true,
      ),
    );
  }
  const sourcedSamples = await steps('src');
  host.dispose();
  const create = summarize(createOnly);
  const createStart = summarize(createAndStart);
  const step = summarize(stepSamples);
  const sourced = summarize(sourcedSamples);
  return [
    { measure: 'context creation (init, no job)', ...us(create), target: '< 5 ms' },
    { measure: 'context creation + start job', ...us(createStart) },
    { measure: 'activation in the runner (1 job, 1 command)', ...us(step) },
    { measure: '  the same with command sources', ...us(sourced) },
    {
      measure: `memory per cached session, idle (${count})`,
      KiB: heldBytes / count / 1024,
      target: '< 1024 KiB',
    },
    {
      measure: `memory per cached session, running (${count})`,
      KiB: runningBytes / count / 1024,
      target: '< 1024 KiB',
    },
  ];
}

// ---------------------------------------------------------------------------------------------

async function endToEnd(
  artifact: BuildArtifact,
  sessions: number,
  rounds: number,
): Promise<Record<string, Cell>[]> {
  const runners = Math.max(1, availableParallelism());
  const sandbox = await createSandbox({ runners });
  sandbox.registerBuild(artifact);
  const rows: Record<string, Cell>[] = [];
  try {
    // One session, one activation at a time.
    const first = await sandbox.activate(
      init(artifact, 'solo', 'workflows.ts:steps', [{ kind: 'start', input: { id: 'solo' }, time: T0 }]),
    );
    if (first.kind !== 'ok') throw new Error(JSON.stringify(first));
    const solo: number[] = [];
    for (let seq = 1; seq <= 3000; seq++) {
      const started = performance.now();
      const outcome = await sandbox.activate({
        sessionId: 'solo',
        jobs: [{ kind: 'resolveActivity', seq, result: 1, time: T0 + seq }],
      });
      if (seq > 200) solo.push(ms(started));
      if (outcome.kind !== 'ok') throw new Error(JSON.stringify(outcome));
    }
    rows.push({ measure: 'activation round trip, 1 session', ...us(summarize(solo)) });

    // Many sessions, each round activates all of them in the same tick.
    const ids = Array.from({ length: sessions }, (_, i) => `ses_${i}`);
    await Promise.all(
      ids.map((id) =>
        sandbox.activate(
          init(artifact, id, 'workflows.ts:steps', [{ kind: 'start', input: { id }, time: T0 }]),
        ),
      ),
    );
    // Two ways of loading the pool with the same sessions: in lockstep rounds (every session's
    // next activation waits for the whole round), and as a continuous flow (each session's next
    // activation leaves as soon as its own outcome is back, as sessions run in the engine).
    const lockstep = async (from: number): Promise<void> => {
      for (let seq = from; seq < from + rounds; seq++) {
        const outcomes = await Promise.all(
          ids.map((id) =>
            sandbox.activate({
              sessionId: id,
              jobs: [{ kind: 'resolveActivity', seq, result: 1, time: T0 + seq }],
            }),
          ),
        );
        if (outcomes.some((o) => o.kind !== 'ok')) throw new Error('an activation failed');
      }
    };
    const flow = async (from: number): Promise<void> => {
      await Promise.all(
        ids.map(async (id) => {
          for (let seq = from; seq < from + rounds; seq++) {
            const outcome = await sandbox.activate({
              sessionId: id,
              jobs: [{ kind: 'resolveActivity', seq, result: 1, time: T0 + seq }],
            });
            if (outcome.kind !== 'ok') throw new Error('an activation failed');
          }
        }),
      );
    };
    let nextSeq = 1;
    for (const [label, load] of [
      ['lockstep rounds', lockstep],
      ['continuous flow', flow],
    ] as const) {
      const sentBefore = sandbox.transportStats().messagesSent;
      const runnerCpuBefore = sandbox.runnerPids().map(processCpuMs);
      const engineCpuBefore = process.cpuUsage();
      const started = performance.now();
      await load(nextSeq);
      nextSeq += rounds;
      const elapsed = ms(started);
      const engineCpu = process.cpuUsage(engineCpuBefore);
      const runnerCpu = sandbox
        .runnerPids()
        .map(processCpuMs)
        .reduce((sum, value, i) => sum + value - (runnerCpuBefore[i] ?? 0), 0);
      const messages = sandbox.transportStats().messagesSent - sentBefore;
      const activations = sessions * rounds;
      rows.push({
        measure: `activations/s, ${sessions} sessions batched, ${runners} runners, ${label}`,
        'per second': Math.round(activations / (elapsed / 1000)),
        'activations per message': activations / messages,
        target: '≥ 50000',
      });
      rows.push({
        measure: '  CPU per activation: engine process',
        'p50 µs': (engineCpu.user + engineCpu.system) / activations,
      });
      rows.push({
        measure: '  CPU per activation: runner processes',
        'p50 µs': (runnerCpu * 1000) / activations,
      });
    }

    // Activity round trip: back to back (each attempt's fresh context is made while the next waits),
    // and spaced out (the context was prepared in the pause, as between a workflow's steps).
    for (const pauseMs of [0, 2]) {
      const activity: number[] = [];
      for (let i = 0; i < 1000; i++) {
        if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
        const began = performance.now();
        const outcome = await sandbox.runActivity({
          taskId: `a${pauseMs}-${i}`,
          buildHash: artifact.hash,
          name: 'add',
          args: [i, 1],
          info: { sessionId: 'solo', seq: i, attempt: 1, name: 'add', scheduledAt: T0 },
          startToCloseTimeoutMs: 10_000,
          variables: {},
          secrets: {},
        });
        if (i >= 100) activity.push(ms(began));
        if (!outcome.ok) throw new Error(JSON.stringify(outcome));
      }
      const label = pauseMs === 0 ? 'back to back' : `${pauseMs} ms apart`;
      rows.push({ measure: `activity round trip (pure function), ${label}`, ...us(summarize(activity)) });
    }
  } finally {
    await sandbox.close();
  }
  return rows;
}

export async function run(args: string[]): Promise<void> {
  const sessions = Number(args[0] ?? 1000);
  const rounds = Number(args[1] ?? 100);
  const bundle = await measureBundleTime({ runs: 10 });
  const artifact = await buildBenchProject();
  printTable('Bundle time (small project, no type check)', [
    { measure: 'buildProject', 'p50 ms': bundle.p50, 'p90 ms': bundle.p90, runs: bundle.runs },
  ]);
  printTable('Transport (round trip through a child process)', await transport());
  printTable('Workflow contexts (runner side, in process)', await contexts(artifact, 500));
  printTable('End to end (engine → runner → engine)', await endToEnd(artifact, sessions, rounds));
}
