/**
 * Entry of the build process, a child process forked by `BuildWorker` (`build-worker.ts`) with an
 * IPC channel. It runs `buildProject` for each request, several at once (the bundling is
 * asynchronous; a type check holds this process, not the engine), and answers with the result. On
 * `stop`, or when the channel closes because the host is gone (it exited, or was killed), it stops
 * esbuild's service process, waits for that process to exit (`own-children.ts`), and exits: all of
 * its memory goes back to the OS.
 */
import { stop as stopEsbuild } from 'esbuild';

import { toErrorData } from '../../common/index.js';
import type { BuildOptions } from './build-options.js';
import { buildProject } from './build-project.js';
import type { BuildWorkerReply, BuildWorkerRequest } from './build-worker-protocol.js';
import { childrenExited, trackChildren } from './own-children.js';

/** Longest wait for esbuild's process to exit after it was told to. */
const CHILD_EXIT_TIMEOUT_MS = 2_000;

if (process.send === undefined) {
  throw new Error(
    'build-worker-main runs as a child process with an IPC channel; use BuildWorker (build-worker.ts).',
  );
}

trackChildren();

process.on('message', (request: BuildWorkerRequest) => {
  if (request.t === 'stop') void stop();
  else void build(request.id, request.dir, request.options);
});
// The host is gone (it exited, or was killed): no build has anyone to answer to, and this process
// must not outlive it.
process.on('disconnect', () => void stop());

async function build(id: number, dir: string, options: BuildOptions): Promise<void> {
  let reply: BuildWorkerReply;
  try {
    reply = { t: 'built', id, result: await buildProject(dir, options) };
  } catch (error) {
    reply = { t: 'threw', id, error: toErrorData(error) };
  }
  // Not after the host has gone: a send on a closed channel is an error event.
  if (process.connected) process.send?.(reply);
}

let stopping = false;

async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await stopEsbuild();
  await childrenExited(CHILD_EXIT_TIMEOUT_MS);
  process.exit(0);
}
