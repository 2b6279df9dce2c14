/**
 * `BuildWorker`: `buildProject` in a child process, for a long-lived process (the engine). The
 * TypeScript compiler (~60 MB of RSS once loaded) and esbuild's service process (~22 MB) live in
 * the build process, and the synchronous type check holds its event loop instead of the caller's.
 * One build process at most, started by the first build; builds run in it concurrently; once it has
 * had nothing to do for `idleMs` it is stopped (esbuild's process ends, then the build process) and
 * the next build starts a new one. It is `unref`'d while idle, so it never keeps a process alive.
 *
 * A process, not a worker thread: when a process exits all of its memory goes back to the OS, while
 * a thread leaves the freed memory of its glibc malloc arenas in the host (measured: an engine that
 * built a project then idled 40 s kept ~26 MB more RSS than one that never built).
 */
import type { ChildProcess } from 'node:child_process';
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import type { ErrorData } from '../../common/index.js';
import { WhiskerError } from '../../common/index.js';
import type { BuildOptions, CompiledBuildOptions } from './build-options.js';
import { InvalidBuildOptionError, compileBuildOptions } from './build-options.js';
import type { BuildResult } from './build-project.js';
import type { BuildWorkerReply, BuildWorkerRequest } from './build-worker-protocol.js';
import { ownResources } from './build-worker-protocol.js';

export interface BuildWorkerOptions {
  /**
   * How long the build process is kept with no build to run, in ms, before it is stopped; the next
   * build then starts a new process, which loads TypeScript and starts esbuild again (measured on
   * the engine's bench project: ~1 s for that build instead of ~20 ms warm, ~1.5 s instead of
   * ~0.1 s with a type check; the caller's thread is not held meanwhile). 0 stops it as soon as it
   * is idle. Default 30,000 (30 s).
   */
  idleMs?: number;
}

export interface CompiledBuildWorkerOptions {
  idleMs: number;
}

export const DEFAULT_BUILD_WORKER_IDLE_MS = 30_000;

/** How long a build process told to stop may take (esbuild's process exits) before it is killed. */
const STOP_GRACE_MS = 5_000;

export function compileBuildWorkerOptions(options: BuildWorkerOptions = {}): CompiledBuildWorkerOptions {
  const idleMs = options.idleMs ?? DEFAULT_BUILD_WORKER_IDLE_MS;
  if (typeof idleMs !== 'number' || !Number.isSafeInteger(idleMs) || idleMs < 0) {
    throw new InvalidBuildOptionError(
      'idleMs',
      idleMs,
      'a whole number of ms, 0 or more',
      'new BuildWorker()',
    );
  }
  return { idleMs };
}

/**
 * `crashed`: the build process ended by itself with an exit code other than 0 (an uncaught error;
 * what it printed is on the host's stderr), was ended by a signal it was not sent by its
 * `BuildWorker` (e.g. the OOM killer's), or could not be started; `exited`: `kill()` ended it, or it
 * exited with code 0; `closed`: its owner closed it (e.g. the engine shut down).
 */
export type BuildWorkerFailure = 'crashed' | 'exited' | 'closed';

/** A build that did not finish because its build process went away. Nothing was wrong with the project. */
export class BuildWorkerFailedError extends WhiskerError {
  constructor(
    /** The project directory built (or, where that is a temporary copy, a name of the project). */
    readonly project: string,
    readonly reason: BuildWorkerFailure,
    /** The build process's exit code, for `crashed` and `exited`; undefined when a signal ended it. */
    readonly exitCode?: number,
    /** Why the build process could not be started, when that is what happened. */
    cause?: unknown,
    /** The signal that ended the build process (`SIGKILL` after `kill()`), for `crashed` and `exited`. */
    readonly signal?: NodeJS.Signals,
  ) {
    const ended = signal !== undefined ? `signal ${signal}` : `code ${exitCode ?? '?'}`;
    // A process that exits with a code printed why (an uncaught error's stack) on the host's stderr.
    const crash =
      cause instanceof Error
        ? cause.message
        : signal !== undefined
          ? ended
          : `${ended}, its error is on stderr`;
    const why =
      reason === 'closed'
        ? 'the build worker was closed (its owner, e.g. the engine, shut down); no more builds run on it'
        : reason === 'crashed'
          ? `the build worker crashed (${crash}) before the build finished; build again, a new worker is started`
          : `the build worker exited (${ended}) before the build finished; build again, a new worker is started`;
    super('BUILD_WORKER_FAILED', `Build of ${project} failed: ${why}.`, cause === undefined ? {} : { cause });
  }
}

