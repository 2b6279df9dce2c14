/**
 * The guest runtime as two classic scripts (workflow and activity), bundled from `sandbox/guest/`
 * with esbuild once per process and handed to every runner at start. Each script's completion
 * value is its setup function; the bundle's own names stay local to a wrapper function, so
 * nothing of the runtime lands on the guest's global object.
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

import type { RuntimeScripts } from '../runner/wire.js';

/** `.ts` when running from source (tests, `tsx`), `.js` from the compiled `dist/`. */
const EXTENSION = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

let cached: Promise<RuntimeScripts> | undefined;

export function runtimeScripts(): Promise<RuntimeScripts> {
  cached ??= bundleRuntime().catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}

const GLOBAL_NAME = '__whiskerRuntime';

async function bundleRuntime(): Promise<RuntimeScripts> {
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
