/**
 * The security corpus for workflow contexts: classic sandbox escapes must not reach the host, the
 * guest's global object holds exactly the allow-listed names, and pollution stays in its context.
 * (Activity contexts get the same corpus in `activities.test.ts`, through real runner processes.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { BuildArtifact } from '../../sandbox/index.js';
import { ACTIVITY_API_NAMES, WORKFLOW_API_NAMES } from '../../sandbox/guest/api-names.js';
import * as activityApi from '../../sandbox/guest/activity.js';
import { WORKFLOW_GLOBALS } from '../../sandbox/guest/workflow-globals.js';
import * as workflowApi from '../../sandbox/guest/workflow.js';
import type { WorkflowHarness } from './helpers.js';
import { buildSources, commandsOf, first, start, workflowHarness } from './helpers.js';
import { PROJECT } from './projects.js';

let artifact: BuildArtifact;
let harness: WorkflowHarness;

beforeAll(async () => {
  artifact = await buildSources(PROJECT);
  harness = await workflowHarness();
  harness.register(artifact);
});
afterAll(() => harness.dispose());

async function result(sessionId: string, name: string): Promise<unknown> {
  const commands = commandsOf(
    await harness.activate(first(artifact, sessionId, `workflows.ts:${name}`, [start()])),
  );
  const last = commands.at(-1);
  if (last?.kind !== 'complete') throw new Error(`expected completion, got ${JSON.stringify(commands)}`);
  return last.result;
}

describe('workflow context security corpus', () => {
  it('none of the classic escapes reaches the host', async () => {
    const out = (await result('ses_sec_1', 'escapes')) as Record<string, string>;
    // The Function constructor reachable from any object is the guest's own: no `process` there.
    expect(out.constructorChain).toBe('undefined');
    expect(out.classicPayload).toBe('blocked: ReferenceError');
    // Strict mode: no `this` to climb from.
    expect(out.thisConstructor).toBe('blocked: TypeError');
    expect(out.globalProcess).toBe('undefined');
    expect(out.require).toBe('undefined');
    expect(out.evalRequire).toBe('undefinedundefinedundefined');
    // A user prepareStackTrace sees only guest frames (sandbox URIs), no receivers or functions.
    expect(out.prepareStackTrace).toMatch(/^(undefined\/undefined\/whisker:\/\/\/[^,]+,?)+$/);
    expect(out.prepareStackTrace).not.toMatch(/node:|\/work\/|file:/);
    expect(out.lookupGetter).toBe('undefined');
    // A species constructor runs, but in the guest's realm.
    expect(out.speciesProcess).toBe('undefined');
    expect(out.sharedArrayBuffer).toBe('undefinedundefinedundefined');
    expect(out.dynamicImport).toMatch(/^blocked: /);
    expect(out.apiPollution).toBe('blocked: TypeError');
    expect(out.functionPollution).toBe('blocked: TypeError');
  });

  it('keeps pollution in its own context and out of the host', async () => {
    await result('ses_sec_2', 'escapes');
    // Another session in the same isolate sees clean built-ins and the real API.
    expect(await result('ses_sec_3', 'pollutionVisible')).toEqual({
      polluted: 'undefined',
      functionPolluted: 'undefined',
      sleepIsReal: 'real',
    });
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
    expect((Function.prototype as unknown as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('the global object holds exactly the allow-listed names', async () => {
    expect(await result('ses_sec_4', 'globalNames')).toEqual([...WORKFLOW_GLOBALS].sort());
    for (const name of [
      'process',
      'require',
      'module',
      'global',
      'Buffer',
      'SharedArrayBuffer',
      'Atomics',
      'WebAssembly',
      'ivm',
    ]) {
      expect(WORKFLOW_GLOBALS).not.toContain(name);
    }
  });
});

describe('guest API names', () => {
  it('match the modules user code imports', () => {
    expect([...WORKFLOW_API_NAMES].sort()).toEqual(Object.keys(workflowApi).sort());
    expect([...ACTIVITY_API_NAMES].sort()).toEqual(Object.keys(activityApi).sort());
  });
});
