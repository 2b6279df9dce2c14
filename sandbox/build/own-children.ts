/**
 * The child processes started by this process, so that it can wait for them to exit before it
 * does: the build process (`build-worker-main.ts`) waits for esbuild's service process. A child
 * whose parent has exited is handed to PID 1, and not every PID 1 reaps it: when that is Node itself
 * (the engine as a container's first process, without an init) it stays a zombie for good (libuv
 * reaps only the children it started; checked with `unshare --pid`), one per build process. And
 * `esbuild.stop()` only signals its process, which is `unref`'d and not exposed, so `spawn` is
 * wrapped to see it (in the build process, which runs nothing else).
 */
import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';

const children = new Set<ChildProcess>();
let tracking = false;

/** From now on, every child process this process spawns is tracked until it exits. */
export function trackChildren(): void {
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
 * ignores its signal must not keep this process alive for ever).
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
