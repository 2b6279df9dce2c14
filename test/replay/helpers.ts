/** Shared set-up for replay tests: projects written to a temporary directory, an engine, a sandbox. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Engine, SessionInfo } from '../../engine/index.js';
import { createEngine } from '../../engine/index.js';
import type { RunnerSandbox } from '../../sandbox/index.js';
import { createSandbox } from '../../sandbox/index.js';

export interface ReplayFixture {
  root: string;
  sandbox: RunnerSandbox;
  engine: Engine;
  /** Writes a project (path → source) under the root and returns its directory. */
  project(name: string, files: Record<string, string>): Promise<string>;
  close(): Promise<void>;
}

export async function replayFixture(): Promise<ReplayFixture> {
  const root = await mkdtemp(join(tmpdir(), 'whisker-replay-'));
  const sandbox = await createSandbox({ runners: 1, activationCpuLimitMs: 1000 });
  const engine = await createEngine({ sandbox });
  return {
    root,
    sandbox,
    engine,
    project: async (name, files) => {
      const dir = join(root, name.replace(/\W+/g, '-'));
      for (const [path, content] of Object.entries(files)) {
        await mkdir(join(dir, path, '..'), { recursive: true });
        await writeFile(join(dir, path), content);
      }
      return dir;
    },
    close: async () => {
      await engine.shutdown();
      await sandbox.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** Starts a session on a project directory and waits until `until` holds. */
export async function record(
  engine: Engine,
  dir: string,
  entry: string,
  input: unknown,
  until: (info: SessionInfo) => boolean = (s) => s.endedAt !== undefined,
): Promise<string> {
  const build = await engine.loadProject(dir);
  const { sessionId } = await engine.startSession({ buildId: build.buildId, entry, input });
  await engine.waitFor(sessionId, until, 10_000);
  return sessionId;
}
