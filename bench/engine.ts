/**
 * `npm run bench -- engine [quick]`: the durable engine on the file store with durability `always`.
 * Prints throughput, latency, memory of sleeping sessions, recovery and replay speed, with the raw
 * fdatasync p50 of the same disk measured in the same run. Two rows say what the machine allows,
 * so figures from different machines can be read against their own hardware: the floor of a lone
 * ten-step session (eleven steps with no work: a durable append and a runner round trip each), and
 * the sessions/s that the CPU used per step allows on this machine's cores.
 */
import { closeSync, fdatasyncSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { createEngine } from '../engine/index.js';
import type { Engine } from '../engine/index.js';
import { splitHistory, withoutOptions } from '../engine/session/history.js';
import type { JournaledSessionEvent } from '../engine/session/history.js';
import { openFileEventStore } from '../journal/index.js';
import type { RunnerSandbox } from '../sandbox/index.js';
import { RunnerProcess } from '../sandbox/host/runner-process.js';
import { printTable, summarize } from './report.js';
import type { Cell } from './report.js';

/** RSS in MB of the engine process and of its children (runners, esbuild while a build is alive). */
interface Rss {
  engine: number;
  runners: number;
  /** The engine process's V8 heap, MB (steadier than RSS, which moves with GC and malloc). */
  heap: { used: number; total: number; external: number };
}

/** What `engine-sleepers.mjs` prints. */
interface SleepersReport {
  count: number;
  startSeconds: number;
  before: Rss;
  after: Rss;
  /** After `settleMs` idle, as the process is (no collection forced). */
  idle: Rss;
  /** The same moment after full collections (as V8's memory reducer does for an idle process). */
  settled: Rss;
  settleMs: number;
  listP50Ms: number;
}

/**
 * Idle time before the settled RSS: past the runners' idle-shard (10 s) and the engine's build-worker
 * (30 s) timeouts, and past `runnerIdleMs` (30 s, checked every 5 s) after which idle runners are let go.
 */
const SETTLE_MS = 45_000;

const APP = fileURLToPath(new URL('./fixtures/engine-app', import.meta.url));

function rawFdatasyncP50(dir: string, samples = 500): number {
  const path = join(dir, 'fsync-probe');
  const fd = openSync(path, 'w');
  const buffer = Buffer.alloc(128, 7);
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    writeSync(fd, buffer);
    const start = process.hrtime.bigint();
    fdatasyncSync(fd);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  closeSync(fd);
  unlinkSync(path);
  return summarize(times).p50;
}

/**
 * What a step costs with no work at all, on this machine: one durable append of a small event to
 * the file store (what the engine writes per step) followed by one round trip to a real runner
 * process over the engine's transport (what a chained step needs). A ten-step session is at least
 * eleven of these (the first activation, ten completions) whatever the engine does.
 */
async function zeroWorkStepP50(
  dir: string,
  samples = 400,
): Promise<{ append: number; roundTrip: number; step: number }> {
  const store = await openFileEventStore({ dir, durability: 'always' });
  let answered: (() => void) | undefined;
  const runner = new RunnerProcess((message) => {
    if (message.t === 'echo') answered?.();
  });
  // Shaped like an activity request: what the engine sends a runner per step.
  const payload = { op: 'activity', id: 1, task: { taskId: 'ses_01JX:3:1:7', name: 'step', args: [5] } };
  const appends: number[] = [];
  const trips: number[] = [];
  const steps: number[] = [];
  try {
    for (let i = -50; i < samples; i++) {
      const t0 = performance.now();
      await store.append('floor', [{ type: 'ActivityCompleted', data: { seq: i, result: i } }]);
      const t1 = performance.now();
      await new Promise<void>((resolve) => {
        answered = resolve;
        runner.send({ t: 'echo', payload });
      });
      const t2 = performance.now();
      if (i < 0) continue;
      appends.push(t1 - t0);
      trips.push(t2 - t1);
      steps.push(t2 - t0);
    }
  } finally {
    await runner.stop(1000);
    await store.close();
  }
  return { append: summarize(appends).p50, roundTrip: summarize(trips).p50, step: summarize(steps).p50 };
}

/** CPU time (user + system) of a process so far, in µs, from `/proc` (Linux); undefined elsewhere. */
function cpuMicros(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // utime and stime, fields 14 and 15 of stat(5), in clock ticks (USER_HZ is 100 on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return undefined;
  }
}

