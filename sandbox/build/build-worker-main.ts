/**
 * Entry of the build worker, a `node:worker_threads` thread started by `BuildWorker`
 * (`build-worker.ts`). It runs `buildProject` for each request, several at once (the bundling is
 * asynchronous; a type check holds this thread, not the engine's), and answers with the result. On
 * `stop` it ends esbuild's service process, waits until that process is reaped, and lets the thread
 * end: TypeScript's heap and esbuild's process go with it.
 */
import type { MessagePort } from 'node:worker_threads';
import { parentPort } from 'node:worker_threads';

import { stop as stopEsbuild } from 'esbuild';

import { toErrorData } from '../../common/index.js';
import type { BuildOptions } from './build-options.js';
import { buildProject } from './build-project.js';
import type { BuildWorkerReply, BuildWorkerRequest } from './build-worker-protocol.js';
import { builtReply } from './build-worker-protocol.js';
import { childrenExited, trackThreadChildren } from './thread-children.js';

/** Longest wait for esbuild's process to exit after it was told to. */
const CHILD_EXIT_TIMEOUT_MS = 2_000;

const port: MessagePort =
  parentPort ?? fail('build-worker-main runs as a worker thread; use BuildWorker (build-worker.ts).');

trackThreadChildren();

port.on('message', (request: BuildWorkerRequest) => {
  if (request.t === 'stop') void stop();
  else void build(request.id, request.dir, request.options);
});

async function build(id: number, dir: string, options: BuildOptions): Promise<void> {
  let reply: BuildWorkerReply;
  let transfer: ArrayBuffer[] = [];
  try {
    ({ reply, transfer } = builtReply(id, await buildProject(dir, options)));
  } catch (error) {
    reply = { t: 'threw', id, error: toErrorData(error) };
  }
  port.postMessage(reply, transfer);
}

async function stop(): Promise<void> {
  await stopEsbuild();
  await childrenExited(CHILD_EXIT_TIMEOUT_MS);
  // Nothing else holds the event loop: the thread ends once the port is closed.
  port.close();
}

function fail(message: string): never {
  throw new Error(message);
}
