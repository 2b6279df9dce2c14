/**
 * `BuildWorker`: `buildProject` in a worker thread, for a long-lived process (the engine). The
 * TypeScript compiler (~60 MB of RSS once loaded) and esbuild's service process (~22 MB) live in
 * the worker, and the synchronous type check holds the worker's event loop instead of the caller's.
 * One thread at most, started by the first build; builds run on it concurrently; once it has had
 * nothing to do for `idleMs` it is stopped (esbuild's process ends, the thread's heap goes) and the
 * next build starts a new one. It is `unref`'d while idle, so it never keeps a process alive.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

import type { ErrorData } from '../../common/index.js';
import { WhiskerError } from '../../common/index.js';
import type { BuildOptions, CompiledBuildOptions } from './build-options.js';
import { InvalidBuildOptionError, compileBuildOptions } from './build-options.js';
import type { BuildResult } from './build-project.js';
import type { BuildWorkerReply, BuildWorkerRequest } from './build-worker-protocol.js';

export interface BuildWorkerOptions {
  /**
   * How long the worker thread is kept with no build to run, in ms, before it is stopped; the next
   * build then starts a new thread, which loads TypeScript and starts esbuild again (measured on
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

/** How long a thread told to stop may take (esbuild's process exits) before it is terminated. */
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
 * `crashed`: an uncaught error ended the worker thread; `exited`: it ended without one (it was
 * terminated, or its start failed to load); `closed`: its owner closed it (e.g. the engine shut down).
 */
export type BuildWorkerFailure = 'crashed' | 'exited' | 'closed';

/** A build that did not finish because its worker thread went away. Nothing was wrong with the project. */
export class BuildWorkerFailedError extends WhiskerError {
  constructor(
    /** The project directory built (or, where that is a temporary copy, a name of the project). */
    readonly project: string,
    readonly reason: BuildWorkerFailure,
    /** The thread's exit code, for `crashed` and `exited`. */
    readonly exitCode?: number,
    cause?: unknown,
  ) {
    const why =
      reason === 'closed'
        ? 'the build worker was closed (its owner, e.g. the engine, shut down); no more builds run on it'
        : reason === 'crashed'
          ? `the build worker crashed before the build finished (${cause instanceof Error ? cause.message : String(cause)}); build again, a new worker is started`
          : `the build worker exited (code ${exitCode ?? '?'}) before the build finished; build again, a new worker is started`;
    super('BUILD_WORKER_FAILED', `Build of ${project} failed: ${why}.`, cause === undefined ? {} : { cause });
  }
}

interface PendingBuild {
  dir: string;
  resolve: (result: BuildResult) => void;
  reject: (error: Error) => void;
}

/** One worker thread and the builds posted to it. */
interface Thread {
  worker: Worker;
  builds: Map<number, PendingBuild>;
  exited: Promise<void>;
  /** The uncaught error (or undeliverable message) that ended the thread. */
  crash?: Error;
}

export class BuildWorker {
  private readonly idleMs: number;
  /** The thread builds go to; undefined before the first build, after it stopped and after `close`. */
  private thread: Thread | undefined;
  /** The exit of a thread told to stop: a new thread starts only after it, so there is one at most. */
  private stopping: Promise<void> | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private nextId = 1;
  private closed = false;

  constructor(options: BuildWorkerOptions = {}) {
    this.idleMs = compileBuildWorkerOptions(options).idleMs;
  }

  /** The `threadId` of the thread builds go to now (for logs and tests); undefined when there is none. */
  get threadId(): number | undefined {
    return this.thread?.worker.threadId;
  }

  /** Whether a worker thread exists (building, idle, or stopping). */
  get alive(): boolean {
    return this.thread !== undefined || this.stopping !== undefined;
  }

  /**
   * `buildProject(dir, options)` in the worker thread: the same result. Throws
   * `InvalidBuildOptionError` for invalid options (checked here, before anything is posted) and
   * `BuildWorkerFailedError` (`BUILD_WORKER_FAILED`) when the thread ends before the build does.
   */
  async build(dir: string, options?: BuildOptions): Promise<BuildResult> {
    const request = plainOptions(compileBuildOptions(options));
    while (this.thread === undefined && this.stopping !== undefined && !this.closed) await this.stopping;
    if (this.closed) throw new BuildWorkerFailedError(dir, 'closed');
    const thread = this.thread ?? this.start();
    const id = this.nextId++;
    const built = new Promise<BuildResult>((resolve, reject) => {
      thread.builds.set(id, { dir, resolve, reject });
    });
    clearTimeout(this.idleTimer);
    thread.worker.ref();
    try {
      thread.worker.postMessage({ t: 'build', id, dir, options: request } satisfies BuildWorkerRequest);
    } catch (error) {
      // `dir` could not be cloned (not a string): nothing was posted.
      thread.builds.delete(id);
      this.afterBuild(thread);
      throw error;
    }
    return built;
  }

  /**
   * Ends the worker thread at once, as a crash would: its builds reject with
   * `BuildWorkerFailedError` (`exited`) and the next build starts a new thread. For tests, and to
   * give the memory back now.
   */
  async kill(): Promise<void> {
    const thread = this.thread;
    if (thread === undefined) return;
    await thread.worker.terminate();
    await thread.exited;
  }

