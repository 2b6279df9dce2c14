/**
 * Packs a project directory into a `.tar.gz` in memory, for upload. Skips what the server would
 * skip when reading a directory: hidden entries, build outputs (`dist/`, `.whisker/`) and
 * `node_modules/` below the root (a project's own vendored packages at the root are kept).
 */
import { stat } from 'node:fs/promises';
import { create } from 'tar';
import { CliError } from './errors.js';

const SKIPPED_DIRS = new Set(['dist', '.whisker', '.git']);

/** Whether a path (as tar gives it: `./a/b`) is part of the upload. */
export function isPacked(path: string): boolean {
  const segments = path.split('/').filter((s) => s !== '' && s !== '.');
  return segments.every(
    (segment, depth) =>
      !segment.startsWith('.') && !SKIPPED_DIRS.has(segment) && !(segment === 'node_modules' && depth > 0),
  );
}

export interface PackedProject {
  archive: Buffer;
  files: number;
}

export async function packProject(dir: string): Promise<Buffer> {
  return (await packProjectCounted(dir)).archive;
}

export async function packProjectCounted(dir: string): Promise<PackedProject> {
  let info;
  try {
    info = await stat(dir);
  } catch {
    throw new CliError(
      'PROJECT_DIR_NOT_FOUND',
      `${dir} does not exist; give the directory of a project (it holds whisker.yaml)`,
    );
  }
  if (!info.isDirectory()) {
    throw new CliError(
      'PROJECT_DIR_NOT_FOUND',
      `${dir} is not a directory; give the directory of a project (it holds whisker.yaml)`,
    );
  }
  const chunks: Buffer[] = [];
  let files = 0;
  const stream = create(
    {
      gzip: true,
      cwd: dir,
      portable: true,
      filter: (path, entry) => {
        const packed = isPacked(path);
        if (packed && 'isFile' in entry && entry.isFile()) files++;
        return packed;
      },
    },
    ['.'],
  );
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return { archive: Buffer.concat(chunks), files };
}
