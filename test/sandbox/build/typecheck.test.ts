import { describe, expect, it } from 'vitest';

import { clearTypecheckCache } from '../../../sandbox/build/index.js';
import { TYPECHECK, buildFails, buildOk, fixture, writeProject } from './helpers.js';

async function withProject<T>(files: Record<string, string>, run: (dir: string) => Promise<T>): Promise<T> {
  const project = await writeProject(files);
  try {
    return await run(project.dir);
  } finally {
    await project.cleanup();
  }
}

describe('type checking', () => {
  it('is on by default and can be turned off', async () => {
    await expect(buildFails(fixture('type-error'), TYPECHECK)).resolves.toHaveLength(1);
    const unchecked = await buildOk(fixture('type-error'), { typecheck: false });
    expect(unchecked.artifact.entryPoints).toEqual([{ file: 'main.ts', name: 'main' }]);
  });

  it('passes a correct project that uses resources, a vendored package and the guest API', async () => {
    const result = await buildOk(fixture('basic'), TYPECHECK);
    expect(result.warnings).toEqual([]);
    expect(result.durationMs).toBeGreaterThan(0);
  });

  it('types imports of whisker/workflow against the guest API', async () => {
    const diagnostics = await withProject(
      {
        'main.ts':
          "import { sleep } from 'whisker/workflow';\nexport async function main() {\n  await sleep(true);\n}\n",
      },
      (dir) => buildFails(dir, TYPECHECK),
    );
    expect(diagnostics).toMatchObject([{ code: 'TS2345', file: 'main.ts', line: 3, column: 15 }]);
  });

  it('types resources as the bundler loads them: text as string, binary as Uint8Array, JSON as data', async () => {
    const diagnostics = await withProject(
      {
        'main.ts': [
          "import text from './mail.txt';",
          "import bytes from './logo.png';",
          "import data from './data.json';",
          'export function main(): [number, string, boolean] {',
          '  return [text, bytes, data.enabled];',
          '}',
        ].join('\n'),
        'mail.txt': 'hello',
        'logo.png': 'PNG',
        'data.json': '{ "enabled": "yes" }',
      },
      (dir) => buildFails(dir, TYPECHECK),
    );
    expect(diagnostics.map((d) => [d.code, d.line, d.column, d.message])).toEqual([
      ['TS2322', 5, 11, "Type 'string' is not assignable to type 'number'."],
      ['TS2322', 5, 17, "Type 'Uint8Array<ArrayBufferLike>' is not assignable to type 'string'."],
      ['TS2322', 5, 24, "Type 'string' is not assignable to type 'boolean'."],
    ]);
  });

  it('knows the sandbox globals and nothing of Node.js or the DOM', async () => {
    const diagnostics = await withProject(
      {
        'main.ts': [
          'export async function main() {',
          "  console.log('ok', crypto.randomUUID());",
          "  const response = await fetch('https://example.com');",
          '  return [await response.text(), process.env.HOME, document.title];',
          '}',
        ].join('\n'),
      },
      (dir) => buildFails(dir, TYPECHECK),
    );
    expect(diagnostics.map((d) => [d.code, d.line, d.message.split(' ').slice(0, 4).join(' ')])).toEqual([
      ['TS2591', 4, "Cannot find name 'process'."],
      ['TS2584', 4, "Cannot find name 'document'."],
    ]);
    expect(diagnostics[0]!.hint).toContain(
      'Node.js globals (process, require, Buffer, __dirname) do not exist',
    );
    expect(diagnostics[1]!.hint).toContain('no DOM');
  });

  it('is strict without a tsconfig.json, and follows the project tsconfig.json when there is one', async () => {
    const source = 'export function main(input) {\n  return input;\n}\n';
    const strict = await withProject({ 'main.ts': source }, (dir) => buildFails(dir, TYPECHECK));
    expect(strict).toMatchObject([{ code: 'TS7006', file: 'main.ts', line: 1, column: 22 }]);
    const loose = await withProject(
      { 'main.ts': source, 'tsconfig.json': '{ "compilerOptions": { "strict": false } }' },
      (dir) => buildOk(dir, TYPECHECK),
    );
    expect(loose.artifact.entryPoints).toEqual([{ file: 'main.ts', name: 'main' }]);
  });

  it('resolves tsconfig.json paths aliases the same way when type checking and bundling', async () => {
    const result = await withProject(
      {
        'tsconfig.json': '{ "compilerOptions": { "strict": true, "paths": { "@lib/*": ["./lib/*"] } } }',
        'lib/util.ts': 'export const two = (): number => 2;\n',
        'main.ts':
          "import { two } from '@lib/util.js';\nexport function main(): number {\n  return two();\n}\n",
      },
      (dir) => buildOk(dir, TYPECHECK),
    );
    expect(result.artifact.sources).toEqual(['lib/util.ts', 'main.ts']);
    expect(result.artifact.workflowBundle.code).toContain('var two = () => 2;');
  });

  it('reports invalid tsconfig.json options with their location in the file', async () => {
    const diagnostics = await withProject(
      {
        'main.ts': 'export function main() {}\n',
        'tsconfig.json':
          '{\n  "compilerOptions": {\n    "target": "es1999",\n    "strictest": true\n  }\n}\n',
      },
      (dir) => buildFails(dir, { typecheck: false }),
    );
    expect(diagnostics.map((d) => [d.code, d.file, d.line, d.column])).toEqual([
      ['TS6046', 'tsconfig.json', 3, 15],
      ['TS5025', 'tsconfig.json', 4, 5],
    ]);
    expect(diagnostics[0]!.excerpt).toContain('> 3 |     "target": "es1999",');
  });

  it('reports a tsconfig.json that is not valid JSON', async () => {
    const diagnostics = await withProject(
      {
        'main.ts': 'export function main() {}\n',
        'tsconfig.json': '{\n  "compilerOptions": { "strict": true }\n  "x": 1\n}',
      },
      (dir) => buildFails(dir, { typecheck: false }),
    );
    expect(diagnostics).toMatchObject([
      { code: 'TS1005', file: 'tsconfig.json', line: 3, column: 3, message: "',' expected." },
    ]);
  });

  it('checks JavaScript files only when the project asks for it (checkJs)', async () => {
    const files = { 'main.js': 'export function main() {\n  const n = 1;\n  return n.toUpperCase();\n}\n' };
    await expect(withProject(files, (dir) => buildOk(dir, TYPECHECK))).resolves.toBeDefined();
    const checked = await withProject(
      {
        ...files,
        'tsconfig.json': '{ "compilerOptions": { "allowJs": true, "checkJs": true, "strict": true } }',
      },
      (dir) => buildFails(dir, TYPECHECK),
    );
    expect(checked).toMatchObject([{ code: 'TS2339', file: 'main.js', line: 3, column: 12 }]);
  });

  it('gives the same diagnostics cold (no cached lib files) and warm', async () => {
    clearTypecheckCache();
    const cold = await buildFails(fixture('type-error'), TYPECHECK);
    const warm = await buildFails(fixture('type-error'), TYPECHECK);
    expect(warm).toEqual(cold);
  });
});

