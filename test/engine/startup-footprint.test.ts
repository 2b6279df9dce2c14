/**
 * The engine's own thread never loads the TypeScript compiler (~80 MB of RSS): an engine that only
 * runs sessions does not need it, and its builds run in the build worker's process, which takes the
 * compiler with it when it stops. Checked in a fresh process, where nothing else could have loaded
 * it; an in-process build at the end shows that the probe sees the compiler when it is loaded. The
 * build process and its esbuild process end with the engine's shutdown. The probes run the compiled
 * dist/ (built by npm install), as an embedding app does. A third probe checks that running sessions
 * loads neither esbuild's module nor the manifest's parser, schema and CEL, and that a lint does.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { finished, ROOT } from '../cli/helpers.js';

const SCRIPT = (engineUrl: string, sandboxUrl: string, projectDir: string): string => `
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const typescriptLoaded = () => Object.keys(require.cache).some((path) => path.includes('/node_modules/typescript/'));
const { execFileSync } = await import('node:child_process');
// Every process (zombies included), with its parent and command line.
const processes = () =>
  execFileSync('ps', ['-A', '-o', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .split('\\n')
    .map((line) => line.trim().split(/\\s+/))
    .map(([pid, ppid, ...args]) => ({ pid: Number(pid), ppid: Number(ppid), args: args.join(' ') }));
const esbuildChildren = () =>
  processes().filter((p) => p.ppid === process.pid && p.args.includes('esbuild')).length;
const { createEngine } = await import(${JSON.stringify(engineUrl)});
const engine = await createEngine({});
const afterStart = typescriptLoaded();
const esbuildAtStart = esbuildChildren();
await engine.loadProject(${JSON.stringify(projectDir)});
const afterBuild = typescriptLoaded();
const esbuildAfterBuild = esbuildChildren() - esbuildAtStart;
const buildProcesses = processes()
  .filter((p) => p.ppid === process.pid && p.args.includes('build-worker-main'))
  .map((p) => p.pid);
const esbuildInBuildProcess = processes()
  .filter((p) => buildProcesses.includes(p.ppid) && p.args.includes('esbuild'))
  .map((p) => p.pid);
await engine.shutdown();
const gone = [...buildProcesses, ...esbuildInBuildProcess];
const leftAfterShutdown = processes().filter((p) => gone.includes(p.pid)).length;
const { buildProject } = await import(${JSON.stringify(sandboxUrl)});
await buildProject(${JSON.stringify(projectDir)}, { typecheck: false });
const afterInProcessBuild = typescriptLoaded();
console.log(JSON.stringify({ afterStart, afterBuild, afterInProcessBuild, esbuildAfterBuild, buildProcesses: buildProcesses.length, esbuildInBuildProcess: esbuildInBuildProcess.length > 0, leftAfterShutdown }));
`;

const ENGINE_URL = pathToFileURL(join(ROOT, 'dist/engine/index.js')).href;
const SANDBOX_URL = pathToFileURL(join(ROOT, 'dist/sandbox/index.js')).href;

/**
 * Runs `source` as a script in a fresh Node process on the compiled dist/ (no tsx: the probe runs
 * the engine as an embedding app does, and tsx would start an esbuild process of its own in the
 * build process, before it can track its children, whose exit would race the count of leftovers);
 * expects a clean exit and returns the JSON it printed.
 */
async function runProbe(source: string): Promise<unknown> {
  const dir = await mkdtemp(join(tmpdir(), 'whisker-footprint-'));
  try {
    const script = join(dir, 'probe.mjs');
    await writeFile(script, source);
    const child = spawn(process.execPath, ['--no-node-snapshot', script], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const { code, stdout, stderr } = await finished(child);
    expect(stderr, 'dist/ is built by npm install (npm run build)').toBe('');
    expect(code).toBe(0);
    return JSON.parse(stdout);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('engine start-up', () => {
  it('does not load the TypeScript compiler in its own thread, not even to build', async () => {
    const seen = await runProbe(SCRIPT(ENGINE_URL, SANDBOX_URL, join(ROOT, 'test/engine/fixtures/app')));
    expect(seen).toEqual({
      afterStart: false,
      afterBuild: false,
      afterInProcessBuild: true,
      // esbuild runs in the build worker's process, not in the engine's; both processes end (and
      // are reaped: not even a zombie is left) with the engine's shutdown.
      esbuildAfterBuild: 0,
      buildProcesses: 1,
      esbuildInBuildProcess: true,
      leftAfterShutdown: 0,
    });
  }, 60_000);

  it('runs sessions without loading the bundler, the manifest parser or CEL; a whisker.yaml loads them', async () => {
    const hook = `let port; export function initialize(data) { port = data.port; }
export async function resolve(specifier, context, next) { const result = await next(specifier, context); port.postMessage(result.url); return result; }`;
    const seen = await runProbe(`
import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
const { port1, port2 } = new MessageChannel();
const urls = new Set();
port1.on('message', (url) => urls.add(url));
port1.unref();
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)}, { data: { port: port2 }, transferList: [port2] });
const settle = () => new Promise((resolve) => setTimeout(resolve, 100));
const packages = async () => {
  await settle();
  const names = new Set();
  for (const url of urls) {
    const match = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(url);
    if (match) names.add(match[1]);
  }
  return ['esbuild', 'yaml', 'typebox', '@bufbuild/cel'].filter((name) => names.has(name));
};
const { createEngine } = await import(${JSON.stringify(ENGINE_URL)});
const engine = await createEngine({});
const build = await engine.loadProject(${JSON.stringify(join(ROOT, 'test/engine/fixtures/app'))});
const session = await engine.startSession({ buildId: build.buildId, entry: 'workflows.ts:doubles', input: 3 });
const result = await engine.result(session.sessionId);
const whileRunning = await packages();
const diagnostics = await engine.projects.lint({ dir: ${JSON.stringify(join(ROOT, 'test/engine/platform/fixtures/shop'))} });
const afterManifest = await packages();
await engine.shutdown();
console.log(JSON.stringify({ result, whileRunning, afterManifest, errors: diagnostics.filter((d) => d.severity === 'error').length }));
`);
    expect(seen).toEqual({
      result: 8, // three project activities ran
      // esbuild runs in the build process; the manifest's YAML, schema and CEL load on first use.
      whileRunning: [],
      afterManifest: ['yaml', 'typebox', '@bufbuild/cel'],
      errors: 0,
    });
  }, 60_000);

  it('starts with the guest runtime bundled at build time: no esbuild process', async () => {
    const seen = (await runProbe(`
const { execFileSync } = await import('node:child_process');
const children = () =>
  execFileSync('ps', ['-A', '-o', 'ppid=,comm='], { encoding: 'utf8' })
    .split('\\n')
    .filter((line) => Number(line.trim().split(/\\s+/)[0]) === process.pid)
    .map((line) => line.trim().split(/\\s+/)[1]);
const { createEngine } = await import(${JSON.stringify(ENGINE_URL)});
const engine = await createEngine({});
const running = children();
await engine.shutdown();
console.log(JSON.stringify({ esbuild: running.filter((c) => c === 'esbuild').length, runners: running.filter((c) => c === 'node').length }));
`)) as { esbuild: number; runners: number };
    expect(seen.esbuild).toBe(0);
    expect(seen.runners).toBeGreaterThan(0); // the sandbox did start (on the prebuilt runtime)
  }, 60_000);
});
