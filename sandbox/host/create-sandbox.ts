/**
 * `createSandbox(options)`: bundles the guest runtime (once per process), starts the runner pool
 * and waits until every runner answered. The engine process itself never loads isolated-vm.
 */
import type { Sandbox, SandboxOptions } from '../sandbox-types.js';
import { RunnerPool } from './runner-pool.js';
import { runtimeScripts } from './runtime-scripts.js';
import { compileSandboxOptions } from './sandbox-options.js';

/** The sandbox, plus what operations and tests may inspect. */
export interface RunnerSandbox extends Sandbox {
  /** Process ids of the live runner processes. */
  runnerPids(): number[];
  /** Messages exchanged with the runners so far (each carries a batch). */
  transportStats(): { messagesSent: number; messagesReceived: number };
}

export async function createSandbox(options: SandboxOptions = {}): Promise<RunnerSandbox> {
  const compiled = compileSandboxOptions(options);
  const pool = new RunnerPool(compiled, await runtimeScripts());
  await pool.start();
  return pool;
}
