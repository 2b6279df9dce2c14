/**
 * `readResource(path)`: the build's non-code files, read through a host callback (one copy of the
 * resources per runner, not per context). Resources are part of the immutable build, so reading
 * them is deterministic.
 */
import { InvalidArgumentError, ResourceNotFoundError } from './failures.js';
import { utf8Decode } from './text-encoding.js';

/** What the host answers: the bytes, or the list of resources when `path` is unknown. */
export type ResourceAnswer = { bytes: Uint8Array } | { available: string[] };

export type ResourceReader = (path: string) => ResourceAnswer;

let reader: ResourceReader | undefined;

export function installResourceReader(read: ResourceReader): void {
  reader = read;
}

/** `./a/b.txt`, `/a/b.txt` and `a//b.txt` all name `a/b.txt`. */
export function normalizeResourcePath(path: string): string {
  const parts: string[] = [];
  for (const part of path.replace(/\\/g, '/').split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return parts.join('/');
}

export function readResourceBytes(path: string): Uint8Array {
  if (typeof path !== 'string' || path === '')
    throw new InvalidArgumentError('readResource', 'path', path, 'a project-relative path');
  if (reader === undefined) throw new ResourceNotFoundError(path, []);
  const normalized = normalizeResourcePath(path);
  const answer = reader(normalized);
  if ('bytes' in answer) return answer.bytes;
  throw new ResourceNotFoundError(normalized, answer.available);
}

export function readResourceText(path: string): string {
  return utf8Decode(readResourceBytes(path));
}