interface PendingBuild {
  dir: string;
  resolve: (result: BuildResult) => void;
  reject: (error: Error) => void;
}

/** One build process and the builds sent to it. */
interface BuildProcess {
  child: ChildProcess;
  builds: Map<number, PendingBuild>;
  /** Resolves once the process has exited and its IPC channel is closed (every reply received). */
  exited: Promise<void>;
  /** This `BuildWorker` sent it SIGKILL (`kill()`, a stop that took too long): not a crash. */
  killed: boolean;
  /** Why it could not be started. */
  spawnError?: Error;
}

export class BuildWorker {
  private readonly idleMs: number;
  /** The process builds go to; undefined before the first build, after it stopped and after `close`. */
  private current: BuildProcess | undefined;
  /** The exit of a process told to stop: a new one starts only after it, so there is one at most. */
  private stopping: Promise<void> | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private nextId = 1;
  private closed = false;

  constructor(options: BuildWorkerOptions = {}) {
    this.idleMs = compileBuildWorkerOptions(options).idleMs;
  }

  /** The process id of the process builds go to now (for logs and tests); undefined when there is none. */
  get pid(): number | undefined {
    return this.current?.child.pid;
  }

  /** Whether a build process exists (building, idle, or stopping). */
  get alive(): boolean {
    return this.current !== undefined || this.stopping !== undefined;
  }

  /**
   * `buildProject(dir, options)` in the build process: the same result. Throws
   * `InvalidBuildOptionError` for invalid options (checked here, before anything is sent) and
   * `BuildWorkerFailedError` (`BUILD_WORKER_FAILED`) when the process ends before the build does.
   */
  async build(dir: string, options?: BuildOptions): Promise<BuildResult> {
    const request = plainOptions(compileBuildOptions(options));
    while (this.current === undefined && this.stopping !== undefined && !this.closed) await this.stopping;
    if (this.closed) throw new BuildWorkerFailedError(dir, 'closed');
    const proc = this.current ?? this.start();
    const id = this.nextId++;
    const built = new Promise<BuildResult>((resolve, reject) => {
      proc.builds.set(id, { dir, resolve, reject });
    });
    clearTimeout(this.idleTimer);
    setRef(proc.child, true);
    try {
      // A send that fails later (the process is gone) is an `error` event; its exit fails the build.
      // Resolved here: the build process keeps the working directory this process had at its start.
      const absolute = typeof dir === 'string' ? resolve(dir) : dir;
      proc.child.send({ t: 'build', id, dir: absolute, options: request } satisfies BuildWorkerRequest);
    } catch (error) {
      // `dir` could not be serialized (not a string): nothing was sent.
      proc.builds.delete(id);
      this.afterBuild(proc);
      throw error;
    }
    return built;
  }

  /**
   * Ends the build process at once (SIGKILL): its builds reject with `BuildWorkerFailedError`
   * (`exited`) and the next build starts a new process. For tests, and to give the memory back now.
   */
  async kill(): Promise<void> {
    const proc = this.current;
    if (proc === undefined) return;
    killProcess(proc);
    await proc.exited;
  }

