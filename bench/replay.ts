/**
 * Replay speed (issue #7): `npm run bench -- replay [quick]`.
 *
 * - one long journal (1,000 and 10,000 steps of one activity each): events/s and µs per event,
 *   from a decoded journal and from the file's bytes (decoding included);
 * - 1,000 journals of 10 steps replayed with `replayJournals` (one sandbox, a runner per core);
 * - time to first output: a fresh sandbox started and a 10-step journal replayed (what
 *   `whisker replay` pays before it prints).
 * Journals are made as the engine writes them (the same events), then checked: every replay must
 * be compatible. Comparison (Temporal's TypeScript replayer on this machine): 2,800 events/s for
 * 1,000 activities, 47 s for 10,000, ~26 ms per 10-activity history.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { JournalFile, JournalFileEvent } from '../engine/index.js';
import { decodeJournalFile, encodeJournalFile, replayJournal, replayJournals } from '../engine/index.js';
import type { BuildArtifact } from '../sandbox/index.js';
import { buildProject, createSandbox } from '../sandbox/index.js';
import { printTable, summarize } from './report.js';
import type { Cell } from './report.js';

const WORKFLOW = `
import { proxyActivities } from 'whisker/workflow';
const host = proxyActivities<{ step(n: number): Promise<number> }>({ startToCloseTimeout: '10s' });
export async function steps(count: number): Promise<number> {
  let n = 0;
  for (let i = 0; i < count; i++) n = await host.step(n);
  return n;
}
`;

const T0 = 1_700_000_000_000;

/** The journal the engine writes for `steps(count)` with `step(n) = n + 1`. */
function journalOf(artifact: BuildArtifact, count: number, id: string): JournalFile {
  const events: JournalFileEvent[] = [];
  const push = (type: string, data: Record<string, unknown>): void => {
    events.push({ revision: events.length, type, data, recordedAt: T0 + events.length });
  };
  push('SessionStarted', {
    sessionId: id,
    entry: 'workflows.ts:steps',
    buildId: 'bld_bench',
    input: count,
    seed: 'bench',
    time: T0,
    variables: {},
  });
  const options = { startToCloseTimeoutMs: 10_000 };
  for (let i = 0; i < count; i++) {
    push('ActivityScheduled', { seq: i + 1, name: 'step', args: [i], options, time: T0 + i });
    push('ActivityCompleted', { seq: i + 1, result: i + 1, attempt: 1, time: T0 + i + 1 });
  }
  push('SessionCompleted', { result: count, time: T0 + count });
  return {
    version: 1,
    sessionId: id,
    entry: 'workflows.ts:steps',
    buildId: 'bld_bench',
    buildHash: artifact.hash,
    exportedAt: T0,
    events,
    build: artifact,
  };
}

function check(verdict: string, what: string): void {
  if (verdict !== 'compatible') throw new Error(`${what}: replay was ${verdict}, not compatible`);
}

export async function run(args: string[]): Promise<void> {
  const quick = args.includes('quick');
  const root = await mkdtemp(join(tmpdir(), 'whisker-bench-replay-'));
  const rows: Record<string, Cell>[] = [];
  try {
    await writeFile(join(root, 'workflows.ts'), WORKFLOW);
    const built = await buildProject(root, { typecheck: false });
    if (!built.ok) throw new Error('bench project did not build');
    const artifact = built.artifact;

    // Time to first output: a fresh sandbox, one 10-step journal.
    const small = journalOf(artifact, 10, 'ses_first');
    const firstOutput: number[] = [];
    for (let i = 0; i < (quick ? 2 : 5); i++) {
      const t0 = performance.now();
      const sandbox = await createSandbox({ runners: 1 });
      const result = await replayJournal({ journal: small, sandbox });
      firstOutput.push(performance.now() - t0);
      check(result.verdict, 'first output');
      await sandbox.close();
    }
    rows.push({
      metric: 'time to first output (start a runner, replay 10 steps)',
      p50: summarize(firstOutput).p50,
      unit: 'ms',
    });

    const sandbox = await createSandbox({ runners: 1 });
    try {
      const perEvent: Record<number, number> = {};
      for (const steps of quick ? [1_000, 5_000] : [1_000, 10_000]) {
        const journal = journalOf(artifact, steps, `ses_long${steps}`);
        const bytes = encodeJournalFile(journal);
        const times: number[] = [];
        const fromBytes: number[] = [];
        for (let i = 0; i < (quick ? 3 : 7); i++) {
          let t0 = performance.now();
          check((await replayJournal({ journal, sandbox })).verdict, `${steps} steps`);
          times.push(performance.now() - t0);
          t0 = performance.now();
          check(
            (await replayJournal({ journal: decodeJournalFile(bytes), sandbox })).verdict,
            `${steps} steps`,
          );
          fromBytes.push(performance.now() - t0);
        }
        const p50 = summarize(times).p50;
        const events = journal.events.length;
        perEvent[steps] = (p50 * 1000) / events;
        rows.push({ metric: `${steps}-step journal (${events} events), replay p50`, p50, unit: 'ms' });
        rows.push({ metric: '  events/s', p50: Math.round((events / p50) * 1000), unit: 'events/s' });
        rows.push({ metric: '  per event', p50: perEvent[steps] ?? NaN, unit: 'µs' });
        const bytesP50 = summarize(fromBytes).p50;
        rows.push({
          metric: `  from the file's bytes (${(bytes.length / 1024).toFixed(0)} KiB, decode included)`,
          p50: bytesP50,
          unit: 'ms',
        });
        rows.push({
          metric: '  events/s from bytes',
          p50: Math.round((events / bytesP50) * 1000),
          unit: 'events/s',
        });
      }
      const [shortRun, longRun] = Object.values(perEvent);
      rows.push({
        metric: 'per-event cost, long vs short journal',
        p50: (longRun ?? NaN) / (shortRun ?? NaN),
        unit: 'ratio',
      });
    } finally {
      await sandbox.close();
    }

    // Many small journals (users' CI): one sandbox with a runner per core.
    const many = quick ? 300 : 1_000;
    const journals = Array.from({ length: many }, (_, i) => journalOf(artifact, 10, `ses_many${i}`));
    const ci = await createSandbox();
    try {
      await replayJournals({ build: artifact, journals: journals.slice(0, 50), sandbox: ci }); // warm up
      const times: number[] = [];
      for (let i = 0; i < (quick ? 2 : 3); i++) {
        const t0 = performance.now();
        const results = await replayJournals({ build: artifact, journals, sandbox: ci });
        times.push(performance.now() - t0);
        for (const r of results) check(r.verdict, r.journal);
      }
      const p50 = summarize(times).p50;
      const events = journals.reduce((n, j) => n + j.events.length, 0);
      rows.push({ metric: `${many} journals of 10 steps (replayJournals), total p50`, p50, unit: 'ms' });
      rows.push({ metric: '  per journal', p50: p50 / many, unit: 'ms' });
      rows.push({ metric: '  events/s', p50: Math.round((events / p50) * 1000), unit: 'events/s' });
    } finally {
      await ci.close();
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  printTable(
    'replay (targets: ≥ 200,000 events/s, flat per-event cost, 1,000 steps < 50 ms, < 1 ms per 10-step journal)',
    rows,
  );
  console.log(
    '\nTemporal TS replayer, same machine: 2,800 events/s (1,000 activities), 47 s for 10,000, ~26 ms per 10-activity history.',
  );
}
