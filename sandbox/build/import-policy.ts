/**
 * Which imports user code may not have, and what to use instead. Sandboxed code has no Node.js:
 * built-in modules and packages of the host (outside the project directory) are rejected.
 */
import { builtinModules } from 'node:module';

const BUILTINS: ReadonlySet<string> = new Set(builtinModules);

/** `fs`, `node:fs`, `fs/promises`, and `node:`-only modules such as `node:test`. */
export function isNodeBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || BUILTINS.has(specifier);
}

/** True for `pkg`, `@scope/pkg/sub`; false for relative, absolute and `node:` specifiers. */
export function isBareSpecifier(specifier: string): boolean {
  return !/^(\.{1,2}(\/|$)|\/|[a-zA-Z]+:)/.test(specifier);
}

/** `@scope/pkg/sub/path` → `@scope/pkg`; `pkg/sub` → `pkg`; `node:fs/promises` → `fs`. */
export function packageNameOf(specifier: string): string {
  const bare = specifier.startsWith('node:') ? specifier.slice('node:'.length) : specifier;
  const parts = bare.split('/');
  return bare.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? bare);
}

const FETCH_HINT = 'use the global `fetch` (durable in workflows, direct in activities)';

const HINTS: ReadonlyMap<string, string> = new Map([
  [
    'fs',
    "read project files with `readResource()` from whisker/workflow, or import them (`import text from './file.txt'`)",
  ],
  [
    'crypto',
    '`crypto.randomUUID()` / `crypto.getRandomValues()` (globals), or `uuid4()` from whisker/workflow',
  ],
  ['timers', '`sleep()` from whisker/workflow'],
  ...['http', 'https', 'http2', 'net', 'tls', 'dgram', 'dns'].map((name): [string, string] => [
    name,
    FETCH_HINT,
  ]),
  ...[
    'node-fetch',
    'axios',
    'undici',
    'got',
    'request',
    'superagent',
    'cross-fetch',
    'isomorphic-fetch',
    'ky',
  ].map((name): [string, string] => [name, FETCH_HINT]),
]);

export const NOT_AVAILABLE_HINT = 'not available in the sandbox';

/** What to use instead of a forbidden import. */
export function replacementFor(specifier: string): string {
  return HINTS.get(packageNameOf(specifier)) ?? NOT_AVAILABLE_HINT;
}
