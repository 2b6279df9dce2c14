/**
 * Crash recovery with real processes: an engine child process runs 200 sessions × 20 steps on the
 * file store; we SIGKILL it at random points of its progress, many times, restarting it each time.
 * In the end every session completed with the right result, every effect is accounted for by the
 * journal (at most one extra per activity per killed incarnation: the attempt in flight at the
 * kill), and the journal reopens clean.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openFileEventStore } from '../../journal/index.js';
import { APP_DIR } from './helpers.js';
import { processAlive } from '../process-helpers.js';

const CHILD = fileURLToPath(new URL('./crash/engine-child.ts', import.meta.url));
const SESSIONS = 200;
const STEPS = 20;
const KILLS = 12;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'whisker-crash-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function startChild(
  incarnation: number,
  effectsFile: string,
): { child: ChildProcess; ready: Promise<void>; done: Promise<boolean> } {
  const child = spawn(
    process.execPath,
    [
      '--no-node-snapshot',
      '--import',
      'tsx',
      CHILD,
      join(dir, 'journal'),
      effectsFile,
      String(incarnation),
      String(SESSIONS),
      String(STEPS),
      APP_DIR,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let out = '';
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  const done = new Promise<boolean>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('ready\n')) onReady();
      if (out.includes('done\n')) resolve(true);
    });
    child.on('exit', (code, signal) => {
      onReady();
      if (signal === 'SIGKILL') resolve(false);
      else if (!out.includes('done\n'))
        reject(new Error(`engine child ${incarnation} exited ${code} ${signal}: ${stderr}`));
    });
  });
  return { child, ready, done };
}

/** Pids of the runner processes an engine child started. */
function runnersOf(pid: number | undefined): number[] {
  if (pid === undefined) return [];
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** About the length of one line of the effects file (`s123:4 5\n`). */
const EFFECT_BYTES = 10;

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0; // no effect recorded yet
  }
}

/** Resolves once `file` has grown by `bytes`, or the child has ended. */
async function progressed(file: string, from: number, bytes: number, ended: Promise<boolean>): Promise<void> {
  let over = false;
  ended.then(
    () => (over = true),
    () => (over = true),
  );
  while (!over && sizeOf(file) < from + bytes) await new Promise((resolve) => setTimeout(resolve, 2));
}

it('survives repeated SIGKILLs with every effect accounted for', { timeout: 240_000 }, async () => {
  const effectsFile = join(dir, 'effects.log');
  const killed = new Set<number>();
  const orphans: number[] = [];
  let incarnation = 0;
  for (; incarnation < KILLS; incarnation++) {
    const run = startChild(incarnation, effectsFile);
    await run.ready;
    orphans.push(...runnersOf(run.child.pid));
    // Kill after a random amount of progress (0 to ~150 effects), not after a random time: however
    // fast the machine, each kill lands mid-work and the 4,000 steps outlast all the kills.
    await progressed(
      effectsFile,
      sizeOf(effectsFile),
      Math.floor(Math.random() * 150) * EFFECT_BYTES,
      run.done,
    );
    run.child.kill('SIGKILL');
    const finished = await run.done;
    if (finished) break;
    killed.add(incarnation);
  }
  const final = startChild(incarnation + 1, effectsFile);
  expect(await final.done).toBe(true);
  expect(killed.size).toBeGreaterThanOrEqual(KILLS - 2);

  // Runners of killed engines notice that their engine is gone and exit.
  expect(orphans.length).toBeGreaterThan(0);
  for (let i = 0; i < 100 && orphans.some(processAlive); i++) await new Promise((r) => setTimeout(r, 100));
  expect(orphans.filter(processAlive)).toEqual([]);

  const store = await openFileEventStore({ dir: join(dir, 'journal') });
  try {
    const effects = new Map<string, number[]>();
    for (const line of (await readFile(effectsFile, 'utf8')).split('\n').filter(Boolean)) {
      const [key, inc] = line.split(' ') as [string, string];
      effects.set(key, [...(effects.get(key) ?? []), Number(inc)]);
    }
    const sessions = (await store.readAll()).filter((e) => e.type === 'SessionStarted');
    expect(sessions).toHaveLength(SESSIONS);
    let extra = 0;
    for (const started of sessions) {
      const { sessionId, input } = started.data as { sessionId: string; input: { key: string } };
      const events = await store.readStream(`session-${sessionId}`);
      const last = events.at(-1);
      const expected = Array.from({ length: STEPS }, (_, i) => `${input.key}:${i}`);
      expect(last?.type).toBe('SessionCompleted');
      expect((last?.data as { result: string }).result).toBe(expected.join(','));
      for (const [seq, key] of expected.entries()) {
        const journaled = events.filter(
          (e) =>
            (e.type === 'ActivityCompleted' || e.type === 'ActivityFailed') &&
            (e.data as { seq: number }).seq === seq + 1,
        ).length;
        expect(journaled).toBe(1);
        const runs = effects.get(key) ?? [];
        expect(runs.length).toBeGreaterThanOrEqual(journaled);
        // Extra runs happened only in killed incarnations, at most one per incarnation.
        const extraRuns = runs.slice(0, runs.length - journaled);
        for (const inc of extraRuns) expect(killed.has(inc)).toBe(true);
        expect(new Set(runs).size).toBe(runs.length);
        extra += extraRuns.length;
      }
    }
    // Each kill can catch at most the attempts in flight at that moment.
    expect(extra).toBeLessThanOrEqual(killed.size * SESSIONS);
    console.log(
      `crash test: ${killed.size} kills, ${extra} extra effects over ${SESSIONS * STEPS} activities`,
    );
  } finally {
    await store.close();
  }
});
