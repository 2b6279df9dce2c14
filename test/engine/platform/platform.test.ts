/**
 * The platform end to end through the embedding API, on the file store: create a project from a
 * directory, lint and build (and fail builds), deploy, fire every trigger type, filter, redispatch,
 * drain a deployment, restart the engine in the middle, and check that secrets never reach disk.
 */
import { createHmac } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../../engine/index.js';
import type { Engine } from '../../../engine/index.js';
import type { Sandbox } from '../../../sandbox/index.js';
import { eventually, sharedSandbox } from '../helpers.js';

const SHOP = fileURLToPath(new URL('./fixtures/shop', import.meta.url));
const SECRET_KEY = Buffer.alloc(32, 7).toString('base64');
const CANARY = 'canary-7f3a9c1e-secret-value';
const WEBHOOK_KEY = 'whsec-0b1c2d3e4f';

let sandbox: Sandbox;
let root: string;
const engines: Engine[] = [];

beforeAll(async () => {
  sandbox = await sharedSandbox();
  root = await mkdtemp(join(tmpdir(), 'whisker-platform-'));
});
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.shutdown();
});
afterAll(async () => {
  await sandbox?.close();
  await rm(root, { recursive: true, force: true });
});

async function open(dataDir: string): Promise<Engine> {
  const engine = await createEngine({ dataDir, sandbox, secretKey: SECRET_KEY, typecheck: false });
  engines.push(engine);
  return engine;
}

async function restart(engine: Engine, dataDir: string): Promise<Engine> {
  engines.splice(engines.indexOf(engine), 1);
  await engine.shutdown();
  return open(dataDir);
}

/** A copy of the shop project with `edit` applied to one of its files. */
async function variant(name: string, file: string, edit: (text: string) => string): Promise<string> {
  const dir = join(root, 'variants', name);
  await cp(SHOP, dir, { recursive: true });
  await writeFile(join(dir, file), edit(await readFile(join(dir, file), 'utf8')));
  return dir;
}

function webhookPath(engine: Engine, trigger: string): string {
  const found = engine.triggers.list({ projectId: 'shop' }).find((t) => t.name === trigger);
  return (found?.webhookPath ?? '').replace('/webhooks/', '');
}

function jsonRequest(body: unknown, headers: Record<string, string> = {}) {
  const raw = Buffer.from(JSON.stringify(body));
  return {
    method: 'POST',
    url: '/webhooks/x?src=test',
    headers: { 'content-type': 'application/json', ...headers },
    body: raw,
  };
}

