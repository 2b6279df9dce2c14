/**
 * The child processes started by this worker thread, so the thread can wait for them to be reaped
 * before it ends. esbuild's service process is `unref`'d: after `esbuild.stop()` kills it, nothing
 * keeps the thread's event loop alive until its exit is collected, and a child whose thread is gone
 * is never reaped (libuv waits only for its own loop's children), which leaves one zombie process
 * per worker lifetime. esbuild does not expose its child, so `spawn` is wrapped, in this thread only
 * (a worker has its own copy of the `child_process` module; the main thread's is untouched).
 */
import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';

const children = new Set<ChildProcess>();
let tracking = false;

/** From now on, every child process this thread spawns is tracked until it exits. */
export function trackThreadChildren(): void {
  if (tracking) return;
  tracking = true;
  // The CommonJS exports object: the one esbuild's `require('child_process')` reads `spawn` from.
  const childProcess = createRequire(import.meta.url)('node:child_process') as {
    spawn: (...args: unknown[]) => ChildProcess;
  };
  const spawn = childProcess.spawn;
  childProcess.spawn = function (this: unknown, ...args: unknown[]): ChildProcess {
    const child = spawn.apply(this, args);
    if (child.exitCode === null && child.signalCode === null) {
      children.add(child);
      child.once('exit', () => children.delete(child));
      // A child that could not be spawned emits 'error' and no 'exit'.
      child.once('error', () => {
        if (child.pid === undefined) children.delete(child);
      });
    }
    return child;
  };
}

/**
 * Resolves when every tracked child has exited and been reaped, or after `timeoutMs` (a child that
 * ignores its signal must not keep the thread alive for ever).
 */
export async function childrenExited(timeoutMs: number): Promise<void> {
  if (children.size === 0) return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  const exits = [...children].map(
    (child) => new Promise<void>((resolve) => child.once('exit', () => resolve())),
  );
  await Promise.race([Promise.all(exits), timeout]);
  clearTimeout(timer);
}
