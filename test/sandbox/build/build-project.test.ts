import ivm from 'isolated-vm';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { BuildArtifact } from '../../../sandbox/index.js';
import { serializeArtifact } from '../../../sandbox/build/index.js';
import { buildOk, copyFixture, fixture } from './helpers.js';

type Namespace = Record<string, unknown>;
type BundleFunction = (whisker: unknown) => { modules: Record<string, Namespace> };

/** Evaluates a bundle the way the runner does: a classic script whose completion value is a function. */
function evaluate(code: string): BundleFunction {
  const fn: unknown = vm.runInNewContext(code, {}, { filename: 'whisker:///bundle.js' });
  expect(typeof fn).toBe('function');
  return fn as BundleFunction;
}

interface Recorded {
  activities: { name: string; args: unknown[] }[];
  sleeps: unknown[];
}

function fakeApi(recorded: Recorded): unknown {
  const proxy = new Proxy(
    {},
    {
      get:
        (_target, name) =>
        (...args: unknown[]) => {
          recorded.activities.push({ name: String(name), args });
          return Promise.resolve(`result-of-${String(name)}`);
        },
    },
  );
  return {
    workflow: {
      sleep: (duration: unknown) => {
        recorded.sleeps.push(duration);
        return Promise.resolve();
      },
      proxyActivities: () => proxy,
    },
    activity: {},
  };
}

describe('buildProject on a small TypeScript project', () => {
  let artifact: BuildArtifact;

  beforeAll(async () => {
    ({ artifact } = await buildOk(fixture('basic'), { typecheck: false }));
  });

  it('lists the exported functions of workflow files as entry points and of activity modules as activities', () => {
    expect(artifact.entryPoints).toEqual([
      { file: 'lib/format.ts', name: 'formatTotal' },
      { file: 'workflows/order.ts', name: 'cancelOrder' },
      { file: 'workflows/order.ts', name: 'failLoudly' },
      { file: 'workflows/order.ts', name: 'logoSignature' },
      { file: 'workflows/order.ts', name: 'processOrder' },
    ]);
    expect(artifact.activities).toEqual([
      { file: 'activities.ts', name: 'chargeCard' },
      { file: 'activities.ts', name: 'sendEmail' },
    ]);
  });

  it('ships non-code files as resources, and leaves out tests, hidden files, declarations and node_modules', async () => {
    expect(Object.keys(artifact.resources).sort()).toEqual([
      'assets/logo.png',
      'data/config.json',
      'templates/mail.txt',
    ]);
    const logo = await readFile(join(fixture('basic'), 'assets/logo.png'));
    expect(artifact.resources['assets/logo.png']).toEqual(new Uint8Array(logo));
    expect(artifact.sources).toEqual([
      'activities.ts',
      'lib/format.ts',
      'node_modules/tiny-slug/index.js',
      'workflows/order.ts',
    ]);
  });

  it('produces a workflow bundle that returns module namespaces and calls activities through stubs', async () => {
    const recorded: Recorded = { activities: [], sleeps: [] };
    const { modules } = evaluate(artifact.workflowBundle.code)(fakeApi(recorded));
    expect(Object.keys(modules).sort()).toEqual(['lib/format.ts', 'workflows/order.ts']);
    const order = modules['workflows/order.ts']!;
    const processOrder = order.processOrder as (order: unknown) => Promise<string>;
    const result = await processOrder({ id: 'o-1', customer: 'Jane Doe', cents: 1234 });
    // The vendored package ran (slug), the JSON resource was imported (sleep 1000), the text
    // resource was imported (mail body), and both activity calls went through proxyActivities.
    expect(result).toBe('jane-doe:result-of-chargeCard');
    expect(recorded.sleeps).toEqual([1000]);
    expect(recorded.activities).toEqual([
      { name: 'chargeCard', args: ['o-1', 1234] },
      { name: 'sendEmail', args: ['Jane Doe', 'Thank you for your order.\nTotal: $12.34\n'] },
    ]);
    // A binary resource imported as bytes.
    expect((order.logoSignature as () => number[])()).toEqual([0x89, 0x50, 0x4e, 0x47]);
  });

  it('produces an activity bundle with the real activity functions', async () => {
    const { modules } = evaluate(artifact.activityBundle.code)({ workflow: {}, activity: {} });
    expect(Object.keys(modules)).toEqual(['activities.ts']);
    const chargeCard = modules['activities.ts']!.chargeCard as (id: string, cents: number) => Promise<string>;
    await expect(chargeCard('o-2', 500)).resolves.toBe('charged o-2 $5.00');
  });

  it('runs in an isolated-vm isolate, with no Node.js globals', async () => {
    const isolate = new ivm.Isolate({ memoryLimit: 32 });
    try {
      const context = await isolate.createContext();
      const script = await isolate.compileScript(artifact.workflowBundle.code, {
        filename: 'whisker:///workflow.js',
      });
      const bundleFn = (await script.run(context, { reference: true })) as ivm.Reference<unknown>;
      expect(bundleFn.typeof).toBe('function');
      await context.global.set('bundleFn', bundleFn.derefInto());
      const result: unknown = await context.eval(
        `(async () => {
          const calls = [];
          const api = {
            workflow: {
              sleep: async () => {},
              proxyActivities: () => new Proxy({}, { get: (_, name) => async (...args) => { calls.push(name); return 'r'; } }),
            },
            activity: {},
          };
          const { modules } = bundleFn(api);
          const order = modules['workflows/order.ts'];
          const out = await order.processOrder({ id: 'x', customer: 'Al', cents: 1 });
          return JSON.stringify({ out, calls, files: Object.keys(modules), logo: order.logoSignature() });
        })()`,
        { promise: true },
      );
      expect(JSON.parse(result as string)).toEqual({
        out: 'al:r',
        calls: ['chargeCard', 'sendEmail'],
        files: ['lib/format.ts', 'workflows/order.ts'],
        logo: [0x89, 0x50, 0x4e, 0x47],
      });
    } finally {
      isolate.dispose();
    }
  });

  it('is deterministic: two builds give identical bytes', async () => {
    const again = await buildOk(fixture('basic'), { typecheck: false });
    expect(again.artifact.hash).toBe(artifact.hash);
    expect(serializeArtifact(again.artifact)).toEqual(serializeArtifact(artifact));
  });

  it('leaks no host path into the artifact', () => {
    const text = Buffer.from(serializeArtifact(artifact)).toString('latin1');
    expect(text).not.toContain(fixture('basic'));
    expect(text).not.toContain(process.cwd());
    expect(text).not.toContain('/work/');
  });
});

