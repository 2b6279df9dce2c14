/**
 * `npm run bench -- sandbox-build [runs]`: how long `buildProject` takes on a small project
 * (the `basic` test fixture: a workflow file, an activity module, a helper, three resources, a
 * vendored package), without and with type checking, cold and warm.
 *
 * - bundle only: `typecheck: false` (both bundles, export listing, hashing).
 * - typecheck, cold: the parsed lib files dropped before each build (`clearTypecheckCache`).
 * - typecheck, warm: lib files kept from the previous build, as in a long-running engine.
 * - first build in a new process: everything cold, including the JIT (child processes).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { buildProject, clearTypecheckCache } from '../sandbox/build/index.js';
import type { BuildOptions } from '../sandbox/build/index.js';
import type { Stats } from './report.js';
import { printTable, summarize } from './report.js';

const PROJECT = fileURLToPath(new URL('../test/sandbox/build/fixtures/basic/', import.meta.url));
const THIS_FILE = fileURLToPath(import.meta.url);

async function timeBuild(options: BuildOptions, beforeEach?: () => void): Promise<number> {
  beforeEach?.();
  const started = performance.now();
  const result = await buildProject(PROJECT, options);
  const elapsed = performance.now() - started;
  if (!result.ok)
    throw new Error(`the benchmark project failed to build: ${JSON.stringify(result.diagnostics)}`);
  return elapsed;
}

async function sample(runs: number, options: BuildOptions, beforeEach?: () => void): Promise<Stats> {
  await timeBuild(options); // warm-up: module loading, esbuild's service process, JIT
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await timeBuild(options, beforeEach));
  return summarize(samples);
}

/**
 * Bundle time of the small project (p50 and more, in ms), for `bench/sandbox.ts`'s summary row.
 * Default: 20 runs without type checking (what a deploy costs when types were checked in CI).
 */
export async function measureBundleTime(
  options: { runs?: number; typecheck?: boolean } = {},
): Promise<Stats> {
  return sample(options.runs ?? 20, { typecheck: options.typecheck ?? false });
}

function firstBuildInNewProcess(runs: number): Stats {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const child = spawnSync(
      process.execPath,
      ['--no-node-snapshot', '--import', 'tsx', THIS_FILE, '--first-build'],
      {
        encoding: 'utf8',
      },
    );
    if (child.status !== 0) throw new Error(`first-build child failed: ${child.stderr}`);
    samples.push(Number(child.stdout.trim()));
  }
  return summarize(samples);
}

export async function run(args: string[]): Promise<void> {
  const runs = Number(args[0] ?? 20);
  const bundleOnly = await measureBundleTime({ runs });
  const cold = await sample(Math.max(5, Math.floor(runs / 2)), { typecheck: true }, clearTypecheckCache);
  const warm = await sample(runs, { typecheck: true });
  const fresh = firstBuildInNewProcess(5);
  const row = (name: string, s: Stats): Record<string, string | number> => ({
    build: name,
    runs: s.runs,
    'p50 ms': s.p50,
    'p90 ms': s.p90,
    'max ms': s.max,
    'x bundle-only p50': s.p50 / bundleOnly.p50,
  });
  printTable('sandbox-build: buildProject() on a small project (test/sandbox/build/fixtures/basic)', [
    row('bundle only (typecheck: false)', bundleOnly),
    row('typecheck, warm (lib files reused)', warm),
    row('typecheck, cold (lib files dropped)', cold),
    row('typecheck, first build in a new process', fresh),
  ]);
  console.log(`\nwarm vs cold type-checked build: ${(cold.p50 / warm.p50).toFixed(1)}x faster at p50`);
}

// Child mode for the "first build in a new process" row: one type-checked build, time on stdout.
if (process.argv[1] === THIS_FILE && process.argv.includes('--first-build')) {
  const elapsed = await timeBuild({ typecheck: true });
  process.stdout.write(`${elapsed}\n`);
}
