/**
 * A real server on a loopback port (file store in a temporary data directory): live sessions over
 * server-sent events with resume, the all-sessions stream, webhooks with valid, missing and forged
 * signatures (GitHub, Slack, generic HMAC), synchronous webhooks, token revocation taking effect at
 * once (open streams included), errors Node reports before Fastify, log redaction, graceful close.
 */
import { createHmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, startServer } from '../../api/index.js';
import type { RunningServer } from '../../api/index.js';
import { anyId, anyTime, filesOf, OPS_DIR, SECRET_KEY } from './helpers.js';
import { openSse } from './sse-client.js';
import type { SseEvent } from './sse-client.js';

const GITHUB_KEY = 'gh-key-123';
const SLACK_KEY = 'slack-key-456';
const HMAC_KEY = 'hmac-key-789';

let dataDir: string;
let server: RunningServer;
let token: string;
const logLines: string[] = [];
const hooks: Record<string, string> = {};

async function api(
  method: string,
  path: string,
  body?: unknown,
  bearer = token,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${bearer}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

async function webhook(
  name: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
  method = 'POST',
): Promise<{ status: number; headers: Headers; text: string; json: unknown }> {
  const response = await fetch(`${server.url}${hooks[name] ?? '/webhooks/unknown'}`, {
    method,
    headers,
    ...(method === 'GET' ? {} : { body }),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'whisker-api-server-'));
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(
        ...chunk
          .toString()
          .split('\n')
          .filter((l) => l !== ''),
      );
      done();
    },
  });
  server = await startServer({
    dataDir,
    host: '127.0.0.1',
    port: 0,
    engine: { sandboxOptions: { runners: 1 }, typecheck: false, secretKey: SECRET_KEY },
    api: { rateLimit: false, sseKeepAlive: '100ms', logger: { level: 'info', stream: logStream } },
  });
  token = server.adminToken?.token ?? '';
  const deployed = await api('POST', '/api/v1/deploy', { files: await filesOf(OPS_DIR) });
  expect(deployed.status).toBe(201);
  const triggers = (await api('GET', '/api/v1/triggers?project=ops')).body as {
    triggers: { name: string; webhookPath?: string }[];
  };
  for (const t of triggers.triggers) if (t.webhookPath !== undefined) hooks[t.name] = t.webhookPath;
  for (const [name, value] of [
    ['GITHUB_SECRET', GITHUB_KEY],
    ['SLACK_SECRET', SLACK_KEY],
    ['HMAC_SECRET', HMAC_KEY],
  ] as const) {
    expect((await api('PUT', `/api/v1/projects/ops/variables/${name}`, { value })).status).toBe(200);
  }
});

afterAll(async () => {
  await server?.close();
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
});

async function startWaiting(): Promise<string> {
  const started = await api('POST', '/api/v1/sessions', { project: 'ops', trigger: 'run', input: { n: 1 } });
  expect(started.status).toBe(202);
  const sessionId = (started.body as { sessionId: string }).sessionId;
  await server.engine.waitFor(sessionId, (s) => s.status === 'waiting', 5000);
  return sessionId;
}

