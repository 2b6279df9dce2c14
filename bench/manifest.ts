/**
 * Manifest costs: parse (YAML + schema + normalise), parse + lint, plan, next schedule time,
 * and CEL filters (compile once, evaluate per event) against a hand-written JS predicate.
 *
 *   npm run bench -- manifest [batches=30]
 */
import { readFileSync } from 'node:fs';
import {
  checkManifest,
  compileFilter,
  formatPlan,
  nextScheduleTime,
  parseManifest,
  planManifest,
} from '../engine/platform/manifest/index.js';
import type { FilterEvent, Manifest } from '../engine/platform/manifest/index.js';
import { printTable, summarize } from './report.js';

const MANIFEST = readFileSync(
  new URL('../test/engine/platform/manifest/fixtures/complete.yaml', import.meta.url),
  'utf8',
);
const CONTEXT = {
  files: ['handlers.ts', 'jobs/nightly.ts'],
  exportedFunctions: ['onHello', 'onSigned', 'onPlain', 'run', 'onIssue', 'onMessage']
    .map((name) => ({ file: 'handlers.ts', name }))
    .concat([
      { file: 'jobs/nightly.ts', name: 'run' },
      { file: 'jobs/nightly.ts', name: 'tick' },
    ]),
};

const EVENT: FilterEvent = {
  type: 'webhook',
  trigger: 'on-hello',
  data: {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': 'issues' },
    json: { action: 'opened', labels: [{ name: 'bug' }, { name: 'urgent-p1' }], count: 3 },
  },
};
const SIMPLE = 'event.data.method == "POST"';
const COMPLEX =
  'event.data.headers["x-github-event"] == "issues" && event.data.json.action in ["opened", "reopened"] && event.data.json.labels.exists(l, l.name.startsWith("urgent"))';

/** Microseconds per operation, one sample per batch of `perBatch` operations. */
function measure(perBatch: number, batches: number, operation: (i: number) => unknown): number[] {
  let sink: unknown;
  for (let i = 0; i < perBatch; i++) sink = operation(i); // warm up
  const samples: number[] = [];
  for (let batch = 0; batch < batches; batch++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < perBatch; i++) sink = operation(i);
    samples.push(Number(process.hrtime.bigint() - start) / 1000 / perBatch);
  }
  if (sink === Symbol.for('never')) console.log(sink);
  return samples;
}

export function run(args: string[]): Promise<void> {
  const batches = Number(args[0] ?? 30);
  const manifest = parseManifest(MANIFEST).manifest as Manifest;
  const changed: Manifest = {
    ...manifest,
    triggers: manifest.triggers.map((t) => (t.type === 'schedule' ? { ...t, schedule: '0 4 * * *' } : t)),
  };
  const simple = compileFilter(SIMPLE);
  const complex = compileFilter(COMPLEX);
  if (!simple.ok || !complex.ok) throw new Error('benchmark filters must compile');
  const native = (event: FilterEvent): boolean => {
    const data = event.data as {
      headers: Record<string, string>;
      json: { action: string; labels: { name: string }[] };
    };
    return (
      data.headers['x-github-event'] === 'issues' &&
      ['opened', 'reopened'].includes(data.json.action) &&
      data.json.labels.some((l) => l.name.startsWith('urgent'))
    );
  };
  const paris = { schedule: '*/10 * * * * *', timezone: 'Europe/Paris' };
  const utc = { schedule: '*/10 * * * * *', timezone: 'UTC' };
  const base = Date.parse('2025-03-30T00:00:00Z');

  const rows = [
    ['parseManifest (71-line manifest)', measure(50, batches, () => parseManifest(MANIFEST))],
    ['checkManifest (parse + lint)', measure(20, batches, () => checkManifest(MANIFEST, CONTEXT))],
    ['planManifest + formatPlan', measure(500, batches, () => formatPlan(planManifest(manifest, changed)))],
    [
      'nextScheduleTime (6 fields, Paris)',
      measure(500, batches, (i) => nextScheduleTime(paris, new Date(base + i * 7_000))),
    ],
    [
      'nextScheduleTime (6 fields, UTC)',
      measure(5_000, batches, (i) => nextScheduleTime(utc, new Date(base + i * 7_000))),
    ],
    ['compileFilter (complex)', measure(200, batches, () => compileFilter(COMPLEX))],
    ['evaluate simple filter', measure(5_000, batches, () => simple.evaluate(EVENT))],
    ['evaluate complex filter', measure(5_000, batches, () => complex.evaluate(EVENT))],
    ['native JS predicate (complex)', measure(50_000, batches, () => native(EVENT))],
  ] as const;

  const nativeP50 = summarize(rows[rows.length - 1]?.[1] ?? []).p50;
  printTable(
    `manifest operations, µs per operation (${batches} batches)`,
    rows.map(([name, samples]) => {
      const stats = summarize(samples);
      return {
        operation: name,
        p50: stats.p50,
        p90: stats.p90,
        min: stats.min,
        'ops/s (p50)': Math.round(1e6 / stats.p50),
        'x native': stats.p50 / nativeP50,
      };
    }),
  );
  return Promise.resolve();
}
