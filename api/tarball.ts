/**
 * Reads an uploaded project archive (`.tar.gz`, or a plain `.tar`) into memory as project files,
 * without touching the disk. Only regular files are taken; links, devices and paths leaving the
 * project are refused. Sizes are checked from each entry's header before its data is read, so a
 * small archive that would inflate to gigabytes is refused early. When every file sits under one
 * top-level directory and `whisker.yaml` is not at the root, that directory is taken as the root
 * (`tar czf p.tgz myproject/` works).
 */
import { posix } from 'node:path';
import { Parser } from 'tar';
import type { ReadEntry } from 'tar';
import { ApiError } from './errors.js';

export interface TarballLimits {
  maxFiles: number;
  maxTotalBytes: number;
}

/** Same limits the engine applies to project sources. */
export const DEFAULT_TARBALL_LIMITS: TarballLimits = { maxFiles: 2_000, maxTotalBytes: 32 * 1024 * 1024 };

const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);
const IGNORED_TYPES = new Set([
  'Directory',
  'GlobalExtendedHeader',
  'ExtendedHeader',
  'NextFileHasLongPath',
  'NextFileHasLongLinkpath',
  'OldExtendedHeader',
]);

function invalid(message: string, details: Record<string, unknown> = {}): ApiError {
  return new ApiError('INVALID_TARBALL', message, details);
}

export async function readTarball(
  archive: Uint8Array,
  limits: TarballLimits = DEFAULT_TARBALL_LIMITS,
): Promise<Record<string, Uint8Array>> {
  if (archive.length === 0)
    throw invalid('the uploaded archive is empty; send a .tar.gz of the project directory');
  const files: Record<string, Uint8Array> = {};
  let count = 0;
  let total = 0;
  let failure: ApiError | undefined;

  await new Promise<void>((resolve) => {
    const parser = new Parser({
      strict: true,
      onReadEntry: (entry: ReadEntry) => {
        if (failure !== undefined) {
          entry.resume();
          return;
        }
        const type = String(entry.type);
        if (IGNORED_TYPES.has(type)) {
          entry.resume();
          return;
        }
        const path = normalisePath(entry.path);
        if (path === undefined) {
          failure = invalid(
            `archive entry ${JSON.stringify(entry.path)} is not a relative path inside the project`,
            {
              entry: entry.path,
            },
          );
        } else if (!FILE_TYPES.has(type)) {
          failure = invalid(
            `archive entry ${JSON.stringify(path)} is a ${type}; only regular files are accepted`,
            {
              entry: path,
            },
          );
        } else if (++count > limits.maxFiles) {
          failure = invalid(`the archive has more than ${limits.maxFiles} files`);
        } else if ((total += entry.size) > limits.maxTotalBytes) {
          failure = invalid(`the archive holds more than ${formatBytes(limits.maxTotalBytes)} of files`);
        }
        if (failure !== undefined || path === undefined) {
          entry.resume();
          return;
        }
        const chunks: Buffer[] = [];
        entry.on('data', (chunk: Buffer) => chunks.push(chunk));
        entry.on('end', () => {
          const content = Buffer.concat(chunks);
          files[path] = new Uint8Array(content.buffer, content.byteOffset, content.length);
        });
      },
    });
    parser.on('error', (error: Error) => {
      failure ??= invalid(`the upload is not a readable .tar.gz: ${error.message}`);
      resolve();
    });
    parser.on('close', () => resolve());
    parser.on('end', () => resolve());
    parser.end(Buffer.from(archive.buffer, archive.byteOffset, archive.length));
  });
  if (failure !== undefined) throw failure;
  if (Object.keys(files).length === 0) throw invalid('the archive contains no files');
  return stripCommonRoot(files);
}

function formatBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / 1024 / 1024} MiB` : `${bytes} bytes`;
}

/** `./a/b.ts` → `a/b.ts`; undefined for absolute paths, `..`, backslashes and NUL. */
function normalisePath(raw: string): string | undefined {
  if (raw.includes('\\') || raw.includes('\0')) return undefined;
  let path = raw.replace(/^(\.\/)+/, '');
  if (path.endsWith('/')) path = path.slice(0, -1);
  if (path === '' || path.startsWith('/')) return undefined;
  const normal = posix.normalize(path);
  if (normal !== path || normal === '..' || normal.startsWith('../')) return undefined;
  return path;
}

function stripCommonRoot(files: Record<string, Uint8Array>): Record<string, Uint8Array> {
  if ('whisker.yaml' in files) return files;
  const paths = Object.keys(files);
  const first = paths[0]?.split('/')[0];
  if (first === undefined || !paths.every((p) => p.startsWith(`${first}/`))) return files;
  if (!(`${first}/whisker.yaml` in files)) return files;
  const out: Record<string, Uint8Array> = {};
  for (const [path, content] of Object.entries(files)) out[path.slice(first.length + 1)] = content;
  return out;
}
