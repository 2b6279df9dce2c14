/**
 * Every command group against a real server (in this process, on a loopback port), the command
 * line run in-process with captured streams: human output, `--json` output parsed, exit codes,
 * errors with their code, colours only on a terminal, secrets never echoed, login saved 0600.
 */
import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../api/index.js';
import type { RunningServer } from '../../api/index.js';
import { cleanEnv, cliInProcess, ROOT } from './helpers.js';
import type { CliResult } from './helpers.js';

const HELLO = join(ROOT, 'examples/hello');
const SECRET_KEY = Buffer.alloc(32, 5).toString('base64');

let home: string;
let server: RunningServer;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'whisker-cli-'));
  server = await startServer({
    dataDir: join(home, 'data'),
    host: '127.0.0.1',
    port: 0,
    engine: { sandboxOptions: { runners: 1 }, typecheck: false, secretKey: SECRET_KEY },
    api: { rateLimit: false },
  });
  env = cleanEnv(home, { WHISKER_URL: server.url, WHISKER_TOKEN: server.adminToken?.token ?? '' });
});

afterAll(async () => {
  await server?.close();
  if (home !== undefined) await rm(home, { recursive: true, force: true });
});

function whisker(
  args: string[],
  options: { stdin?: string; tty?: boolean; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  return cliInProcess(args, {
    env: options.env ?? env,
    ...(options.stdin !== undefined ? { stdin: options.stdin } : {}),
    ...(options.tty === true ? { tty: true } : {}),
  });
}

async function json<T>(args: string[], options: { stdin?: string } = {}): Promise<T> {
  const result = await whisker([...args, '--json'], options);
  expect(result, result.stderr).toMatchObject({ code: 0 });
  return JSON.parse(result.stdout) as T;
}

describe('deploy and projects', () => {
  it('deploys a directory in one go, with progress and the plan, and the webhook URL', async () => {
    const result = await whisker(['deploy', 'test/api/fixtures/ops']);
    expect(result.code, result.stderr).toBe(0);
    const progress = result.stderr.split('\n');
    expect(progress[0]).toMatch(/^• packed test\/api\/fixtures\/ops: 2 files, [\d.]+ (B|KiB)$/);
    expect(progress[1]).toBe('• checked: no problems');
    expect(progress[2]).toBe('• created project ops');
    expect(progress[3]).toMatch(/^ {2}Plan for project "ops": \d+ to create, 0 to change, 0 to remove\.$/);
    expect(result.stderr).toMatch(/\n• built bld_\w+ in \d+ ms\n• deployed dep_\w+ \(active\)\n$/);
    expect(result.stdout).toMatch(/^Deployed ops: dep_\w+ is active\.\n\nTRIGGER +TYPE +CALL +TARGET\n/);
    expect(result.stdout).toMatch(
      new RegExp(`echo +webhook +flows\\.ts:echo +sync ${server.url}/webhooks/[\\w-]{27}\\n`),
    );
    expect(result.stdout).toMatch(/run +manual +flows\.ts:waitForGo\n/);
    // Colours only on a terminal.
    expect(result.stdout).not.toContain('\u001b[');

    const again = await json<{ plan: { text: string }; deployment: { state: string } }>([
      'deploy',
      'test/api/fixtures/ops',
    ]);
    expect(again.plan.text).toBe('No changes: project "ops" matches the manifest.\n');
    expect(again.deployment.state).toBe('active');
  });

  it('fails with the diagnostics as file:line:col and exit code 1', async () => {
    const broken = join(home, 'broken');
    await cp(HELLO, broken, { recursive: true });
    await writeFile(join(broken, 'handlers.ts'), 'export function greet( {\n');
    const result = await whisker(['deploy', broken]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(
      `error PROJECT_INVALID: ${broken} has 2 errors; fix them and deploy again\n`,
    );
    expect(result.stderr).toContain(
      '  whisker.yaml:12:11 error CALL_FUNCTION_NOT_EXPORTED triggers[0].call: file "handlers.ts" has no exported function "greet" (hint: handlers.ts exports no functions; add `export function greet`)\n',
    );
    // Warnings are progress; errors come with the failure.
    expect(result.stderr).toContain('\n  warning NO_EXPORTED_FUNCTIONS ');
    expect(result.stderr).toContain(
      '  handlers.ts:2:1 error SYNTAX_ERROR Expected identifier but found end of file\n',
    );

    const lint = await whisker(['project', 'lint', broken]);
    expect(lint.code).toBe(1);
    expect(lint.stdout).toContain('handlers.ts:2:1 error SYNTAX_ERROR');
    expect(lint.stderr).toBe(`error PROJECT_INVALID: ${broken}: 2 errors (listed above)\n`);
    const jsonLint = await whisker(['project', 'lint', broken, '--json']);
    expect(jsonLint.code).toBe(1);
    expect(JSON.parse(jsonLint.stdout)).toMatchObject({ ok: false });
    expect(JSON.parse(jsonLint.stderr)).toEqual({
      error: { code: 'PROJECT_INVALID', message: `${broken}: 2 errors (listed above)`, details: {} },
    });
    expect((await whisker(['project', 'lint', HELLO])).stdout).toBe('No problems found.\n');
    expect(await whisker(['deploy', join(home, 'missing')])).toMatchObject({
      code: 1,
      stderr: `error PROJECT_DIR_NOT_FOUND: ${join(home, 'missing')} does not exist; give the directory of a project (it holds whisker.yaml)\n`,
    });
  });

  it('creates, lists, shows, plans, applies and deletes projects', async () => {
    const created = await whisker(['project', 'create', '--name', 'empty']);
    expect(created.stdout).toMatch(/^Created project empty \(prj_\w+\)\.\n$/);
    const list = await json<{ name: string }[]>(['project', 'list']);
    expect(list.map((p) => p.name)).toEqual(['empty', 'ops']);
    const table = (await whisker(['project', 'list'])).stdout.split('\n');
    expect(table[0]).toMatch(/^NAME +ID +ACTIVE DEPLOYMENT +SESSIONS +UPDATED$/);
    expect(table[1]).toMatch(/^empty +prj_\w+ +- +0 \(0 open\) +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);

    const shown = (await whisker(['project', 'get', 'ops'])).stdout;
    expect(shown).toMatch(/^name +ops\nid +prj_\w+\ndescription +The API test project\nactive +dep_\w+\n/);
    expect(shown).toContain('GITHUB_SECRET  (secret, not set)');

    const changed = join(home, 'hello-changed');
    await cp(HELLO, changed, { recursive: true });
    expect((await whisker(['project', 'create', HELLO])).code).toBe(0);
    const manifest = await readFile(join(changed, 'whisker.yaml'), 'utf8');
    await writeFile(join(changed, 'whisker.yaml'), manifest.replace('value: Hello', 'value: Hi'));
    const plan = await whisker(['project', 'plan', changed]);
    expect(plan.stdout).toBe(
      'Plan for project "hello": 0 to create, 1 to change, 0 to remove.\n\n~ var GREETING: "Hello" → "Hi"\n',
    );
    const applied = await whisker(['project', 'apply', changed]);
    expect(applied.stdout).toContain('Applied to project hello.');
    expect(await json<{ value: string }>(['var', 'get', 'hello', 'GREETING'])).toMatchObject({ value: 'Hi' });

    expect(await whisker(['project', 'delete', 'empty'])).toMatchObject({
      code: 0,
      stdout: 'Deleted project empty.\n',
    });
    expect(await whisker(['project', 'get', 'empty'])).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'error PROJECT_NOT_FOUND: project "empty" does not exist (list projects to see them)\n',
    });
  });
});

