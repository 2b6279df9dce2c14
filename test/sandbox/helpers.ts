/**
 * Test helpers for the sandbox runtime: real builds of small projects written inline (through the
 * build half's `buildProject`), an in-process workflow host (isolates in the vitest fork, which
 * runs with --no-node-snapshot), and activation shorthands.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import type { ErrorData } from '../../common/index.js';
import type {
  ActivationOutcome,
  BuildArtifact,
  Command,
  IssuedCommand,
  Job,
  RecordedCommand,
  ReplayHistory,
  WorkflowActivation,
  WorkflowInfo,
} from '../../sandbox/index.js';
import { buildProject, formatDiagnostic } from '../../sandbox/index.js';
import { runtimeScripts } from '../../sandbox/host/runtime-scripts.js';
import { RunnerBuilds } from '../../sandbox/runner/runner-builds.js';
import { WorkflowHost } from '../../sandbox/runner/workflow-host.js';
import { runnerBuildOf } from '../../sandbox/runner/wire.js';

const built = new Map<string, Promise<BuildArtifact>>();

/** Builds a project made of `files` (path → source); cached per content within a test file. */
export function buildSources(
  files: Record<string, string | Uint8Array>,
  typecheck = false,
): Promise<BuildArtifact> {
  const key = createHash('sha256')
    .update(JSON.stringify(Object.entries(files).map(([k, v]) => [k, typeof v === 'string' ? v : [...v]])))
    .update(String(typecheck))
    .digest('hex');
  let artifact = built.get(key);
  if (artifact === undefined) {
    artifact = (async () => {
      const dir = await mkdtemp(join(tmpdir(), 'whisker-sandbox-test-'));
      try {
        for (const [path, content] of Object.entries(files)) {
          await mkdir(dirname(join(dir, path)), { recursive: true });
          await writeFile(join(dir, path), content);
        }
        const result = await buildProject(dir, { typecheck });
        if (!result.ok)
          throw new Error(`fixture build failed:\n${result.diagnostics.map(formatDiagnostic).join('\n')}`);
        return result.artifact;
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    })();
    built.set(key, artifact);
  }
  return artifact;
}

export function info(
  sessionId: string,
  entry = 'workflows.ts:main',
  extra: Partial<WorkflowInfo> = {},
): WorkflowInfo {
  return { sessionId, entry, buildId: 'bld_test', startTime: 1_700_000_000_000, variables: {}, ...extra };
}

export const T0 = 1_700_000_000_000;

export const start = (input: unknown = undefined, time = T0): Job => ({ kind: 'start', input, time });
export const resolveActivity = (seq: number, result: unknown, time = T0 + 1000): Job => ({
  kind: 'resolveActivity',
  seq,
  result,
  time,
});
export const rejectActivity = (seq: number, error: ErrorData, time = T0 + 1000): Job => ({
  kind: 'rejectActivity',
  seq,
  error,
  time,
});
export const fireTimer = (seq: number, time = T0 + 5000): Job => ({ kind: 'fireTimer', seq, time });
export const signal = (name: string, payload: unknown, time = T0 + 2000): Job => ({
  kind: 'signal',
  name,
  payload,
  time,
});
export const cancel = (reason = 'stop requested', time = T0 + 3000): Job => ({
  kind: 'cancel',
  reason,
  time,
});

/** First activation of a new session. */
export function first(
  artifact: BuildArtifact,
  sessionId: string,
  entry: string,
  jobs: Job[],
  options: { seed?: string; replay?: ReplayHistory; info?: Partial<WorkflowInfo> } = {},
): WorkflowActivation {
  const activation: WorkflowActivation = {
    sessionId,
    init: {
      buildHash: artifact.hash,
      info: info(sessionId, entry, options.info),
      randomSeed: options.seed ?? `seed-${sessionId}`,
    },
    jobs,
  };
  if (options.replay !== undefined) activation.replay = options.replay;
  return activation;
}

export function commandsOf(outcome: ActivationOutcome): Command[] {
  if (outcome.kind !== 'ok')
    throw new Error(`expected an ok outcome, got ${JSON.stringify(outcome, null, 2)}`);
  return outcome.commands.map((issued) => issued.command);
}

export function issuedOf(outcome: ActivationOutcome): IssuedCommand[] {
  if (outcome.kind !== 'ok')
    throw new Error(`expected an ok outcome, got ${JSON.stringify(outcome, null, 2)}`);
  return outcome.commands;
}

/** Matched commands as the journal would record them. */
export function recorded(commands: Command[]): RecordedCommand[] {
  return commands
    .filter((c) => c.kind !== 'log' && c.kind !== 'patch')
    .map((command, revision) => ({ command, revision: revision + 1 }));
}

export interface WorkflowHarness {
  register(artifact: BuildArtifact): void;
  activate(activation: WorkflowActivation): Promise<ActivationOutcome>;
  host: WorkflowHost;
  lost: string[];
  dispose(): void;
}

/** A runner's workflow host in this process (no runner processes): fast semantic tests. */
export async function workflowHarness(
  options: { cpuLimitMs?: number; memoryLimitMb?: number } = {},
): Promise<WorkflowHarness> {
  const builds = new RunnerBuilds();
  const runtime = await runtimeScripts();
  const lost: string[] = [];
  const host = new WorkflowHost(builds, {
    cpuLimitMs: options.cpuLimitMs ?? 1000,
    memoryLimitMb: options.memoryLimitMb ?? 64,
    runtimeCode: runtime.workflow,
    onLost: (sessionIds) => lost.push(...sessionIds),
  });
  return {
    host,
    lost,
    register: (artifact) => builds.add(runnerBuildOf(artifact)),
    activate: (activation) => host.activate(activation),
    dispose: () => host.dispose(),
  };
}

/**
 * Harnesses made on demand for one test file, each with the file's build registered, all disposed
 * by `disposeAll` (call it in `afterEach`). `artifact` is read when a harness is made (after
 * `beforeAll` built it).
 */
export function harnessPool(artifact: () => BuildArtifact): {
  newHarness: (options?: { cpuLimitMs?: number; memoryLimitMb?: number }) => Promise<WorkflowHarness>;
  disposeAll: () => void;
} {
  const harnesses: WorkflowHarness[] = [];
  return {
    newHarness: async (options = {}) => {
      const harness = await workflowHarness(options);
      harness.register(artifact());
      harnesses.push(harness);
      return harness;
    },
    disposeAll: () => {
      for (const harness of harnesses.splice(0)) harness.dispose();
    },
  };
}
