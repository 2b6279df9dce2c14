/**
 * An engine that only runs sessions never loads the TypeScript compiler (~80 MB of RSS): it is
 * imported by the first build. Checked in a fresh process, where nothing else could have loaded it.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { finished, ROOT } from '../cli/helpers.js';

const SCRIPT = (engineUrl: string, projectDir: string): string => `
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const typescriptLoaded = () => Object.keys(require.cache).some((path) => path.includes('/node_modules/typescript/'));
const { createEngine } = await import(${JSON.stringify(engineUrl)});
const engine = await createEngine({});
const afterStart = typescriptLoaded();
await engine.loadProject(${JSON.stringify(projectDir)});
const afterBuild = typescriptLoaded();
await engine.shutdown();
console.log(JSON.stringify({ afterStart, afterBuild }));
`;

describe('engine start-up', () => {
  it('does not load the TypeScript compiler until a project is built', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'whisker-footprint-'));
    try {
      const script = join(dir, 'probe.mjs');
      const engineUrl = pathToFileURL(join(ROOT, 'engine/index.ts')).href;
      await writeFile(script, SCRIPT(engineUrl, join(ROOT, 'test/engine/fixtures/app')));
      const child = spawn(process.execPath, ['--no-node-snapshot', '--import', 'tsx', script], {
        cwd: ROOT,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const { code, stdout, stderr } = await finished(child);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(JSON.parse(stdout)).toEqual({ afterStart: false, afterBuild: true });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