/** CPU time of the engine process and of each of its runners, µs. */
function cpuNow(engine: Engine): { engine: number; runners: number } {
  const usage = process.cpuUsage();
  const pids = (engine.sandbox as Partial<RunnerSandbox>).runnerPids?.() ?? [];
  const runners = pids.reduce((sum, pid) => sum + (cpuMicros(pid) ?? Number.NaN), 0);
  return { engine: usage.user + usage.system, runners };
}

async function openEngine(
  dir: string,
  extra: { maxCachedContexts?: number; chainActivities?: boolean } = {},
): Promise<Engine> {
  const store = await openFileEventStore({ dir, durability: 'always' });
  return createEngine({ store, activities: { hostStep: (n: number) => n + 1 }, ...extra });
}

/**
 * The sleeping-sessions phase in a child process (`engine-sleepers.mjs`): a fresh heap to measure,
 * running the compiled `dist/` (compiled first, so it is this checkout's code).
 */
function sleepersInChild(dir: string, count: number): SleepersReport {
  const root = fileURLToPath(new URL('..', import.meta.url));
  // What `npm run build` does for the engine (the UI aside): compile, then bundle the guest runtime.
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  const bundle = join(root, 'dist/sandbox/host/write-runtime-scripts.js');
  execFileSync(process.execPath, [bundle], { cwd: root, stdio: 'inherit' });
  const script = fileURLToPath(new URL('./engine-sleepers.mjs', import.meta.url));
  const out = execFileSync(
    process.execPath,
    ['--no-node-snapshot', '--expose-gc', script, dir, String(count), String(SETTLE_MS)],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 },
  );
  return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as SleepersReport;
}

interface Measured {
  sessionsPerSecond: number;
  latency: ReturnType<typeof summarize>;
  /** CPU per step (µs) of the engine process and of all runners together. */
  cpu: { engine: number; runners: number };
}

/** The round whose `key` is the median of three (or of any odd number). */
function medianBy(rounds: Measured[], key: (m: Measured) => number): Measured {
  return [...rounds].sort((a, b) => key(a) - key(b))[Math.floor(rounds.length / 2)] as Measured;
}

async function throughput(
  engine: Engine,
  buildId: string,
  total: number,
  concurrency: number,
): Promise<Measured> {
  const latencies: number[] = [];
  let next = 0;
  const cpuBefore = cpuNow(engine);
  const started = performance.now();
  async function worker(): Promise<void> {
    while (next < total) {
      next++;
      const t0 = performance.now();
      const { sessionId } = await engine.startSession({ buildId, entry: 'workflows.ts:tenSteps', input: 0 });
      const result = await engine.result(sessionId);
      if (result !== 10) throw new Error(`wrong result ${String(result)}`);
      latencies.push(performance.now() - t0);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, () => worker()));
  const seconds = (performance.now() - started) / 1000;
  const cpuAfter = cpuNow(engine);
  const steps = total * 10;
  return {
    sessionsPerSecond: total / seconds,
    latency: summarize(latencies),
    cpu: {
      engine: (cpuAfter.engine - cpuBefore.engine) / steps,
      runners: (cpuAfter.runners - cpuBefore.runners) / steps,
    },
  };
}

