import { describe, expect, it } from 'vitest';

import { listExportedFunctions } from '../../../sandbox/build/exported-functions.js';

function exportsOf(files: Record<string, string>, file: string): string[] {
  const listed = listExportedFunctions(new Map(Object.entries(files))).get(file) ?? [];
  return listed.map((f) => f.name).sort();
}

describe('listExportedFunctions', () => {
  it('recognises every export form of a function', () => {
    const source = `
      export function plain() {}
      export async function asyncFn() {}
      export function* generator() {}
      export const arrow = (x: number) => x;
      export const asyncArrow = async () => {};
      export const expression = function named() {};
      export const wrapped = ((x: string) => x) as (x: string) => string;
      export const checked = (() => 1) satisfies () => number;
      function local() {}
      const localArrow = () => 2;
      export { local, localArrow as renamed };
      export default function () {}
    `;
    expect(exportsOf({ 'main.ts': source }, 'main.ts')).toEqual([
      'arrow',
      'asyncArrow',
      'asyncFn',
      'checked',
      'default',
      'expression',
      'generator',
      'local',
      'plain',
      'renamed',
      'wrapped',
    ]);
  });

  it('leaves out values, classes, types, declarations and overload signatures', () => {
    const source = `
      export const value = 1;
      export let later: () => void;
      export class Service {}
      export interface Shape {}
      export type Fn = () => void;
      export declare function ambient(): void;
      export const { a, b } = { a: () => 1, b: 2 };
      export function overloaded(x: string): string;
      export function overloaded(x: number): number;
      export function overloaded(x: unknown) { return x; }
      const notAFunction = 3;
      export { notAFunction };
      export type { Shape as Alias };
    `;
    expect(exportsOf({ 'main.ts': source }, 'main.ts')).toEqual(['overloaded']);
  });

  it('names a default export `default` in each of its forms', () => {
    expect(exportsOf({ 'a.ts': 'export default async function handler() {}' }, 'a.ts')).toEqual(['default']);
    expect(exportsOf({ 'b.ts': 'export default (x: number) => x;' }, 'b.ts')).toEqual(['default']);
    expect(exportsOf({ 'c.ts': 'function run() {}\nexport default run;' }, 'c.ts')).toEqual(['default']);
    expect(exportsOf({ 'd.ts': 'const n = 1;\nexport default n;' }, 'd.ts')).toEqual([]);
    expect(exportsOf({ 'e.js': 'export default class {}' }, 'e.js')).toEqual([]);
  });

  it('follows re-exports and imports between project files', () => {
    const files = {
      'lib/steps.ts':
        'export function stepOne() {}\nexport const stepTwo = () => 2;\nexport const limit = 5;\nexport default function main() {}',
      'lib/index.ts': "export * from './steps.js';",
      'main.ts': [
        "import { stepOne } from './lib/steps.js';",
        "import mainStep from './lib/steps';",
        "export { stepTwo as second, limit } from './lib/index.js';",
        "export { default as entry } from './lib/steps.ts';",
        'export { stepOne, mainStep };',
        "export * from './lib/index.js';",
        "export * as everything from './lib/steps.js';",
      ].join('\n'),
    };
    expect(exportsOf(files, 'lib/index.ts')).toEqual(['stepOne', 'stepTwo']);
    expect(exportsOf(files, 'main.ts')).toEqual(['entry', 'mainStep', 'second', 'stepOne', 'stepTwo']);
  });

  it('survives cycles of re-exports', () => {
    const files = {
      'a.ts': "export * from './b.js';\nexport function fromA() {}",
      'b.ts': "export * from './a.js';\nexport function fromB() {}",
    };
    expect(exportsOf(files, 'a.ts')).toEqual(['fromA', 'fromB']);
    expect(exportsOf(files, 'b.ts')).toEqual(['fromA', 'fromB']);
  });

  it('reads JavaScript files and gives 1-based positions of the exported names', () => {
    const listed = listExportedFunctions(
      new Map([
        [
          'jobs.mjs',
          '// jobs\nexport async function nightly() {}\n\nexport { helper as daily };\nfunction helper() {}\n',
        ],
      ]),
    ).get('jobs.mjs');
    expect(listed).toEqual([
      { file: 'jobs.mjs', name: 'nightly', line: 2, column: 23 },
      { file: 'jobs.mjs', name: 'daily', line: 4, column: 20 },
    ]);
  });

  it('does not list functions of packages (bare specifiers are not followed)', () => {
    expect(exportsOf({ 'main.ts': "export { slugify } from 'slug';" }, 'main.ts')).toEqual([]);
  });
});
