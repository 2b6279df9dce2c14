// Builds a project with a BuildWorker in this process and prints, as JSON, the pid of the build
// process and those of its esbuild processes; then, by mode, `kill`: starts another build and
// waits, for the test to kill this process with SIGKILL; `exit`: returns, and this process must
// end although the idle build process is kept (idleMs is a minute: it is unref'd).
import { execFileSync } from 'node:child_process';

import { BuildWorker } from '../../../sandbox/build/index.js';

const [dir, mode] = process.argv.slice(2);
if (dir === undefined || (mode !== 'kill' && mode !== 'exit'))
  throw new Error('usage: build-worker-child.ts <project-dir> kill|exit');
const worker = new BuildWorker({ idleMs: 60_000 });
const result = await worker.build(dir, { typecheck: false });
if (!result.ok) throw new Error('the build failed');
const pid = worker.pid;
const esbuild = execFileSync('ps', ['-A', '-o', 'pid=,ppid=,comm='], { encoding: 'utf8' })
  .split('\n')
  .map((line) => line.trim().split(/\s+/))
  .filter(([, ppid, comm]) => Number(ppid) === pid && (comm ?? '').includes('esbuild'))
  .map(([child]) => Number(child));
process.stdout.write(`${JSON.stringify({ pid, esbuild })}\n`);
if (mode === 'kill') {
  void worker.build(dir, { typecheck: true });
  // Alive until killed, whether or not that build has finished by then.
  setInterval(() => undefined, 1_000);
}