describe('project life cycle', () => {
  it('creates, builds, deploys, fires every trigger kind, and survives a restart', async () => {
    const dataDir = join(root, 'lifecycle');
    let engine = await open(dataDir);

    // Configure.
    const created = await engine.projects.create({ sources: { dir: SHOP } });
    expect(created).toMatchObject({ name: 'shop', description: 'The platform test project' });
    expect(created.triggers.map((t) => `${t.name}:${t.type}`)).toEqual([
      'hello:webhook',
      'signed:webhook',
      'ticker:schedule',
      'run:manual',
      'on-issue:connection',
    ]);
    expect(created.triggers[0]?.webhookPath).toMatch(/^\/webhooks\/[A-Za-z0-9_-]{27}$/);
    await engine.variables.set('shop', 'API_TOKEN', CANARY);
    await engine.variables.set('shop', 'WEBHOOK_SECRET', WEBHOOK_KEY);
    const vars = engine.variables.list('shop');
    expect(vars).toEqual([
      expect.objectContaining({ name: 'API_TOKEN', secret: true, isSet: true, declared: true }),
      expect.objectContaining({ name: 'GREETING', secret: false, isSet: true, value: 'hello' }),
      expect.objectContaining({ name: 'WEBHOOK_SECRET', secret: true, isSet: true }),
    ]);
    expect(JSON.stringify(vars)).not.toContain(CANARY);

    // Build and deploy.
    const build = await engine.builds.create('shop');
    expect(build.status).toBe('succeeded');
    const deployment = await engine.deployments.create(build.buildId);
    expect(deployment.state).toBe('active');

    // Webhook, synchronous: the caller gets the response the session set.
    const hello = await engine.webhooks.receive(webhookPath(engine, 'hello'), jsonRequest({ name: 'ada' }));
    expect(hello.status).toBe('dispatched');
    expect(hello.response).toEqual({
      status: 201,
      headers: { 'x-whisker': 'yes' },
      body: { greeting: 'hello ada' },
    });

    // Webhook with a GitHub signature: valid, missing, forged.
    const body = jsonRequest({ ok: 1 }).body;
    const signature = `sha256=${createHmac('sha256', WEBHOOK_KEY).update(body).digest('hex')}`;
    const signed = await engine.webhooks.receive(webhookPath(engine, 'signed'), {
      ...jsonRequest({ ok: 1 }),
      headers: { 'x-hub-signature-256': signature },
    });
    expect(await engine.result(signed.sessionId as string, { timeoutMs: 5000 })).toBe('{"ok":1}');
    await expect(
      engine.webhooks.receive(webhookPath(engine, 'signed'), jsonRequest({ ok: 1 })),
    ).rejects.toMatchObject({
      code: 'WEBHOOK_SIGNATURE_INVALID',
      message: 'webhook signature rejected: missing X-Hub-Signature-256 header',
    });
    await expect(
      engine.webhooks.receive(webhookPath(engine, 'signed'), {
        ...jsonRequest({ ok: 2 }),
        headers: { 'x-hub-signature-256': signature },
      }),
    ).rejects.toThrow(/does not match the body/);
    await expect(engine.webhooks.receive('not-a-slug', jsonRequest({}))).rejects.toMatchObject({
      code: 'WEBHOOK_NOT_FOUND',
    });

    // Manual, by trigger and by entry point; the activity reads the secret, which is redacted.
    const manual = await engine.triggers.run('shop', { trigger: 'run', input: { path: '/orders' } });
    expect(await engine.result(manual.sessionId as string, { timeoutMs: 5000 })).toBe(
      'hello: authorized with [redacted:API_TOKEN]',
    );
    const log = await engine.sessionLog(manual.sessionId as string);
    expect(log.map((l) => l.text)).toContain('[activity #1] calling /orders with token [redacted:API_TOKEN]');
    const direct = await engine.triggers.run('shop', { entry: 'handlers.ts:helper', input: 41 });
    expect(await engine.result(direct.sessionId as string, { timeoutMs: 5000 })).toEqual(expect.anything());

    // Connection events: one matches the filter, one is filtered out (and recorded as such).
    const [opened] = await engine.connections.deliver('shop', 'github', 'issues', {
      action: 'opened',
      title: 'bug',
    });
    expect(await engine.result(opened?.sessionId as string, { timeoutMs: 5000 })).toBe('issue bug opened');
    const [closed] = await engine.connections.deliver('shop', 'github', 'issues', {
      action: 'closed',
      title: 'bug',
    });
    expect(closed).toMatchObject({ status: 'filtered' });
    expect(closed?.reason).toMatch(/filter .* is false/);
    expect(closed?.sessionId).toBeUndefined();

    // Schedules tick every second while deployed.
    await eventually(
      () => engine.events.list({ projectId: created.projectId, type: 'schedule' }).total >= 2,
      5000,
      'two ticks',
    );

    // Redispatch: a new event that records what it redispatches, and a new session.
    const again = await engine.events.redispatch(opened?.eventId as string);
    expect(again.eventId).not.toBe(opened?.eventId);
    expect(
      engine.events.list({ projectId: created.projectId }).events.find((e) => e.eventId === again.eventId),
    ).toMatchObject({
      redispatchOf: opened?.eventId,
      status: 'dispatched',
    });
    expect(await engine.result(again.sessionId as string, { timeoutMs: 5000 })).toBe('issue bug opened');

    // A session waiting across a restart; schedules, deployments and secrets continue.
    const waiting = await engine.triggers.run('shop', {
      trigger: 'run',
      input: { wait: true, path: '/later' },
    });
    await engine.waitFor(waiting.sessionId as string, (s) => s.status === 'waiting', 5000);
    const ticksBefore = engine.events.list({ projectId: created.projectId, type: 'schedule' }).total;
    engine = await restart(engine, dataDir);
    expect(engine.projects.get('shop').activeDeploymentId).toBe(deployment.deploymentId);
    await engine.signal(waiting.sessionId as string, 'continue');
    expect(await engine.result(waiting.sessionId as string, { timeoutMs: 5000 })).toBe(
      'hello: authorized with [redacted:API_TOKEN]',
    );
    await eventually(
      () => engine.events.list({ projectId: created.projectId, type: 'schedule' }).total > ticksBefore,
      5000,
      'a tick after the restart',
    );
    const sync = await engine.webhooks.receive(webhookPath(engine, 'hello'), jsonRequest({ name: 'again' }));
    expect(sync.response?.body).toEqual({ greeting: 'hello again' });

    // Statistics.
    const stats = engine.stats({ projectId: created.projectId });
    expect(stats.byStatus.completed).toBeGreaterThanOrEqual(8);
    expect(stats.successRate).toBe(1);
    expect(stats.durationMs.count).toBeGreaterThan(0);
    expect(stats.startDelayMs.p50).toBeGreaterThanOrEqual(0);

    // Undeploy: the schedule stops; the secret canary is nowhere on disk.
    await engine.deployments.deactivate(deployment.deploymentId);
    const files = await listFiles(dataDir);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const content = await readFile(file);
      expect(content.includes(Buffer.from(CANARY)), `${file} contains the secret`).toBe(false);
      expect(content.includes(Buffer.from(WEBHOOK_KEY)), `${file} contains the webhook secret`).toBe(false);
    }
  });
});

