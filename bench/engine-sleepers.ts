/**
 * Child process of `npm run bench -- engine`: a fresh engine on the file store starts `count`
 * sessions that sleep for an hour, and reports the RSS of this process and of its runners before
 * and after, plus list timings, as one JSON line on stdout. A process of its own, so the figure is
 * what an engine holding that many sleeping sessions costs, not what the benchmark's earlier
 * phases left in the heap.
 *
 * `node --no-node-snapshot --expose-gc --import tsx bench/engine-sleepers.ts <dir> <count>`
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { createEngine } from '../engine/index.js';
import { openFileEventStore } from '../journal/index.js';
import { summarize } from './report.js';

const APP = fileURLToPath(new URL('./fixtures/engine-app', import.meta.url));

export interface SleepersReport {
  count: number;
  startSeconds: number;
  before: { engine: number; runners: number };
  after: { engine: number; runners: number };
  listP50Ms: number;
}

/** RSS of this process and of its runner children, in MB. */
export function rssMb(): { engine: number; runners: number } {
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

async function main(dir: string, count: number): Promise<SleepersReport> {
  const store = await openFileEventStore({ dir, durability: 'always' });
  const engine = await createEngine({ store, activities: { hostStep: (n: number) => n + 1 } });
  const build = await engine.loadProject(APP);
  global.gc?.();
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
  global.gc?.();
  const after = rssMb();
  const listTimes: number[] = [];
  for (let i = 0; i < 21; i++) {
    const t0 = performance.now();
    const first = engine.listSessions({ limit: 50 });
    engine.listSessions({ limit: 50, status: 'waiting', cursor: first.nextCursor });
    listTimes.push((performance.now() - t0) / 2);
  }
  await engine.shutdown();
  return { count, startSeconds, before, after, listP50Ms: summarize(listTimes).p50 };
}

const [dir, count] = process.argv.slice(2);
if (dir !== undefined && count !== undefined) {
  main(dir, Number(count)).then(
    (report) => process.stdout.write(`${JSON.stringify(report)}\n`),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
