/**
 * Reads a project directory once into memory: the snapshot every later step (export listing,
 * bundling, type checking, hashing) works from, so they all see the same bytes.
 */
import type { Dirent, Stats } from 'node:fs';
import { readFile, readdir, realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

import type { CompiledBuildOptions } from './build-options.js';
import type { BuildDiagnostic } from './diagnostics.js';
import type { FileKind } from './file-kinds.js';
import { SOURCE_EXTENSIONS, classifyFile } from './file-kinds.js';

export interface ProjectFile {
  /** Project-relative, `/`-separated. */
  path: string;
  /** Absolute real path on this machine (never shipped in the artifact). */
  absolutePath: string;
  kind: Exclude<FileKind, 'test'>;
  bytes: Uint8Array;
  /** Decoded UTF-8 for sources, declarations and configuration; undefined for resources. */
  text: string | undefined;
}

export interface ProjectSnapshot {
  /** Absolute real path of the project directory. */
  root: string;
  /** Every file read, sorted by path. */
  files: ProjectFile[];
  byPath: Map<string, ProjectFile>;
  byAbsolutePath: Map<string, ProjectFile>;
}

export type ReadProjectResult =
  | { ok: true; snapshot: ProjectSnapshot; warnings: BuildDiagnostic[] }
  | { ok: false; diagnostics: BuildDiagnostic[] };

/** Configuration files whose content the build needs; other configuration files are not read. */
const CONFIG_FILES_READ: ReadonlySet<string> = new Set(['tsconfig.json', 'jsconfig.json']);

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Files read at once: enough to overlap disk latency without opening thousands of descriptors. */
const READ_CONCURRENCY = 32;

interface FoundFile {
  path: string;
  absolutePath: string;
  kind: Exclude<FileKind, 'test'>;
  size: number;
}

/** Lists and reads the project's files, applying the limits; every problem becomes a diagnostic. */
export async function readProject(
  projectDir: string,
  limits: CompiledBuildOptions['limits'],
): Promise<ReadProjectResult> {
  const rootResult = await resolveRoot(projectDir);
  if ('diagnostic' in rootResult) return { ok: false, diagnostics: [rootResult.diagnostic] };
  const root = rootResult.root;

  const diagnostics: BuildDiagnostic[] = [];
  const warnings: BuildDiagnostic[] = [];
  const found: FoundFile[] = [];
  await walk(root, root, projectDir, limits, found, diagnostics, warnings);
  if (diagnostics.length > 0) return { ok: false, diagnostics };

  const files = await readAll(found, diagnostics);
  if (diagnostics.length > 0) return { ok: false, diagnostics };

  if (!files.some((f) => f.kind === 'workflow' || f.kind === 'activity')) {
    return {
      ok: false,
      diagnostics: [
        {
          code: 'EMPTY_PROJECT',
          severity: 'error',
          message: `No source files in ${projectDir}: a project needs at least one ${SOURCE_EXTENSIONS.join(' ')} file (node_modules/, hidden files, *.d.ts, *.test.* and *.spec.* are not sources).`,
          hint: 'Point the build at the folder that holds your workflow files.',
        },
      ],
    };
  }

  const resourceBytes = files.filter((f) => f.kind === 'resource').reduce((n, f) => n + f.bytes.length, 0);
  if (resourceBytes > limits.maxResourceBytes) {
    return {
      ok: false,
      diagnostics: [
        {
          code: 'RESOURCES_TOO_LARGE',
          severity: 'error',
          message: `The project's resource files total ${resourceBytes} bytes, over the limit of ${limits.maxResourceBytes} bytes.`,
          hint: 'Move large data out of the project (fetch it at run time), or raise limits.maxResourceBytes.',
        },
      ],
    };
  }

  const byPath = new Map(files.map((f) => [f.path, f]));
  const byAbsolutePath = new Map(files.map((f) => [f.absolutePath, f]));
  return { ok: true, snapshot: { root, files, byPath, byAbsolutePath }, warnings };
}

async function resolveRoot(projectDir: string): Promise<{ root: string } | { diagnostic: BuildDiagnostic }> {
  let root: string;
  let stats: Stats;
  try {
    root = await realpath(projectDir);
    stats = await stat(root);
  } catch (error) {
    const errno = errnoOf(error);
    if (errno === 'ENOENT' || errno === 'ENOTDIR') {
      return {
        diagnostic: {
          code: 'PROJECT_NOT_FOUND',
          severity: 'error',
          message: `Project directory ${projectDir} does not exist.`,
          hint: 'Check the path; it must be a directory holding the project source files.',
        },
      };
    }
    return {
      diagnostic: {
        code: 'PROJECT_UNREADABLE',
        severity: 'error',
        message: `Project directory ${projectDir} cannot be read (${errno ?? String(error)}).`,
        hint: 'Check that the directory exists and that this process may read it.',
      },
    };
  }
  if (!stats.isDirectory()) {
    return {
      diagnostic: {
        code: 'PROJECT_NOT_A_DIRECTORY',
        severity: 'error',
        message: `Project path ${projectDir} is a file, not a directory.`,
        hint: 'Build the directory that contains it instead.',
      },
    };
  }
  return { root };
}

async function walk(
  root: string,
  dir: string,
  projectDir: string,
  limits: CompiledBuildOptions['limits'],
  found: FoundFile[],
  diagnostics: BuildDiagnostic[],
  warnings: BuildDiagnostic[],
): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    diagnostics.push(unreadable(toRelative(root, dir) + '/', error));
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const absolutePath = join(dir, entry.name);
    const path = toRelative(root, absolutePath);
    if (entry.isDirectory()) {
      await walk(root, absolutePath, projectDir, limits, found, diagnostics, warnings);
      if (diagnostics.some((d) => d.code === 'TOO_MANY_FILES')) return;
      continue;
    }
    const kind = classifyFile(path);
    if (kind === 'test') continue;

    let target = absolutePath;
    let stats: Stats;
    try {
      if (entry.isSymbolicLink()) {
        target = await realpath(absolutePath);
        if (!isInside(root, target)) {
          diagnostics.push({
            code: 'SYMLINK_OUTSIDE_PROJECT',
            severity: 'error',
            message: `${path} is a symbolic link to a file outside the project directory; a build only reads the project's own files.`,
            file: path,
            hint: 'Copy the file into the project instead of linking it.',
          });
          continue;
        }
      }
      stats = await stat(target);
    } catch (error) {
      diagnostics.push(unreadable(path, error));
      continue;
    }
    if (stats.isDirectory()) {
      warnings.push({
        code: 'SYMLINKED_DIRECTORY_IGNORED',
        severity: 'warning',
        message: `${path} is a symbolic link to a directory; linked directories are not followed.`,
        file: path,
      });
      continue;
    }
    if (!stats.isFile()) {
      diagnostics.push({
        code: 'NOT_A_REGULAR_FILE',
        severity: 'error',
        message: `${path} is not a regular file (a socket, pipe or device); a project may only contain regular files.`,
        file: path,
        hint: 'Remove it from the project directory.',
      });
      continue;
    }
    if (kind === 'config' && !CONFIG_FILES_READ.has(path)) continue;
    if (found.length >= limits.maxFiles) {
      diagnostics.push({
        code: 'TOO_MANY_FILES',
        severity: 'error',
        message: `${projectDir} has more than ${limits.maxFiles} files (outside node_modules/ and hidden folders).`,
        hint: 'Build the folder that holds only the project, or raise limits.maxFiles.',
      });
      return;
    }
    if (stats.size > limits.maxFileBytes) {
      diagnostics.push({
        code: 'FILE_TOO_LARGE',
        severity: 'error',
        message: `${path} is ${stats.size} bytes, over the limit of ${limits.maxFileBytes} bytes per file.`,
        file: path,
        hint: 'Keep large data out of the project (fetch it at run time), or raise limits.maxFileBytes.',
      });
      continue;
    }
    found.push({ path, absolutePath: target, kind, size: stats.size });
  }
}