describe('live sessions over server-sent events', () => {
  it('sends the journal, then live events, then the end; resumes after Last-Event-ID', async () => {
    const sessionId = await startWaiting();
    const stream = await openSse(`${server.url}/api/v1/sessions/${sessionId}/events`, {
      authorization: `Bearer ${token}`,
    });
    expect(stream.status).toBe(200);
    const snapshot = await stream.next();
    expect(snapshot).toMatchObject({ event: 'session', data: { sessionId, status: 'waiting', revision: 1 } });
    expect(snapshot?.id).toBeUndefined();
    const recorded = await stream.collect((e) => e.id === '1');
    expect(recorded.map((e) => [e.id, e.event, (e.data as { type: string }).type])).toEqual([
      ['0', 'journal', 'SessionStarted'],
      ['1', 'journal', 'Log'],
    ]);
    expect(recorded[1]?.data).toEqual({
      sessionId,
      revision: 1,
      type: 'Log',
      data: { level: 'info', text: 'waiting for go', time: anyTime() },
      log: [{ time: anyTime(), revision: 1, kind: 'print', level: 'info', text: 'waiting for go' }],
    });

    expect(
      (await api('POST', `/api/v1/sessions/${sessionId}/signals`, { name: 'go', payload: 'now' })).status,
    ).toBe(202);
    const live = await stream.collect((e) => e.event === 'end');
    expect(live.map((e) => [e.id, e.event, (e.data as { type?: string }).type])).toEqual([
      ['2', 'journal', 'SignalReceived'],
      ['3', 'journal', 'Log'],
      ['4', 'journal', 'SessionCompleted'],
      [undefined, 'end', undefined],
    ]);
    // Live events carry the status the session has once they are journaled (the engine appends a
    // signal and what the code did with it in one batch, so they share the batch's status).
    expect(live.slice(2).map((e) => (e.data as { status: string }).status)).toEqual([
      'completed',
      'completed',
    ]);
    await stream.ended();

    // The log lines carried by the stream are the session's log.
    const streamedLog = [...recorded, ...live].flatMap((e) =>
      ((e.data as { log?: { text: string }[] }).log ?? []).map((l) => l.text),
    );
    const log = (await api('GET', `/api/v1/sessions/${sessionId}/log`)).body as {
      entries: { text: string }[];
    };
    expect(streamedLog).toEqual(log.entries.map((e) => e.text));

    const resumed = await openSse(`${server.url}/api/v1/sessions/${sessionId}/events`, {
      authorization: `Bearer ${token}`,
      'last-event-id': '2',
    });
    const rest = await resumed.collect((e) => e.event === 'end');
    expect(rest.map((e) => [e.event, e.id])).toEqual([
      ['session', undefined],
      ['journal', '3'],
      ['journal', '4'],
      ['end', undefined],
    ]);
    await resumed.ended();
    const afterEnd = await openSse(
      `${server.url}/api/v1/sessions/${sessionId}/events?lastEventId=4&token=${token}`,
    );
    expect((await afterEnd.collect((e) => e.event === 'end')).map((e) => e.event)).toEqual([
      'session',
      'end',
    ]);
  });

  it('keeps idle streams alive, refuses bad requests in the error shape', async () => {
    const sessionId = await startWaiting();
    const stream = await openSse(`${server.url}/api/v1/sessions/${sessionId}/events?token=${token}`);
    await stream.collect((e) => e.id === '1');
    // Keep-alive comments every 100 ms on this server: wait for two.
    for (let i = 0; i < 100 && stream.comments() < 2; i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stream.comments()).toBeGreaterThanOrEqual(2);
    stream.close();
    await server.engine.stop(sessionId, { force: true });

    const noToken = await openSse(`${server.url}/api/v1/sessions/${sessionId}/events`);
    expect(noToken).toMatchObject({ status: 401, error: { code: 'UNAUTHENTICATED' } });
    const unknown = await openSse(
      `${server.url}/api/v1/sessions/ses_01ARZ3NDEKTSV4RRFFQ69G5FAV/events?token=${token}`,
    );
    expect(unknown).toMatchObject({
      status: 404,
      error: {
        code: 'SESSION_NOT_FOUND',
        message: 'session ses_01ARZ3NDEKTSV4RRFFQ69G5FAV does not exist (list sessions to see the ids)',
        details: { sessionId: 'ses_01ARZ3NDEKTSV4RRFFQ69G5FAV' },
      },
    });
    const badResume = await openSse(`${server.url}/api/v1/sessions/${sessionId}/events?token=${token}`, {
      'last-event-id': 'x',
    });
    expect(badResume).toMatchObject({
      status: 400,
      error: {
        code: 'VALIDATION_FAILED',
        message: 'headers.last-event-id: must be a revision (an integer)',
        details: { errors: [{ field: 'headers.last-event-id', message: 'must be a revision (an integer)' }] },
      },
    });
  });

  it('streams state changes of every session of a project', async () => {
    const stream = await openSse(`${server.url}/api/v1/sessions/stream?project=ops&token=${token}`);
    const project = (await api('GET', '/api/v1/projects/ops')).body as { projectId: string };
    expect(await stream.next()).toEqual({ event: 'ready', data: { projectId: project.projectId } });
    const sessionId = await startWaiting();
    await api('POST', `/api/v1/sessions/${sessionId}/signals`, { name: 'go' });
    const events = await stream.collect(
      (e) => (e.data as { sessionId: string; status: string }).status === 'completed',
    );
    const mine = events.filter((e) => (e.data as { sessionId: string }).sessionId === sessionId);
    expect(mine.every((e) => e.event === 'session')).toBe(true);
    const statuses = mine.map((e) => (e.data as { status: string }).status);
    expect(statuses[0]).toBe('created');
    expect(statuses).toContain('waiting');
    expect(statuses.at(-1)).toBe('completed');
    // Consecutive messages of one session always change its status.
    expect(statuses.every((s, i) => i === 0 || s !== statuses[i - 1])).toBe(true);
    expect(mine.at(-1)?.data).toEqual(
      expect.objectContaining({
        sessionId,
        entry: 'flows.ts:waitForGo',
        projectId: project.projectId,
        endedAt: anyTime(),
      }),
    );
    expect(mine.at(-1)?.data).not.toHaveProperty('input');
    stream.close();
  });
});

