/**
 * The web UI with many sessions, in headless Chromium against a real server:
 * `npm run bench -- ui [--sessions 10000] [--steps 1000] [--runs 10]`.
 *
 * Fills a server with `--sessions` webhook sessions (hello) and one session of `--steps` activities,
 * then times what a person waits for: the sessions table's first page (and the API call under it),
 * the next page, a filtered page, the dashboard's charts, and the long session's timeline. Paging
 * and filtering happen on the server, so the table's times should not grow with the session count.
 */
import { fileURLToPath } from 'node:url';
import { launchBrowser } from '../test/ui/support/browser.js';
import { ensureUiBuilt, UI_DIST } from '../test/ui/support/build-ui.js';
import { deployExample, fireWebhook, projectFiles, startUiServer } from '../test/ui/support/server.js';
import type { UiServer } from '../test/ui/support/server.js';
import { printTable, summarize } from './report.js';

const OPS_PROJECT = fileURLToPath(new URL('../test/ui/fixtures/ops', import.meta.url));

function option(args: string[], name: string, fallback: number): number {
  const at = args.indexOf(`--${name}`);
  const value = at >= 0 ? Number(args[at + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
}

async function fill(server: UiServer, sessions: number): Promise<void> {
  const hello = await deployExample(server, 'hello');
  const path = hello.project.triggers[0]?.webhookPath;
  if (path === undefined) throw new Error('hello has no webhook');
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < sessions) {
      const i = next++;
      const response = await fireWebhook(server, path, { name: `n${i}` });
      if (response.status !== 200) throw new Error(`webhook answered ${response.status}`);
      await response.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

export async function run(args: string[]): Promise<void> {
  const sessions = option(args, 'sessions', 10_000);
  const steps = option(args, 'steps', 1000);
  const runs = option(args, 'runs', 10);
  await ensureUiBuilt();
  const server = await startUiServer(UI_DIST);
  const ui = await launchBrowser();
  try {
    const filled = await time(() => fill(server, sessions));
    await server.api('POST', '/api/v1/deploy', { files: await projectFiles(OPS_PROJECT) });
    const long = await server.api<{ sessionId: string }>('POST', '/api/v1/sessions', {
      project: 'ui-ops',
      trigger: 'steps',
      input: { steps },
    });
    await server.server.engine.result(long.sessionId, { timeoutMs: 300_000 });
    console.log(
      `filled ${sessions} sessions in ${(filled / 1000).toFixed(1)} s; one session of ${steps} activities`,
    );

    const page = await ui.context.newPage();
    await page.goto(`${server.url}/sign-in`);
    await page.getByLabel('API token').fill(server.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();

    const samples: Record<string, number[]> = {};
    const record = (name: string, ms: number): void => {
      (samples[name] ??= []).push(ms);
    };
    const rows = page.locator('tbody tr[data-session-id]');
    for (let i = 0; i < runs; i++) {
      record('API GET /sessions?limit=50', await time(() => server.api('GET', '/api/v1/sessions?limit=50')));
      record(
        'sessions page: first 50 rows',
        await time(async () => {
          await page.goto(`${server.url}/sessions`);
          await rows.nth(49).waitFor();
        }),
      );
      const first = await rows.first().getAttribute('data-session-id');
      record(
        'sessions page: next page',
        await time(async () => {
          await page.getByRole('button', { name: 'Next →' }).click();
          await page.waitForFunction(
            `document.querySelector('tbody tr[data-session-id]')?.getAttribute('data-session-id') !== ${JSON.stringify(first)}`,
          );
        }),
      );
      record(
        'sessions page: filtered (state + entry)',
        await time(async () => {
          await page.goto(`${server.url}/sessions?state=completed&entry=handlers.ts:greet`);
          await rows.nth(49).waitFor();
        }),
      );
      record(
        'dashboard: charts drawn',
        await time(async () => {
          await page.goto(`${server.url}/`);
          await page.locator('.recharts-surface').nth(3).waitFor();
        }),
      );
      record(
        `session page: ${steps}-step timeline`,
        await time(async () => {
          await page.goto(`${server.url}/sessions/${long.sessionId}`);
          // The whole journal has arrived when the stream ended and every activity is counted.
          await page.getByText('Complete', { exact: true }).waitFor({ timeout: 60_000 });
          await page.getByText(`${steps} activities`).waitFor({ timeout: 60_000 });
        }),
      );
    }
    const api = summarize(samples['API GET /sessions?limit=50'] ?? []).p50;
    printTable(
      `web UI with ${sessions} sessions (ms, ${runs} runs, headless Chromium, this machine)`,
      Object.entries(samples).map(([what, values]) => {
        const s = summarize(values);
        return { what, p50: s.p50, p90: s.p90, max: s.max, 'x API p50': s.p50 / api };
      }),
    );
  } finally {
    await ui.close();
    await server.close();
  }
}
