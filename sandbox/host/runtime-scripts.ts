/**
 * The guest runtime as two classic scripts (workflow and activity), bundled from `sandbox/guest/`
 * with esbuild and handed to every runner at start. Each script's completion value is its setup
 * function; the bundle's own names stay local to a wrapper function, so nothing of the runtime
 * lands on the guest's global object.
 *
 * The compiled `dist/` ships them bundled (`runtime-scripts.json`, written by `npm run build`), so an
 * engine from `dist/` starts no esbuild process of its own (~22 MB of RSS kept for the process's
 * life, and its start-up). From source (tests, `tsx`) they are bundled once per process.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

import type { RuntimeScripts } from '../runner/wire.js';

/** `.ts` when running from source (tests, `tsx`), `.js` from the compiled `dist/`. */
const EXTENSION = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

let cached: Promise<RuntimeScripts> | undefined;

/** Where `dist/` keeps the bundled scripts (next to this module). */
export const PREBUILT_RUNTIME_FILE = fileURLToPath(new URL('./runtime-scripts.json', import.meta.url));

export function runtimeScripts(): Promise<RuntimeScripts> {
  cached ??= (
    EXTENSION === '.js' && existsSync(PREBUILT_RUNTIME_FILE) ? readPrebuilt() : bundleRuntime()
  ).catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}

const GLOBAL_NAME = '__whiskerRuntime';

async function readPrebuilt(): Promise<RuntimeScripts> {
  const scripts = JSON.parse(await readFile(PREBUILT_RUNTIME_FILE, 'utf8')) as Partial<RuntimeScripts>;
  if (typeof scripts.workflow !== 'string' || typeof scripts.activity !== 'string') {
    throw new Error(`${PREBUILT_RUNTIME_FILE} is not a bundled guest runtime; run \`npm run build\` again`);
  }
  return { workflow: scripts.workflow, activity: scripts.activity };
}

/** Bundles the scripts from `sandbox/guest/` (esbuild, loaded only here). */
export async function bundleRuntime(): Promise<RuntimeScripts> {
  const { build } = await import('esbuild');
  const entry = (name: string): string =>
    fileURLToPath(new URL(`../guest/${name}${EXTENSION}`, import.meta.url));
  const [workflow, activity] = await Promise.all(
    [
      { file: entry('workflow-entry'), setup: 'setupWorkflow' },
      { file: entry('activity-entry'), setup: 'setupActivity' },
    ].map(async ({ file, setup }) => {
      const result = await build({
        entryPoints: [file],
        bundle: true,
        write: false,
        format: 'iife',
        globalName: GLOBAL_NAME,
        platform: 'neutral',
        target: 'es2022',
        legalComments: 'none',
        logLevel: 'silent',
      });
      const code = result.outputFiles[0]?.text;
      if (code === undefined) throw new Error(`esbuild produced no output for ${file}`);
      return `(function () {\n${code}\nreturn ${GLOBAL_NAME}.${setup};\n})()`;
    }),
  );
  return { workflow: workflow as string, activity: activity as string };
}