describe('webhooks', () => {
  const body = Buffer.from('{"event":  "push",\n "who": "é"}');

  function github(payload: Buffer, key = GITHUB_KEY): string {
    return `sha256=${createHmac('sha256', key).update(payload).digest('hex')}`;
  }

  async function sessionOf(result: { json: unknown }): Promise<{ body: { text: string; bytes: unknown } }> {
    const sessionId = (result.json as { sessionId: string }).sessionId;
    return (await server.engine.result(sessionId, { timeoutMs: 5000 })) as {
      body: { text: string; bytes: unknown };
    };
  }

  it('verifies GitHub signatures over the raw body: valid, missing, forged', async () => {
    const valid = await webhook('github', body, {
      'content-type': 'application/json',
      'x-hub-signature-256': github(body),
    });
    expect(valid.status).toBe(202);
    expect(valid.json).toEqual({ eventId: anyId('evt'), status: 'dispatched', sessionId: anyId('ses') });
    const data = await sessionOf(valid);
    // The session sees exactly the bytes that were signed.
    expect(Buffer.from(data.body.bytes as Uint8Array).equals(body)).toBe(true);
    expect(data.body.text).toBe(body.toString());

    const missing = await webhook('github', body, { 'content-type': 'application/json' });
    expect(missing.status).toBe(401);
    expect(missing.json).toEqual({
      code: 'WEBHOOK_SIGNATURE_INVALID',
      message: 'webhook signature rejected: missing X-Hub-Signature-256 header',
      details: { reason: 'missing X-Hub-Signature-256 header' },
    });
    const forged = await webhook('github', body, { 'x-hub-signature-256': github(body, 'wrong-key') });
    expect(forged).toMatchObject({
      status: 401,
      json: {
        code: 'WEBHOOK_SIGNATURE_INVALID',
        message: 'webhook signature rejected: X-Hub-Signature-256 does not match the body',
      },
    });
    const tampered = await webhook('github', Buffer.concat([body, Buffer.from(' ')]), {
      'x-hub-signature-256': github(body),
    });
    expect(tampered.status).toBe(401);
  });

  it('verifies Slack signatures with the 5-minute timestamp window', async () => {
    const sign = (timestamp: number, payload: Buffer, key = SLACK_KEY): Record<string, string> => ({
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': `v0=${createHmac('sha256', key).update(`v0:${timestamp}:`).update(payload).digest('hex')}`,
      'content-type': 'application/x-www-form-urlencoded',
    });
    const form = Buffer.from('command=%2Fdeploy&text=now');
    const now = Math.floor(Date.now() / 1000);
    const valid = await webhook('slack', form, sign(now, form));
    expect(valid.status).toBe(202);
    expect(((await sessionOf(valid)).body as unknown as { form: unknown }).form).toEqual({
      command: '/deploy',
      text: 'now',
    });
    const stale = await webhook('slack', form, sign(now - 600, form));
    expect(stale).toMatchObject({
      status: 401,
      json: {
        code: 'WEBHOOK_SIGNATURE_INVALID',
        message:
          'webhook signature rejected: X-Slack-Request-Timestamp is more than 5 minutes away from now (replayed request?)',
      },
    });
    expect((await webhook('slack', form, sign(now, form, 'forged'))).status).toBe(401);
    expect((await webhook('slack', form, { 'content-type': 'text/plain' })).status).toBe(401);
  });

  it('verifies a generic HMAC header', async () => {
    const payload = Buffer.from([0, 1, 2, 250, 251]);
    const signature = `sha256=${createHmac('sha256', HMAC_KEY).update(payload).digest('hex')}`;
    const valid = await webhook('hmac', payload, {
      'content-type': 'application/octet-stream',
      'x-signature': signature,
    });
    expect(valid.status).toBe(202);
    expect(Buffer.from((await sessionOf(valid)).body.bytes as Uint8Array)).toEqual(payload);
    expect(await webhook('hmac', payload, { 'x-signature': 'sha256=00' })).toMatchObject({
      status: 401,
      json: {
        code: 'WEBHOOK_SIGNATURE_INVALID',
        message: 'webhook signature rejected: X-Signature does not match the body',
      },
    });
  });

  it('answers synchronous webhooks with the session response, or 504 when none comes in time', async () => {
    const echoed = await webhook('echo', JSON.stringify({ hello: ['world', 1] }), {
      'content-type': 'application/json',
    });
    expect(echoed.status).toBe(200);
    expect(echoed.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(echoed.json).toEqual({ hello: ['world', 1] });
    const text = await webhook('text', '', {}, 'GET');
    expect(text.status).toBe(201);
    expect(text.headers.get('content-type')).toBe('text/plain');
    expect(text.headers.get('x-from')).toBe('session');
    expect(text.text).toBe('plain text');
    const slow = await webhook('slow', '{}', { 'content-type': 'application/json' });
    expect(slow.status).toBe(504);
    expect(slow.json).toEqual({
      code: 'WEBHOOK_TIMEOUT',
      message: expect.stringMatching(
        /^session ses_\w+ set no response within 200 ms; it goes on running$/,
      ) as unknown,
      sessionId: anyId('ses'),
    });
  });

  it('answers an unknown slug with 404 without echoing it, and never logs slugs or query tokens', async () => {
    const response = await fetch(`${server.url}/webhooks/secret-looking-slug-0001`, {
      method: 'POST',
      body: 'x',
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      code: 'WEBHOOK_NOT_FOUND',
      message: 'no webhook trigger at this address',
      details: {},
    });
    const log = logLines.join('\n');
    expect(log).toContain('/webhooks/[redacted]');
    expect(log).toContain('token=[redacted]');
    expect(log).not.toContain('secret-looking-slug-0001');
    for (const path of Object.values(hooks)) expect(log).not.toContain(path.slice('/webhooks/'.length));
    expect(log).not.toContain(token);
  });
});

describe('tokens', () => {
  it('stops a revoked token at once, and closes the streams it opened', async () => {
    const created = (await api('POST', '/api/v1/tokens', { name: 'temporary' })).body as {
      token: string;
      tokenId: string;
    };
    expect((await api('GET', '/api/v1/projects', undefined, created.token)).status).toBe(200);
    const stream = await openSse(`${server.url}/api/v1/sessions/stream?token=${created.token}`);
    expect((await stream.next())?.event).toBe('ready');
    expect((await api('DELETE', `/api/v1/tokens/${created.tokenId}`)).status).toBe(200);
    expect(await api('GET', '/api/v1/projects', undefined, created.token)).toMatchObject({
      status: 401,
      body: { code: 'INVALID_TOKEN' },
    });
    await stream.ended();
  });
});

describe('errors before routing', () => {
  function raw(request: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(server.port, '127.0.0.1');
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString('latin1')));
      socket.on('end', () => resolve(text));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
      socket.write(request);
    });
  }

  it('answers oversized headers and malformed paths in the error shape', async () => {
    const huge = await raw(`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(huge.split('\r\n')[0]).toBe('HTTP/1.1 431 HEADERS_TOO_LARGE');
    expect(JSON.parse(huge.slice(huge.indexOf('\r\n\r\n') + 4))).toEqual({
      code: 'HEADERS_TOO_LARGE',
      message: 'the request headers are larger than the limit (16 KiB); send fewer or shorter headers',
      details: {},
    });
    const badUtf8 = await raw(
      `GET /api/v1/projects/%FF%FE HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`,
    );
    expect(badUtf8.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    expect(JSON.parse(badUtf8.slice(badUtf8.indexOf('\r\n\r\n') + 4))).toEqual({
      code: 'BAD_REQUEST',
      message: 'the URL is not valid (a malformed %-escape or bad UTF-8 in the path)',
      details: {},
    });
    const garbage = await raw('NOT HTTP AT ALL\r\n\r\n');
    expect(garbage.split('\r\n')[0]).toBe('HTTP/1.1 400 BAD_REQUEST');
  });

  it('answers a request that does not arrive in time with 408', async () => {
    const slow = await buildApp({ engine: server.engine, requestTimeout: '300ms', rateLimit: false });
    await slow.listen({ host: '127.0.0.1', port: 0 });
    try {
      const port = (slow.server.address() as { port: number }).port;
      const answer = await new Promise<string>((resolve) => {
        const socket = connect(port, '127.0.0.1');
        let text = '';
        socket.on('data', (chunk) => (text += chunk.toString('latin1')));
        socket.on('close', () => resolve(text));
        // Ten bytes announced, two sent: the server waits for the rest, then gives up.
        socket.write(
          'POST /webhooks/some-slug HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n{}',
        );
      });
      expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 408 REQUEST_TIMEOUT');
      expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({
        code: 'REQUEST_TIMEOUT',
        message: 'the request was not received in time',
        details: {},
      });
    } finally {
      await slow.close();
    }
  });
});

describe('closing', () => {
  it('ends open streams, finishes, and refuses new connections', async () => {
    const other = await startServer({
      dataDir: await mkdtemp(join(tmpdir(), 'whisker-api-close-')),
      host: '127.0.0.1',
      port: 0,
      engine: { sandboxOptions: { runners: 1 }, typecheck: false },
      api: { sseKeepAlive: '1h' },
    });
    const adminToken = other.adminToken?.token ?? '';
    expect(adminToken).toMatch(/^wsk_/);
    const stream = await openSse(`${other.url}/api/v1/sessions/stream?token=${adminToken}`);
    expect((await stream.next())?.event).toBe('ready');
    await other.close();
    await stream.ended();
    await expect(fetch(`${other.url}/health`)).rejects.toThrow();
    expect(other.engine.isOpen).toBe(false);
  });
});

export type { SseEvent };