export async function run(args: string[]): Promise<void> {
  const quick = args.includes('quick');
  const root = await mkdtemp(join(tmpdir(), 'whisker-bench-engine-'));
  const rows: Record<string, Cell>[] = [];
  try {
    const fsyncP50 = rawFdatasyncP50(root);
    rows.push({ metric: 'raw fdatasync p50 (same disk)', value: fsyncP50, unit: 'ms' });
    const floor = await zeroWorkStepP50(join(root, 'floor'));

    // Throughput and latency: sessions of 10 project activities, 50 in flight; the same without
    // chained steps (two runner round trips per step), rounds of the two interleaved so that both
    // see the same machine (figures here drift by a quarter within minutes).
    const chainedEngine = await openEngine(join(root, 'throughput'));
    const plainEngine = await openEngine(join(root, 'unchained'), { chainActivities: false });
    const variants = [
      {
        engine: chainedEngine,
        build: await chainedEngine.loadProject(APP),
        loaded: [] as Measured[],
        alone: [] as Measured[],
      },
      {
        engine: plainEngine,
        build: await plainEngine.loadProject(APP),
        loaded: [] as Measured[],
        alone: [] as Measured[],
      },
    ];
    for (const variant of variants) await throughput(variant.engine, variant.build.buildId, 200, 50); // warm-up
    const perRound = quick ? 500 : 2000;
    for (let round = 0; round < 3; round++) {
      for (const variant of variants) {
        variant.loaded.push(await throughput(variant.engine, variant.build.buildId, perRound, 50));
        variant.alone.push(await throughput(variant.engine, variant.build.buildId, quick ? 50 : 100, 1));
      }
    }
    const [chained, plain] = variants.map((variant) => ({
      loaded: medianBy(variant.loaded, (m) => m.sessionsPerSecond),
      alone: medianBy(variant.alone, (m) => m.latency.p50),
    })) as [{ loaded: Measured; alone: Measured }, { loaded: Measured; alone: Measured }];
    rows.push({
      metric: 'ten-step sessions/s (50 in flight)',
      value: chained.loaded.sessionsPerSecond,
      unit: '/s',
    });
    rows.push({ metric: 'steps/s (50 in flight)', value: chained.loaded.sessionsPerSecond * 10, unit: '/s' });
    rows.push({
      metric: 'session latency p50 (50 in flight)',
      value: chained.loaded.latency.p50,
      unit: 'ms',
    });
    rows.push({
      metric: 'session latency p99 (50 in flight)',
      value: chained.loaded.latency.p99,
      unit: 'ms',
    });
    rows.push({ metric: 'one ten-step session alone, p50', value: chained.alone.latency.p50, unit: 'ms' });
    rows.push({ metric: 'one ten-step session alone, p99', value: chained.alone.latency.p99, unit: 'ms' });
    rows.push({ metric: '  ÷ raw fdatasync p50', value: chained.alone.latency.p50 / fsyncP50, unit: '×' });
    rows.push({
      metric: '  a step with no work: durable append + runner round trip, p50',
      value: `${floor.append.toFixed(3)} + ${floor.roundTrip.toFixed(3)} = ${floor.step.toFixed(3)}`,
      unit: 'ms',
    });
    rows.push({ metric: '  floor of ten steps: 11 such steps', value: floor.step * 11, unit: 'ms' });
    const { cpu } = chained.loaded;
    rows.push({
      metric: 'CPU per step (50 in flight): engine / runners',
      value: `${cpu.engine.toFixed(0)} / ${cpu.runners.toFixed(0)}`,
      unit: 'µs',
    });
    const cores = availableParallelism();
    rows.push({
      metric: `  sessions/s that CPU allows on ${cores} cores`,
      value: (cores * 1e6) / (10 * (cpu.engine + cpu.runners)),
      unit: '/s',
    });
    rows.push({
      metric: '  without chained steps: sessions/s / alone p50',
      value: `${plain.loaded.sessionsPerSecond.toFixed(0)} / ${plain.alone.latency.p50.toFixed(2)}`,
      unit: '/s / ms',
    });
    await Promise.all(variants.map((variant) => variant.engine.shutdown()));

    // Sleeping sessions: memory (in a fresh process of their own), then recovery after a restart.
    const sleepDir = join(root, 'sleeping');
    const sleeping = quick ? 10_000 : 100_000;
    const report = sleepersInChild(sleepDir, sleeping);
    rows.push({
      metric: `sleeping sessions started`,
      value: sleeping,
      unit: `in ${report.startSeconds.toFixed(1)} s`,
    });
    const rssTotal = (rss: Rss): number => rss.engine + rss.runners;
    rows.push({
      metric: 'RSS of a fresh engine + runners, no session',
      value: rssTotal(report.before),
      unit: 'MB',
    });
    rows.push({
      metric: `RSS engine / runners, ${sleeping} just asleep`,
      value: `${report.after.engine.toFixed(0)} / ${report.after.runners.toFixed(0)}`,
      unit: 'MB',
    });
    rows.push({ metric: `  total (engine + runners)`, value: rssTotal(report.after), unit: 'MB' });
    rows.push({
      metric: `  after ${report.settleMs / 1000} s idle: engine / runners`,
      value: `${report.idle.engine.toFixed(0)} / ${report.idle.runners.toFixed(0)}`,
      unit: 'MB',
    });
    rows.push({
      metric: `  total after idle: as is / after full GCs`,
      value: `${rssTotal(report.idle).toFixed(0)} / ${rssTotal(report.settled).toFixed(0)}`,
      unit: 'MB',
    });
    rows.push({
      metric: `  engine heap in use + external: fresh → idle (after GCs)`,
      value: `${(report.before.heap.used + report.before.heap.external).toFixed(0)} → ${(report.settled.heap.used + report.settled.heap.external).toFixed(0)}`,
      unit: 'MB',
    });
    rows.push({
      metric: `  per sleeping session (heap + external)`,
      value:
        ((report.settled.heap.used +
          report.settled.heap.external -
          report.before.heap.used -
          report.before.heap.external) *
          1e6) /
        sleeping /
        1024,
      unit: 'KiB',
    });
    rows.push({ metric: `list 50 newest of ${sleeping} sessions, p50`, value: report.listP50Ms, unit: 'ms' });
    const recoverAt = performance.now();
    let engine = await openEngine(sleepDir);
    const recoverMs = performance.now() - recoverAt;
    const open = engine.metrics().sessions.waiting;
    rows.push({ metric: `recover ${open} open sessions (restart to ready)`, value: recoverMs, unit: 'ms' });
    await engine.shutdown();

    // Replay speed of a 10,000-step journal.
    const replayDir = join(root, 'replay');
    engine = await openEngine(replayDir);
    const build = await engine.loadProject(APP);
    const steps = quick ? 2_000 : 10_000;
    const { sessionId } = await engine.startSession({
      buildId: build.buildId,
      entry: 'workflows.ts:manySteps',
      input: steps,
    });
    await engine.result(sessionId);
    const journal = (await engine.store.readStream(`session-${sessionId}`)).map(
      (e) => ({ type: e.type, data: e.data, revision: e.revision }) as JournaledSessionEvent,
    );
    const buildHash = build.hash;
    const times: number[] = [];
    // Two warm-up replays first (a running engine replays with warm code), then five timed.
    for (let i = -2; i < 5; i++) {
      const split = splitHistory(journal);
      // As the engine's cold path sends it: recorded commands without their options.
      const replay = { ...split.replay, commands: split.replay.commands.map(withoutOptions) };
      const pending = split.pending;
      const t0 = performance.now();
      const outcome = await engine.sandbox.activate({
        sessionId: `ses_replay${i + 2}`,
        init: {
          buildHash,
          info: {
            sessionId,
            entry: 'workflows.ts:manySteps',
            buildId: build.buildId,
            startTime: 0,
            variables: {},
          },
          randomSeed: 'bench',
          commandSources: false,
        },
        replay,
        jobs: pending,
      });
      if (i >= 0) times.push(performance.now() - t0);
      if (outcome.kind !== 'ok') throw new Error(`replay failed: ${JSON.stringify(outcome).slice(0, 300)}`);
      engine.sandbox.evict(`ses_replay${i + 2}`);
    }
    const replayMs = summarize(times).p50;
    rows.push({
      metric: `replay a ${steps}-step journal (${journal.length} events), p50`,
      value: replayMs,
      unit: 'ms',
    });
    rows.push({ metric: '  replay speed', value: (journal.length / replayMs) * 1000, unit: 'events/s' });
    await engine.shutdown();
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  printTable('engine (file store, durability always)', rows);
}
