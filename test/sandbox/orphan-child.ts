/**
 * Child process of `pool.test.ts`: an "engine" that starts a sandbox, prints its runners' pids and
 * waits to be killed (kill -9), so the test can check the runners do not outlive it.
 */
import { createSandbox } from '../../sandbox/index.js';

const sandbox = await createSandbox({ runners: 2 });
process.stdout.write(`${JSON.stringify(sandbox.runnerPids())}\n`);
setInterval(() => undefined, 60_000);
