/** Running the command line in tests: in-process (fast) with captured streams, or as a real child process. */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { run } from '../../cli/index.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI_MAIN = fileURLToPath(new URL('../../cli/main.ts', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

class Capture extends Writable {
  text = '';
  isTTY?: boolean;

  constructor(tty = false) {
    super();
    if (tty) this.isTTY = true;
  }

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/** Runs `whisker <args>` in this process. */
export async function cliInProcess(
  args: string[],
  options: { env: NodeJS.ProcessEnv; stdin?: string; tty?: boolean; cwd?: string },
): Promise<CliResult> {
  const stdout = new Capture(options.tty === true);
  const stderr = new Capture();
  const stdin = Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]);
  const code = await run(args, { stdout, stderr, stdin, env: options.env, cwd: options.cwd ?? ROOT });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** Starts `whisker <args>` as a child process (TypeScript sources through tsx). */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv, cwd = ROOT): ChildProcess {
  return spawn(process.execPath, ['--no-node-snapshot', '--import', 'tsx', CLI_MAIN, ...args], {
    cwd,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Runs `whisker <args>` as a child process to its end. */
export function cliProcess(args: string[], env: NodeJS.ProcessEnv, stdin?: string): Promise<CliResult> {
  const child = spawnCli(args, env);
  return finished(child, stdin);
}

export function finished(child: ChildProcess, stdin?: string): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin?.end(stdin ?? '');
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** An environment with nothing of the developer's: a fresh HOME, no WHISKER_* variables. */
export function cleanEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('WHISKER_') && key !== 'NO_COLOR' && key !== 'XDG_CONFIG_HOME') env[key] = value;
  }
  return { ...env, HOME: home, XDG_CONFIG_HOME: `${home}/.config`, ...extra };
}
