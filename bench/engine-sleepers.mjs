/**
 * Child process of `npm run bench -- engine`: a fresh engine on the file store starts `count`
 * sessions that sleep for an hour, and reports the RSS of this process and of its child processes
 * (the runners, and esbuild's service while a build is alive) when fresh, right after the sessions
 * went to sleep, and after `settleMs` idle (time for idle isolates, runners and the build process to
 * be let go) both as the process is and after full collections, plus list timings, as one JSON
 * line on stdout. A process of its own, so the figure is
 * what an engine holding that many sleeping sessions costs, not what the benchmark's earlier
 * phases left in the heap. Plain JavaScript on the compiled `dist/` (what `whisker up` and an
 * embedding app run): run from source, `tsx` and the sources it compiled would be measured too.
 *
 * `node --no-node-snapshot --expose-gc bench/engine-sleepers.mjs <dir> <count> <settleMs>`
 */
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { URL, fileURLToPath } from 'node:url';

import { createEngine } from '../dist/engine/index.js';
import { openFileEventStore } from '../dist/journal/index.js';

const APP = fileURLToPath(new URL('./fixtures/engine-app', import.meta.url));

/**
 * @typedef {{ engine: number, runners: number, heap: { used: number, total: number, external: number } }} Rss RSS in MB of this process and of its children (and this process's V8 heap)
 * @typedef {{ count: number, startSeconds: number, before: Rss, after: Rss, idle: Rss, settled: Rss, settleMs: number, listP50Ms: number }} SleepersReport
 */

/**
 * Full collections before a measure. Three, as V8's memory reducer runs when a process goes idle:
 * one leaves pages that are only partly live (the heap's total stays ~50 MB above its use in about
 * every other run); the following ones compact them.
 */
const FULL_GCS = 3;

/**
 * @param {number} gcs full collections first (0: the process as it is)
 * @returns {Rss}
 */
function rssMb(gcs = FULL_GCS) {
  for (let i = 0; i < gcs; i++) /** @type {{ gc?: () => void }} */ (globalThis).gc?.();
  const usage = process.memoryUsage();
  const engine = usage.rss / 1e6;
  const heap = { used: usage.heapUsed / 1e6, total: usage.heapTotal / 1e6, external: usage.external / 1e6 };
  let runners = 0;
  try {
    const out = execFileSync('ps', ['-o', 'rss=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' });
    runners = out
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter(([kb, command]) => kb !== undefined && kb !== '' && command !== 'ps')
      .reduce((sum, [kb]) => sum + Number(kb) / 1e3, 0);
  } catch {
    runners = Number.NaN;
  }
  return { engine, runners, heap };
}

/** @param {number[]} values */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/**
 * @param {string} dir
 * @param {number} count
 * @param {number} settleMs
 * @returns {Promise<SleepersReport>}
 */
async function main(dir, count, settleMs) {
  const store = await openFileEventStore({ dir, durability: 'always' });
  const engine = await createEngine({ store, activities: { hostStep: (/** @type {number} */ n) => n + 1 } });
  const build = await engine.loadProject(APP);
  const before = rssMb();
  const startAt = performance.now();
  const batch = 200;
  for (let i = 0; i < count; i += batch) {
    const ids = await Promise.all(
      Array.from(
        { length: Math.min(batch, count - i) },
        async () =>
          (await engine.startSession({ buildId: build.buildId, entry: 'workflows.ts:sleepLong' })).sessionId,
      ),
    );
    await Promise.all(ids.map((id) => engine.waitFor(id, (s) => s.waitingFor?.timers === 1)));
  }
  const startSeconds = (performance.now() - startAt) / 1000;
  const after = rssMb(0);
  await sleep(settleMs);
  // As an idle process is (V8 has no reason to collect garbage in an idle process, so this still
  // holds what starting the sessions left), then after full collections: what the sessions need.
  const idle = rssMb(0);
  const settled = rssMb();
  /** @type {number[]} */
  const listTimes = [];
  for (let i = 0; i < 21; i++) {
    const t0 = performance.now();
    const first = engine.listSessions({ limit: 50 });
    engine.listSessions({ limit: 50, status: 'waiting', cursor: first.nextCursor });
    listTimes.push((performance.now() - t0) / 2);
  }
  await engine.shutdown();
  return { count, startSeconds, before, after, idle, settled, settleMs, listP50Ms: median(listTimes) };
}

const [dir, count, settleMs] = process.argv.slice(2);
if (dir !== undefined && count !== undefined) {
  main(dir, Number(count), Number(settleMs ?? 0)).then(
    (report) => process.stdout.write(`${JSON.stringify(report)}\n`),
    (error) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