async function readAll(found: FoundFile[], diagnostics: BuildDiagnostic[]): Promise<ProjectFile[]> {
  const files: ProjectFile[] = new Array<ProjectFile>(found.length);
  for (let start = 0; start < found.length; start += READ_CONCURRENCY) {
    const batch = found.slice(start, start + READ_CONCURRENCY);
    await Promise.all(
      batch.map(async (entry, offset) => {
        let bytes: Uint8Array;
        try {
          bytes = new Uint8Array(await readFile(entry.absolutePath));
        } catch (error) {
          diagnostics.push(unreadable(entry.path, error));
          return;
        }
        let text: string | undefined;
        if (entry.kind !== 'resource') {
          try {
            text = utf8.decode(bytes);
          } catch {
            diagnostics.push({
              code: 'INVALID_ENCODING',
              severity: 'error',
              message: `${entry.path} is not valid UTF-8 text; source files must be UTF-8.`,
              file: entry.path,
              hint: 'Re-save the file as UTF-8.',
            });
            return;
          }
        }
        files[start + offset] = { ...entry, bytes, text };
      }),
    );
  }
  return files.filter((f) => f !== undefined);
}

function unreadable(path: string, error: unknown): BuildDiagnostic {
  const errno = errnoOf(error);
  return {
    code: 'FILE_UNREADABLE',
    severity: 'error',
    message: `${path} cannot be read (${errno ?? (error instanceof Error ? error.message : String(error))}).`,
    file: path,
    hint:
      errno === 'EACCES' || errno === 'EPERM'
        ? 'Give this process read permission on it, or remove it from the project.'
        : 'Check the file, or remove it from the project.',
  };
}

function errnoOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function toRelative(root: string, absolutePath: string): string {
  return relative(root, absolutePath).split(sep).join('/');
}

/** True when `absolutePath` is `root` itself or inside it. Both must be normalised absolute paths. */
export function isInside(root: string, absolutePath: string): boolean {
  return absolutePath === root || absolutePath.startsWith(root.endsWith(sep) ? root : root + sep);
}