describe('builds, deployments, triggers, events', () => {
  it('builds and deploys by hand, activates and deactivates', async () => {
    const build = await json<{ buildId: string; status: string }>(['build', 'create', 'hello']);
    expect(build.status).toBe('succeeded');
    expect((await whisker(['build', 'get', build.buildId])).stdout).toMatch(
      new RegExp(`^build +${build.buildId}\\nproject +prj_\\w+\\nstatus +succeeded\\n`),
    );
    expect(
      (await json<{ buildId: string }[]>(['build', 'list', '--project', 'hello'])).map((b) => b.buildId),
    ).toContain(build.buildId);
    const deployment = await json<{ deploymentId: string; state: string }>([
      'deployment',
      'create',
      build.buildId,
      '--no-activate',
    ]);
    expect(deployment.state).toBe('inactive');
    expect((await whisker(['deployment', 'activate', deployment.deploymentId])).stdout).toBe(
      `Deployment ${deployment.deploymentId} is active.\n`,
    );
    expect((await whisker(['deployment', 'get', deployment.deploymentId])).stdout).toMatch(
      /state +active \(activated\)/,
    );
    expect(
      (await json<{ deploymentId: string }[]>(['deployment', 'list', '--project', 'hello']))[0]?.deploymentId,
    ).toBe(deployment.deploymentId);
    expect(await whisker(['deployment', 'delete', deployment.deploymentId])).toMatchObject({
      code: 1,
      stderr: `error INVALID_DEPLOYMENT_STATE: cannot delete deployment ${deployment.deploymentId}: it is active; only inactive deployments can be deleted; deactivate it and let it drain\n`,
    });
    expect((await whisker(['deployment', 'deactivate', deployment.deploymentId])).stdout).toBe(
      `Deployment ${deployment.deploymentId} is inactive.\n`,
    );
    expect((await whisker(['deployment', 'delete', deployment.deploymentId])).stdout).toBe(
      `Deleted deployment ${deployment.deploymentId}.\n`,
    );
  });

  it('lists and runs triggers; lists, shows and redispatches events', async () => {
    const triggers = await json<{ triggerId: string; name: string }[]>([
      'trigger',
      'list',
      '--project',
      'ops',
    ]);
    const run = triggers.find((t) => t.name === 'run');
    expect(run).toBeDefined();
    expect((await whisker(['trigger', 'get', run?.triggerId ?? ''])).stdout).toMatch(
      /^trigger +trg_\w+\nname +run\ntype +manual\ncall +flows\.ts:waitForGo\n/,
    );
    const fired = await json<{ eventId: string; sessionId: string; status: string }>([
      'trigger',
      'run',
      run?.triggerId ?? '',
      '--input',
      '{"n":1}',
    ]);
    expect(fired.status).toBe('dispatched');
    await server.engine.waitFor(fired.sessionId, (s) => s.status === 'waiting', 5000);

    const events = await json<{ events: { eventId: string; status: string }[]; total: number }>([
      'event',
      'list',
      '--project',
      'ops',
      '--type',
      'manual',
    ]);
    expect(events.events[0]?.eventId).toBe(fired.eventId);
    expect((await whisker(['event', 'get', fired.eventId])).stdout).toMatch(/data +\{"n":1\}\n$/);
    const again = await whisker(['event', 'redispatch', fired.eventId]);
    expect(again.stdout).toMatch(/^New event evt_\w+ dispatched: session ses_\w+\n$/);
    const page = await whisker(['event', 'list', '--project', 'ops', '--limit', '1']);
    expect(page.stdout).toMatch(/\n2 in all; next page: --cursor evt_\w+\n$/);
    const cursor = /--cursor (evt_\w+)/.exec(page.stdout)?.[1] ?? '';
    expect(
      (
        await json<{ events: { eventId: string }[] }>([
          'event',
          'list',
          '--project',
          'ops',
          '--cursor',
          cursor,
        ])
      ).events.map((e) => e.eventId),
    ).toEqual([fired.eventId]);
    expect(await whisker(['event', 'list', '--limit', 'x'])).toMatchObject({
      code: 1,
      stderr: 'error INVALID_OPTION: --limit: "x" is not a whole number of at least 1\n',
    });
  });
});

