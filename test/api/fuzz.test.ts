/**
 * A bounded fuzz run of malformed requests against a real server: bad JSON, poisoned keys, deep
 * nesting, oversized bodies, wrong content types, unknown and garbage ids, bad UTF-8, huge
 * headers, broken framing. A few thousand requests, time-bounded, from a seeded generator (the
 * seed is printed on failure). No answer may be a 5xx, every error must have the one error shape,
 * and the server must be healthy afterwards.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../api/index.js';
import type { RunningServer } from '../../api/index.js';
import { filesOf, OPS_DIR, SECRET_KEY } from './helpers.js';

const SEED = Number(process.env['WHISKER_FUZZ_SEED'] ?? Date.now() % 1_000_000);
const HTTP_REQUESTS = 2500;
const RAW_REQUESTS = 300;
const TIME_BUDGET_MS = 25_000;
const CONCURRENCY = 16;

/** mulberry32: small, seeded, good enough to pick cases. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let server: RunningServer;
let dataDir: string;
let token: string;
const known: Record<string, string[]> = {
  project: ['ops'],
  session: [],
  event: [],
  trigger: [],
  build: [],
  deployment: [],
};

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'whisker-api-fuzz-'));
  server = await startServer({
    dataDir,
    host: '127.0.0.1',
    port: 0,
    engine: { sandboxOptions: { runners: 1 }, typecheck: false, secretKey: SECRET_KEY },
    api: { rateLimit: false, requestTimeout: '2s', bodyLimit: 256 * 1024, uploadBodyLimit: 512 * 1024 },
  });
  token = server.adminToken?.token ?? '';
  const deploy = await fetch(`${server.url}/api/v1/deploy`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ files: await filesOf(OPS_DIR) }),
  });
  const deployed = (await deploy.json()) as {
    project: { projectId: string; triggers: { triggerId: string }[] };
    build: { buildId: string };
    deployment: { deploymentId: string };
  };
  known['project']?.push(deployed.project.projectId);
  known['build']?.push(deployed.build.buildId);
  known['deployment']?.push(deployed.deployment.deploymentId);
  known['trigger']?.push(...deployed.project.triggers.map((t) => t.triggerId));
  const started = await server.engine.triggers.run('ops', { entry: 'flows.ts:sleepy' });
  known['session']?.push(started.sessionId as string);
  known['event']?.push(started.eventId);
});

afterAll(async () => {
  await server?.close();
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
});

const ROUTES: [string, string][] = [
  ['GET', '/api/v1/projects'],
  ['POST', '/api/v1/projects'],
  ['GET', '/api/v1/projects/{project}'],
  ['DELETE', '/api/v1/projects/{project}'],
  ['POST', '/api/v1/projects/{project}/plan'],
  ['POST', '/api/v1/projects/{project}/apply'],
  ['POST', '/api/v1/lint'],
  ['POST', '/api/v1/deploy'],
  ['POST', '/api/v1/projects/{project}/builds'],
  ['GET', '/api/v1/builds/{build}'],
  ['POST', '/api/v1/deployments'],
  ['POST', '/api/v1/deployments/{deployment}/activate'],
  ['GET', '/api/v1/deployments/{deployment}'],
  ['GET', '/api/v1/triggers/{trigger}'],
  ['POST', '/api/v1/triggers/{trigger}/run'],
  ['POST', '/api/v1/projects/{project}/connections/crm/events'],
  ['GET', '/api/v1/events'],
  ['GET', '/api/v1/events/{event}'],
  ['POST', '/api/v1/events/{event}/redispatch'],
  ['PUT', '/api/v1/projects/{project}/variables/{name}'],
  ['GET', '/api/v1/projects/{project}/variables/{name}'],
  ['POST', '/api/v1/sessions'],
  ['GET', '/api/v1/sessions'],
  ['GET', '/api/v1/sessions/{session}'],
  ['GET', '/api/v1/sessions/{session}/log'],
  ['POST', '/api/v1/sessions/{session}/signals'],
  ['POST', '/api/v1/sessions/{session}/stop'],
  ['GET', '/api/v1/stats'],
  ['POST', '/api/v1/tokens'],
  ['ALL', '/webhooks/{slug}'],
  ['GET', '/health'],
  ['GET', '/nowhere/{name}'],
];

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/gzip',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/xml',
  ';;;',
  '',
];

function makeGenerator(random: () => number) {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const int = (max: number): number => Math.floor(random() * max);
  const garbage = (length: number): string => {
    const alphabet = "abcXYZ019_-.~!$&'()*+,;=:@/%é😀\u0000\u202e ";
    let out = '';
    for (let i = 0; i < length; i++) out += pick([...alphabet]);
    return out;
  };
  const id = (kind: string): string => {
    const choice = random();
    const existing = known[kind] ?? [];
    if (choice < 0.3 && existing.length > 0) return pick(existing);
    if (choice < 0.55)
      return `${pick(['ses', 'prj', 'evt', 'trg', 'bld', 'dep'])}_01ARZ3NDEKTSV4RRFFQ69G5FAV`;
    if (choice < 0.7) return encodeURIComponent(garbage(1 + int(30)));
    if (choice < 0.8) return 'x'.repeat(90 + int(40));
    return pick(['..', '%2e%2e', 'null', 'undefined', '0', '-1', '%25', 'a%2Fb', '__proto__', 'constructor']);
  };
  const value = (depth: number): unknown => {
    const r = random();
    if (depth > 3 || r < 0.3)
      return pick([null, true, 0, -1, 1e308, 'x', '', garbage(5), 1.2345678901234567e19]);
    if (r < 0.45) return Array.from({ length: int(4) }, () => value(depth + 1));
    if (r < 0.55)
      return pick([
        { $base64: '!!' },
        { $bigint: '9'.repeat(5000) },
        { $map: 'x' },
        { $date: 'never' },
        { $number: 'NaN' },
      ]);
    const object: Record<string, unknown> = {};
    for (let i = int(5); i > 0; i--) {
      object[
        pick([
          'name',
          'files',
          'project',
          'entry',
          'trigger',
          'input',
          'value',
          'buildId',
          'eventType',
          'data',
          'payload',
          garbage(4),
        ])
      ] = value(depth + 1);
    }
    return object;
  };
  const body = (): { body?: string | Buffer; contentType?: string } => {
    const r = random();
    const contentType = pick(CONTENT_TYPES);
    if (r < 0.1) return {};
    if (r < 0.35) return { body: JSON.stringify(value(0)), contentType };
    if (r < 0.45)
      return { body: JSON.stringify(value(0)).slice(0, int(20)), contentType: 'application/json' };
    if (r < 0.52) return { body: '{"a":1,"__proto__":{"polluted":true}}', contentType: 'application/json' };
    if (r < 0.57)
      return { body: '{"constructor":{"prototype":{"polluted":true}}}', contentType: 'application/json' };
    if (r < 0.64) {
      const depth = 50 + int(20_000);
      return {
        body: `{"project":"ops","entry":"flows.ts:values","input":${'['.repeat(depth)}${']'.repeat(depth)}}`,
        contentType: 'application/json',
      };
    }
    if (r < 0.72)
      return { body: Buffer.from(Array.from({ length: 1 + int(300) }, () => int(256))), contentType };
    if (r < 0.76)
      return {
        body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
        contentType: 'application/json',
      };
    if (r < 0.8) return { body: 'x'.repeat(300 * 1024 + int(400 * 1024)), contentType };
    if (r < 0.85) return { body: '', contentType: 'application/json' };
    if (r < 0.9)
      return {
        body: JSON.stringify({ files: { [garbage(8)]: garbage(10) }, name: garbage(6) }),
        contentType: 'application/json',
      };
    return {
      body: JSON.stringify({ name: 'n', value: 'v', project: 'ops', entry: garbage(10), input: value(0) }),
      contentType: 'application/json',
    };
  };
  const query = (): string => {
    if (random() < 0.5) return '';
    const keys = [
      'limit',
      'cursor',
      'project',
      'status',
      'type',
      'startedAfter',
      'since',
      'bucketMs',
      'token',
      'lastEventId',
      garbage(3),
    ];
    const values = [
      '0',
      '-5',
      '1001',
      '5',
      'abc',
      '%ZZ',
      '',
      '1e999',
      'running,bogus',
      encodeURIComponent(garbage(8)),
      'x'.repeat(2000),
    ];
    const parts: string[] = [];
    for (let i = 1 + int(4); i > 0; i--) parts.push(`${encodeURIComponent(pick(keys))}=${pick(values)}`);
    return `?${parts.join('&')}`;
  };
  const auth = (): Record<string, string> => {
    const r = random();
    if (r < 0.6) return { authorization: `Bearer ${token}` };
    if (r < 0.7) return {};
    if (r < 0.8) return { authorization: `Bearer ${garbage(20).replace(/[^\x21-\x7e]/g, 'x')}` };
    if (r < 0.9) return { authorization: 'Basic Zm9vOmJhcg==' };
    return { authorization: `Bearer wsk_${'A'.repeat(300)}` };
  };
  return {
    request(): { method: string; url: string; headers: Record<string, string>; body?: string | Buffer } {
      const [routeMethod, template] = pick(ROUTES);
      const method =
        routeMethod === 'ALL' || random() < 0.15
          ? pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'])
          : routeMethod;
      const path = template.replace(/\{(\w+)\}/g, (_m, kind: string) =>
        kind === 'name' || kind === 'slug' ? id('slug') : id(kind),
      );
      const headers = auth();
      const payload = method === 'GET' || method === 'HEAD' ? {} : body();
      if (payload.contentType !== undefined && payload.contentType !== '')
        headers['content-type'] = payload.contentType;
      if (random() < 0.05) headers['x-filler'] = 'f'.repeat(int(8000));
      if (random() < 0.05) headers['last-event-id'] = pick(['-1', 'abc', '99999999999', '1']);
      return {
        method,
        url: `${path}${query()}`,
        headers,
        ...(payload.body !== undefined ? { body: payload.body } : {}),
      };
    },
    raw(): string {
      const r = random();
      if (r < 0.2)
        return `GET /api/v1/projects/%${pick(['FF', 'C3%28', 'E2%82', 'ZZ', '', 'F0%9F%98'])} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`;
      if (r < 0.35)
        return `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(17_000 + int(20_000))}\r\nConnection: close\r\n\r\n`;
      if (r < 0.5) return `${garbage(10)} / HTTP/1.1\r\n\r\n`;
      if (r < 0.6)
        return `POST /api/v1/tokens HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\nConnection: close\r\n\r\n`;
      if (r < 0.7)
        return `POST /api/v1/tokens HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\nConnection: close\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n`;
      if (r < 0.8)
        return `GET /webhooks/${'%00'.repeat(int(50))} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`;
      if (r < 0.9)
        return `POST /webhooks/x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\nConnection: close\r\n\r\nabcd`;
      return `GET /${'a/'.repeat(2000 + int(4000))} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`;
    },
  };
}

function rawRequest(port: number, request: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const done = (): void => resolve(text);
    socket.setTimeout(5000, () => socket.destroy());
    socket.on('data', (chunk) => (text += chunk.toString('latin1')));
    socket.on('close', done);
    socket.on('error', done);
    socket.write(request);
  });
}

describe('fuzzing with malformed requests', () => {
  it(`never answers 5xx, always in the error shape (seed ${SEED})`, async () => {
    const generator = makeGenerator(prng(SEED));
    const deadline = Date.now() + TIME_BUDGET_MS;
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    let sent = 0;

    async function worker(): Promise<void> {
      while (sent < HTTP_REQUESTS && Date.now() < deadline && failures.length < 5) {
        sent++;
        const request = generator.request();
        let response: Response;
        try {
          response = await fetch(`${server.url}${request.url}`, {
            method: request.method,
            headers: request.headers,
            ...(request.body !== undefined ? { body: request.body } : {}),
          });
        } catch (error) {
          // The server may refuse a request outright (a header it will not parse): no answer is fine, a crash is not.
          statuses.set(0, (statuses.get(0) ?? 0) + 1);
          if (!(await fetch(`${server.url}/health`)).ok)
            failures.push(`server unhealthy after ${request.method} ${request.url}: ${String(error)}`);
          continue;
        }
        const text = await response.text();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        const where = `${request.method} ${request.url.slice(0, 120)} (${request.headers['content-type'] ?? 'no content type'})`;
        if (response.status >= 500) failures.push(`${response.status} for ${where}: ${text.slice(0, 300)}`);
        if (response.status >= 400 && response.status !== 405) {
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch {
            body = text;
          }
          const shape = body as { code?: unknown; message?: unknown; details?: unknown };
          const isSessionResponse = request.url.startsWith('/webhooks/') && response.status === 504;
          if (
            !isSessionResponse &&
            (typeof shape?.code !== 'string' ||
              typeof shape.message !== 'string' ||
              typeof shape.details !== 'object')
          ) {
            failures.push(`not the error shape for ${where}: ${response.status} ${text.slice(0, 200)}`);
          }
        }
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, () => worker()));

    let rawSent = 0;
    const rawStatuses = new Map<string, number>();
    async function rawWorker(): Promise<void> {
      while (rawSent < RAW_REQUESTS && Date.now() < deadline + 10_000 && failures.length < 5) {
        rawSent++;
        const request = generator.raw();
        const answer = await rawRequest(server.port, request);
        const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 'none';
        rawStatuses.set(status, (rawStatuses.get(status) ?? 0) + 1);
        if (status.startsWith('5'))
          failures.push(
            `${status} for raw ${JSON.stringify(request.slice(0, 100))}: ${answer.slice(0, 300)}`,
          );
      }
    }
    await Promise.all(Array.from({ length: 8 }, () => rawWorker()));

    expect(failures, `seed ${SEED}; statuses ${JSON.stringify([...statuses])}`).toEqual([]);
    expect(sent + rawSent).toBeGreaterThan(1000);
    // The mix reached the handlers, not only the front door.
    for (const status of [200, 400, 401, 404, 413, 415])
      expect(statuses.get(status) ?? 0, `status ${status}`).toBeGreaterThan(0);
    expect([...rawStatuses.keys()]).toEqual(expect.arrayContaining(['400', '431']));

    // Healthy afterwards: probes answer, and real work still goes through.
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    expect((await fetch(`${server.url}/ready`)).status).toBe(200);
    const fresh = await server.engine.tokens.create('after-fuzz');
    const run = await fetch(`${server.url}/api/v1/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fresh.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ project: 'ops', entry: 'flows.ts:values', input: 1 }),
    });
    expect(run.status).toBe(202);
    const { sessionId } = (await run.json()) as { sessionId: string };
    await server.engine.waitFor(sessionId, (s) => s.status === 'completed', 5000);
  });
});
