/**
 * Project sources as data: read from a directory (or received as files), hashed, journaled, and
 * written back to a temporary directory when a build needs them. The server never builds from a
 * path it was merely told about: what is built is what was applied.
 */
import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative, sep } from 'node:path';
import { InvalidArgumentError } from '../errors.js';

export type ProjectFiles = Record<string, Uint8Array>;

/** Limits on uploaded or read sources. */
export const MAX_SOURCE_FILES = 2_000;
export const MAX_SOURCES_BYTES = 32 * 1024 * 1024;

const SKIPPED_DIRS = new Set(['node_modules', '.git', 'dist', '.whisker']);

/** Reads a project directory into memory (skipping hidden entries, `node_modules` below the root excepted). */
export async function readProjectDir(dir: string): Promise<ProjectFiles> {
  let info;
  try {
    info = await lstat(dir);
  } catch {
    throw new InvalidArgumentError('dir', `${dir} does not exist`);
  }
  if (!info.isDirectory()) throw new InvalidArgumentError('dir', `${dir} is not a directory`);
  const files: ProjectFiles = {};
  let total = 0;
  async function walk(current: string, depth: number): Promise<void> {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const path = join(current, entry.name);
      if (entry.isDirectory()) {
        // A project's own vendored packages are bundled; its build outputs are not sources.
        if (SKIPPED_DIRS.has(entry.name) && !(entry.name === 'node_modules' && depth === 0)) continue;
        await walk(path, depth + 1);
      } else if (entry.isFile()) {
        const rel = relative(dir, path).split(sep).join('/');
        const content = await readFile(path);
        total += content.length;
        if (Object.keys(files).length >= MAX_SOURCE_FILES) {
          throw new InvalidArgumentError('dir', `${dir} has more than ${MAX_SOURCE_FILES} files`);
        }
        if (total > MAX_SOURCES_BYTES) {
          throw new InvalidArgumentError(
            'dir',
            `${dir} holds more than ${MAX_SOURCES_BYTES / 1024 / 1024} MiB of files`,
          );
        }
        files[rel] = new Uint8Array(content.buffer, content.byteOffset, content.length);
      }
    }
  }
  await walk(dir, 0);
  return files;
}

/** Checks uploaded files: relative, normalised paths inside the project, within the limits. */
export function validateProjectFiles(files: ProjectFiles, field = 'files'): ProjectFiles {
  if (typeof files !== 'object' || files === null)
    throw new InvalidArgumentError(field, 'must be an object of path → content');
  const paths = Object.keys(files);
  if (paths.length === 0)
    throw new InvalidArgumentError(field, 'no files: a project needs at least whisker.yaml');
  if (paths.length > MAX_SOURCE_FILES)
    throw new InvalidArgumentError(field, `more than ${MAX_SOURCE_FILES} files`);
  let total = 0;
  const out: ProjectFiles = {};
  for (const path of paths) {
    const normal = posix.normalize(path);
    if (
      path === '' ||
      path.startsWith('/') ||
      normal !== path ||
      normal.startsWith('..') ||
      path.includes('\\') ||
      path.includes('\0')
    ) {
      throw new InvalidArgumentError(
        `${field}[${JSON.stringify(path)}]`,
        'must be a normalised relative path inside the project',
      );
    }
    const content = files[path];
    if (!(content instanceof Uint8Array))
      throw new InvalidArgumentError(`${field}[${JSON.stringify(path)}]`, 'content must be bytes');
    total += content.length;
    if (total > MAX_SOURCES_BYTES)
      throw new InvalidArgumentError(field, `more than ${MAX_SOURCES_BYTES / 1024 / 1024} MiB in all`);
    out[path] = content;
  }
  return out;
}

/** `sha256-<hex>` over the sorted (path, length, content) triples. */
export function hashProjectFiles(files: ProjectFiles): string {
  const hash = createHash('sha256');
  for (const path of Object.keys(files).sort()) {
    const content = files[path] as Uint8Array;
    hash.update(`${path}\0${content.length}\0`);
    hash.update(content);
  }
  return `sha256-${hash.digest('hex')}`;
}

/** Writes the files to a new temporary directory; the caller removes it with `removeDir`. */
export async function materialize(files: ProjectFiles): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'whisker-build-'));
  for (const [path, content] of Object.entries(files)) {
    const target = join(dir, ...path.split('/'));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
  }
  return dir;
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export function textOf(files: ProjectFiles, path: string): string | undefined {
  const content = files[path];
  return content === undefined ? undefined : Buffer.from(content).toString('utf8');
}
