/**
 * The security corpus for workflow contexts: classic sandbox escapes must not reach the host, the
 * guest's global object holds exactly the allow-listed names, and no session's pollution reaches
 * another session of the shared context or the host.
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
    // The context is shared by the sessions of a build: its globals and built-ins are frozen.
    expect(out.functionPrototypePollution).toBe('blocked: TypeError');
    expect(out.promisePrototypePollution).toBe('blocked: TypeError');
    expect(out.mathPollution).toBe('blocked: TypeError');
    expect(out.globalWrite).toBe('blocked: TypeError');
    expect(out.globalReplace).toBe('blocked: TypeError');
    expect(out.iteratorPollution).toBe('blocked: TypeError');
  });

  it('refuses additions to Object.prototype and Array.prototype, fails a session that replaces a method, and puts it back', async () => {
    // Nothing can be added to them (they are non-extensible): the user's code gets the TypeError.
    const added = await harness.activate(
      first(artifact, 'ses_sec_2', 'workflows.ts:polluteObjectPrototype', [start()]),
    );
    const addedFailure = commandsOf(added).at(-1);
    expect(addedFailure?.kind).toBe('fail');
    expect(JSON.stringify(addedFailure)).toMatch(/TypeError.*not extensible/);
    // A replaced method is found at the next switch of sessions, blamed and put back.
    const outcome = await harness.activate(
      first(artifact, 'ses_sec_2b', 'workflows.ts:replaceArrayMethod', [start()]),
    );
    expect(outcome.kind).toBe('failed');
    if (outcome.kind === 'failed') {
      expect(outcome.error.code).toBe('DETERMINISM_VIOLATION');
      expect(outcome.error.message).toContain('Array.prototype.map was replaced');
      expect(outcome.error.message).toContain('shared by every session of this build');
    }
    // Another session in the same context sees clean built-ins, globals and the real API.
    expect(await result('ses_sec_3', 'pollutionVisible')).toEqual({
      polluted: 'undefined',
      functionPolluted: 'undefined',
      sleepIsReal: 'real',
      leak: 'undefined',
      map: '2,4',
    });
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
    expect((Function.prototype as unknown as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('drops a context whose built-in cannot be put back: the culprit fails, the others replay elsewhere', async () => {
    const own = await workflowHarness();
    try {
      own.register(artifact);
      const bystander = await own.activate(first(artifact, 'ses_sec_4a', 'workflows.ts:idle', [start()]));
      expect(bystander.kind).toBe('ok');
      const culprit = await own.activate(
        first(artifact, 'ses_sec_4b', 'workflows.ts:deleteArrayMethod', [start()]),
      );
      expect(culprit.kind).toBe('failed');
      if (culprit.kind === 'failed') {
        expect(culprit.error.code).toBe('DETERMINISM_VIOLATION');
        expect(culprit.error.message).toContain('Array.prototype.flat was deleted');
      }
      // The bystander's context is gone with it (a deleted property cannot come back to a
      // non-extensible object): the engine replays it; a new context has the built-in again.
      const next = await own.activate({ sessionId: 'ses_sec_4a', jobs: [] });
      expect(['context-lost', 'context-missing']).toContain(next.kind);
      const fresh = await own.activate(first(artifact, 'ses_sec_4c', 'workflows.ts:arrayFlat', [start()]));
      expect(commandsOf(fresh)).toEqual([{ kind: 'complete', result: '1,2,3' }]);
    } finally {
      own.dispose();
    }
  });

  it('error classes still set their own name and message (overrides of frozen error prototypes)', async () => {
    expect(await result('ses_sec_5', 'customErrors')).toEqual([
      'OrderError: out of stock',
      'OrderError',
      'o-1',
      true,
      'LegacyError: old style',
      'changed',
    ]);
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
