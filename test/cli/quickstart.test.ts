/**
 * The README quickstart end to end, with real processes: `whisker up` in a fresh data directory,
 * `whisker deploy examples/hello` from "another terminal" (another process, finding the server
 * and its token through the saved credentials), the webhook fired, the session completed; then the
 * approval example driven by signals; `--json` parsed, exit codes checked; Ctrl+C stops the server
 * with exit code 0. Also the installed bin (`bin/whisker.js` → `dist/cli/main.js`).
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, cliProcess, finished, ROOT, spawnCli } from './helpers.js';

let home: string;
let env: NodeJS.ProcessEnv;
let up: ChildProcess;
let upExit: Promise<{ code: number; stdout: string; stderr: string }>;
let banner: { url: string; dataDir: string; credentialsFile: string; adminToken: string };

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'whisker-quickstart-'));
  env = cleanEnv(home, { WHISKER_DATA_DIR: join(home, 'data') });
  up = spawnCli(['up', '--port', '0', '--runners', '1', '--json'], env);
  upExit = finished(up);
  banner = await new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`whisker up did not start: ${text}`)), 30_000);
    up.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const line = text.split('\n')[0];
      if (text.includes('\n') && line !== undefined) {
        clearTimeout(timer);
        resolve(JSON.parse(line) as typeof banner);
      }
    });
  });
}, 60_000);

afterAll(async () => {
  if (up.exitCode === null) up.kill('SIGKILL');
  await rm(home, { recursive: true, force: true });
});

describe('the README quickstart', () => {
  it('whisker up prints where it listens and saves the admin token for the command line', async () => {
    expect(banner).toEqual({
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) as unknown,
      api: `${banner.url}/api/v1`,
      docs: `${banner.url}/docs`,
      dataDir: join(home, 'data'),
      credentialsFile: join(home, 'data', 'credentials.json'),
      adminToken: expect.stringMatching(/^wsk_/) as unknown,
    });
    expect((await stat(banner.credentialsFile)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(banner.credentialsFile, 'utf8'))).toMatchObject({
      url: banner.url,
      token: banner.adminToken,
    });
    expect((await fetch(`${banner.url}/health`)).status).toBe(200);
  });

  it('deploys examples/hello from another process, fires the webhook, sees the session complete', async () => {
    const deployed = await cliProcess(['deploy', 'examples/hello'], env);
    expect(deployed.code, deployed.stderr).toBe(0);
    expect(deployed.stdout).toMatch(/^Deployed hello: dep_\w+ is active\./);
    expect(deployed.stderr).toContain('• checked: no problems');

    const listed = await cliProcess(['trigger', 'list', '--project', 'hello', '--json'], env);
    expect(listed.code).toBe(0);
    const [trigger] = JSON.parse(listed.stdout) as { name: string; webhookPath: string }[];
    expect(trigger?.name).toBe('greet');
    const response = await fetch(`${banner.url}${trigger?.webhookPath ?? ''}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Ada' }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ message: 'Hello, Ada!' });

    const sessions = await cliProcess(['session', 'list', '--project', 'hello', '--json'], env);
    const page = JSON.parse(sessions.stdout) as {
      sessions: { sessionId: string; status: string; result: unknown }[];
      total: number;
    };
    expect(page.total).toBe(1);
    expect(page.sessions[0]).toMatchObject({ status: 'completed', result: 'Hello, Ada!' });

    const missing = await cliProcess(['session', 'get', 'ses_01ARZ3NDEKTSV4RRFFQ69G5FAV', '--json'], env);
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stderr)).toEqual({
      error: {
        code: 'SESSION_NOT_FOUND',
        message: 'session ses_01ARZ3NDEKTSV4RRFFQ69G5FAV does not exist (list sessions to see the ids)',
        details: { sessionId: 'ses_01ARZ3NDEKTSV4RRFFQ69G5FAV' },
      },
    });
    expect((await cliProcess(['no-such-command'], env)).code).toBe(2);
  });

  it('runs the approval example: a webhook starts a session that waits for a signal, then calls an activity', async () => {
    expect((await cliProcess(['deploy', 'examples/approval'], env)).code).toBe(0);
    const listed = await fetch(`${banner.url}/api/v1/triggers?project=approval`, {
      headers: { authorization: `Bearer ${banner.adminToken}` },
    });
    const { triggers } = (await listed.json()) as { triggers: { webhookPath: string }[] };
    const started = await fetch(`${banner.url}${triggers[0]?.webhookPath ?? ''}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ item: 'laptop', requester: 'bob' }),
    });
    expect(started.status).toBe(202);
    const { sessionId } = (await started.json()) as { sessionId: string };
    for (let i = 0; i < 100; i++) {
      const got = await fetch(`${banner.url}/api/v1/sessions/${sessionId}`, {
        headers: { authorization: `Bearer ${banner.adminToken}` },
      });
      if (((await got.json()) as { status: string }).status === 'waiting') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const signalled = await cliProcess(
      ['session', 'signal', sessionId, 'approve', '--payload', '{"approved":true,"by":"ada"}'],
      env,
    );
    expect(signalled).toMatchObject({ code: 0, stdout: `Sent approve to ${sessionId}.\n` });
    const watched = await cliProcess(['session', 'watch', sessionId], env);
    expect(watched.code, watched.stderr).toBe(0);
    expect(watched.stdout).toContain('[activity #2] to bob: request for laptop approved by ada');
    expect(watched.stdout).toMatch(/result +request for laptop approved by ada\n$/);
  });

  it('deploys the scheduled example', async () => {
    const deployed = await cliProcess(['deploy', 'examples/scheduled', '--json'], env);
    expect(deployed.code).toBe(0);
    const result = JSON.parse(deployed.stdout) as {
      project: { triggers: { type: string; schedule: string }[] };
      deployment: { state: string };
    };
    expect(result.deployment.state).toBe('active');
    expect(result.project.triggers).toEqual([
      expect.objectContaining({ type: 'schedule', schedule: '* * * * *' }),
    ]);
  });

  it('stops on Ctrl+C (SIGINT) and exits 0', async () => {
    up.kill('SIGINT');
    const exit = await upExit;
    expect(exit.code).toBe(0);
    expect(exit.stderr).toContain('Stopped.');
    await expect(fetch(`${banner.url}/health`)).rejects.toThrow();
    // A second start on the same data directory: the sessions are still there, no new admin token is
    // made, the saved one (with the new URL) still works for the command line.
    const second = spawnCli(['up', '--port', '0', '--runners', '1', '--json'], env);
    const secondExit = finished(second);
    try {
      const line = await new Promise<string>((resolve) => {
        let text = '';
        second.stdout?.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          if (text.includes('\n')) resolve(text.split('\n')[0] ?? '');
        });
      });
      const restarted = JSON.parse(line) as { url: string; adminToken?: string };
      expect(restarted.adminToken).toBeUndefined();
      expect(JSON.parse(await readFile(banner.credentialsFile, 'utf8'))).toMatchObject({
        url: restarted.url,
        token: banner.adminToken,
      });
      const sessions = await cliProcess(['session', 'list', '--project', 'hello', '--json'], env);
      expect((JSON.parse(sessions.stdout) as { total: number }).total).toBe(1);
    } finally {
      second.kill('SIGTERM');
    }
    expect((await secondExit).code).toBe(0);
  });
});

describe('the installed bin', () => {
  it('runs dist/cli/main.js, and says how to build when it is missing', async () => {
    const dir = join(ROOT, 'test-artifacts', `bin-${process.pid}`);
    await mkdir(join(dir, 'bin'), { recursive: true });
    try {
      await copyFile(join(ROOT, 'bin/whisker.js'), join(dir, 'bin/whisker.js'));
      const missing = await run(process.execPath, [join(dir, 'bin/whisker.js'), '--version']);
      expect(missing).toMatchObject({
        code: 1,
        stderr: 'whisker: dist/cli/main.js is missing; run `npm run build` in the Whisker directory first\n',
      });
      // The compiled entry (bundled here: a full `npm run build` is what `npm install` does).
      await writeFile(join(dir, 'package.json'), await readFile(join(ROOT, 'package.json')));
      await build({
        entryPoints: [join(ROOT, 'cli/main.ts')],
        outfile: join(dir, 'dist/cli/main.js'),
        bundle: true,
        platform: 'node',
        format: 'esm',
        packages: 'external',
        logLevel: 'silent',
      });
      const version = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
      expect(await run(process.execPath, [join(dir, 'bin/whisker.js'), '--version'])).toEqual({
        code: 0,
        stdout: `${version.version}\n`,
        stderr: '',
      });
      const help = await run(process.execPath, [join(dir, 'bin/whisker.js'), 'session', '--help']);
      expect(help.stdout).toContain('Usage: whisker session [options] [command]');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

function run(command: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return finished(spawn(command, args, { cwd: ROOT, env: cleanEnv(home), stdio: ['pipe', 'pipe', 'pipe'] }));
}
