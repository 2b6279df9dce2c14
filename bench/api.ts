/**
 * The HTTP API over loopback (`npm run bench -- api [--requests N]`): what the layer adds on top
 * of the engine. Reads of a session (one client, then 16 at once), asynchronous and synchronous
 * webhooks (a session started per call; the synchronous one answers with what the session set),
 * and the delay from a signal to its journal event arriving on a server-sent event stream.
 */
import { createHmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../api/index.js';
import { printTable, summarize } from './report.js';
import type { Cell } from './report.js';

const OPS = fileURLToPath(new URL('../test/api/fixtures/ops', import.meta.url));

function row(name: string, samples: number[], extra: Record<string, Cell> = {}): Record<string, Cell> {
  const s = summarize(samples);
  return { measure: name, runs: s.runs, 'p50 ms': s.p50, 'p90 ms': s.p90, 'p99 ms': s.p99, ...extra };
}

export async function run(args: string[]): Promise<void> {
  const index = args.indexOf('--requests');
  const requests = index >= 0 ? Number(args[index + 1]) : 2000;
  const dataDir = await mkdtemp(join(tmpdir(), 'whisker-bench-api-'));
  const server = await startServer({
    dataDir,
    host: '127.0.0.1',
    port: 0,
    engine: { sandboxOptions: { runners: 1 }, typecheck: false },
    api: { rateLimit: false },
  });
  try {
    const token = server.adminToken?.token ?? '';
    const auth = { authorization: `Bearer ${token}` };
    const deployed = await server.engine.projects.deploy({ dir: OPS });
    const hook = (name: string): string =>
      `${server.url}/webhooks/${
        deployed.project.triggers
          .find((t) => t.name === name)
          ?.webhookPath?.split('/')
          .pop() ?? ''
      }`;
    const started = await server.engine.triggers.run('ops', { entry: 'flows.ts:sleepy' });
    const sessionUrl = `${server.url}/api/v1/sessions/${started.sessionId ?? ''}`;
    const rows: Record<string, Cell>[] = [];

    const timed = async (fn: () => Promise<unknown>): Promise<number> => {
      const t = performance.now();
      await fn();
      return performance.now() - t;
    };
    const get = async (): Promise<void> => {
      const response = await fetch(sessionUrl, { headers: auth });
      await response.arrayBuffer();
    };

    for (let i = 0; i < 200; i++) await get(); // warm-up
    const reads: number[] = [];
    for (let i = 0; i < requests; i++) reads.push(await timed(get));
    rows.push(row('GET session, 1 client', reads, { 'req/s': Math.round(1000 / summarize(reads).mean) }));

    const concurrent: number[] = [];
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let i = 0; i < requests / 16; i++) concurrent.push(await timed(get));
      }),
    );
    rows.push(
      row('GET session, 16 clients', concurrent, {
        'req/s': Math.round(concurrent.length / ((performance.now() - t0) / 1000)),
      }),
    );

    const calls = Math.max(50, Math.round(requests / 10));
    const body = '{"n":1}';
    const post =
      (url: string, headers: Record<string, string> = {}) =>
      async (): Promise<void> => {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body,
        });
        await response.arrayBuffer();
      };
    await server.engine.variables.set('ops', 'GITHUB_SECRET', 'bench-key');
    const signature = `sha256=${createHmac('sha256', 'bench-key').update(body).digest('hex')}`;
    const measures: [string, () => Promise<void>][] = [
      ['webhook, unknown slug (404)', post(`${server.url}/webhooks/no-such-slug`)],
      ['webhook, bad signature (401)', post(hook('github'), { 'x-hub-signature-256': 'sha256=00' })],
      [
        'webhook, signed, async (202, session started)',
        post(hook('github'), { 'x-hub-signature-256': signature }),
      ],
      ['webhook, sync (the session answers)', post(hook('echo'))],
    ];
    for (const [name, call] of measures) {
      const samples: number[] = [];
      for (let i = 0; i < calls; i++) samples.push(await timed(call));
      rows.push(row(name, samples));
    }

    // Signal → its journal event on the session's event stream.
    const delays: number[] = [];
    for (let i = 0; i < Math.max(20, Math.round(calls / 5)); i++) {
      const run = await server.engine.triggers.run('ops', { trigger: 'run' });
      const sessionId = run.sessionId ?? '';
      await server.engine.waitFor(sessionId, (s) => s.status === 'waiting', 5000);
      const abort = new AbortController();
      const response = await fetch(`${server.url}/api/v1/sessions/${sessionId}/events`, {
        headers: auth,
        signal: abort.signal,
      });
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      let text = '';
      while (!text.includes('"type":"Log"')) text += decoder.decode((await reader.read()).value);
      const sent = performance.now();
      await fetch(`${sessionUrl.replace(/ses_\w+$/, sessionId)}/signals`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: '{"name":"go"}',
      });
      while (!text.includes('SignalReceived')) text += decoder.decode((await reader.read()).value);
      delays.push(performance.now() - sent);
      abort.abort();
    }
    rows.push(row('signal → event on SSE stream', delays));
    printTable(`HTTP API over loopback (${requests} reads; webhook calls ${calls})`, rows);
  } finally {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
