/**
 * `BuildWorker`: builds in a child process give exactly what `buildProject` gives in this process;
 * the process is let go (with its esbuild process) when idle, never keeps its host alive nor
 * outlives it, a process that dies fails its builds clearly and the next build starts a new one,
 * and bad options fail in the caller.
 */
import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
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

interface ProcessRow {
  pid: number;
  ppid: number;
  /** `Z`…: a zombie (exited, not reaped by its parent). */
  state: string;
  comm: string;
}

/** Every process, zombies included. */
function processes(): ProcessRow[] {
  const table = execFileSync('ps', ['-A', '-o', 'pid=,ppid=,stat=,comm='], { encoding: 'utf8' });
  return table
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((row) => row.length >= 4)
    .map(([pid, ppid, state, comm]) => ({
      pid: Number(pid),
      ppid: Number(ppid),
      state: state ?? '',
      comm: comm ?? '',
    }));
}

/** The pids of the esbuild processes that are children of `pid`. */
function esbuildChildrenOf(pid: number): number[] {
  return processes()
    .filter((row) => row.ppid === pid && row.comm.includes('esbuild'))
    .map((row) => row.pid);
}

/** The build process of a worker, which has one. */
function pidOf(worker: BuildWorker): number {
  const pid = worker.pid;
  if (pid === undefined) throw new Error('expected a build process');
  return pid;
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

  it('runs concurrent builds in one process', async () => {
    const worker = newWorker();
    const first = worker.build(fixture('basic'), TYPECHECK);
    const pid = worker.pid;
    expect(pid).toBeGreaterThan(0);
    expect(pid).not.toBe(process.pid);
    const [basic, typeError, unchecked] = await Promise.all([
      first,
      worker.build(fixture('type-error'), TYPECHECK),
      worker.build(fixture('type-error'), { typecheck: false }),
    ]);
    expect(worker.pid).toBe(pid);
    expect(success(basic).artifact.hash).toBe(success(await buildProject(fixture('basic'))).artifact.hash);
    expect(typeError.ok ? [] : typeError.diagnostics.map((d) => d.code)).toEqual(['TS2322']);
    expect(success(unchecked).artifact.entryPoints).toEqual([{ file: 'main.ts', name: 'main' }]);
  });

  it('stops the idle process and its esbuild process after idleMs; a later build starts a new one', async () => {
    // esbuild processes of this process's own (in-process) builds, which live on.
    const ours = esbuildChildrenOf(process.pid).length;
    const worker = newWorker(200);
    expect(worker.alive).toBe(false);
    success(await worker.build(fixture('basic'), { typecheck: false }));
    const first = pidOf(worker);
    expect(worker.alive).toBe(true);
    // esbuild runs in the build process, not in this one.
    const esbuild = esbuildChildrenOf(first);
    expect(esbuild.length).toBeGreaterThan(0);
    expect(esbuildChildrenOf(process.pid)).toHaveLength(ours);
    await vi.waitFor(() => expect(worker.alive).toBe(false), { timeout: 10_000, interval: 50 });
    // Gone, and reaped (the build process by this one, esbuild by the build process): not even a
    // zombie is left.
    const gone = [first, ...esbuild];
    expect(processes().filter((row) => gone.includes(row.pid))).toEqual([]);

    success(await worker.build(fixture('basic'), { typecheck: false }));
    expect(worker.alive).toBe(true);
    expect(worker.pid).not.toBe(first);
  });

  it('keeps the process while builds keep coming within idleMs', async () => {
    const worker = newWorker(1_000);
    success(await worker.build(fixture('basic'), { typecheck: false }));
    const pid = worker.pid;
    await new Promise((resolve) => setTimeout(resolve, 300));
    success(await worker.build(fixture('basic'), { typecheck: false }));
    expect(worker.pid).toBe(pid);
  });

  it('fails a build whose process is killed with BUILD_WORKER_FAILED; the next build works', async () => {
    const worker = newWorker();
    const dir = fixture('basic');
    const pending = worker.build(dir, TYPECHECK);
    // Long enough for the process to be loading or building (a cold type check takes longer).
    await new Promise((resolve) => setTimeout(resolve, 100));
    await worker.kill();
    await expect(pending).rejects.toThrow(BuildWorkerFailedError);
    await expect(pending).rejects.toMatchObject({
      code: 'BUILD_WORKER_FAILED',
      name: 'BuildWorkerFailedError',
      project: dir,
      reason: 'exited',
      exitCode: undefined,
      signal: 'SIGKILL',
      message: `Build of ${dir} failed: the build worker exited (signal SIGKILL) before the build finished; build again, a new worker is started.`,
    });
    expect(worker.alive).toBe(false);
    success(await worker.build(dir, { typecheck: false }));
  });

  it('fails the builds of a process that dies unasked (e.g. the OOM killer) as crashed', async () => {
    const worker = newWorker();
    const dir = fixture('basic');
    const pending = worker.build(dir, TYPECHECK);
    await new Promise((resolve) => setTimeout(resolve, 100));
    process.kill(pidOf(worker), 'SIGKILL');
    await expect(pending).rejects.toMatchObject({
      code: 'BUILD_WORKER_FAILED',
      reason: 'crashed',
      signal: 'SIGKILL',
      message: `Build of ${dir} failed: the build worker crashed (signal SIGKILL) before the build finished; build again, a new worker is started.`,
    });
    expect(worker.alive).toBe(false);
    success(await worker.build(dir, { typecheck: false }));
  });

  it('says why in a crash: the exit code (the error itself is on stderr), or why it did not start', () => {
    const crashed = new BuildWorkerFailedError('/projects/shop', 'crashed', 1);
    expect(crashed.message).toBe(
      'Build of /projects/shop failed: the build worker crashed (code 1, its error is on stderr) before the build finished; build again, a new worker is started.',
    );
    expect(crashed.code).toBe('BUILD_WORKER_FAILED');
    const cause = new Error('spawn EAGAIN');
    const unstarted = new BuildWorkerFailedError('/projects/shop', 'crashed', -11, cause);
    expect(unstarted.message).toBe(
      'Build of /projects/shop failed: the build worker crashed (spawn EAGAIN) before the build finished; build again, a new worker is started.',
    );
    expect(unstarted.cause).toBe(cause);
  });

  it('rejects invalid options in the caller, as buildProject does, without starting a process', async () => {
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

/**
 * Runs `build-worker-child.ts`, a BuildWorker in a host process of its own; resolves once it has
 * built, with the pids of its build process and of that process's esbuild processes.
 */
async function hostProcess(mode: 'kill' | 'exit') {
  const script = fileURLToPath(new URL('./build-worker-child.ts', import.meta.url));
  const host = spawn(process.execPath, ['--import', 'tsx', script, fixture('basic'), mode], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => host.once('exit', (code) => resolve(code)));
  // A failed test must not leave it running.
  cleanups.push(async () => {
    if (host.exitCode === null && host.signalCode === null) host.kill('SIGKILL');
    await exited;
  });
  let output = '';
  const printed = await new Promise<{ pid: number; esbuild: number[] }>((resolve, reject) => {
    host.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      if (output.includes('\n')) resolve(JSON.parse(output) as { pid: number; esbuild: number[] });
    });
    void exited.then((code) => reject(new Error(`the host exited (code ${code}) before printing pids`)));
  });
  return { host, exited, ...printed };
}

/** Whether `pid` is a process that has not exited (a zombie has). */
function running(pid: number): boolean {
  return processes().some((row) => row.pid === pid && !row.state.startsWith('Z'));
}

describe('BuildWorker in a real host process', () => {
  it('never outlives its host: the build process and its esbuild end when the host is SIGKILLed', async () => {
    const { host, exited, pid, esbuild } = await hostProcess('kill');
    expect(esbuild.length).toBeGreaterThan(0);
    expect(running(pid)).toBe(true);
    host.kill('SIGKILL');
    await exited;
    await vi.waitFor(() => expect(running(pid)).toBe(false), { timeout: 5_000, interval: 50 });
    // The build process waited for esbuild's process (not even a zombie is left); the build
    // process itself, orphaned, is reaped by PID 1, if that is a real init.
    expect(processes().filter((row) => esbuild.includes(row.pid))).toEqual([]);
  });

  it("never keeps its host alive: an idle build process is unref'd, and ends with the host", async () => {
    // idleMs is 60 s: the host's exit does not wait for it.
    const { exited, pid, esbuild } = await hostProcess('exit');
    expect(esbuild.length).toBeGreaterThan(0);
    expect(await exited).toBe(0);
    await vi.waitFor(() => expect(running(pid)).toBe(false), { timeout: 5_000, interval: 50 });
    expect(processes().filter((row) => esbuild.includes(row.pid))).toEqual([]);
  });
});