describe('content hash', () => {
  let copy: { dir: string; cleanup: () => Promise<void> };
  let original: string;

  beforeAll(async () => {
    original = (await buildOk(fixture('basic'), { typecheck: false })).artifact.hash;
    copy = await copyFixture('basic');
  });
  afterAll(async () => {
    await copy.cleanup();
  });

  it('is the same for the same sources in another directory', async () => {
    const elsewhere = await buildOk(copy.dir, { typecheck: false });
    expect(original).toMatch(/^sha256-[0-9a-f]{64}$/);
    expect(elsewhere.artifact.hash).toBe(original);
  });

  it.each([
    ['a source file', 'lib/format.ts', 'toFixed(2)', '2', '3'],
    ['a resource', 'templates/mail.txt', 'Thank', 'T', 't'],
    ['a vendored package', 'node_modules/tiny-slug/index.js', "'-')", '-', '_'],
  ])('changes when one byte of %s changes', async (_what, file, context, from, to) => {
    const path = join(copy.dir, file);
    const before = await readFile(path);
    const changed = Buffer.from(before);
    const at = changed.indexOf(context) + context.indexOf(from);
    expect(changed[at]).toBe(from.charCodeAt(0));
    changed[at] = to.charCodeAt(0);
    await writeFile(path, changed);
    try {
      const rebuilt = await buildOk(copy.dir, { typecheck: false });
      expect(rebuilt.artifact.hash).not.toBe(original);
    } finally {
      await writeFile(path, before);
    }
  });

  it('does not change for files that are not part of the build (tests, hidden files)', async () => {
    await writeFile(join(copy.dir, 'workflows/order.test.js'), 'export const changed = 1;\n');
    await writeFile(join(copy.dir, '.hidden/secret.txt'), 'changed\n');
    expect((await buildOk(copy.dir, { typecheck: false })).artifact.hash).toBe(original);
  });
});
