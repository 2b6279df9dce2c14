/**
 * Every route through `app.inject()`, asserting whole response bodies, with every error path:
 * auth, validation, unknown ids, state conflicts, invalid projects, limits.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packProject } from '../../cli/index.js';
import {
  anyId,
  anyNumber,
  anyString,
  anyTime,
  base64,
  containing,
  EXAMPLES_DIR,
  filesOf,
  including,
  matching,
  OPS_DIR,
  testApi,
} from './helpers.js';
import type { TestApi } from './helpers.js';

let api: TestApi;
let ops: Record<string, string>;
let hello: Record<string, string>;

beforeAll(async () => {
  api = await testApi({ bodyLimit: 64 * 1024, uploadBodyLimit: 1024 * 1024 });
  ops = await filesOf(OPS_DIR);
  hello = await filesOf(`${EXAMPLES_DIR}/hello`);
});
afterAll(async () => {
  await api?.close();
});

const sessionCounts = { total: 0, open: 0, byStatus: {} };

describe('authentication', () => {
  it('refuses API routes without a token, with a bad one, and with a revoked one', async () => {
    expect(await api.call('GET', '/api/v1/projects', { token: null })).toMatchObject({
      status: 401,
      body: {
        code: 'UNAUTHENTICATED',
        message:
          'this route needs an API token: send "Authorization: Bearer <token>" (create one with `whisker token create`)',
        details: {},
      },
    });
    const invalid = {
      status: 401,
      body: {
        code: 'INVALID_TOKEN',
        message:
          'the API token is malformed, unknown or revoked; use a valid token (`whisker token list` shows them)',
        details: {},
      },
    };
    expect(await api.call('GET', '/api/v1/projects', { token: 'wsk_not-a-real-token' })).toMatchObject(
      invalid,
    );
    expect(
      await api.call('GET', '/api/v1/projects', {
        token: null,
        headers: { authorization: 'Basic YWxhZGRpbjpvcGVu' },
      }),
    ).toMatchObject(invalid);
    // `?token=` is only for event streams.
    expect(await api.call('GET', `/api/v1/projects?token=${api.token}`, { token: null })).toMatchObject({
      status: 401,
      body: { code: 'UNAUTHENTICATED' },
    });

    const created = await api.call('POST', '/api/v1/tokens', { body: { name: 'ci' } });
    expect(created).toMatchObject({ status: 201 });
    expect(created.body).toEqual({
      tokenId: anyId('tok'),
      name: 'ci',
      createdAt: anyTime(),
      token: matching(/^wsk_[A-Za-z0-9_-]{43}$/),
    });
    const { token, tokenId } = created.body as { token: string; tokenId: string };
    expect((await api.call('GET', '/api/v1/projects', { token })).status).toBe(200);
    const revoked = await api.call('DELETE', `/api/v1/tokens/${tokenId}`);
    expect(revoked).toMatchObject({ status: 200 });
    expect(revoked.body).toEqual({
      tokenId,
      name: 'ci',
      createdAt: anyTime(),
      lastUsedAt: anyTime(),
      revokedAt: anyTime(),
    });
    expect(await api.call('GET', '/api/v1/projects', { token })).toMatchObject(invalid);
    const listed = (await api.call('GET', '/api/v1/tokens')).body as {
      tokens: { name: string; revokedAt?: number }[];
    };
    expect(listed.tokens.map((t) => [t.name, t.revokedAt !== undefined])).toEqual([
      ['admin', false],
      ['ci', true],
    ]);
    expect(await api.call('DELETE', '/api/v1/tokens/tok_01ARZ3NDEKTSV4RRFFQ69G5FAV')).toEqual(
      containing({
        status: 404,
        body: {
          code: 'TOKEN_NOT_FOUND',
          message: 'token tok_01ARZ3NDEKTSV4RRFFQ69G5FAV does not exist',
          details: { tokenId: 'tok_01ARZ3NDEKTSV4RRFFQ69G5FAV' },
        },
      }),
    );
    expect(await api.call('POST', '/api/v1/tokens', { body: { name: '' } })).toMatchObject({
      status: 400,
      body: {
        code: 'VALIDATION_FAILED',
        message: 'body.name: must not have fewer than 1 characters',
        details: { errors: [{ field: 'body.name', message: 'must not have fewer than 1 characters' }] },
      },
    });
  });

  it('leaves health, readiness, the OpenAPI document and the docs page open', async () => {
    expect(await api.call('GET', '/health', { token: null })).toMatchObject({
      status: 200,
      body: { status: 'ok' },
    });
    expect(await api.call('GET', '/ready', { token: null })).toMatchObject({
      status: 200,
      body: {
        status: 'ready',
        sessions: { created: 0, running: 0, waiting: 0, completed: 0, failed: 0, stopped: 0, parked: 0 },
      },
    });
    const spec = await api.call('GET', '/openapi.json', { token: null });
    expect(spec.status).toBe(200);
    expect((spec.body as { openapi: string }).openapi).toBe('3.0.3');
    const docs = await api.call('GET', '/docs', { token: null });
    expect(docs.status).toBe(200);
    expect(docs.text).toContain('<html');
  });

  it('answers unknown routes with 404 in the error shape (401 first under /api)', async () => {
    expect(await api.call('GET', '/nowhere?x=1', { token: null })).toMatchObject({
      status: 404,
      body: {
        code: 'NOT_FOUND',
        message: 'no route GET /nowhere; the API lives under /api/v1 (see /docs)',
        details: { method: 'GET', path: '/nowhere' },
      },
    });
    expect(await api.call('PATCH', '/api/v1/projects')).toMatchObject({
      status: 404,
      body: { code: 'NOT_FOUND', details: { method: 'PATCH', path: '/api/v1/projects' } },
    });
    expect((await api.call('GET', '/api/v2/anything', { token: null })).status).toBe(401);
  });
});

describe('projects', () => {
  it('creates a project from JSON files, gets it by name and id, lists it', async () => {
    const created = await api.call('POST', '/api/v1/projects', { body: { files: hello } });
    expect(created.status).toBe(201);
    const project = created.body as { projectId: string; triggers: { webhookPath: string }[] };
    expect(project).toEqual({
      projectId: anyId('prj'),
      name: 'hello',
      description: 'A hello-world webhook that answers the caller itself',
      createdAt: anyTime(),
      updatedAt: anyTime(),
      sessions: sessionCounts,
      config: {
        version: 1,
        project: { name: 'hello', description: 'A hello-world webhook that answers the caller itself' },
        vars: [{ name: 'GREETING', secret: false, value: 'Hello' }],
        connections: [],
        triggers: [
          {
            name: 'greet',
            type: 'webhook',
            call: 'handlers.ts:greet',
            webhook: { sync: true, timeoutMs: 10_000 },
          },
        ],
      },
      triggers: [
        {
          triggerId: anyId('trg'),
          projectId: project.projectId,
          name: 'greet',
          type: 'webhook',
          call: 'handlers.ts:greet',
          webhookPath: matching(/^\/webhooks\/[A-Za-z0-9_-]{27}$/),
          sync: true,
        },
      ],
      variables: [
        {
          name: 'GREETING',
          secret: false,
          value: 'Hello',
          isSet: true,
          declared: true,
          updatedAt: anyTime(),
        },
      ],
      connections: [],
      builds: [],
      deployments: [],
      sourcesHash: matching(/^sha256-[0-9a-f]{64}$/),
    });
    const byName = await api.call('GET', '/api/v1/projects/hello');
    expect(byName.body).toEqual(project);
    expect((await api.call('GET', `/api/v1/projects/${project.projectId}`)).body).toEqual(project);
    const list = await api.call('GET', '/api/v1/projects');
    expect(list.body).toEqual({
      projects: [
        {
          projectId: project.projectId,
          name: 'hello',
          description: 'A hello-world webhook that answers the caller itself',
          createdAt: anyTime(),
          updatedAt: anyTime(),
          sessions: sessionCounts,
        },
      ],
    });
    const sources = await api.call('GET', '/api/v1/projects/hello/sources');
    expect(sources.body).toEqual({ files: hello });
  });

  it('refuses a second project of the same name, bad names, server paths, bad files', async () => {
    const existing = (await api.call('GET', '/api/v1/projects/hello')).body as { projectId: string };
    expect(await api.call('POST', '/api/v1/projects', { body: { files: hello } })).toMatchObject({
      status: 409,
      body: {
        code: 'PROJECT_EXISTS',
        message: `a project named "hello" already exists (${existing.projectId}); apply to it instead`,
        details: { projectName: 'hello', projectId: existing.projectId },
      },
    });
    expect(await api.call('POST', '/api/v1/projects', { body: { name: 'Not OK' } })).toMatchObject({
      status: 400,
      body: {
        code: 'VALIDATION_FAILED',
        message: 'body.name: must match pattern "^[a-z][a-z0-9-]{0,62}$"',
        details: { errors: [{ field: 'body.name', message: 'must match pattern "^[a-z][a-z0-9-]{0,62}$"' }] },
      },
    });
    // A directory on the server's machine is never taken from a client.
    expect(await api.call('POST', '/api/v1/projects', { body: { dir: '/etc' } })).toMatchObject({
      status: 400,
      body: {
        code: 'VALIDATION_FAILED',
        message: 'body.dir: is not a known field',
        details: { errors: [{ field: 'body.dir', message: 'is not a known field' }] },
      },
    });
    expect(
      await api.call('POST', '/api/v1/projects', { body: { files: { 'whisker.yaml': 'not base64!' } } }),
    ).toMatchObject({
      status: 400,
      body: {
        code: 'VALIDATION_FAILED',
        message: 'body.files["whisker.yaml"]: must be base64',
        details: { errors: [{ field: 'body.files["whisker.yaml"]', message: 'must be base64' }] },
      },
    });
    expect(
      await api.call('POST', '/api/v1/projects', { body: { files: { '../escape.ts': base64('x') } } }),
    ).toMatchObject({
      status: 400,
      body: {
        code: 'INVALID_ARGUMENT',
        message: 'files["../escape.ts"]: must be a normalised relative path inside the project',
        details: { field: 'files["../escape.ts"]' },
      },
    });
    expect(await api.call('GET', '/api/v1/projects/nope')).toMatchObject({
      status: 404,
      body: {
        code: 'PROJECT_NOT_FOUND',
        message: 'project "nope" does not exist (list projects to see them)',
        details: { project: 'nope' },
      },
    });
  });

  it('reports every problem of an invalid manifest with file:line:col (422)', async () => {
    const manifest =
      'version: 1\nproject:\n  name: broken\ntriggers:\n  - name: t\n    type: webhook\n    call: nothere.ts:f\n';
    const response = await api.call('POST', '/api/v1/projects', {
      body: {
        files: { 'whisker.yaml': base64(manifest), 'main.ts': base64('export async function f() {}\n') },
      },
    });
    expect(response.status).toBe(422);
    expect(response.body).toEqual({
      code: 'PROJECT_INVALID',
      message: matching(/^whisker\.yaml of project broken: 1 error, first: whisker\.yaml:7:11 /),
      details: {
        diagnostics: [
          {
            code: 'CALL_FILE_NOT_FOUND',
            severity: 'error',
            path: 'triggers[0].call',
            file: 'whisker.yaml',
            line: 7,
            column: 11,
            message: including('nothere.ts'),
            hint: anyString(),
          },
        ],
      },
    });
  });

  it('creates from a .tar.gz upload, and refuses broken or dangerous archives', async () => {
    const archive = await packProject(OPS_DIR);
    const created = await api.call('POST', '/api/v1/projects?description=from%20a%20tarball', {
      body: archive,
      headers: { 'content-type': 'application/gzip' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'ops', description: 'The API test project' });
    expect(
      Object.keys(
        ((await api.call('GET', '/api/v1/projects/ops/sources')).body as { files: object }).files,
      ).sort(),
    ).toEqual(['flows.ts', 'whisker.yaml']);

    expect(
      await api.call('POST', '/api/v1/projects', {
        body: Buffer.from('not a tarball'),
        headers: { 'content-type': 'application/gzip' },
      }),
    ).toMatchObject({
      status: 400,
      body: {
        code: 'INVALID_TARBALL',
        message: 'the upload is not a readable .tar.gz: TAR_BAD_ARCHIVE: Unrecognized archive format',
        details: {},
      },
    });
    expect(
      await api.call('POST', '/api/v1/projects', {
        body: Buffer.alloc(0),
        headers: { 'content-type': 'application/gzip' },
      }),
    ).toMatchObject({ status: 400, body: { code: 'INVALID_TARBALL' } });
    expect(
      await api.call('POST', '/api/v1/projects', {
        body: 'plain',
        headers: { 'content-type': 'text/plain' },
      }),
    ).toMatchObject({
      status: 415,
      body: {
        code: 'UNSUPPORTED_MEDIA_TYPE',
        message: 'this route does not take a body of content type "text/plain"; send application/json',
        details: { contentType: 'text/plain' },
      },
    });
  });

  it('lints, plans and applies sources without and with changes', async () => {
    const lint = await api.call('POST', '/api/v1/lint', { body: { files: hello } });
    expect(lint).toMatchObject({ status: 200, body: { ok: true, diagnostics: [] } });
    const broken = await api.call('POST', '/api/v1/lint', {
      body: { files: { ...hello, 'handlers.ts': base64('export async function greet( {\n') } },
    });
    expect(broken.status).toBe(200);
    expect(broken.body).toMatchObject({ ok: false });
    const diagnostics = (
      broken.body as {
        diagnostics: { code: string; severity: string; file?: string; line?: number; column?: number }[];
      }
    ).diagnostics;
    expect(
      diagnostics.map((d) => `${d.severity} ${d.code} ${d.file ?? ''}:${d.line ?? ''}:${d.column ?? ''}`),
    ).toEqual([
      'error CALL_FUNCTION_NOT_EXPORTED whisker.yaml:12:11',
      'error SYNTAX_ERROR handlers.ts:2:1',
      'warning NO_EXPORTED_FUNCTIONS ::',
    ]);

    const changed = {
      ...hello,
      'whisker.yaml': base64(
        Buffer.from(hello['whisker.yaml'] as string, 'base64')
          .toString()
          .replace('value: Hello', 'value: Bonjour'),
      ),
    };
    const plan = await api.call('POST', '/api/v1/projects/hello/plan', { body: { files: changed } });
    expect(plan.status).toBe(200);
    expect(plan.body).toMatchObject({
      text: 'Plan for project "hello": 0 to create, 1 to change, 0 to remove.\n\n~ var GREETING: "Hello" → "Bonjour"\n',
      diagnostics: [],
      plan: { project: 'hello', newProject: false, summary: { create: 0, update: 1, replace: 0, delete: 0 } },
    });
    const applied = await api.call('POST', '/api/v1/projects/hello/apply', { body: { files: changed } });
    expect(applied.status).toBe(200);
    expect((await api.call('GET', '/api/v1/projects/hello/variables/GREETING')).body).toEqual({
      name: 'GREETING',
      secret: false,
      value: 'Bonjour',
      isSet: true,
      declared: true,
      updatedAt: anyTime(),
    });
    expect(await api.call('POST', '/api/v1/projects/hello/plan', { body: {} })).toMatchObject({
      status: 400,
      body: { code: 'VALIDATION_FAILED', message: 'body.files: is required' },
    });
    expect(await api.call('POST', '/api/v1/projects/nope/apply', { body: { files: hello } })).toMatchObject({
      status: 404,
      body: { code: 'PROJECT_NOT_FOUND' },
    });
  });
});

describe('builds and deployments', () => {
  it('builds, deploys, activates, deactivates and deletes', async () => {
    const build = await api.call('POST', '/api/v1/projects/hello/builds');
    expect(build.status).toBe(201);
    const buildId = (build.body as { buildId: string }).buildId;
    const project = (await api.call('GET', '/api/v1/projects/hello')).body as { projectId: string };
    expect(build.body).toEqual({
      buildId: anyId('bld'),
      projectId: project.projectId,
      status: 'succeeded',
      hash: matching(/^sha256-/),
      sourcesHash: matching(/^sha256-/),
      config: containing({ project: { name: 'hello', description: anyString() } }),
      diagnostics: [],
      createdAt: anyTime(),
      durationMs: anyNumber(),
    });
    expect((await api.call('GET', `/api/v1/builds/${buildId}`)).body).toEqual(build.body);
    expect((await api.call('GET', '/api/v1/builds?project=hello')).body).toEqual({ builds: [build.body] });
    expect(await api.call('GET', '/api/v1/builds/bld_01ARZ3NDEKTSV4RRFFQ69G5FAV')).toMatchObject({
      status: 404,
      body: {
        code: 'BUILD_NOT_FOUND',
        message: 'build bld_01ARZ3NDEKTSV4RRFFQ69G5FAV does not exist',
        details: { buildId: 'bld_01ARZ3NDEKTSV4RRFFQ69G5FAV' },
      },
    });

    const created = await api.call('POST', '/api/v1/deployments', { body: { buildId, activate: false } });
    expect(created.status).toBe(201);
    const deploymentId = (created.body as { deploymentId: string }).deploymentId;
    expect(created.body).toEqual({
      deploymentId: anyId('dep'),
      projectId: project.projectId,
      buildId,
      state: 'inactive',
      triggers: [containing({ name: 'greet', type: 'webhook', triggerId: anyId('trg') })],
      createdAt: anyTime(),
      updatedAt: anyTime(),
      reason: 'created',
      sessions: sessionCounts,
    });
    const activated = await api.call('POST', `/api/v1/deployments/${deploymentId}/activate`);
    expect(activated.body).toMatchObject({ deploymentId, state: 'active', reason: 'activated' });
    expect(await api.call('DELETE', `/api/v1/deployments/${deploymentId}`)).toMatchObject({
      status: 409,
      body: {
        code: 'INVALID_DEPLOYMENT_STATE',
        message: `cannot delete deployment ${deploymentId}: it is active; only inactive deployments can be deleted; deactivate it and let it drain`,
        details: { deploymentId, state: 'active' },
      },
    });
    expect(await api.call('DELETE', '/api/v1/projects/hello')).toMatchObject({
      status: 409,
      body: { code: 'INVALID_DEPLOYMENT_STATE', details: { deploymentId, state: 'active' } },
    });
    expect((await api.call('GET', '/api/v1/deployments?project=hello')).body).toEqual({
      deployments: [containing({ deploymentId, state: 'active' })],
    });
    const deactivated = await api.call('POST', `/api/v1/deployments/${deploymentId}/deactivate`);
    expect(deactivated.body).toMatchObject({ state: 'inactive', reason: 'deactivated' });
    expect(await api.call('DELETE', `/api/v1/deployments/${deploymentId}`)).toMatchObject({
      status: 204,
      text: '',
    });
    expect(await api.call('GET', `/api/v1/deployments/${deploymentId}`)).toMatchObject({
      status: 404,
      body: {
        code: 'DEPLOYMENT_NOT_FOUND',
        message: `deployment ${deploymentId} does not exist`,
        details: { deploymentId },
      },
    });
    expect(await api.call('POST', '/api/v1/deployments', { body: {} })).toMatchObject({
      status: 400,
      body: { code: 'VALIDATION_FAILED', message: 'body.buildId: is required' },
    });
  });

  it('records a failed build with its diagnostics and refuses to deploy it', async () => {
    // Type errors are found by the type check, which this engine runs (the shared one does not).
    const typed = await testApi({ engine: { typecheck: true } });
    try {
      const manifest =
        'version: 1\nproject:\n  name: fragile\ntriggers:\n  - name: run\n    type: manual\n    call: main.ts:run\n';
      const files = {
        'whisker.yaml': base64(manifest),
        'main.ts': base64('export async function run(): Promise<number> {\n  return "one";\n}\n'),
      };
      expect((await typed.call('POST', '/api/v1/projects', { body: { files } })).status).toBe(201);
      const build = await typed.call('POST', '/api/v1/projects/fragile/builds');
      expect(build.status).toBe(201);
      expect(build.body).toEqual({
        buildId: anyId('bld'),
        projectId: anyId('prj'),
        status: 'failed',
        sourcesHash: matching(/^sha256-/),
        diagnostics: [containing({ code: 'TS2322', severity: 'error', file: 'main.ts', line: 2, column: 3 })],
        createdAt: anyTime(),
        durationMs: anyNumber(),
      });
      const buildId = (build.body as { buildId: string }).buildId;
      expect(await typed.call('POST', '/api/v1/deployments', { body: { buildId } })).toMatchObject({
        status: 409,
        body: {
          code: 'BUILD_NOT_DEPLOYABLE',
          message: `build ${buildId} cannot be deployed: the build failed; fix the errors and build again`,
          details: { buildId },
        },
      });
      const deploy = await typed.call('POST', '/api/v1/deploy', { body: { files } });
      expect(deploy.status).toBe(422);
      expect(deploy.body).toEqual({
        code: 'PROJECT_INVALID',
        message: matching(/^build bld_\w+ of project fragile: 1 error, first: main\.ts:2:3 /),
        details: {
          diagnostics: [containing({ code: 'TS2322', file: 'main.ts', line: 2, column: 3 })],
        },
      });
    } finally {
      await typed.close();
    }
  });

  it('deploys in one go, and reports an invalid project with every diagnostic', async () => {
    const deployed = await api.call('POST', '/api/v1/deploy', { body: { files: ops } });
    expect(deployed.status).toBe(201);
    expect(deployed.body).toEqual({
      project: containing({ name: 'ops', activeDeploymentId: anyId('dep') }),
      // Created from the same sources above: nothing to change.
      plan: containing({ text: 'No changes: project "ops" matches the manifest.\n' }),
      build: containing({ status: 'succeeded' }),
      deployment: containing({ state: 'active', reason: 'activated', sessions: sessionCounts }),
    });
    const invalid = await api.call('POST', '/api/v1/deploy', {
      body: { files: { 'whisker.yaml': base64('version: 2\nproject: {}\n') } },
    });
    expect(invalid.status).toBe(422);
    expect(invalid.body).toMatchObject({
      code: 'PROJECT_INVALID',
      details: {
        diagnostics: [
          containing({ code: 'UNSUPPORTED_VERSION', file: 'whisker.yaml', line: 1 }),
          containing({ code: 'SCHEMA_MISSING_FIELD', path: 'project.name' }),
        ],
      },
    });
  });
});

describe('variables and secrets', () => {
  it('sets, reads, lists and deletes; secret values never come back', async () => {
    const plain = await api.call('PUT', '/api/v1/projects/ops/variables/REGION', { body: { value: 'eu' } });
    expect(plain).toMatchObject({ status: 200 });
    expect(plain.body).toEqual({
      name: 'REGION',
      secret: false,
      value: 'eu',
      isSet: true,
      declared: false,
      updatedAt: anyTime(),
    });
    const secret = await api.call('PUT', '/api/v1/projects/ops/variables/GITHUB_SECRET', {
      body: { value: 's3cr3t-value' },
    });
    expect(secret.body).toEqual({
      name: 'GITHUB_SECRET',
      secret: true,
      isSet: true,
      declared: true,
      updatedAt: anyTime(),
    });
    expect(secret.text).not.toContain('s3cr3t');
    const list = await api.call('GET', '/api/v1/projects/ops/variables');
    expect(list.text).not.toContain('s3cr3t');
    expect(
      (list.body as { variables: { name: string; isSet: boolean }[] }).variables.map(
        (v) => `${v.name}:${v.isSet}`,
      ),
    ).toEqual([
      'GITHUB_SECRET:true',
      'GREETING:true',
      'HMAC_SECRET:false',
      'REGION:true',
      'SLACK_SECRET:false',
    ]);
    expect(
      await api.call('PUT', '/api/v1/projects/ops/variables/GITHUB_SECRET', {
        body: { value: 'x', secret: false },
      }),
    ).toMatchObject({
      status: 400,
      body: {
        code: 'INVALID_ARGUMENT',
        message:
          'secret: GITHUB_SECRET is declared secret in whisker.yaml; it cannot be set as a plain variable',
        details: { field: 'secret' },
      },
    });
    expect(
      await api.call('PUT', '/api/v1/projects/ops/variables/9bad', { body: { value: 'x' } }),
    ).toMatchObject({
      status: 400,
      body: { code: 'INVALID_ARGUMENT', details: { field: 'name' } },
    });
    expect(await api.call('PUT', '/api/v1/projects/ops/variables/X', { body: { value: 1 } })).toMatchObject({
      status: 400,
      body: { code: 'VALIDATION_FAILED', message: 'body.value: must be string' },
    });
    expect(await api.call('DELETE', '/api/v1/projects/ops/variables/REGION')).toMatchObject({ status: 204 });
    const project = (await api.call('GET', '/api/v1/projects/ops')).body as { projectId: string };
    expect(await api.call('GET', '/api/v1/projects/ops/variables/REGION')).toMatchObject({
      status: 404,
      body: {
        code: 'VARIABLE_NOT_FOUND',
        message: `project ${project.projectId} has no variable "REGION"`,
        details: { projectId: project.projectId, variable: 'REGION' },
      },
    });
  });
});

describe('triggers and events', () => {
  it('lists and gets triggers, runs a manual one, refuses to run another kind', async () => {
    const triggers = (await api.call('GET', '/api/v1/triggers?project=ops')).body as {
      triggers: { name: string; triggerId: string; type: string }[];
    };
    expect(triggers.triggers.map((t) => `${t.name}:${t.type}`)).toEqual([
      'echo:webhook',
      'text:webhook',
      'slow:webhook',
      'github:webhook',
      'slack:webhook',
      'hmac:webhook',
      'run:manual',
      'on-contact:connection',
    ]);
    const run = triggers.triggers.find((t) => t.name === 'run') as { triggerId: string };
    const project = (await api.call('GET', '/api/v1/projects/ops')).body as { projectId: string };
    expect((await api.call('GET', `/api/v1/triggers/${run.triggerId}`)).body).toEqual({
      triggerId: run.triggerId,
      projectId: project.projectId,
      name: 'run',
      type: 'manual',
      call: 'flows.ts:waitForGo',
    });
    const started = await api.call('POST', `/api/v1/triggers/${run.triggerId}/run`, {
      body: { input: { n: 1 } },
    });
    expect(started).toMatchObject({ status: 202 });
    expect(started.body).toEqual({ eventId: anyId('evt'), status: 'dispatched', sessionId: anyId('ses') });
    const echo = triggers.triggers.find((t) => t.name === 'echo') as { triggerId: string };
    expect(await api.call('POST', `/api/v1/triggers/${echo.triggerId}/run`)).toMatchObject({
      status: 400,
      body: {
        code: 'INVALID_ARGUMENT',
        message: 'trigger: echo is a webhook trigger, not a manual one',
        details: { field: 'trigger' },
      },
    });
    expect(await api.call('GET', '/api/v1/triggers/trg_01ARZ3NDEKTSV4RRFFQ69G5FAV')).toMatchObject({
      status: 404,
      body: {
        code: 'TRIGGER_NOT_FOUND',
        message: 'trigger "trg_01ARZ3NDEKTSV4RRFFQ69G5FAV" does not exist',
        details: { trigger: 'trg_01ARZ3NDEKTSV4RRFFQ69G5FAV' },
      },
    });
  });

  it('delivers connection events (filtered and not), lists events with filters, gets and redispatches', async () => {
    const delivered = await api.call('POST', '/api/v1/projects/ops/connections/crm/events', {
      body: { eventType: 'contact.created', data: { vip: true, name: 'Ada' } },
    });
    expect(delivered).toMatchObject({ status: 202 });
    expect(delivered.body).toEqual({
      results: [{ eventId: anyId('evt'), status: 'dispatched', sessionId: anyId('ses') }],
    });
    const filtered = await api.call('POST', '/api/v1/projects/ops/connections/crm/events', {
      body: { eventType: 'contact.created', data: { vip: false } },
    });
    expect(filtered.body).toEqual({
      results: [
        {
          eventId: anyId('evt'),
          status: 'filtered',
          reason: 'filter "event.data.data.vip == true" is false',
        },
      ],
    });
    expect(
      await api.call('POST', '/api/v1/projects/ops/connections/nope/events', { body: { eventType: 'x' } }),
    ).toMatchObject({
      status: 400,
      body: { code: 'INVALID_ARGUMENT', message: 'connection: project ops has no connection "nope"' },
    });

    const connectionEvents = await api.call('GET', '/api/v1/events?project=ops&type=connection');
    const page = connectionEvents.body as { events: { eventId: string; status: string }[]; total: number };
    expect(page.total).toBe(2);
    expect(page.events.map((e) => e.status)).toEqual(['filtered', 'dispatched']);
    const firstPage = (await api.call('GET', '/api/v1/events?project=ops&type=connection&limit=1')).body as {
      events: { eventId: string }[];
      nextCursor: string;
    };
    expect(firstPage.events).toHaveLength(1);
    const secondPage = (
      await api.call(
        'GET',
        `/api/v1/events?project=ops&type=connection&limit=1&cursor=${firstPage.nextCursor}`,
      )
    ).body as { events: { eventId: string }[]; nextCursor?: string };
    expect(secondPage.events[0]?.eventId).toBe(page.events[1]?.eventId);
    expect(secondPage.nextCursor).toBeUndefined();

    const eventId = (delivered.body as { results: { eventId: string; sessionId: string }[] }).results[0]
      ?.eventId as string;
    const project = (await api.call('GET', '/api/v1/projects/ops')).body as {
      projectId: string;
      activeDeploymentId: string;
    };
    const detail = await api.call('GET', `/api/v1/events/${eventId}`);
    expect(detail.body).toEqual({
      eventId,
      projectId: project.projectId,
      type: 'connection',
      triggerId: anyId('trg'),
      triggerName: 'on-contact',
      deploymentId: project.activeDeploymentId,
      time: anyTime(),
      status: 'dispatched',
      sessionId: anyId('ses'),
      data: { connection: 'crm', eventType: 'contact.created', data: { vip: true, name: 'Ada' } },
    });
    const again = await api.call('POST', `/api/v1/events/${eventId}/redispatch`);
    expect(again).toMatchObject({ status: 202, body: { status: 'dispatched' } });
    expect((again.body as { eventId: string }).eventId).not.toBe(eventId);
    expect(
      (await api.call('GET', `/api/v1/events/${(again.body as { eventId: string }).eventId}`)).body,
    ).toMatchObject({
      redispatchOf: eventId,
    });

    expect(await api.call('GET', '/api/v1/events?type=bogus')).toMatchObject({
      status: 400,
      body: {
        code: 'VALIDATION_FAILED',
        message: 'query.type: must be one of "webhook", "schedule", "manual", "connection"',
      },
    });
    expect(await api.call('GET', '/api/v1/events?limit=0')).toMatchObject({
      status: 400,
      body: { code: 'VALIDATION_FAILED', message: 'query.limit: must be >= 1' },
    });
    expect(await api.call('GET', '/api/v1/events/evt_01ARZ3NDEKTSV4RRFFQ69G5FAV')).toMatchObject({
      status: 404,
      body: {
        code: 'EVENT_NOT_FOUND',
        message: 'event evt_01ARZ3NDEKTSV4RRFFQ69G5FAV does not exist',
        details: { eventId: 'evt_01ARZ3NDEKTSV4RRFFQ69G5FAV' },
      },
    });
  });
});

describe('sessions', () => {
  async function start(body: Record<string, unknown>): Promise<string> {
    const started = await api.call('POST', '/api/v1/sessions', { body: { project: 'ops', ...body } });
    expect(started).toMatchObject({ status: 202, body: { status: 'dispatched' } });
    return (started.body as { sessionId: string }).sessionId;
  }

  it('starts a session through a trigger (recorded as an event), signals it, reads its log and history', async () => {
    const sessionId = await start({ trigger: 'run', input: { order: 7 } });
    await api.engine.waitFor(sessionId, (s) => s.status === 'waiting', 5000);
    const project = (await api.call('GET', '/api/v1/projects/ops')).body as {
      projectId: string;
      activeDeploymentId: string;
    };
    const got = await api.call('GET', `/api/v1/sessions/${sessionId}`);
    expect(got.body).toEqual({
      sessionId,
      status: 'waiting',
      entry: 'flows.ts:waitForGo',
      buildId: anyId('bld'),
      startBuildId: anyId('bld'),
      input: {
        eventId: anyId('evt'),
        type: 'manual',
        trigger: 'run',
        time: anyString(),
        data: { order: 7 },
      },
      projectId: project.projectId,
      deploymentId: project.activeDeploymentId,
      trigger: { kind: 'manual', eventId: anyId('evt'), triggerId: anyId('trg') },
      startedAt: anyTime(),
      updatedAt: anyTime(),
      waitingFor: { activities: 0, timers: 0, children: 0 },
      counts: { activities: 0, timers: 0, signals: 0, logs: 1, children: 0 },
      revision: 1,
    });
    const signalled = await api.call('POST', `/api/v1/sessions/${sessionId}/signals`, {
      body: { name: 'go', payload: { $bigint: '42' } },
    });
    expect(signalled).toMatchObject({ status: 202, body: { sessionId, name: 'go' } });
    await api.engine.waitFor(sessionId, (s) => s.status === 'completed', 5000);
    const done = (await api.call('GET', `/api/v1/sessions/${sessionId}`)).body as Record<string, unknown>;
    expect(done).toMatchObject({
      status: 'completed',
      result: { input: { order: 7 }, go: { $bigint: '42' } },
    });
    expect(done['waitingFor']).toBeUndefined();

    const log = await api.call('GET', `/api/v1/sessions/${sessionId}/log`);
    expect(
      (log.body as { entries: { kind: string; level: string; text: string }[] }).entries.map(
        (e) => `${e.kind}/${e.level}: ${e.text}`,
      ),
    ).toEqual([
      'lifecycle/info: started flows.ts:waitForGo',
      'print/info: waiting for go',
      'lifecycle/info: signal go received',
      'print/warn: got go',
      'lifecycle/info: completed',
    ]);
    const history = (await api.call('GET', `/api/v1/sessions/${sessionId}/history`)).body as {
      events: { revision: number; type: string; data: Record<string, unknown> }[];
    };
    expect(history.events.map((e) => e.type)).toEqual([
      'SessionStarted',
      'Log',
      'SignalReceived',
      'Log',
      'SessionCompleted',
    ]);
    expect(history.events[2]?.data).toEqual({ name: 'go', payload: { $bigint: '42' }, time: anyTime() });

    expect(
      await api.call('POST', `/api/v1/sessions/${sessionId}/signals`, { body: { name: 'go' } }),
    ).toMatchObject({
      status: 409,
      body: {
        code: 'INVALID_SESSION_STATE',
        message: `cannot signal session ${sessionId}: it is completed`,
        details: { sessionId, status: 'completed', operation: 'signal' },
      },
    });
    const events = (await api.call('GET', '/api/v1/events?project=ops&type=manual')).body as {
      events: { sessionId?: string }[];
    };
    expect(events.events.some((e) => e.sessionId === sessionId)).toBe(true);
  });

  it('maps values JSON cannot carry, both ways', async () => {
    const sessionId = await start({
      entry: 'flows.ts:values',
      input: {
        bytes: { $base64: 'AAEC' },
        n: { $number: 'Infinity' },
        s: { $set: [1] },
        m: { $map: [[{ $bigint: '1' }, 'x']] },
      },
    });
    await api.engine.waitFor(sessionId, (s) => s.status === 'completed', 5000);
    const session = (await api.call('GET', `/api/v1/sessions/${sessionId}`)).body as { result: unknown };
    expect(session.result).toEqual({
      bytes: { $base64: 'AQID' },
      big: { $bigint: '12345678901234567890' },
      map: { $map: [['a', 1]] },
      set: { $set: [1, 2] },
      when: '1970-01-01T00:00:00.000Z',
      nan: { $number: 'NaN' },
      input: {
        bytes: { $base64: 'AAEC' },
        n: { $number: 'Infinity' },
        s: { $set: [1] },
        m: { $map: [[{ $bigint: '1' }, 'x']] },
      },
    });
    expect(
      await api.call('POST', '/api/v1/sessions', {
        body: { project: 'ops', entry: 'flows.ts:values', input: { $base64: '!!' } },
      }),
    ).toMatchObject({
      status: 400,
      body: {
        code: 'INVALID_JSON_VALUE',
        message: 'body.input.$base64: must be a base64 string',
        details: { path: 'body.input.$base64' },
      },
    });
  });

  it('lists with filters and pages, stops, restarts and deletes', async () => {
    const sleepy = await start({ entry: 'flows.ts:sleepy' });
    const failing = await start({ entry: 'flows.ts:fail' });
    await api.engine.waitFor(failing, (s) => s.status === 'failed', 5000);
    await api.engine.waitFor(sleepy, (s) => s.status === 'waiting', 5000);

    const failed = (await api.call('GET', '/api/v1/sessions?project=ops&status=failed')).body as {
      sessions: { sessionId: string; error: { name: string; message: string } }[];
      total: number;
    };
    expect(failed.total).toBe(1);
    expect(failed.sessions[0]).toMatchObject({
      sessionId: failing,
      status: 'failed',
      error: { name: 'Error', message: 'boom' },
    });
    const open = (
      await api.call(
        'GET',
        '/api/v1/sessions?project=ops&status=waiting,running,created&entry=flows.ts:sleepy',
      )
    ).body as { sessions: { sessionId: string }[] };
    expect(open.sessions.map((s) => s.sessionId)).toEqual([sleepy]);
    const all = (await api.call('GET', '/api/v1/sessions?project=ops')).body as {
      total: number;
      sessions: { sessionId: string }[];
    };
    const first = (await api.call('GET', '/api/v1/sessions?project=ops&limit=2')).body as {
      sessions: { sessionId: string }[];
      nextCursor: string;
    };
    const rest = (await api.call('GET', `/api/v1/sessions?project=ops&limit=1000&cursor=${first.nextCursor}`))
      .body as {
      sessions: { sessionId: string }[];
    };
    expect([...first.sessions, ...rest.sessions].map((s) => s.sessionId)).toEqual(
      all.sessions.map((s) => s.sessionId),
    );
    const future = new Date(Date.now() + 60_000).toISOString();
    expect((await api.call('GET', `/api/v1/sessions?startedAfter=${future}`)).body).toEqual({
      sessions: [],
      total: 0,
    });
    expect(await api.call('GET', '/api/v1/sessions?startedAfter=yesterday')).toMatchObject({
      status: 400,
      body: {
        code: 'VALIDATION_FAILED',
        message: 'query.startedAfter: must be ms since the epoch or an ISO 8601 date',
        details: {
          errors: [
            { field: 'query.startedAfter', message: 'must be ms since the epoch or an ISO 8601 date' },
          ],
        },
      },
    });
    expect(await api.call('GET', '/api/v1/sessions?status=sleeping')).toMatchObject({
      status: 400,
      body: { code: 'VALIDATION_FAILED', details: { errors: [{ field: 'query.status' }] } },
    });

    expect(await api.call('DELETE', `/api/v1/sessions/${sleepy}`)).toMatchObject({
      status: 409,
      body: {
        code: 'INVALID_SESSION_STATE',
        message: `cannot delete session ${sleepy}: it is waiting; stop it first`,
      },
    });
    const stopped = await api.call('POST', `/api/v1/sessions/${sleepy}/stop`, {
      body: { reason: 'test over', force: true },
    });
    expect(stopped).toMatchObject({
      status: 200,
      body: { sessionId: sleepy, status: 'stopped', stopReason: 'test over' },
    });
    const restarted = await api.call('POST', `/api/v1/sessions/${failing}/restart`);
    expect(restarted).toMatchObject({
      status: 201,
      body: {
        entry: 'flows.ts:fail',
        trigger: { kind: 'restart', sessionId: failing },
        labels: { restartOf: failing },
      },
    });
    expect(await api.call('DELETE', `/api/v1/sessions/${sleepy}`)).toMatchObject({ status: 204, text: '' });
    expect(await api.call('GET', `/api/v1/sessions/${sleepy}`)).toMatchObject({
      status: 404,
      body: {
        code: 'SESSION_NOT_FOUND',
        message: `session ${sleepy} does not exist (list sessions to see the ids)`,
        details: { sessionId: sleepy },
      },
    });
    expect(await api.call('GET', '/api/v1/sessions/not-an-id/log')).toMatchObject({
      status: 400,
      body: {
        code: 'INVALID_ARGUMENT',
        message: 'sessionId: "not-an-id" is not a session id (ses_…)',
        details: { field: 'sessionId' },
      },
    });
  });

  it('refuses bad starts', async () => {
    expect(
      await api.call('POST', '/api/v1/sessions', {
        body: { project: 'ops', trigger: 'run', entry: 'flows.ts:fail' },
      }),
    ).toMatchObject({
      status: 400,
      body: {
        code: 'INVALID_ARGUMENT',
        message: 'trigger: give exactly one of trigger (a manual trigger name) or entry (file.ts:function)',
      },
    });
    expect(
      await api.call('POST', '/api/v1/sessions', { body: { project: 'ops', entry: 'flows.ts:nothing' } }),
    ).toMatchObject({
      status: 400,
      body: { code: 'INVALID_ARGUMENT', details: { field: 'entry' } },
    });
    await api.engine.projects.create({ name: 'idle' });
    const idle = (await api.call('GET', '/api/v1/projects/idle')).body as { projectId: string };
    expect(
      await api.call('POST', '/api/v1/sessions', { body: { project: 'idle', entry: 'a.ts:b' } }),
    ).toMatchObject({
      status: 409,
      body: {
        code: 'NO_ACTIVE_DEPLOYMENT',
        message: `project ${idle.projectId} has no active deployment; deploy it first (whisker deploy <dir>)`,
        details: { projectId: idle.projectId },
      },
    });
    expect(await api.call('POST', '/api/v1/sessions', { body: { entry: 'a.ts:b' } })).toMatchObject({
      status: 400,
      body: { code: 'VALIDATION_FAILED', message: 'body.project: is required' },
    });
  });
});

describe('statistics and metrics', () => {
  it('counts sessions of a project by state', async () => {
    await api.call('POST', '/api/v1/deploy', { body: { files: await filesOf(`${EXAMPLES_DIR}/scheduled`) } });
    const started = await api.call('POST', '/api/v1/sessions', {
      body: { project: 'scheduled', entry: 'jobs.ts:tick', input: { tickAt: 'now' } },
    });
    const sessionId = (started.body as { sessionId: string }).sessionId;
    await api.engine.waitFor(sessionId, (s) => s.status === 'completed', 5000);
    const stats = await api.call('GET', '/api/v1/stats?project=scheduled');
    expect(stats.body).toEqual({
      total: 1,
      byStatus: { created: 0, running: 0, waiting: 0, completed: 1, failed: 0, stopped: 0, parked: 0 },
      successRate: 1,
      failureRate: 0,
      durationMs: { count: 1, p50: anyNumber(), p95: anyNumber(), max: anyNumber() },
      startDelayMs: { count: 1, p50: anyNumber(), p95: anyNumber(), max: anyNumber() },
      series: [{ start: anyNumber(), started: 1, completed: 1, failed: 0, stopped: 0 }],
    });
    expect(
      (await api.call('GET', `/api/v1/stats?project=scheduled&since=${Date.now() + 60_000}`)).body,
    ).toMatchObject({ total: 0 });
    expect(await api.call('GET', '/api/v1/stats?bucketMs=5')).toMatchObject({
      status: 400,
      body: { code: 'VALIDATION_FAILED', message: 'query.bucketMs: must be >= 1000' },
    });
    const metrics = (await api.call('GET', '/api/v1/metrics')).body as { sessions: Record<string, number> };
    expect(metrics.sessions['completed']).toBeGreaterThan(0);
  });
});

describe('limits and malformed requests', () => {
  it('refuses bodies over the limit with 413, and JSON that is broken or poisoned', async () => {
    const big = { name: 'x'.repeat(70 * 1024) };
    expect(await api.call('POST', '/api/v1/tokens', { body: big })).toMatchObject({
      status: 413,
      body: {
        code: 'BODY_TOO_LARGE',
        message: 'request body is larger than the limit of this route; send less',
        details: {},
      },
    });
    // Uploads have their own, larger limit.
    const manifest = Buffer.from(hello['whisker.yaml'] as string, 'base64')
      .toString()
      .replace('name: hello', 'name: bigger');
    const padded = { ...hello, 'whisker.yaml': base64(manifest), 'data.txt': base64('y'.repeat(200 * 1024)) };
    expect((await api.call('POST', '/api/v1/projects', { body: { files: padded } })).status).toBe(201);

    expect(
      await api.call('POST', '/api/v1/tokens', {
        body: '{"name": ',
        headers: { 'content-type': 'application/json' },
      }),
    ).toMatchObject({
      status: 400,
      body: {
        code: 'INVALID_JSON',
        message: matching(/^the body is not valid JSON: /),
        details: {},
      },
    });
    expect(
      await api.call('POST', '/api/v1/tokens', {
        body: '{"name":"a","__proto__":{"admin":true}}',
        headers: { 'content-type': 'application/json' },
      }),
    ).toMatchObject({
      status: 400,
      body: {
        code: 'INVALID_JSON',
        message: 'the body has a "__proto__" key, which is refused (prototype poisoning); rename the field',
        details: { key: '__proto__' },
      },
    });
    expect(
      await api.call('POST', '/api/v1/tokens', {
        body: '{"a":{"constructor":{"prototype":{}}}}',
        headers: { 'content-type': 'application/json' },
      }),
    ).toMatchObject({
      status: 400,
      body: { code: 'INVALID_JSON', details: { key: 'constructor.prototype' } },
    });
    expect(
      await api.call('POST', '/api/v1/tokens', { body: '', headers: { 'content-type': 'application/json' } }),
    ).toMatchObject({
      status: 400,
      body: {
        code: 'INVALID_JSON',
        message: 'the body is empty but the content type is application/json; send a JSON value',
      },
    });
    const deep = '['.repeat(10_000) + ']'.repeat(10_000);
    expect(
      await api.call('POST', '/api/v1/sessions', {
        body: `{"project":"ops","entry":"flows.ts:values","input":${deep}}`,
        headers: { 'content-type': 'application/json' },
      }),
    ).toMatchObject({
      status: 400,
      body: {
        code: 'INVALID_JSON_VALUE',
        message: 'body.input' + '[0]'.repeat(100) + ': nested deeper than 100 levels',
      },
    });
  });

  it('rate-limits per token with Retry-After', async () => {
    const limited = await testApi({ rateLimit: { max: 3, window: '1m' } });
    try {
      for (let i = 0; i < 3; i++) expect((await limited.call('GET', '/api/v1/projects')).status).toBe(200);
      const refused = await limited.call('GET', '/api/v1/projects');
      expect(refused.status).toBe(429);
      expect(refused.headers['retry-after']).toBe('60');
      expect(refused.body).toEqual({
        code: 'RATE_LIMITED',
        message: 'too many requests: the limit is 3 per window for this token or address; retry in 1 minute',
        details: { limit: 3, retryAfter: '1 minute' },
      });
      // Health is never limited; another address has its own budget.
      expect((await limited.call('GET', '/health', { token: null })).status).toBe(200);
      const other = await limited.app.inject({
        method: 'GET',
        url: '/api/v1/projects',
        remoteAddress: '10.0.0.9',
        headers: {},
      });
      expect(other.statusCode).toBe(401);
    } finally {
      await limited.close();
    }
  });
});

describe('web UI files', () => {
  it('serves ui/dist at / (index.html for page addresses), leaving the API and its errors alone', async () => {
    const uiDir = await mkdtemp(join(tmpdir(), 'whisker-ui-'));
    await mkdir(join(uiDir, 'assets'));
    await writeFile(join(uiDir, 'index.html'), '<!doctype html><title>Whisker</title>');
    await writeFile(join(uiDir, 'assets', 'app.js'), 'console.log(1)');
    const withUi = await testApi({ uiDir });
    try {
      expect(await withUi.call('GET', '/', { token: null })).toMatchObject({
        status: 200,
        text: '<!doctype html><title>Whisker</title>',
      });
      const asset = await withUi.call('GET', '/assets/app.js', { token: null });
      expect(asset).toMatchObject({ status: 200, text: 'console.log(1)' });
      expect(String(asset.headers['content-type'])).toMatch(/javascript/);
      const page = await withUi.call('GET', '/sessions/ses_123', {
        token: null,
        headers: { accept: 'text/html' },
      });
      expect(page).toMatchObject({ status: 200, text: '<!doctype html><title>Whisker</title>' });
      expect(await withUi.call('GET', '/assets/missing.js', { token: null })).toMatchObject({
        status: 404,
        body: { code: 'NOT_FOUND', details: { method: 'GET', path: '/assets/missing.js' } },
      });
      expect(await withUi.call('GET', '/api/v1/nothing', { headers: { accept: 'text/html' } })).toMatchObject(
        {
          status: 404,
          body: { code: 'NOT_FOUND' },
        },
      );
      expect((await withUi.call('GET', '/health', { token: null })).body).toEqual({ status: 'ok' });
    } finally {
      await withUi.close();
      await rm(uiDir, { recursive: true, force: true });
    }
    const withoutUi = await testApi({ uiDir: join(tmpdir(), 'whisker-no-such-ui') });
    try {
      expect(await withoutUi.call('GET', '/', { token: null })).toMatchObject({
        status: 404,
        body: { code: 'NOT_FOUND' },
      });
    } finally {
      await withoutUi.close();
    }
  });
});

describe('OpenAPI', () => {
  it('documents every route with its parameters, body and responses', async () => {
    const spec = (await api.call('GET', '/openapi.json')).body as {
      paths: Record<
        string,
        Record<
          string,
          {
            responses: Record<string, unknown>;
            parameters?: { name: string; in: string }[];
            requestBody?: unknown;
            tags?: string[];
          }
        >
      >;
    };
    const operations = Object.entries(spec.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ id: `${method.toUpperCase()} ${path}`, op })),
    );
    expect(operations.map((o) => o.id).sort()).toEqual(
      [
        'DELETE /api/v1/deployments/{deploymentId}',
        'DELETE /api/v1/projects/{project}',
        'DELETE /api/v1/projects/{project}/variables/{name}',
        'DELETE /api/v1/sessions/{sessionId}',
        'DELETE /api/v1/tokens/{tokenId}',
        'DELETE /webhooks/{slug}',
        'GET /api/v1/builds',
        'GET /api/v1/builds/{buildId}',
        'GET /api/v1/deployments',
        'GET /api/v1/deployments/{deploymentId}',
        'GET /api/v1/events',
        'GET /api/v1/events/{eventId}',
        'GET /api/v1/metrics',
        'GET /api/v1/projects',
        'GET /api/v1/projects/{project}',
        'GET /api/v1/projects/{project}/sources',
        'GET /api/v1/projects/{project}/variables',
        'GET /api/v1/projects/{project}/variables/{name}',
        'GET /api/v1/sessions',
        'GET /api/v1/sessions/stream',
        'GET /api/v1/sessions/{sessionId}',
        'GET /api/v1/sessions/{sessionId}/events',
        'GET /api/v1/sessions/{sessionId}/history',
        'GET /api/v1/sessions/{sessionId}/journal',
        'GET /api/v1/sessions/{sessionId}/log',
        'GET /api/v1/stats',
        'GET /api/v1/tokens',
        'GET /api/v1/triggers',
        'GET /api/v1/triggers/{triggerId}',
        'GET /health',
        'GET /ready',
        'GET /webhooks/{slug}',
        'OPTIONS /webhooks/{slug}',
        'PATCH /webhooks/{slug}',
        'POST /api/v1/deploy',
        'POST /api/v1/deployments',
        'POST /api/v1/deployments/{deploymentId}/activate',
        'POST /api/v1/deployments/{deploymentId}/deactivate',
        'POST /api/v1/events/{eventId}/redispatch',
        'POST /api/v1/lint',
        'POST /api/v1/projects',
        'POST /api/v1/projects/{project}/apply',
        'POST /api/v1/projects/{project}/builds',
        'POST /api/v1/projects/{project}/connections/{connection}/events',
        'POST /api/v1/projects/{project}/plan',
        'POST /api/v1/sessions',
        'POST /api/v1/sessions/{sessionId}/restart',
        'POST /api/v1/sessions/{sessionId}/signals',
        'POST /api/v1/sessions/{sessionId}/stop',
        'POST /api/v1/tokens',
        'POST /api/v1/triggers/{triggerId}/run',
        'POST /webhooks/{slug}',
        'PUT /api/v1/projects/{project}/variables/{name}',
        'PUT /webhooks/{slug}',
      ].sort(),
    );
    for (const { id, op } of operations) {
      expect(op.tags, id).toHaveLength(1);
      const success = Object.keys(op.responses).filter((status) => /^2/.test(status));
      expect(success.length, id).toBeGreaterThan(0);
      for (const name of [...id.matchAll(/\{(\w+)\}/g)].map((m) => m[1])) {
        expect(
          op.parameters?.some((p) => p.in === 'path' && p.name === name),
          `${id} documents ${name}`,
        ).toBe(true);
      }
      if (id.startsWith('POST /api') || id.startsWith('PUT /api')) {
        const bodiless = /\/(activate|deactivate|restart|builds)$/.test(id);
        expect(op.requestBody !== undefined, `${id} documents its body`).toBe(!bodiless);
      }
    }
  });
});
