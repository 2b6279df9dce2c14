/**
 * Journal (file backend) costs: append throughput and latency for 1 and 64 concurrent appenders at
 * durability `always` and `none`, the raw fdatasync of the same disk, opening a journal of N events
 * with its checkpointed index (and without), and read throughput (stream reads, `$all`).
 *
 *   npm run bench -- journal [events=1000000]
 */
import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openFileEventStore, type Durability, type FileEventStore } from '../journal/index.js';
import { printTable, summarize, type Cell } from './report.js';

const now = (): number => Number(process.hrtime.bigint()) / 1000; // microseconds

/** p50/p99 of `fdatasync` after a small appending write, as the journal does. */
function rawFdatasync(dir: string, rounds: number): { p50: number; p99: number } {
  const file = path.join(dir, 'raw-fdatasync.bin');
  const fd = fs.openSync(file, 'w');
  const record = Buffer.alloc(150, 7);
  const samples: number[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      fs.writeSync(fd, record);
      const start = now();
      fs.fdatasyncSync(fd);
      samples.push(now() - start);
    }
  } finally {
    fs.closeSync(fd);
    fs.rmSync(file);
  }
  const stats = summarize(samples);
  return { p50: stats.p50, p99: stats.p99 };
}

const event = (i: number) => ({
  type: 'StepCompleted',
  data: { seq: i, result: { ok: true, value: 'x'.repeat(40) } },
});

interface AppendRun {
  appendsPerSecond: number;
  p50: number;
  p99: number;
}

async function appenders(
  store: FileEventStore,
  concurrency: number,
  perAppender: number,
  tag: string,
): Promise<AppendRun> {
  const latencies: number[] = [];
  const start = now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, a) => {
      const stream = `${tag}-${a}`;
      for (let i = 0; i < perAppender; i++) {
        const t = now();
        await store.append(stream, [event(i)], { expectedRevision: i === 0 ? 'no-stream' : i - 1 });
        latencies.push(now() - t);
      }
    }),
  );
  const seconds = (now() - start) / 1e6;
  const stats = summarize(latencies);
  return { appendsPerSecond: (concurrency * perAppender) / seconds, p50: stats.p50, p99: stats.p99 };
}

async function withDir<T>(use: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), 'whisker-bench-journal-'));
  try {
    return await use(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function appendBench(raw: { p50: number }): Promise<Record<string, Cell>[]> {
  const rows: Record<string, Cell>[] = [];
  for (const durability of ['always', 'none'] as Durability[]) {
    for (const concurrency of [1, 64]) {
      const perAppender =
        durability === 'always' ? (concurrency === 1 ? 3000 : 600) : concurrency === 1 ? 30000 : 1000;
      const run = await withDir(async (dir) => {
        const store = await openFileEventStore({ dir, durability });
        try {
          await appenders(store, concurrency, Math.ceil(perAppender / 10), 'warmup');
          return await appenders(store, concurrency, perAppender, 'bench');
        } finally {
          await store.close();
        }
      });
      rows.push({
        durability,
        appenders: concurrency,
        'appends/s': Math.round(run.appendsPerSecond),
        'p50 µs': run.p50,
        'p99 µs': run.p99,
        'p50 / raw fdatasync p50': durability === 'always' ? run.p50 / raw.p50 : '-',
      });
    }
  }
  return rows;
}

async function buildJournal(dir: string, events: number, streams: number): Promise<void> {
  const store = await openFileEventStore({ dir, durability: 'none' });
  const perStream = Math.ceil(events / streams);
  const batch = 50;
  let written = 0;
  for (let round = 0; written < events; round++) {
    const pending: Promise<unknown>[] = [];
    for (let s = 0; s < streams && written < events; s++) {
      const count = Math.min(batch, perStream - round * batch, events - written);
      if (count <= 0) continue;
      pending.push(
        store.append(
          `session-${s}`,
          Array.from({ length: count }, (_, i) => event(round * batch + i)),
        ),
      );
      written += count;
    }
    if (pending.length === 0) break;
    await Promise.all(pending);
  }
  await store.close();
}

async function openAndReadBench(events: number): Promise<Record<string, Cell>[]> {
  return withDir(async (dir) => {
    const streams = Math.max(1, Math.round(events / 100));
    const buildStart = now();
    await buildJournal(dir, events, streams);
    const buildSeconds = (now() - buildStart) / 1e6;
    const rows: Record<string, Cell>[] = [];
    const bytes = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.wlog'))
      .reduce((sum, f) => sum + fs.statSync(path.join(dir, f)).size, 0);

    const openTimes: number[] = [];
    for (let i = 0; i < 3; i++) {
      const start = now();
      const store = await openFileEventStore({ dir, durability: 'none' });
      openTimes.push((now() - start) / 1000);
      if (store.stats().recovery.checkpoint !== 'used') throw new Error('the checkpoint was not used');
      await store.close();
    }
    rows.push({
      measure: `open ${events} events (checkpoint)`,
      'median ms': summarize(openTimes).p50,
      note: `${(bytes / 2 ** 20).toFixed(0)} MiB of segments, built in ${buildSeconds.toFixed(1)} s`,
    });

    fs.rmSync(path.join(dir, 'index.wcp'));
    const start = now();
    const rebuilt = await openFileEventStore({ dir, durability: 'none' });
    const rebuildMs = (now() - start) / 1000;
    rows.push({
      measure: `open ${events} events (no checkpoint: full scan)`,
      'median ms': rebuildMs,
      note: 'one run',
    });
    await rebuilt.close();

    // Reads on a freshly opened store: the record cache is empty, so stream reads hit the files.
    const store = await openFileEventStore({ dir, durability: 'none' });
    try {
      const sample = Math.min(streams, 2000);
      for (const label of ['cold', 'warm']) {
        let read = 0;
        const t = now();
        for (let s = 0; s < sample; s++)
          read += (await store.readStream(`session-${(s * 7919) % streams}`)).length;
        const seconds = (now() - t) / 1e6;
        rows.push({
          measure: `readStream (${label} cache), ${sample} streams of ~${Math.round(read / sample)} events`,
          'events/s': Math.round(read / seconds),
          'median ms': (seconds * 1000) / sample,
          note: 'median ms = per stream (mean)',
        });
      }
      let after = -1;
      let read = 0;
      const t = now();
      for (;;) {
        const page = await store.readAll({ after, maxCount: 10_000 });
        if (page.length === 0) break;
        read += page.length;
        after = page[page.length - 1]!.position;
      }
      const seconds = (now() - t) / 1e6;
      rows.push({
        measure: `readAll $all in pages of 10000 (${read} events)`,
        'events/s': Math.round(read / seconds),
        'median ms': seconds * 1000,
        note: 'total',
      });
    } finally {
      await store.close();
    }
    return rows;
  });
}

export async function run(args: string[]): Promise<void> {
  const events = Number(args[0] ?? 1_000_000);
  const raw = await withDir((dir) => Promise.resolve(rawFdatasync(dir, 2000)));
  printTable('raw disk (same filesystem as the journal: os.tmpdir())', [
    { measure: 'fdatasync after a 150-byte append', 'p50 µs': raw.p50, 'p99 µs': raw.p99 },
  ]);
  printTable('appends (one small event each, expected revision checked)', await appendBench(raw));
  printTable('open and read', await openAndReadBench(events));
}