describe('deployments', () => {
  it('drains the previous deployment while its session runs on its own build', async () => {
    const engine = await open(join(root, 'drain'));
    const first = await engine.projects.deploy({ dir: SHOP });
    const waiting = await engine.triggers.run('shop', { trigger: 'run', input: { wait: true } });
    await engine.waitFor(waiting.sessionId as string, (s) => s.status === 'waiting', 5000);

    const v2 = await variant('greeting-v2', 'whisker.yaml', (t) => t.replace('value: hello', 'value: howdy'));
    const second = await engine.projects.deploy({ dir: v2 });
    expect(second.plan.text).toMatch(/~ var GREETING/);
    expect(engine.deployments.get(first.deployment.deploymentId).state).toBe('draining');
    expect(engine.deployments.get(second.deployment.deploymentId).state).toBe('active');
    await expect(engine.deployments.delete(first.deployment.deploymentId)).rejects.toMatchObject({
      code: 'INVALID_DEPLOYMENT_STATE',
    });

    // New events go to the new deployment; the old session finishes on the build it started on.
    const fresh = await engine.triggers.run('shop', { trigger: 'run', input: {} });
    expect(engine.getSession(fresh.sessionId as string).deploymentId).toBe(second.deployment.deploymentId);
    await engine.signal(waiting.sessionId as string, 'continue');
    await engine.result(waiting.sessionId as string, { timeoutMs: 5000 });
    expect(engine.getSession(waiting.sessionId as string).buildId).toBe(first.build.buildId);
    await eventually(
      () => engine.deployments.get(first.deployment.deploymentId).state === 'inactive',
      5000,
      'drained',
    );
    await engine.deployments.delete(first.deployment.deploymentId);
    expect(engine.deployments.list({ projectId: 'shop' }).map((d) => d.deploymentId)).toEqual([
      second.deployment.deploymentId,
    ]);
  });

  it('a testing deployment receives only events addressed to it', async () => {
    const engine = await open(join(root, 'testing'));
    const live = await engine.projects.deploy({ dir: SHOP });
    const build = await engine.builds.create('shop');
    const testing = await engine.deployments.create(build.buildId, { testing: true });
    expect(testing.state).toBe('testing');
    const normal = await engine.triggers.run('shop', { trigger: 'run', input: {} });
    expect(engine.getSession(normal.sessionId as string).deploymentId).toBe(live.deployment.deploymentId);
    const addressed = await engine.triggers.run('shop', {
      trigger: 'run',
      input: {},
      deploymentId: testing.deploymentId,
    });
    expect(engine.getSession(addressed.sessionId as string).deploymentId).toBe(testing.deploymentId);
  });

  it('records events that arrive with no active deployment as not dispatched', async () => {
    const engine = await open(join(root, 'undeployed'));
    await engine.projects.create({ sources: { dir: SHOP } });
    const result = await engine.webhooks.receive(webhookPath(engine, 'hello'), jsonRequest({ name: 'x' }));
    expect(result).toMatchObject({
      status: 'not-dispatched',
      reason: 'the project has no active deployment',
    });
    await expect(engine.triggers.run('shop', { trigger: 'run' })).rejects.toMatchObject({
      code: 'NO_ACTIVE_DEPLOYMENT',
    });
  });
});