describe('variables and secrets', () => {
  it('sets plain values from the line or stdin, and secrets only from stdin, never shown', async () => {
    expect((await whisker(['var', 'set', 'ops', 'REGION', 'eu'])).stdout).toBe('Set REGION on ops.\n');
    expect((await whisker(['var', 'set', 'ops', 'MOTD'], { stdin: 'hello there\n' })).stdout).toBe(
      'Set MOTD on ops.\n',
    );
    expect((await whisker(['var', 'get', 'ops', 'MOTD'])).stdout).toBe('hello there\n');
    expect(await whisker(['var', 'set', 'ops', 'GITHUB_SECRET', 'oops', '--secret'])).toMatchObject({
      code: 1,
      stderr:
        'error SECRET_ON_COMMAND_LINE: a secret value on the command line would stay in your shell history; pipe it in or let the command prompt for it\n',
    });
    const secret = await whisker(['var', 'set', 'ops', 'GITHUB_SECRET', '--secret'], {
      stdin: 'top-secret-value\n',
    });
    expect(secret).toMatchObject({ code: 0, stdout: 'Set GITHUB_SECRET on ops (secret).\n' });
    const list = await whisker(['var', 'list', 'ops']);
    expect(list.stdout).not.toContain('top-secret');
    expect(list.stdout).toMatch(/GITHUB_SECRET +\(secret, set\) +yes/);
    expect((await whisker(['var', 'get', 'ops', 'GITHUB_SECRET', '--json'])).stdout).not.toContain(
      'top-secret',
    );
    expect(server.engine.variables.get('ops', 'GITHUB_SECRET')).toMatchObject({
      isSet: true,
      secret: true,
    });
    expect((await whisker(['var', 'delete', 'ops', 'REGION'])).stdout).toBe('Deleted REGION from ops.\n');
    expect((await whisker(['var', 'get', 'ops', 'REGION'])).code).toBe(1);
  });
});

