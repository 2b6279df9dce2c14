import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';

import { BuildFailedError, buildProjectOrThrow, formatDiagnostic } from '../../../sandbox/build/index.js';
import { TYPECHECK, buildFails, fixture, only, writeProject } from './helpers.js';

describe('build errors point at file:line:col with an excerpt', () => {
  it('syntax error (caught by the bundler, even without type checking)', async () => {
    for (const options of [{ typecheck: false }, TYPECHECK]) {
      const diagnostics = await buildFails(fixture('syntax-error'), options);
      // With type checking on, TypeScript's report of the same line is folded into the bundler's.
      expect(diagnostics).toHaveLength(1);
      expect(diagnostics[0]).toMatchObject({
        code: 'SYNTAX_ERROR',
        severity: 'error',
        file: 'main.ts',
        line: 2,
        column: 32,
        message: 'Expected ")" but found ";"',
      });
      expect(diagnostics[0]!.excerpt).toBe(
        [
          '  1 | export async function main(input: string) {',
          "> 2 |   const parts = input.split(',';",
          '    |                                ^',
          '  3 |   return parts;',
        ].join('\n'),
      );
    }
  });

  it('type error', async () => {
    const diagnostics = await buildFails(fixture('type-error'), TYPECHECK);
    expect(diagnostics).toHaveLength(1);
    const d = only(diagnostics, 'TS2322');
    expect(d).toMatchObject({ file: 'main.ts', line: 5, column: 9, severity: 'error' });
    expect(d.message).toBe("Type 'number' is not assignable to type 'string'.");
    expect(d.excerpt).toContain('> 5 |   const label: string = count * 2;\n    |         ^~~~~');
    expect(formatDiagnostic(d)).toMatch(/^main\.ts:5:9 error TS2322: Type 'number' is not assignable/);
  });

  it('import of a missing export', async () => {
    const d = only(await buildFails(fixture('missing-export'), { typecheck: false }), 'MISSING_EXPORT');
    expect(d).toMatchObject({ file: 'main.ts', line: 1, column: 18 });
    expect(d.message).toBe('Module lib.ts has no export named "missingHelper".');
    expect(d.excerpt).toContain('> 1 | import { helper, missingHelper } from');
  });

  it('forbidden imports: one error per import (both bundles), then a summary with what to use instead', async () => {
    const diagnostics = await buildFails(fixture('forbidden-imports'), { typecheck: false });
    const forbidden = diagnostics.filter((d) => d.code === 'FORBIDDEN_IMPORT');
    expect(forbidden.map((d) => `${d.file}:${d.line}:${d.column}`)).toEqual([
      'activities/files.ts:1:26',
      'main.ts:1:30',
      'main.ts:2:22',
      'main.ts:3:21',
      'main.ts:6:29',
    ]);
    expect(forbidden[1]!.message).toContain('"fs"');
    expect(forbidden[1]!.hint).toContain('readResource()');
    expect(forbidden[2]!.message).toContain('"node:child_process"');
    expect(forbidden[2]!.hint).toContain('not available in the sandbox');
    // fastify is installed in Whisker's own node_modules, above the fixture: a host package.
    expect(forbidden[3]!.message).toContain('Package "fastify" is not part of the project');
    expect(forbidden[4]!.hint).toContain('global `fetch`');
    expect(forbidden[3]!.excerpt).toContain("> 3 | import Fastify from 'fastify';");

    const summary = only(diagnostics, 'FORBIDDEN_IMPORTS');
    expect(summary.file).toBeUndefined();
    expect(summary.message.split('\n').slice(1)).toEqual([
      "  node:fs/promises (activities/files.ts:1:26): read project files with `readResource()` from whisker/workflow, or import them (`import text from './file.txt'`)",
      "  fs (main.ts:1:30): read project files with `readResource()` from whisker/workflow, or import them (`import text from './file.txt'`)",
      '  node:child_process (main.ts:2:22): not available in the sandbox',
      "  fastify (main.ts:3:21): vendor it in the project's own node_modules (pure JavaScript only)",
      '  http (main.ts:6:29): use the global `fetch` (durable in workflows, direct in activities)',
    ]);
    // The summary comes last; nothing else is reported.
    expect(diagnostics.at(-1)).toBe(summary);
    expect(diagnostics).toHaveLength(6);
  });

  it('forbidden imports are reported once with type checking on too', async () => {
    const diagnostics = await buildFails(fixture('forbidden-imports'), TYPECHECK);
    expect(diagnostics.map((d) => d.code)).toEqual([
      ...Array<string>(5).fill('FORBIDDEN_IMPORT'),
      'FORBIDDEN_IMPORTS',
    ]);
  });

  it('workflow code importing a name its activity module does not export', async () => {
    const d = only(
      await buildFails(fixture('activity-missing-name'), { typecheck: false }),
      'ACTIVITY_NOT_EXPORTED',
    );
    expect(d).toMatchObject({ file: 'main.ts', line: 1, column: 18 });
    expect(d.message).toContain('Activity module activities.ts exports no function "notAnActivity"');
  });

  it('a non-function export of an activity module is not importable from workflow code', async () => {
    const project = await writeProject({
      'activities.ts': 'export const LIMIT = 3;\nexport async function work() { return LIMIT; }\n',
      'main.ts':
        "import { LIMIT, work } from './activities.js';\nexport async function main() { return (await work()) + LIMIT; }\n",
    });
    try {
      const d = only(await buildFails(project.dir, { typecheck: false }), 'ACTIVITY_NOT_EXPORTED');
      expect(d).toMatchObject({ file: 'main.ts', line: 1, column: 10 });
      expect(d.hint).toContain('not an activity module');
    } finally {
      await project.cleanup();
    }
  });

  it('duplicate activity names across activity modules', async () => {
    const d = only(
      await buildFails(fixture('duplicate-activities'), { typecheck: false }),
      'DUPLICATE_ACTIVITY',
    );
    expect(d).toMatchObject({ file: 'billing/payments.activities.ts', line: 3, column: 23 });
    expect(d.message).toBe(
      'Activity "charge" is exported by both activities.ts:1:23 and billing/payments.activities.ts:3:23; activity names must be unique across the project.',
    );
  });

  it('unresolvable imports, imports outside the project and unknown whisker modules', async () => {
    const project = await writeProject({
      'main.ts': [
        "import { gone } from './missing.js';",
        "import { secret } from '../outside.js';",
        "import { internals } from 'whisker/internal';",
        "import leftPad from 'left-pad-not-installed';",
        'export function main() { return [gone, secret, internals, leftPad]; }',
      ].join('\n'),
    });
    const outside = `${project.dir}/../outside.ts`;
    try {
      await writeFile(outside, 'export const secret = 1;\n');
      const diagnostics = await buildFails(project.dir, { typecheck: false });
      expect(diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([
        ['UNRESOLVED_IMPORT', 1, 22],
        ['IMPORT_OUTSIDE_PROJECT', 2, 24],
        ['UNKNOWN_WHISKER_MODULE', 3, 27],
        ['UNRESOLVED_IMPORT', 4, 21],
      ]);
      expect(diagnostics[0]!.hint).toContain('relative imports are resolved from the importing file');
      expect(diagnostics[3]!.hint).toContain(
        `Install "left-pad-not-installed" into the project's own node_modules`,
      );
      expect(diagnostics[2]!.message).toContain('only "whisker/workflow" and "whisker/activity"');
      // No absolute path of the machine in what users read.
      for (const d of diagnostics) expect(formatDiagnostic(d)).not.toContain(project.dir);
    } finally {
      await project.cleanup();
    }
  });

  it('top-level await (module initialisation is synchronous in the sandbox)', async () => {
    const project = await writeProject({
      'main.ts': 'const config = await Promise.resolve(1);\nexport function main() {\n  return config;\n}\n',
    });
    try {
      const d = only(await buildFails(project.dir, { typecheck: false }), 'TOP_LEVEL_AWAIT');
      expect(d).toMatchObject({ file: 'main.ts', line: 1, column: 16 });
      expect(d.hint).toBe('Move the await into the exported function that needs the value.');
    } finally {
      await project.cleanup();
    }
  });

  it('buildProjectOrThrow throws BuildFailedError with every diagnostic', async () => {
    const rejection = expect(buildProjectOrThrow(fixture('missing-export'), { typecheck: false })).rejects;
    await rejection.toBeInstanceOf(BuildFailedError);
    await rejection.toMatchObject({
      code: 'BUILD_FAILED',
      diagnostics: [{ code: 'MISSING_EXPORT', file: 'main.ts' }],
    });
    await rejection.toThrow(
      /failed with 1 error; fix them and build again:\n\nmain\.ts:1:18 error MISSING_EXPORT/,
    );
  });
});

describe('formatDiagnostic', () => {
  it('prints location, severity, code, message, excerpt and hint', () => {
    expect(
      formatDiagnostic({
        code: 'TS2345',
        severity: 'error',
        message: "Argument of type 'string' is not assignable to parameter of type 'number'.",
        file: 'handlers.ts',
        line: 12,
        column: 5,
        excerpt: '> 12 | f("x");\n     |   ^~~',
        hint: 'Pass a number.',
      }),
    ).toBe(
      "handlers.ts:12:5 error TS2345: Argument of type 'string' is not assignable to parameter of type 'number'.\n\n> 12 | f(\"x\");\n     |   ^~~\n\nhint: Pass a number.",
    );
    expect(formatDiagnostic({ code: 'EMPTY_PROJECT', severity: 'warning', message: 'Nothing.' })).toBe(
      'warning EMPTY_PROJECT: Nothing.',
    );
  });
});