  /**
   * Stops the worker thread (at once if builds are running: they reject with `closed`) and refuses
   * later builds. Resolves when the thread has ended.
   */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idleTimer);
    const thread = this.thread;
    if (thread !== undefined) {
      for (const pending of thread.builds.values()) {
        pending.reject(new BuildWorkerFailedError(pending.dir, 'closed'));
      }
      const busy = thread.builds.size > 0;
      thread.builds.clear();
      // Whoever awaits `close` expects it to finish: the thread keeps the process alive until it ends.
      thread.worker.ref();
      this.retire(thread);
      // A running type check would hold the thread (and its `stop`) for as long as it takes.
      if (busy) void thread.worker.terminate();
    }
    await this.stopping;
  }

  private start(): Thread {
    const worker = startWorkerThread();
    let exited!: () => void;
    const thread: Thread = {
      worker,
      builds: new Map(),
      exited: new Promise((resolve) => (exited = resolve)),
    };
    worker.on('message', (reply: BuildWorkerReply) => this.onReply(thread, reply));
    worker.on('error', (error) => {
      thread.crash = error;
    });
    worker.on('messageerror', (error) => {
      thread.crash = error;
      void worker.terminate();
    });
    worker.once('exit', (code) => {
      this.onExit(thread, code);
      exited();
    });
    this.thread = thread;
    return thread;
  }

  private onReply(thread: Thread, reply: BuildWorkerReply): void {
    const pending = thread.builds.get(reply.id);
    if (pending === undefined) return;
    thread.builds.delete(reply.id);
    if (reply.t === 'built') pending.resolve(reply.result);
    else pending.reject(errorFromData(reply.error));
    this.afterBuild(thread);
  }

  /** No build left on the thread: it no longer keeps the process alive, and stops after `idleMs`. */
  private afterBuild(thread: Thread): void {
    if (thread.builds.size > 0 || this.thread !== thread) return;
    thread.worker.unref();
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.thread === thread && thread.builds.size === 0) this.retire(thread);
    }, this.idleMs);
    this.idleTimer.unref();
  }

  /** Tells an idle thread to stop (no build will go to it); terminates it if it takes too long. */
  private retire(thread: Thread): void {
    if (this.thread === thread) this.thread = undefined;
    const grace = setTimeout(() => void thread.worker.terminate(), STOP_GRACE_MS);
    grace.unref();
    const stopped = thread.exited.then(() => {
      clearTimeout(grace);
      if (this.stopping === stopped) this.stopping = undefined;
    });
    this.stopping = stopped;
    thread.worker.postMessage({ t: 'stop' } satisfies BuildWorkerRequest);
  }

  private onExit(thread: Thread, code: number): void {
    if (this.thread === thread) {
      this.thread = undefined;
      clearTimeout(this.idleTimer);
    }
    const reason = thread.crash === undefined ? 'exited' : 'crashed';
    for (const pending of thread.builds.values()) {
      pending.reject(new BuildWorkerFailedError(pending.dir, reason, code, thread.crash));
    }
    thread.builds.clear();
  }
}

/** The checked options as plain data (nothing of the caller's objects is cloned). */
function plainOptions(compiled: CompiledBuildOptions): BuildOptions {
  const options: BuildOptions = { typecheck: compiled.typecheck, limits: { ...compiled.limits } };
  const guest = compiled.guestApiTypes;
  if (guest !== undefined) options.guestApiTypes = { workflow: guest.workflow, activity: guest.activity };
  return options;
}

/** What `buildProject` threw in the worker, as an error here: same name, message, code and stack. */
function errorFromData(data: ErrorData): Error {
  const error = new Error(data.message, data.cause === undefined ? {} : { cause: errorFromData(data.cause) });
  error.name = data.name;
  if (data.code !== undefined) Object.assign(error, { code: data.code });
  if (data.stack !== undefined) error.stack = data.stack;
  return error;
}

/** `.ts` when this module runs from source (tests, `tsx`), `.js` from the compiled `dist/`. */
const FROM_SOURCE = import.meta.url.endsWith('.ts');

function startWorkerThread(): Worker {
  // No flags of the embedding process (`--inspect`, `--cpu-prof`, loaders): the thread only builds.
  const options = { execArgv: [], name: 'whisker-build' };
  if (!FROM_SOURCE) return new Worker(new URL('./build-worker-main.js', import.meta.url), options);
  // From source the entry is TypeScript. `--import tsx` in a worker's execArgv is not enough: tsx
  // registers its loader in worker threads only from Node 22.22 / 24.11 on, in the main thread
  // before. So the thread starts on a small module that registers tsx through its API, then
  // imports the entry.
  const require = createRequire(import.meta.url);
  const tsxApi = pathToFileURL(
    join(dirname(require.resolve('tsx/package.json')), 'dist', 'esm', 'api', 'index.mjs'),
  ).href;
  const entry = new URL('./build-worker-main.ts', import.meta.url).href;
  const bootstrap = `const { register } = await import(${JSON.stringify(tsxApi)}); register(); await import(${JSON.stringify(entry)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`), options);
}