describe('sessions', () => {
  it('starts, lists, shows, signals, follows and watches sessions', async () => {
    const started = await whisker(['session', 'start', 'ops', '--trigger', 'run', '--input', '{"order":1}']);
    expect(started.stdout).toMatch(/^Started session ses_\w+ \(event evt_\w+\)\.\n$/);
    const sessionId = /ses_\w+/.exec(started.stdout)?.[0] ?? '';
    await server.engine.waitFor(sessionId, (s) => s.status === 'waiting', 5000);

    const list = await json<{ sessions: { sessionId: string }[] }>([
      'session',
      'list',
      '--project',
      'ops',
      '--status',
      'waiting',
    ]);
    expect(list.sessions.map((s) => s.sessionId)).toContain(sessionId);
    const got = (await whisker(['session', 'get', sessionId])).stdout;
    expect(got).toMatch(
      new RegExp(`^session +${sessionId}\\nstatus +waiting\\nentry +flows\\.ts:waitForGo\\n`),
    );

    // Follow the log while the signal arrives: the stream ends with the session.
    const following = whisker(['session', 'log', sessionId, '--follow']);
    const watching = whisker(['session', 'watch', sessionId]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await whisker(['session', 'signal', sessionId, 'go', '--payload', '"now"'])).stdout).toBe(
      `Sent go to ${sessionId}.\n`,
    );
    const followed = await following;
    expect(followed.code).toBe(0);
    expect(followed.stdout.split('\n').map((l) => l.replace(/^\d\d:\d\d:\d\d\.\d{3} /, ''))).toEqual([
      'info  started flows.ts:waitForGo',
      'info  waiting for go',
      'info  signal go received',
      'warn  got go',
      'info  completed',
      '',
    ]);
    const watched = await watching;
    expect(watched.code).toBe(0);
    expect(watched.stdout).toContain(`${sessionId} flows.ts:waitForGo: waiting\n`);
    expect(watched.stdout).toContain('→ completed\n');
    expect(watched.stdout).toMatch(/\nresult +\{"input":\{"order":1\},"go":"now"\}\n$/);
    const log = await json<{ text: string }[]>(['session', 'log', sessionId]);
    expect(log.map((e) => e.text)).toEqual([
      'started flows.ts:waitForGo',
      'waiting for go',
      'signal go received',
      'got go',
      'completed',
    ]);

    const failing = await json<{ sessionId: string }>([
      'session',
      'start',
      'ops',
      '--entry',
      'flows.ts:fail',
    ]);
    const failed = await whisker(['session', 'watch', failing.sessionId]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toBe(`error SESSION_FAILED: session ${failing.sessionId} failed: Error: boom\n`);
    const restarted = await whisker(['session', 'restart', failing.sessionId]);
    expect(restarted.stdout).toMatch(
      new RegExp(`^Started session ses_\\w+ \\(restart of ${failing.sessionId}\\)\\.\\n$`),
    );

    const sleepy = await json<{ sessionId: string }>([
      'session',
      'start',
      'ops',
      '--entry',
      'flows.ts:sleepy',
    ]);
    await server.engine.waitFor(sleepy.sessionId, (s) => s.status === 'waiting', 5000);
    expect((await whisker(['session', 'delete', sleepy.sessionId])).code).toBe(1);
    expect((await whisker(['session', 'stop', sleepy.sessionId, '--force', '--reason', 'done'])).stdout).toBe(
      `Session ${sleepy.sessionId} is stopped.\n`,
    );
    expect(await json<{ stopReason: string }>(['session', 'get', sleepy.sessionId])).toMatchObject({
      status: 'stopped',
      stopReason: 'done',
    });
    expect((await whisker(['session', 'delete', sleepy.sessionId])).stdout).toBe(
      `Deleted session ${sleepy.sessionId}.\n`,
    );

    expect(await whisker(['session', 'start', 'ops'])).toMatchObject({
      code: 1,
      stderr: 'error INVALID_OPTION: give exactly one of --trigger <name> or --entry <file:function>\n',
    });
    expect(
      await whisker(['session', 'start', 'ops', '--entry', 'flows.ts:values', '--input', '{oops']),
    ).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^error INVALID_OPTION: --input: not valid JSON \(/) as unknown,
    });
    expect(await whisker(['session', 'get', 'ses_nope'])).toMatchObject({
      code: 1,
      stderr: 'error INVALID_ARGUMENT: sessionId: "ses_nope" is not a session id (ses_…)\n',
    });
  });

  it('shows statistics', async () => {
    const stats = await json<{ total: number; byStatus: Record<string, number> }>([
      'stats',
      '--project',
      'ops',
      '--since',
      '1h',
    ]);
    expect(stats.total).toBeGreaterThan(3);
    const human = (await whisker(['stats', '--project', 'ops'])).stdout;
    expect(human).toMatch(/^STATUS +SESSIONS\n/);
    expect(human).toMatch(/\ntotal +\d+\nsuccess +[\d.]+%\nfailure +[\d.]+%\nduration +p50 /);
  });
});

