/**
 * `BuildWorker`: builds in a worker thread give exactly what `buildProject` gives in this thread;
 * the thread is let go (with esbuild's process) when idle, a thread that dies fails its builds
 * clearly and the next build starts a new one, and bad options fail in the caller.
 */
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it, vi } from 'vitest';

import type { BuildResult } from '../../../sandbox/build/index.js';
import {
  BuildWorker,
  BuildWorkerFailedError,
  DEFAULT_BUILD_WORKER_IDLE_MS,
  InvalidBuildOptionError,
  buildProject,
  compileBuildWorkerOptions,
  formatDiagnostic,
  validateArtifact,
} from '../../../sandbox/build/index.js';
import { TYPECHECK, fixture, writeProject } from './helpers.js';

const workers: BuildWorker[] = [];
const cleanups: (() => Promise<void>)[] = [];

function newWorker(idleMs = 60_000): BuildWorker {
  const worker = new BuildWorker({ idleMs });
  workers.push(worker);
  return worker;
}

afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.close()));
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

function success(result: BuildResult): Extract<BuildResult, { ok: true }> {
  if (!result.ok)
    throw new Error(`expected a build:\n${result.diagnostics.map(formatDiagnostic).join('\n')}`);
  return result;
}

/** The esbuild processes that are children of this process, with their state (`Z`: a zombie). */
function esbuildChildren(): { pid: number; state: string }[] {
  const table = execFileSync('ps', ['-A', '-o', 'pid=,ppid=,stat=,comm='], { encoding: 'utf8' });
  return table
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(
      ([, ppid, , comm]) => Number(ppid) === process.pid && comm !== undefined && comm.includes('esbuild'),
    )
    .map(([pid, , state]) => ({ pid: Number(pid), state: state ?? '' }));
}

