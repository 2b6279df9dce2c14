/**
 * A catalogue of code changes that are each non-deterministic in exactly one way (as Restate's
 * non_determinism.ts). A session recorded on v1 is resumed on the changed build: every change is
 * caught at the right step with recorded vs now and the user's source line, and the session is
 * parked, not failed. A compatible change resumes and completes.
 */
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine, SessionInfo } from '../../engine/index.js';
import { createEngine } from '../../engine/index.js';
import type { Sandbox } from '../../sandbox/index.js';
import { sharedSandbox } from './helpers.js';
import { ACTIVITIES, CATALOGUE, V1_LINES } from './nondeterminism-catalogue.js';

let sandbox: Sandbox;
let engine: Engine;
let root: string;

async function project(name: string, lines: string[]): Promise<string> {
  const dir = join(root, name.replace(/\W+/g, '-'));
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'activities.ts'), ACTIVITIES);
  await writeFile(join(dir, 'workflows.ts'), `${lines.join('\n')}\n`);
  return dir;
}

/** Starts `flow` on v1 and waits until it waits for the `go` signal (everything before is recorded). */
async function recordedOnV1(v1: string): Promise<string> {
  const { sessionId } = await engine.startSession({ buildId: v1, entry: 'workflows.ts:flow' });
  await engine.waitFor(
    sessionId,
    (s) => s.counts.children === 1 && s.waitingFor?.children === 0 && s.status === 'waiting',
    10_000,
  );
  return sessionId;
}

let v1: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'whisker-nd-'));
  sandbox = await sharedSandbox();
  engine = await createEngine({ sandbox });
  v1 = (await engine.loadProject(await project('v1', V1_LINES))).buildId;
});

afterAll(async () => {
  await engine?.shutdown();
  await sandbox?.close();
  await rm(root, { recursive: true, force: true });
});

describe('non-determinism catalogue', () => {
  it.each(CATALOGUE)('$name is caught and parks the session', async (variant) => {
    const id = await recordedOnV1(v1);
    const changed = (await engine.loadProject(await project(variant.name, variant.edit(V1_LINES)))).buildId;
    await engine.resumeSession(id, { buildId: changed, reason: 'deploy the change' });
    const parked: SessionInfo = await engine.waitFor(id, (s) => s.status === 'parked', 10_000);
    const divergence = parked.parked?.divergence;
    expect(parked.parked?.code).toBe('NONDETERMINISM');
    expect(divergence?.step).toBe(variant.step);
    expect(divergence?.recorded?.command.kind).toBe(variant.recordedKind);
    expect(divergence?.issued?.command.kind).toBe(variant.issuedKind);
    if (variant.paths)
      expect(divergence?.differences.map((d) => d.path).sort()).toEqual([...variant.paths].sort());
    if (variant.line !== undefined) {
      expect(divergence?.issued?.source).toMatchObject({ file: 'workflows.ts', line: variant.line });
    }
    expect(divergence?.message).toMatch(new RegExp(`step ${variant.step}`));
    // Parked, not failed: the session is still open and can be fixed.
    expect(engine.getSession(id).endedAt).toBeUndefined();
    await engine.failSession(id, 'catalogue entry checked');
    expect(engine.getSession(id).status).toBe('failed');
  });

  it('resumes a parked session on a fixed build, which then completes', async () => {
    const id = await recordedOnV1(v1);
    const broken = (await engine.loadProject(await project('broken', CATALOGUE[0]?.edit(V1_LINES) ?? [])))
      .buildId;
    await engine.resumeSession(id, { buildId: broken });
    await engine.waitFor(id, (s) => s.status === 'parked', 10_000);
    // The fix: v1's logic with a harmless change (a comment and a log line after the signal).
    const fixedLines = [...V1_LINES];
    fixedLines.splice(9, 0, '  // fixed: back to the recorded order');
    const fixed = (await engine.loadProject(await project('fixed', fixedLines))).buildId;
    await engine.resumeSession(id, { buildId: fixed, reason: 'fixed' });
    await engine.waitFor(id, (s) => s.status === 'waiting', 10_000);
    await engine.signal(id, 'go');
    expect(await engine.result(id, { timeoutMs: 10_000 })).toBe('done');
    const info = engine.getSession(id);
    expect(info).toMatchObject({ buildId: fixed, startBuildId: v1, status: 'completed' });
  });
});