describe('plan, apply and lint', () => {
  it('plans without applying, then applies', async () => {
    const engine = await open(join(root, 'plan'));
    await engine.projects.create({ sources: { dir: SHOP } });
    const changed = await variant('plan-change', 'whisker.yaml', (t) =>
      t
        .replace('  - name: run\n    type: manual\n    call: handlers.ts:run\n', '')
        .replace('value: hello', 'value: bonjour'),
    );
    const plan = await engine.projects.plan('shop', { dir: changed });
    expect(plan.text).toContain('- trigger run');
    expect(plan.text).toMatch(/~ var GREETING.*"hello" → "bonjour"/s);
    expect(engine.projects.get('shop').triggers.map((t) => t.name)).toContain('run');
    await engine.projects.apply('shop', { dir: changed });
    expect(engine.projects.get('shop').triggers.map((t) => t.name)).not.toContain('run');
    expect(engine.variables.get('shop', 'GREETING').value).toBe('bonjour');
  });

  const BROKEN: [string, string, (t: string) => string, string][] = [
    [
      'a duplicate trigger name',
      'whisker.yaml',
      (t) => t.replace('name: signed', 'name: hello'),
      'DUPLICATE_TRIGGER_NAME',
    ],
    [
      'a malformed call',
      'whisker.yaml',
      (t) => t.replace('call: handlers.ts:run', 'call: handlers.ts'),
      'MALFORMED_CALL',
    ],
    [
      'a missing file',
      'whisker.yaml',
      (t) => t.replace('call: handlers.ts:run', 'call: nope.ts:run'),
      'CALL_FILE_NOT_FOUND',
    ],
    [
      'a function not exported',
      'whisker.yaml',
      (t) => t.replace('call: handlers.ts:run', 'call: handlers.ts:nope'),
      'CALL_FUNCTION_NOT_EXPORTED',
    ],
    [
      'an unknown connection',
      'whisker.yaml',
      (t) => t.replace('connection: github', 'connection: gitlab'),
      'UNKNOWN_CONNECTION',
    ],
    ['an invalid cron', 'whisker.yaml', (t) => t.replace('"* * * * * *"', '"61 * * * *"'), 'INVALID_CRON'],
    ['an invalid filter', 'whisker.yaml', (t) => t.replace('== "opened"', '== '), 'INVALID_FILTER'],
  ];

  it.each(BROKEN)('refuses %s with its code, path and line', async (name, file, edit, code) => {
    const engine = await open(join(root, `broken-${code}`));
    const dir = await variant(`broken-${code}`, file, edit);
    const diagnostics = await engine.projects.lint({ dir });
    const found = diagnostics.find((d) => d.code === code);
    expect(found, `${name}: ${JSON.stringify(diagnostics)}`).toBeDefined();
    expect(found?.file).toBe('whisker.yaml');
    expect(found?.line).toBeGreaterThan(0);
    await expect(engine.projects.deploy({ dir })).rejects.toMatchObject({ code: 'PROJECT_INVALID' });
  });

  it('refuses to apply code that does not bundle, naming file, line and column', async () => {
    const engine = await open(join(root, 'syntax-error'));
    const broken = await variant('syntax', 'handlers.ts', (t) => t.replace('return name;', 'return name +;'));
    const refused = await engine.projects
      .create({ sources: { dir: broken } })
      .catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'PROJECT_INVALID' });
    const diagnostic = (refused as { diagnostics: { file?: string; line?: number; column?: number }[] })
      .diagnostics[0];
    expect(diagnostic).toMatchObject({ file: 'handlers.ts', line: 11 });
    expect(diagnostic?.column).toBeGreaterThan(0);
  });

  it('records a failed build (a type error) with its diagnostics', async () => {
    const engine = await createEngine({
      dataDir: join(root, 'type-error'),
      sandbox,
      secretKey: SECRET_KEY,
      typecheck: true,
    });
    engines.push(engine);
    const broken = await variant('types', 'handlers.ts', (t) =>
      t.replace('return input + 1;', "return input + 'x';"),
    );
    await engine.projects.create({ sources: { dir: broken } });
    const build = await engine.builds.create('shop');
    expect(build.status).toBe('failed');
    expect(build.diagnostics[0]).toMatchObject({
      file: 'handlers.ts',
      line: 32,
      code: 'TS2322',
      severity: 'error',
    });
    expect(engine.builds.list({ projectId: 'shop' })).toEqual([build]);
    await expect(engine.deployments.create(build.buildId)).rejects.toMatchObject({
      code: 'BUILD_NOT_DEPLOYABLE',
    });
  });
});