describe('BuildWorker', () => {
  it('gives the same artifact as an in-process build', async () => {
    const worker = newWorker();
    const inWorker = success(await worker.build(fixture('basic'), TYPECHECK));
    const inProcess = success(await buildProject(fixture('basic'), TYPECHECK));
    expect(inWorker.artifact.hash).toBe(inProcess.artifact.hash);
    expect(inWorker.artifact).toEqual(inProcess.artifact);
    expect(inWorker.artifact.entryPoints).toEqual(inProcess.artifact.entryPoints);
    expect(inWorker.artifact.entryPoints.length).toBeGreaterThan(0);
    expect(inWorker.warnings).toEqual(inProcess.warnings);
    // The copied content still hashes to the artifact's hash (validateArtifact recomputes it).
    expect(validateArtifact(inWorker.artifact).hash).toBe(inWorker.artifact.hash);
    const resources = Object.values(inWorker.artifact.resources);
    expect(resources.length).toBeGreaterThan(0);
    for (const bytes of resources) {
      expect(bytes).toBeInstanceOf(Uint8Array);
      // Each resource owns exactly its bytes (no view into a larger, pooled buffer).
      expect(bytes.byteLength).toBe(bytes.buffer.byteLength);
    }
  });

  it('gives the same diagnostics as an in-process build, with file:line:col', async () => {
    const worker = newWorker();
    const inWorker = await worker.build(fixture('type-error'), TYPECHECK);
    const inProcess = await buildProject(fixture('type-error'), TYPECHECK);
    expect(inWorker.ok).toBe(false);
    expect(inWorker).toEqual(inProcess);
    if (inWorker.ok) return;
    expect(inWorker.diagnostics).toHaveLength(1);
    expect(inWorker.diagnostics[0]).toMatchObject({ code: 'TS2322', file: 'main.ts', line: 5, column: 9 });
    expect(formatDiagnostic(inWorker.diagnostics[0]!)).toMatch(/^main\.ts:5:9 error TS2322: /);
  });

  it('keeps warnings and unusual resource names intact', async () => {
    const project = await writeProject({
      'activities.ts': 'export const helper = 1;\n',
      // Computed: a literal `'__proto__':` key would set the prototype, not make a property.
      ['__proto__']: 'a resource named __proto__',
      'data.bin': new Uint8Array([0, 1, 2, 255]),
    });
    cleanups.push(project.cleanup);
    const worker = newWorker();
    const inWorker = success(await worker.build(project.dir, { typecheck: false }));
    const inProcess = success(await buildProject(project.dir, { typecheck: false }));
    expect(inWorker.warnings.map((w) => w.code)).toEqual(['NO_EXPORTED_FUNCTIONS']);
    expect(inWorker.warnings).toEqual(inProcess.warnings);
    expect(Object.hasOwn(inWorker.artifact.resources, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(inWorker.artifact.resources)).toBe(Object.prototype);
    expect([...inWorker.artifact.resources['data.bin']!]).toEqual([0, 1, 2, 255]);
    expect(inWorker.artifact.hash).toBe(inProcess.artifact.hash);
  });

  it('runs concurrent builds on one thread', async () => {
    const worker = newWorker();
    const first = worker.build(fixture('basic'), TYPECHECK);
    const threadId = worker.threadId;
    expect(threadId).toBeGreaterThan(0);
    const [basic, typeError, unchecked] = await Promise.all([
      first,
      worker.build(fixture('type-error'), TYPECHECK),
      worker.build(fixture('type-error'), { typecheck: false }),
    ]);
    expect(worker.threadId).toBe(threadId);
    expect(success(basic).artifact.hash).toBe(success(await buildProject(fixture('basic'))).artifact.hash);
    expect(typeError.ok ? [] : typeError.diagnostics.map((d) => d.code)).toEqual(['TS2322']);
    expect(success(unchecked).artifact.entryPoints).toEqual([{ file: 'main.ts', name: 'main' }]);
  });

  it('stops the idle thread and its esbuild process after idleMs; a later build starts a new one', async () => {
    // esbuild processes of this thread's own (in-process) builds, which live on.
    const before = esbuildChildren().length;
    const worker = newWorker(200);
    expect(worker.alive).toBe(false);
    success(await worker.build(fixture('basic'), { typecheck: false }));
    const firstThread = worker.threadId;
    expect(worker.alive).toBe(true);
    expect(esbuildChildren()).toHaveLength(before + 1);
    await vi.waitFor(() => expect(worker.alive).toBe(false), { timeout: 10_000, interval: 50 });
    // Gone, and reaped: not even a zombie is left.
    expect(esbuildChildren()).toHaveLength(before);
    expect(esbuildChildren().filter((child) => child.state.startsWith('Z'))).toEqual([]);

    success(await worker.build(fixture('basic'), { typecheck: false }));
    expect(worker.alive).toBe(true);
    expect(worker.threadId).not.toBe(firstThread);
  });

  it('keeps the thread while builds keep coming within idleMs', async () => {
    const worker = newWorker(1_000);
    success(await worker.build(fixture('basic'), { typecheck: false }));
    const threadId = worker.threadId;
    await new Promise((resolve) => setTimeout(resolve, 300));
    success(await worker.build(fixture('basic'), { typecheck: false }));
    expect(worker.threadId).toBe(threadId);
  });

  it('fails a build whose thread is killed with BUILD_WORKER_FAILED; the next build works', async () => {
    const worker = newWorker();
    const dir = fixture('basic');
    const pending = worker.build(dir, TYPECHECK);
    // Long enough for the thread to be loading or building (a cold type check takes longer).
    await new Promise((resolve) => setTimeout(resolve, 100));
    await worker.kill();
    await expect(pending).rejects.toThrow(BuildWorkerFailedError);
    await expect(pending).rejects.toMatchObject({
      code: 'BUILD_WORKER_FAILED',
      name: 'BuildWorkerFailedError',
      project: dir,
      reason: 'exited',
      exitCode: 1,
      message: `Build of ${dir} failed: the build worker exited (code 1) before the build finished; build again, a new worker is started.`,
    });
    expect(worker.alive).toBe(false);
    success(await worker.build(dir, { typecheck: false }));
  });

  it('says why in a crash: the uncaught error is the cause', () => {
    const cause = new Error('out of memory');
    const error = new BuildWorkerFailedError('/projects/shop', 'crashed', 1, cause);
    expect(error.message).toBe(
      'Build of /projects/shop failed: the build worker crashed before the build finished (out of memory); build again, a new worker is started.',
    );
    expect(error.cause).toBe(cause);
    expect(error.code).toBe('BUILD_WORKER_FAILED');
  });

  it('rejects invalid options in the caller, as buildProject does, without starting a thread', async () => {
    const worker = newWorker();
    const options = { limits: { maxFiles: -1 } };
    await expect(worker.build(fixture('basic'), options)).rejects.toThrow(InvalidBuildOptionError);
    const inProcess = await buildProject(fixture('basic'), options).catch((error: unknown) => error);
    await expect(worker.build(fixture('basic'), options)).rejects.toMatchObject({
      code: 'INVALID_BUILD_OPTION',
      message: (inProcess as Error).message,
    });
    expect(worker.alive).toBe(false);
  });

  it('checks its own options (idleMs defaults to 30 s)', () => {
    expect(compileBuildWorkerOptions()).toEqual({ idleMs: DEFAULT_BUILD_WORKER_IDLE_MS });
    expect(DEFAULT_BUILD_WORKER_IDLE_MS).toBe(30_000);
    expect(() => new BuildWorker({ idleMs: -1 })).toThrow(
      'Build option idleMs is -1; expected a whole number of ms, 0 or more. Fix the option passed to new BuildWorker().',
    );
  });

  it('close() fails running builds and refuses later ones', async () => {
    const worker = newWorker();
    const dir = fixture('basic');
    const running = worker.build(dir, TYPECHECK);
    const outcome = running.catch((error: unknown) => error);
    await worker.close();
    expect(await outcome).toMatchObject({ code: 'BUILD_WORKER_FAILED', reason: 'closed' });
    expect(worker.alive).toBe(false);
    await expect(worker.build(dir)).rejects.toThrow(
      `Build of ${dir} failed: the build worker was closed (its owner, e.g. the engine, shut down); no more builds run on it.`,
    );
  });
});
