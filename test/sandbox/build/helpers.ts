import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type {
  BuildDiagnostic,
  BuildOptions,
  BuildResult,
  BuildSuccess,
} from '../../../sandbox/build/index.js';
import { buildProject, formatDiagnostic } from '../../../sandbox/build/index.js';

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

export function fixture(name: string): string {
  return join(FIXTURES, name);
}

/** Builds and expects success; a failure shows every diagnostic in the assertion message. */
export async function buildOk(dir: string, options?: BuildOptions): Promise<BuildSuccess> {
  const result = await buildProject(dir, options);
  if (!result.ok)
    throw new Error(`expected ${dir} to build:\n${result.diagnostics.map(formatDiagnostic).join('\n')}`);
  return result;
}

/** Builds and expects failure; returns the diagnostics. */
export async function buildFails(dir: string, options?: BuildOptions): Promise<BuildDiagnostic[]> {
  const result: BuildResult = await buildProject(dir, options);
  if (result.ok) throw new Error(`expected ${dir} to fail, but it built ${result.artifact.hash}`);
  return result.diagnostics;
}

/** A temporary directory outside the repository, removed by the returned cleanup. */
export async function tempDir(
  prefix = 'whisker-build-',
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Copies a fixture project into a fresh temporary directory (outside the repository). */
export async function copyFixture(name: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const temp = await tempDir();
  const dir = join(temp.dir, name);
  await cp(fixture(name), dir, { recursive: true });
  return { dir, cleanup: temp.cleanup };
}

/** The one diagnostic with this code, failing clearly when there are none or several. */
export function only(diagnostics: readonly BuildDiagnostic[], code: string): BuildDiagnostic {
  const matching = diagnostics.filter((d) => d.code === code);
  if (matching.length !== 1) {
    throw new Error(
      `expected one ${code}, found ${matching.length}:\n${diagnostics.map(formatDiagnostic).join('\n')}`,
    );
  }
  return matching[0]!;
}

/** Writes a project from a map of project-relative paths to contents, in a fresh temporary directory. */
export async function writeProject(
  files: Record<string, string | Uint8Array>,
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const temp = await tempDir();
  const dir = join(temp.dir, 'project');
  for (const [path, content] of Object.entries(files)) {
    const target = join(dir, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
  }
  await mkdir(dir, { recursive: true });
  return { dir, cleanup: temp.cleanup };
}

/** Type checking on, against the real guest API (`sandbox/guest/workflow.ts` and `activity.ts`). */
export const TYPECHECK: BuildOptions = { typecheck: true };