describe('bad input', () => {
  it('gets typed errors naming the field', async () => {
    const engine = await open(join(root, 'bad-input'));
    await expect(engine.projects.create({ name: 'Bad Name' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      field: 'name',
    });
    expect(() => engine.projects.get('nope')).toThrow(/project "nope" does not exist/);
    await engine.projects.create({ sources: { dir: SHOP } });
    await expect(engine.projects.create({ sources: { dir: SHOP } })).rejects.toMatchObject({
      code: 'PROJECT_EXISTS',
    });
    await expect(engine.variables.set('shop', '1BAD', 'x')).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      field: 'name',
    });
    await expect(engine.variables.set('shop', 'API_TOKEN', 'x', { secret: false })).rejects.toMatchObject({
      field: 'secret',
    });
    await expect(
      engine.projects.create({ sources: { files: { '../evil.ts': new Uint8Array() } } }),
    ).rejects.toThrow(/files\["..\/evil.ts"\]: must be a normalised relative path/);
    await expect(engine.projects.lint({ dir: join(root, 'does-not-exist') })).rejects.toThrow(
      /does not exist/,
    );
    expect(() => engine.deployments.get('dep_01JD0000000000000000000000')).toThrow(
      /deployment dep_.* does not exist/,
    );
    await expect(engine.events.get('evt_01JD0000000000000000000000')).rejects.toMatchObject({
      code: 'EVENT_NOT_FOUND',
    });
    expect(() => engine.events.list({ limit: 5000 })).toThrow(/^limit: must be an integer from 1 to 1000/);
  });
});

describe('sessions', () => {
  it('restarts a session with the same input, recording what it restarts, and deletes ended ones', async () => {
    const engine = await open(join(root, 'restart-session'));
    await engine.projects.deploy({ dir: SHOP });
    const first = await engine.triggers.run('shop', { entry: 'handlers.ts:helper', input: 1 });
    await engine.result(first.sessionId as string, { timeoutMs: 5000 });
    const again = await engine.restartSession(first.sessionId as string);
    expect(again).toMatchObject({
      entry: 'handlers.ts:helper',
      trigger: { kind: 'restart', sessionId: first.sessionId },
    });
    expect(again.input).toEqual(engine.getSession(first.sessionId as string).input);
    expect(again.labels?.['restartOf']).toBe(first.sessionId);
    await engine.result(again.sessionId, { timeoutMs: 5000 });
    await engine.deleteSession(first.sessionId as string);
    expect(engine.hasSession(first.sessionId as string)).toBe(false);
  });
});

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path)));
    else out.push(path);
  }
  return out;
}
