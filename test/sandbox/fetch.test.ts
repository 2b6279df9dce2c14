/**
 * Sandboxed fetch: the address policy (after DNS, numeric forms normalised, every redirect hop),
 * limits, and the built-in `whisker.fetch` activity — unit tests of the host implementation, then
 * `fetch` inside activities through a real runner.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { BuildArtifact, FetchResultData, RunnerSandbox } from '../../sandbox/index.js';
import { FETCH_ACTIVITY_NAME, createSandbox } from '../../sandbox/index.js';
import { AddressPolicy, classifyAddress } from '../../sandbox/runner/address-policy.js';
import { PolicyFetch } from '../../sandbox/runner/policy-fetch.js';
import type { CompiledFetchPolicy } from '../../sandbox/runner/wire.js';
import { buildSources } from './helpers.js';
import { PROJECT } from './projects.js';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

async function serve(handler: Handler): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

let allowed: { server: Server; port: number };
let other: { server: Server; port: number };
const seenHosts: string[] = [];

beforeAll(async () => {
  other = await serve((_request, response) => response.end('other server'));
  allowed = await serve((request, response) => {
    seenHosts.push(request.headers.host ?? '');
    const url = request.url ?? '/';
    if (url === '/to-other') response.writeHead(302, { location: `http://127.0.0.1:${other.port}/` }).end();
    else if (url === '/to-metadata')
      response.writeHead(301, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
    else if (url === '/to-hex') response.writeHead(307, { location: 'http://0x7f000001/' }).end();
    else if (url === '/to-self') response.writeHead(303, { location: '/echo' }).end();
    else if (url === '/big') response.end('x'.repeat(5000));
    else if (url === '/gzip')
      response.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync('zipped text'));
    else if (url === '/slow') setTimeout(() => response.end('late'), 2000);
    else if (url === '/loop') response.writeHead(302, { location: '/loop' }).end();
    else {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => (body += chunk));
      request.on('end', () =>
        response
          .writeHead(200, { 'content-type': 'text/plain', 'set-cookie': ['a=1', 'b=2'] })
          .end(`${request.method} ${url} ${body}`),
      );
    }
  });
});

afterAll(async () => {
  await Promise.all([allowed, other].map(({ server }) => new Promise((resolve) => server.close(resolve))));
});

const POLICY: CompiledFetchPolicy = {
  allowPrivateNetwork: false,
  allowedPrivateHosts: [],
  timeoutMs: 5_000,
  maxResponseBytes: 1_000_000,
  maxRedirects: 5,
};

function policyFetch(policy: Partial<CompiledFetchPolicy> = {}): PolicyFetch {
  return new PolicyFetch({
    ...POLICY,
    allowedPrivateHosts: [`127.0.0.1:${allowed.port}`, `localhost:${allowed.port}`],
    ...policy,
  });
}

const get = (url: string) => ({ url, method: 'GET', headers: [] as [string, string][] });

describe('address policy', () => {
  it('allows only public unicast addresses', () => {
    const cases: [string, string][] = [
      ['127.0.0.1', 'loopback'],
      ['10.0.0.1', 'private'],
      ['172.16.5.4', 'private'],
      ['192.168.1.1', 'private'],
      ['100.64.0.1', 'carrierGradeNat'],
      ['169.254.169.254', 'linkLocal'],
      ['0.0.0.0', 'unspecified'],
      ['224.0.0.1', 'multicast'],
      ['255.255.255.255', 'broadcast'],
      ['::1', 'loopback'],
      ['::', 'unspecified'],
      ['fe80::1', 'linkLocal'],
      ['fd00::1', 'uniqueLocal'],
      ['::ffff:127.0.0.1', 'loopback'],
      ['::ffff:10.1.2.3', 'private'],
      ['64:ff9b::7f00:1', 'rfc6052'],
    ];
    for (const [address, range] of cases)
      expect(classifyAddress(address), address).toMatchObject({ allowed: false, range });
    expect(classifyAddress('93.184.216.34')).toMatchObject({ allowed: true, range: 'unicast' });
    expect(classifyAddress('2606:4700::1111')).toMatchObject({ allowed: true, range: 'unicast' });
  });

  it('lets the operator allow hosts (with or without a port) or all private networks', () => {
    const policy = new AddressPolicy({
      allowPrivateNetwork: false,
      allowedPrivateHosts: ['db.internal', 'localhost:8080', '[::1]:9000'],
    });
    expect(policy.check('db.internal', 5432, '10.0.0.5').allowed).toBe(true);
    expect(policy.check('localhost', 8080, '127.0.0.1').allowed).toBe(true);
    expect(policy.check('localhost', 8081, '127.0.0.1').allowed).toBe(false);
    expect(policy.check('[::1]', 9000, '::1').allowed).toBe(true);
    expect(policy.check('other', 80, '10.0.0.5').allowed).toBe(false);
    expect(
      new AddressPolicy({ allowPrivateNetwork: true, allowedPrivateHosts: [] }).check('x', 80, '10.0.0.5')
        .allowed,
    ).toBe(true);
  });
});

describe('host fetch', () => {
  it('refuses loopback, private and link-local targets, in every numeric form, before connecting', async () => {
    const fetcher = new PolicyFetch(POLICY);
    for (const url of [
      'http://127.0.0.1/',
      'http://10.0.0.1/',
      'http://169.254.169.254/latest/meta-data/',
      'http://[::1]/',
      'http://0x7f000001/',
      'http://2130706433/',
      'http://0177.0.0.1/',
      'http://127.1/',
      'http://[::ffff:127.0.0.1]/',
      'http://[::ffff:7f00:1]/',
      'http://localhost/',
    ]) {
      await expect(fetcher.fetch(get(url)), url).rejects.toMatchObject({
        code: 'FETCH_ADDRESS_REFUSED',
        retryable: false,
      });
    }
  });

  it('refuses other protocols', async () => {
    await expect(new PolicyFetch(POLICY).fetch(get('file:///etc/passwd'))).rejects.toMatchObject({
      code: 'FETCH_PROTOCOL_NOT_ALLOWED',
    });
  });

  it('reaches an allowed host: method, body, headers, and the Host header keeps the name', async () => {
    const result = await policyFetch().fetch({
      url: `http://localhost:${allowed.port}/echo`,
      method: 'POST',
      headers: [['x-test', '1']],
      body: new TextEncoder().encode('hi'),
    });
    expect(result.status).toBe(200);
    expect(new TextDecoder().decode(result.body)).toBe('POST /echo hi');
    expect(result.headers.filter(([name]) => name === 'set-cookie')).toEqual([
      ['set-cookie', 'a=1'],
      ['set-cookie', 'b=2'],
    ]);
    expect(seenHosts.at(-1)).toBe(`localhost:${allowed.port}`);
  });

  it('checks every redirect hop against the policy', async () => {
    const fetcher = policyFetch();
    const base = `http://127.0.0.1:${allowed.port}`;
    await expect(fetcher.fetch(get(`${base}/to-other`))).rejects.toMatchObject({
      code: 'FETCH_ADDRESS_REFUSED',
    });
    await expect(fetcher.fetch(get(`${base}/to-metadata`))).rejects.toMatchObject({
      code: 'FETCH_ADDRESS_REFUSED',
    });
    await expect(fetcher.fetch(get(`${base}/to-hex`))).rejects.toMatchObject({
      code: 'FETCH_ADDRESS_REFUSED',
    });
    const followed = await fetcher.fetch({
      ...get(`${base}/to-self`),
      method: 'POST',
      body: new Uint8Array([1]),
    });
    expect(followed).toMatchObject({ status: 200, url: `${base}/echo`, redirected: true });
    // 303 turns the POST into a GET without a body.
    expect(new TextDecoder().decode(followed.body)).toBe('GET /echo ');
    await expect(fetcher.fetch(get(`${base}/loop`))).rejects.toMatchObject({
      code: 'FETCH_TOO_MANY_REDIRECTS',
    });
  });

  it('enforces the response size limit, the timeout, and decodes gzip', async () => {
    const base = `http://127.0.0.1:${allowed.port}`;
    await expect(policyFetch({ maxResponseBytes: 1000 }).fetch(get(`${base}/big`))).rejects.toMatchObject({
      code: 'FETCH_RESPONSE_TOO_LARGE',
      retryable: false,
    });
    await expect(policyFetch({ timeoutMs: 100 }).fetch(get(`${base}/slow`))).rejects.toMatchObject({
      code: 'FETCH_TIMEOUT',
      retryable: true,
    });
    const zipped = await policyFetch().fetch(get(`${base}/gzip`));
    expect(new TextDecoder().decode(zipped.body)).toBe('zipped text');
  });

  it('allows loopback when the operator allows private networks', async () => {
    const result = await new PolicyFetch({ ...POLICY, allowPrivateNetwork: true }).fetch(
      get(`http://127.0.0.1:${other.port}/`),
    );
    expect(new TextDecoder().decode(result.body)).toBe('other server');
  });
});

describe('fetch in activities and the whisker.fetch activity (runner)', () => {
  let sandbox: RunnerSandbox;
  let artifact: BuildArtifact;
  let n = 0;
  const run = (name: string, args: unknown[]) =>
    sandbox.runActivity({
      taskId: `f${++n}`,
      buildHash: artifact.hash,
      name,
      args,
      info: { sessionId: 'ses_fetch', seq: n, attempt: 1, name, scheduledAt: 0 },
      startToCloseTimeoutMs: 10_000,
      variables: {},
      secrets: {},
    });

  beforeAll(async () => {
    [artifact, sandbox] = await Promise.all([
      buildSources(PROJECT),
      // Exactly the allowed test server's host:port.
      createSandbox({ runners: 1, fetch: { allowedPrivateHosts: [`127.0.0.1:${allowed.port}`] } }),
    ]);
    sandbox.registerBuild(artifact);
  });
  afterAll(() => sandbox.close());

  it('refuses private targets and a redirect to one', async () => {
    for (const url of [
      'http://127.0.0.1/',
      'http://10.0.0.1/',
      'http://169.254.169.254/',
      'http://[::1]/',
      'http://0x7f000001/',
      `http://127.0.0.1:${other.port}/`,
      `http://127.0.0.1:${allowed.port}/to-other`,
      `http://127.0.0.1:${allowed.port}/to-metadata`,
    ]) {
      const outcome = await run('fetchError', [url]);
      expect(outcome.ok && outcome.result, url).toMatch(/^FETCH_ADDRESS_REFUSED: /);
    }
  });

  it('reaches the allowed loopback server', async () => {
    expect(await run('fetchText', [`http://127.0.0.1:${allowed.port}/to-self`])).toEqual({
      ok: true,
      result: { status: 200, text: 'GET /echo ', redirected: true },
    });
  });

  it('runs the built-in whisker.fetch activity with the same policy', async () => {
    const ok = await run(FETCH_ACTIVITY_NAME, [get(`http://127.0.0.1:${allowed.port}/echo`)]);
    expect(ok.ok).toBe(true);
    const result = (ok as { result: FetchResultData }).result;
    expect(result).toMatchObject({ status: 200, statusText: 'OK', redirected: false });
    expect(new TextDecoder().decode(result.body)).toBe('GET /echo ');
    expect(await run(FETCH_ACTIVITY_NAME, [get('http://169.254.169.254/')])).toMatchObject({
      ok: false,
      error: { code: 'FETCH_ADDRESS_REFUSED', retryable: false },
    });
    expect(await run(FETCH_ACTIVITY_NAME, ['not a request'])).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT' },
    });
  });
});