describe('the sandbox globals and the guest API, as user code sees them', () => {
  it('declares every global a workflow context has', async () => {
    const { WORKFLOW_GLOBALS } = await import('../../../sandbox/guest/workflow-globals.js');
    const names = WORKFLOW_GLOBALS.filter((name) => name !== 'undefined');
    const result = await withProject(
      { 'main.ts': `export function main(): unknown[] {\n  return [${names.join(', ')}];\n}\n` },
      (dir) => buildOk(dir, TYPECHECK),
    );
    expect(result.artifact.entryPoints).toEqual([{ file: 'main.ts', name: 'main' }]);
  });

  it('types a realistic workflow and activity module against the real guest API', async () => {
    const result = await withProject(
      {
        'main.ts': [
          "import { proxyActivities, sleep, condition, log, uuid4 } from 'whisker/workflow';",
          "import type * as activities from './activities.js';",
          "import { lookup } from './activities.js';",
          '',
          "const { notify } = proxyActivities<typeof activities>({ startToCloseTimeout: '1m' });",
          '',
          'export async function main(user: string): Promise<string> {',
          '  const id = uuid4();',
          '  const status: number = await lookup(user);',
          "  await sleep('5m');",
          '  const done = await condition(() => status > 0, 1000);',
          '  log.info(`checked ${id}`, { done });',
          "  const response = await fetch('https://example.com/api', { headers: new Headers({ a: 'b' }) });",
          '  const body = new TextDecoder().decode(new TextEncoder().encode(await response.text()));',
          '  await notify(user, body);',
          '  return body;',
          '}',
        ].join('\n'),
        'activities.ts': [
          "import { heartbeat, cancellationSignal, getSecret } from 'whisker/activity';",
          '',
          'export async function lookup(user: string): Promise<number> {',
          '  heartbeat({ user });',
          '  const response = await fetch(`https://example.com/${user}`, { signal: cancellationSignal() });',
          "  return response.status + (getSecret('token')?.length ?? 0);",
          '}',
          '',
          'export async function notify(user: string, message: string): Promise<void> {',
          '  console.log(user, message);',
          '}',
        ].join('\n'),
      },
      (dir) => buildOk(dir, TYPECHECK),
    );
    expect(result.artifact.activities.map((a) => a.name)).toEqual(['lookup', 'notify']);
  });
});
