/**
 * What the build worker's host (`build-worker.ts`) and the build process (`build-worker-main.ts`)
 * send each other over the IPC channel, serialized as structured clones (`serialization:
 * 'advanced'`). Everything is plain data: a `BuildResult` crosses as it is (strings, arrays, plain
 * objects, `Uint8Array` resources), and an error as `ErrorData`.
 */
import type { ErrorData } from '../../common/index.js';
import type { BuildOptions } from './build-options.js';
import type { BuildResult } from './build-project.js';

export type BuildWorkerRequest =
  /** Options already checked by the host (`compileBuildOptions`), as plain data. */
  | { t: 'build'; id: number; dir: string; options: BuildOptions }
  /** No build is running: stop esbuild's service process, then exit. */
  | { t: 'stop' };

export type BuildWorkerReply =
  | { t: 'built'; id: number; result: BuildResult }
  /** `buildProject` threw (not a project problem: those are diagnostics). */
  | { t: 'threw'; id: number; error: ErrorData };

/**
 * The result with each resource copied into a buffer of its own. Node deserializes every typed
 * array of a message as a view into the buffer of the whole message (the bundle's code and every
 * other resource included): kept as they are, the resources would retain all of it.
 */
export function ownResources(result: BuildResult): BuildResult {
  if (!result.ok) return result;
  const resources = Object.fromEntries(
    // `new Uint8Array(view)` copies (a Buffer's `slice` would not).
    Object.entries(result.artifact.resources).map(([path, bytes]) => [path, new Uint8Array(bytes)]),
  );
  return { ...result, artifact: { ...result.artifact, resources } };
}