describe('tokens, login, output', () => {
  it('creates, lists and revokes tokens; logs in and saves the login owner-only', async () => {
    const created = await json<{ token: string; tokenId: string }>(['token', 'create', 'laptop']);
    const noEnv = cleanEnv(home);
    const login = await whisker(['login', '--url', server.url], { stdin: `${created.token}\n`, env: noEnv });
    const file = join(home, '.config/whisker/login.json');
    expect(login).toMatchObject({ code: 0, stdout: `Logged in to ${server.url} (saved in ${file}).\n` });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ url: server.url, token: created.token });
    // Later commands use the saved login.
    expect((await whisker(['project', 'list', '--json'], { env: noEnv })).code).toBe(0);
    expect((await whisker(['token', 'list'])).stdout).toMatch(/laptop/);
    expect((await whisker(['token', 'revoke', created.tokenId])).stdout).toBe(
      `Revoked ${created.tokenId} (laptop).\n`,
    );
    expect(await whisker(['project', 'list'], { env: noEnv })).toMatchObject({
      code: 1,
      stderr:
        'error INVALID_TOKEN: the API token is malformed, unknown or revoked; use a valid token (`whisker token list` shows them)\n',
    });
    expect(await whisker(['login', '--url', server.url], { stdin: 'wsk_wrong\n', env: noEnv })).toMatchObject(
      { code: 1 },
    );
  });

  it('colours tables only on a terminal, never with --json or NO_COLOR; reports unreachable servers and bad usage', async () => {
    const tty = await whisker(['deployment', 'list', '--project', 'ops'], { tty: true });
    expect(tty.stdout).toContain('\u001b[32mactive');
    expect(
      (
        await whisker(['deployment', 'list', '--project', 'ops'], {
          tty: true,
          env: { ...env, NO_COLOR: '1' },
        })
      ).stdout,
    ).not.toContain('\u001b[');
    expect(
      (await whisker(['deployment', 'list', '--project', 'ops', '--no-color'], { tty: true })).stdout,
    ).not.toContain('\u001b[');
    expect((await whisker(['deployment', 'list', '--json'], { tty: true })).stdout).not.toContain('\u001b[');

    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const port = (probe.address() as { port: number }).port;
        probe.close(() => resolve(port));
      });
    });
    const down = await whisker(['project', 'list'], {
      env: { ...env, WHISKER_URL: `http://127.0.0.1:${closedPort}` },
    });
    expect(down).toMatchObject({
      code: 1,
      stderr: `error SERVER_UNREACHABLE: cannot reach the Whisker server at http://127.0.0.1:${closedPort} (ECONNREFUSED); start one with \`whisker up\`, or point WHISKER_URL (or --url) at it\n`,
    });
    expect(
      await whisker(['project', 'list'], {
        env: cleanEnv(home, { WHISKER_URL: server.url, XDG_CONFIG_HOME: join(home, 'none') }),
      }),
    ).toMatchObject({
      code: 1,
      stderr:
        'error UNAUTHENTICATED: no API token: run `whisker login`, set WHISKER_TOKEN, or start a local server with `whisker up` (it saves its admin token for this command line)\n',
    });
    const usage = await whisker(['session', 'get']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("error: missing required argument 'session-id'");
    expect((await whisker(['--help'])).code).toBe(0);
    expect((await whisker(['session', 'log', '--help'])).stdout).toContain('-f, --follow');
  });
});
