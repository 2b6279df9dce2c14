/**
 * One runner child process: started with `--no-node-snapshot` (isolated-vm needs it on Node 20+;
 * the embedding app does not), from source through `tsx` when this module is TypeScript, or
 * plain `node` from `dist/`. Talks frames over fd 3; runs in UTC with the en-US locale so that
 * local-time `Date` methods and `Intl` give the same answers on every machine that replays a session.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Duplex } from 'node:stream';

import type { HostMessage, RunnerMessage } from '../runner/wire.js';
import { readFrames, writeFrame } from '../runner/wire.js';

const FROM_SOURCE = import.meta.url.endsWith('.ts');

/**
 * Time zone and locale of the runners: workflows replay on other machines, so local-time `Date`
 * methods and `Intl` must not depend on where a runner runs (UTC, en-US everywhere).
 */
const DETERMINISTIC_ENV = { TZ: 'UTC', LC_ALL: 'en_US.UTF-8', LANG: 'en_US.UTF-8' };

/**
 * Node/V8 flags of every runner. `--no-lazy-feedback-allocation`: each session's context runs its
 * own copy of the runtime, so its functions are always "cold"; with feedback vectors from the first
 * call, property accesses get inline caches at once (measured: about a tenth less time per
 * activation across 500 contexts, same memory).
 */
const RUNNER_FLAGS = ['--no-node-snapshot', '--no-lazy-feedback-allocation'];

/**
 * Extra Node flags for runner processes from `WHISKER_RUNNER_NODE_FLAGS` (space-separated), for
 * diagnosing runners, e.g. `--cpu-prof --cpu-prof-dir=/tmp/profiles` (Node refuses those in NODE_OPTIONS).
 */
function extraFlags(): string[] {
  const flags = process.env['WHISKER_RUNNER_NODE_FLAGS'];
  return flags === undefined ? [] : flags.split(/\s+/).filter((flag) => flag.startsWith('--'));
}

function runnerArguments(): string[] {
  const main = fileURLToPath(new URL(`../runner/main${FROM_SOURCE ? '.ts' : '.js'}`, import.meta.url));
  if (!FROM_SOURCE) return [...RUNNER_FLAGS, ...extraFlags(), main];
  const require = createRequire(import.meta.url);
  const tsxLoader = pathToFileURL(
    join(dirname(require.resolve('tsx/package.json')), 'dist', 'loader.mjs'),
  ).href;
  return [...RUNNER_FLAGS, ...extraFlags(), '--import', tsxLoader, main];
}

export interface RunnerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class RunnerProcess {
  readonly child: ChildProcess;
  private readonly channel: Duplex;
  /** Resolves with the runner's pid once it answered `start`; rejects if it exits first. */
  readonly ready: Promise<number>;
  readonly exited: Promise<RunnerExit>;
  private exitInfo: RunnerExit | undefined;

  constructor(onMessage: (message: RunnerMessage) => void) {
    this.child = spawn(process.execPath, runnerArguments(), {
      stdio: ['ignore', 'inherit', 'inherit', 'pipe'],
      env: { ...process.env, ...DETERMINISTIC_ENV },
    });
    this.channel = this.child.stdio[3] as Duplex;
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
    });
    let resolveReady!: (pid: number) => void;
    let rejectReady!: (error: Error) => void;
    this.ready = new Promise<number>((resolve, reject) => {
      resolveReady = resolve;
      rejectReady = reject;
    });
    // Avoid an unhandled rejection when nobody waits for readiness (a replacement runner).
    this.ready.catch(() => undefined);
    void this.exited.then((exit) =>
      rejectReady(new Error(`runner exited before it was ready (code ${exit.code}, signal ${exit.signal})`)),
    );
    this.child.once('error', (error) => {
      rejectReady(error);
      // A process that could not be spawned never emits 'exit'.
      if (this.child.pid === undefined && this.exitInfo === undefined) this.child.emit('exit', null, null);
    });
    this.channel.on('error', () => undefined);
    readFrames<RunnerMessage>(this.channel, (message) => {
      if (message.t === 'ready') resolveReady(message.pid);
      onMessage(message);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.exitInfo === undefined;
  }

  send(message: HostMessage): void {
    if (!this.alive || this.channel.destroyed) return;
    writeFrame(this.channel, message);
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.alive) this.child.kill(signal);
  }

  /** Asks the runner to stop; kills it if it has not exited after `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    if (!this.alive) return;
    this.send({ t: 'shutdown' });
    const timer = setTimeout(() => this.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