  /**
   * Stops the build process (at once if builds are running: they reject with `closed`) and refuses
   * later builds. Resolves when the process has exited.
   */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idleTimer);
    const proc = this.current;
    if (proc !== undefined) {
      for (const pending of proc.builds.values()) {
        pending.reject(new BuildWorkerFailedError(pending.dir, 'closed'));
      }
      const busy = proc.builds.size > 0;
      proc.builds.clear();
      // Whoever awaits `close` expects it to finish: the process keeps this one alive until it ends.
      setRef(proc.child, true);
      this.retire(proc);
      // A running type check would hold the process (and its `stop`) for as long as it takes.
      if (busy) killProcess(proc);
    }
    await this.stopping;
  }

  private start(): BuildProcess {
    const child = startBuildProcess();
    let exited!: () => void;
    const proc: BuildProcess = {
      child,
      builds: new Map(),
      exited: new Promise((resolve) => (exited = resolve)),
      killed: false,
    };
    child.on('message', (reply: BuildWorkerReply) => this.onReply(proc, reply));
    // Not started (no pid; `close` follows), or a message not sent because the process is ending.
    child.on('error', (error) => {
      if (child.pid === undefined) proc.spawnError = error;
    });
    child.once('close', (code, signal) => {
      this.onExit(proc, code, signal);
      exited();
    });
    this.current = proc;
    return proc;
  }

  private onReply(proc: BuildProcess, reply: BuildWorkerReply): void {
    const pending = proc.builds.get(reply.id);
    if (pending === undefined) return;
    proc.builds.delete(reply.id);
    if (reply.t === 'built') pending.resolve(ownResources(reply.result));
    else pending.reject(errorFromData(reply.error));
    this.afterBuild(proc);
  }

  /** No build left in the process: it no longer keeps this one alive, and stops after `idleMs`. */
  private afterBuild(proc: BuildProcess): void {
    if (proc.builds.size > 0 || this.current !== proc) return;
    setRef(proc.child, false);
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.current === proc && proc.builds.size === 0) this.retire(proc);
    }, this.idleMs);
    this.idleTimer.unref();
  }

  /** Tells an idle process to stop (no build will go to it); kills it if it takes too long. */
  private retire(proc: BuildProcess): void {
    if (this.current === proc) this.current = undefined;
    const grace = setTimeout(() => killProcess(proc), STOP_GRACE_MS);
    grace.unref();
    const stopped = proc.exited.then(() => {
      clearTimeout(grace);
      if (this.stopping === stopped) this.stopping = undefined;
    });
    this.stopping = stopped;
    if (proc.child.connected) proc.child.send({ t: 'stop' } satisfies BuildWorkerRequest);
  }

  private onExit(proc: BuildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.current === proc) {
      this.current = undefined;
      clearTimeout(this.idleTimer);
    }
    const reason = proc.killed || code === 0 ? 'exited' : 'crashed';
    for (const pending of proc.builds.values()) {
      pending.reject(
        new BuildWorkerFailedError(
          pending.dir,
          reason,
          code ?? undefined,
          proc.spawnError,
          signal ?? undefined,
        ),
      );
    }
    proc.builds.clear();
  }
}

function killProcess(proc: BuildProcess): void {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.killed = true;
  proc.child.kill('SIGKILL');
}

/** Whether the build process keeps this one alive: its process handle and its IPC channel both do. */
function setRef(child: ChildProcess, ref: boolean): void {
  if (ref) {
    child.ref();
    child.channel?.ref();
  } else {
    child.unref();
    child.channel?.unref();
  }
}

/** The checked options as plain data (nothing of the caller's objects is serialized). */
function plainOptions(compiled: CompiledBuildOptions): BuildOptions {
  const options: BuildOptions = { typecheck: compiled.typecheck, limits: { ...compiled.limits } };
  const guest = compiled.guestApiTypes;
  if (guest !== undefined) options.guestApiTypes = { workflow: guest.workflow, activity: guest.activity };
  return options;
}

/** What `buildProject` threw in the build process, as an error here: same name, message, code and stack. */
function errorFromData(data: ErrorData): Error {
  const error = new Error(data.message, data.cause === undefined ? {} : { cause: errorFromData(data.cause) });
  error.name = data.name;
  if (data.code !== undefined) Object.assign(error, { code: data.code });
  if (data.stack !== undefined) error.stack = data.stack;
  return error;
}

/** `.ts` when this module runs from source (tests, `tsx`), `.js` from the compiled `dist/`. */
const FROM_SOURCE = import.meta.url.endsWith('.ts');

function startBuildProcess(): ChildProcess {
  const entry = fileURLToPath(new URL(`./build-worker-main.${FROM_SOURCE ? 'ts' : 'js'}`, import.meta.url));
  return fork(entry, [], {
    // Never the embedding process's flags (`--inspect` would clash on its port, `--cpu-prof` would
    // profile the wrong process). From source, tsx's loader; resolved here, not from the cwd.
    execArgv: FROM_SOURCE ? ['--import', tsxLoader()] : [],
    // Messages are structured clones: `Uint8Array` resources and plain objects cross as they are.
    serialization: 'advanced',
    // The host's stdout may be data (a command's JSON output): what the build process prints (a
    // crash's stack, a warning) goes to the host's stderr, for the operator.
    stdio: ['ignore', 2, 'inherit', 'ipc'],
  });
}

function tsxLoader(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
}
