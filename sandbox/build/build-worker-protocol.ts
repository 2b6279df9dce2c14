/**
 * What the build worker's host (`build-worker.ts`) and the worker thread (`build-worker-main.ts`)
 * post to each other. Everything is plain data for the structured clone: a `BuildResult` crosses as
 * it is (strings, arrays, plain objects, `Uint8Array` resources), and an error as `ErrorData`.
 */
import type { ErrorData } from '../../common/index.js';
import type { BuildOptions } from './build-options.js';
import type { BuildResult } from './build-project.js';

export type BuildWorkerRequest =
  /** Options already checked by the host (`compileBuildOptions`), as plain data. */
  | { t: 'build'; id: number; dir: string; options: BuildOptions }
  /** No build is running: stop esbuild's service process, then end the thread. */
  | { t: 'stop' };

export type BuildWorkerReply =
  | { t: 'built'; id: number; result: BuildResult }
  /** `buildProject` threw (not a project problem: those are diagnostics). */
  | { t: 'threw'; id: number; error: ErrorData };

/**
 * The reply for a result, and the buffers to transfer with it: each resource is moved, not copied,
 * when it owns its whole buffer (as `readProject` makes them); a view into a larger or shared buffer
 * is copied first, so the host never receives (or retains) more bytes than the resource.
 */
export function builtReply(
  id: number,
  result: BuildResult,
): { reply: BuildWorkerReply; transfer: ArrayBuffer[] } {
  if (!result.ok) return { reply: { t: 'built', id, result }, transfer: [] };
  const transfer = new Set<ArrayBuffer>();
  const resources = Object.fromEntries(
    Object.entries(result.artifact.resources).map(([path, bytes]): [string, Uint8Array] => {
      const { buffer } = bytes;
      const whole =
        buffer instanceof ArrayBuffer &&
        bytes.byteOffset === 0 &&
        bytes.byteLength === buffer.byteLength &&
        !transfer.has(buffer);
      // `new Uint8Array(view)` copies (a Buffer's `slice` would not).
      const own = whole ? bytes : new Uint8Array(bytes);
      transfer.add(own.buffer as ArrayBuffer);
      return [path, own];
    }),
  );
  return {
    reply: { t: 'built', id, result: { ...result, artifact: { ...result.artifact, resources } } },
    transfer: [...transfer],
  };
}
