/**
 * `npm run bench -- engine [quick]`: the durable engine on the file store with durability `always`.
 * Prints throughput, latency, memory of sleeping sessions, recovery and replay speed, with the raw
 * fdatasync p50 of the same disk measured in the same run.
 */
import { closeSync, fdatasyncSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { createEngine } from '../engine/index.js';
import type { Engine } from '../engine/index.js';
import { splitHistory, withoutOptions } from '../engine/session/history.js';
import type { JournaledSessionEvent } from '../engine/session/history.js';
import { openFileEventStore } from '../journal/index.js';
import { printTable, summarize } from './report.js';
import type { Cell } from './report.js';

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

async function openEngine(dir: string, extra: { maxCachedContexts?: number } = {}): Promise<Engine> {
  const store = await openFileEventStore({ dir, durability: 'always' });
  return createEngine({ store, activities: { hostStep: (n: number) => n + 1 }, ...extra });
}

/** RSS of this process and of its runner children, in MB. */
function rssMb(): { engine: number; runners: number } {
  const engine = process.memoryUsage().rss / 1e6;
  let runners = 0;
  try {
    const out = execFileSync('ps', ['-o', 'rss=', '--ppid', String(process.pid)], { encoding: 'utf8' });
    runners = out
      .split('\n')
      .filter(Boolean)
      .reduce((sum, kb) => sum + Number(kb) / 1e3, 0);
  } catch {
    runners = Number.NaN;
  }
  return { engine, runners };
}

async function throughput(engine: Engine, buildId: string, total: number, concurrency: number) {
  const latencies: number[] = [];
  let next = 0;
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
  return { sessionsPerSecond: total / seconds, latency: summarize(latencies) };
}

export async function run(args: string[]): Promise<void> {
  const quick = args.includes('quick');
  const root = await mkdtemp(join(tmpdir(), 'whisker-bench-engine-'));
  const rows: Record<string, Cell>[] = [];
  try {
    const fsyncP50 = rawFdatasyncP50(root);
    rows.push({ metric: 'raw fdatasync p50 (same disk)', value: fsyncP50, unit: 'ms' });

    // Throughput and latency: sessions of 10 project activities, 50 in flight.
    let engine = await openEngine(join(root, 'throughput'));
    let build = await engine.loadProject(APP);
    await throughput(engine, build.buildId, 200, 50); // warm-up
    const total = quick ? 1000 : 5000;
    const loaded = await throughput(engine, build.buildId, total, 50);
    rows.push({ metric: 'ten-step sessions/s (50 in flight)', value: loaded.sessionsPerSecond, unit: '/s' });
    rows.push({ metric: 'steps/s (50 in flight)', value: loaded.sessionsPerSecond * 10, unit: '/s' });
    rows.push({ metric: 'session latency p50 (50 in flight)', value: loaded.latency.p50, unit: 'ms' });
    rows.push({ metric: 'session latency p99 (50 in flight)', value: loaded.latency.p99, unit: 'ms' });
    const single = await throughput(engine, build.buildId, quick ? 100 : 300, 1);
    rows.push({ metric: 'one ten-step session alone, p50', value: single.latency.p50, unit: 'ms' });
    rows.push({ metric: 'one ten-step session alone, p99', value: single.latency.p99, unit: 'ms' });
    rows.push({ metric: '  ÷ raw fdatasync p50', value: single.latency.p50 / fsyncP50, unit: '×' });
    await engine.shutdown();

    // Sleeping sessions: memory, then recovery after a restart.
    const sleepDir = join(root, 'sleeping');
    const sleeping = quick ? 10_000 : 100_000;
    engine = await openEngine(sleepDir);
    build = await engine.loadProject(APP);
    const before = rssMb();
    const startAt = performance.now();
    const batch = 200;
    for (let i = 0; i < sleeping; i += batch) {
      const ids = await Promise.all(
        Array.from(
          { length: Math.min(batch, sleeping - i) },
          async () =>
            (await engine.startSession({ buildId: build.buildId, entry: 'workflows.ts:sleepLong' }))
              .sessionId,
        ),
      );
      await Promise.all(ids.map((id) => engine.waitFor(id, (s) => s.waitingFor?.timers === 1)));
    }
    const startSeconds = (performance.now() - startAt) / 1000;
    global.gc?.();
    const after = rssMb();
    rows.push({
      metric: `sleeping sessions started`,
      value: sleeping,
      unit: `in ${startSeconds.toFixed(1)} s`,
    });
    rows.push({ metric: `RSS engine with ${sleeping} sleeping`, value: after.engine, unit: 'MB' });
    rows.push({ metric: `RSS runners with ${sleeping} sleeping`, value: after.runners, unit: 'MB' });
    const listTimes: number[] = [];
    for (let i = 0; i < 21; i++) {
      const t0 = performance.now();
      const first = engine.listSessions({ limit: 50 });
      engine.listSessions({ limit: 50, status: 'waiting', cursor: first.nextCursor });
      listTimes.push((performance.now() - t0) / 2);
    }
    rows.push({
      metric: `list 50 newest of ${sleeping} sessions, p50`,
      value: summarize(listTimes).p50,
      unit: 'ms',
    });
    rows.push({
      metric: `RSS total growth`,
      value: after.engine + after.runners - before.engine - before.runners,
      unit: 'MB',
    });
    await engine.shutdown();
    const recoverAt = performance.now();
    engine = await openEngine(sleepDir);
    const recoverMs = performance.now() - recoverAt;
    const open = engine.metrics().sessions.waiting;
    rows.push({ metric: `recover ${open} open sessions (restart to ready)`, value: recoverMs, unit: 'ms' });
    await engine.shutdown();

    // Replay speed of a 10,000-step journal.
    const replayDir = join(root, 'replay');
    engine = await openEngine(replayDir);
    build = await engine.loadProject(APP);
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
