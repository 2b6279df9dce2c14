import { TraceMap, originalPositionFor } from '@jridgewell/trace-mapping';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import vm from 'node:vm';
import { beforeAll, describe, expect, it } from 'vitest';

import type { BuildArtifact, BundleCode } from '../../../sandbox/index.js';
import { buildOk, fixture } from './helpers.js';

type BundleFunction = (whisker: unknown) => { modules: Record<string, Record<string, unknown>> };

/** Runs `fn` from a bundle evaluated under `filename`, returning the top stack frame's line and column. */
async function throwingFrame(
  bundle: BundleCode,
  file: string,
  name: string,
  args: unknown[],
): Promise<{ line: number; column: number }> {
  const filename = 'whisker:///bundle.js';
  const bundleFn = vm.runInNewContext(bundle.code, {}, { filename }) as BundleFunction;
  const fn = bundleFn({ workflow: {}, activity: {} }).modules[file]![name] as (...a: unknown[]) => unknown;
  let stack = '';
  try {
    await fn(...args);
  } catch (error) {
    stack = (error as Error).stack ?? '';
  }
  const frame = /whisker:\/\/\/bundle\.js:(\d+):(\d+)/.exec(stack);
  expect(frame, stack).not.toBeNull();
  return { line: Number(frame![1]), column: Number(frame![2]) };
}

async function lineOf(file: string, text: string): Promise<{ line: number; column: number }> {
  const lines = (await readFile(join(fixture('basic'), file), 'utf8')).split('\n');
  const index = lines.findIndex((l) => l.includes(text));
  return { line: index + 1, column: lines[index]!.indexOf(text) };
}

describe('source maps', () => {
  let artifact: BuildArtifact;

  beforeAll(async () => {
    ({ artifact } = await buildOk(fixture('basic'), { typecheck: false }));
  });

  it('map a stack frame of the workflow bundle back to the user file and line', async () => {
    const frame = await throwingFrame(artifact.workflowBundle, 'workflows/order.ts', 'failLoudly', []);
    const original = originalPositionFor(new TraceMap(artifact.workflowBundle.sourceMap), {
      line: frame.line,
      column: frame.column - 1,
    });
    const expected = await lineOf('workflows/order.ts', "new Error('failLoudly was called')");
    expect(original).toMatchObject({
      source: 'workflows/order.ts',
      line: expected.line,
      column: expected.column,
    });
  });

  it('map a stack frame of the activity bundle back to the activity module', async () => {
    const frame = await throwingFrame(artifact.activityBundle, 'activities.ts', 'sendEmail', ['', 'body']);
    const original = originalPositionFor(new TraceMap(artifact.activityBundle.sourceMap), {
      line: frame.line,
      column: frame.column - 1,
    });
    const expected = await lineOf('activities.ts', 'new Error(`no recipient');
    expect(original).toMatchObject({ source: 'activities.ts', line: expected.line, column: expected.column });
  });

  it('have project-relative sources with their content, and generated modules named whisker:', async () => {
    const map = JSON.parse(artifact.workflowBundle.sourceMap) as {
      sources: string[];
      sourcesContent: string[];
    };
    // Binary resources (assets/logo.png) have no source lines to map.
    expect(map.sources.filter((s) => !s.startsWith('whisker:')).sort()).toEqual([
      'data/config.json',
      'lib/format.ts',
      'node_modules/tiny-slug/index.js',
      'templates/mail.txt',
      'workflows/order.ts',
    ]);
    expect(map.sources.filter((s) => s.startsWith('whisker:')).sort()).toEqual([
      'whisker:activity-stub/activities.ts',
      'whisker:api/workflow',
      'whisker:entry/workflow',
    ]);
    const index = map.sources.indexOf('workflows/order.ts');
    expect(map.sourcesContent[index]).toBe(
      await readFile(join(fixture('basic'), 'workflows/order.ts'), 'utf8'),
    );
  });
});
