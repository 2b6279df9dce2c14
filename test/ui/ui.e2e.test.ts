/**
 * The web UI end to end, in a real headless Chromium against a real server (`startServer` on a
 * temporary data directory, serving the built UI): sign in, deploy examples through the API, fire
 * webhooks, watch sessions appear and complete live, open a timeline, signal, stop, redispatch,
 * download a journal, the dashboard's charts, a revoked token. Screenshots of each main page go to
 * `test-artifacts/ui/`.
 *
 * The steps share one server and one browser page and run in order (vitest runs a file's tests
 * sequentially); each step asserts what a person would see.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeJournalFile } from '../../engine/index.js';
import { createApiClient } from '../../ui/src/api/index.js';
import { launchBrowser } from './support/browser.js';
import type { UiBrowser } from './support/browser.js';
import { ensureUiBuilt, UI_DIST } from './support/build-ui.js';
import { deployExample, fireWebhook, projectFiles, startUiServer } from './support/server.js';
import type { DeployedProject, UiServer } from './support/server.js';

const OPS_PROJECT = fileURLToPath(new URL('./fixtures/ops', import.meta.url));
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/ui', import.meta.url));
const WAIT = { timeout: 15_000 };
const STEP_TIMEOUT = 60_000;

interface SessionSummary {
  sessionId: string;
  status: string;
  entry: string;
}

let server: UiServer;
let ui: UiBrowser;
let page: Page;
let hello: DeployedProject;
let approval: DeployedProject;
const pageErrors: string[] = [];

async function shot(name: string): Promise<void> {
  // Away from charts and buttons, so no tooltip or hover state lands in the picture; the notices
  // of earlier steps dismissed, so they cover nothing.
  await page.mouse.move(0, 0);
  for (const dismiss of await page.getByRole('button', { name: 'Dismiss' }).all()) await dismiss.click();
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

const webhookPath = (project: DeployedProject): string => {
  const path = project.project.triggers[0]?.webhookPath;
  if (path === undefined) throw new Error(`${project.project.name} has no webhook trigger`);
  return path;
};

/** A value computed in the page (a JavaScript expression: this file is type-checked without the DOM). */
const inPage = (expression: string): Promise<unknown> => page.evaluate(expression);

/** A link of the main navigation (pages have links of the same name). */
const navLink = (name: string) =>
  page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });

const sessionRow = (sessionId: string) => page.locator(`tr[data-session-id="${sessionId}"]`);

async function listSessions(query = ''): Promise<SessionSummary[]> {
  return (await server.api<{ sessions: SessionSummary[] }>('GET', `/api/v1/sessions${query}`)).sessions;
}

async function signIn(token: string): Promise<void> {
  await page.goto(`${server.url}/sign-in`);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describe('web UI in Chromium', { timeout: STEP_TIMEOUT }, () => {
  beforeAll(async () => {
    await rm(ARTIFACTS, { recursive: true, force: true });
    await mkdir(ARTIFACTS, { recursive: true });
    await ensureUiBuilt();
    server = await startUiServer(UI_DIST);
    ui = await launchBrowser();
    page = await ui.context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 120_000);

  afterEach(async (context) => {
    // A failed step leaves a picture of what the page showed.
    if (context.task.result?.state === 'fail')
      await shot(`failed-${context.task.name.slice(0, 40).replace(/\W+/g, '-')}`);
  });

  afterAll(async () => {
    await ui?.close();
    await server?.close();
  });

  it('sends a signed-out visitor to sign in, and refuses a wrong token with a clear message', async () => {
    await page.goto(`${server.url}/sessions`);
    await page.waitForURL('**/sign-in', WAIT);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor(WAIT);
    await shot('sign-in');

    await page.getByLabel('API token').fill('wsk_not-a-real-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor(WAIT);
    expect(await alert.textContent()).toContain('This token was not accepted');
    expect(page.url()).toContain('/sign-in');
  });

  it('signs in, returns to the page asked for, keeps the token in sessionStorage only, and guides a new user', async () => {
    await page.getByLabel('API token').fill(server.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/sessions', WAIT);
    await page.getByText('No sessions yet').waitFor(WAIT);
    await navLink('Dashboard').click();
    await page.getByText('Welcome to Whisker').waitFor(WAIT);
    expect(await page.getByTestId('empty-state').textContent()).toContain('whisker deploy examples/hello');
    expect(await inPage("sessionStorage.getItem('whisker.token')")).toBe(server.token);
    expect(await inPage('localStorage.length')).toBe(0);
    expect(await inPage('document.cookie')).toBe('');
    await shot('dashboard-empty');
  });

  it('lists projects deployed through the API, with their triggers, copyable webhook URLs and deployments', async () => {
    hello = await deployExample(server, 'hello');
    approval = await deployExample(server, 'approval');

    await navLink('Projects').click();
    const table = page.getByRole('table', { name: 'Projects' });
    await table.getByRole('link', { name: 'hello' }).waitFor(WAIT);
    await table.getByRole('link', { name: 'approval' }).waitFor(WAIT);
    await shot('projects');

    await table.getByRole('link', { name: 'hello' }).click();
    await page.getByRole('heading', { name: 'hello', level: 1 }).waitFor(WAIT);
    const url = await page.getByTestId('webhook-url').textContent();
    expect(url).toBe(`${server.url}${webhookPath(hello)}`);
    await page.getByRole('button', { name: `Copy webhook URL: ${url ?? ''}` }).waitFor(WAIT);
    const deployment = page.getByTestId(`deployment-${hello.deployment.deploymentId}`);
    expect(await deployment.locator('[data-state]').textContent()).toBe('active');
    expect(await page.getByRole('table', { name: 'Variables' }).textContent()).toContain('GREETING');
    await shot('project');
  });

  it('shows webhook sessions appear and complete in the sessions table, live', async () => {
    await navLink('Sessions').click();
    await page.waitForURL('**/sessions', WAIT);
    await page.getByText('Live', { exact: true }).waitFor(WAIT);

    // The hello webhook is synchronous: the caller gets the session's own response.
    const response = await fireWebhook(server, webhookPath(hello), { name: 'Ada' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ message: 'Hello, Ada!' });
    const [greeted] = await listSessions('?entry=handlers.ts:greet');
    expect(greeted?.status).toBe('completed');
    const greetedRow = sessionRow(greeted?.sessionId ?? '');
    await greetedRow.locator('[data-state="completed"]').waitFor(WAIT);

    // The approval webhook starts sessions that wait for a signal: they appear as waiting.
    const first = (await (
      await fireWebhook(server, webhookPath(approval), { item: 'laptop', requester: 'ann' })
    ).json()) as {
      sessionId: string;
    };
    const second = (await (
      await fireWebhook(server, webhookPath(approval), { item: 'chair', requester: 'bob' })
    ).json()) as {
      sessionId: string;
    };
    await sessionRow(first.sessionId).locator('[data-state="waiting"]').waitFor(WAIT);
    await sessionRow(second.sessionId).locator('[data-state="waiting"]').waitFor(WAIT);
    expect(await page.getByRole('navigation', { name: 'Pagination' }).textContent()).toContain('1–3 of 3');
    await shot('sessions');
  });

  it('filters sessions on the server by project and state', async () => {
    await page.getByLabel('State').selectOption('waiting');
    await page.waitForURL('**/sessions?state=waiting', WAIT);
    await expect.poll(async () => page.locator('tbody tr[data-session-id]').count(), WAIT).toBe(2);
    await page.getByLabel('Project').selectOption({ label: 'hello' });
    await page.getByText('No session matches these filters').waitFor(WAIT);
    await page.getByRole('button', { name: 'Clear filters' }).first().click();
    await expect.poll(async () => page.locator('tbody tr[data-session-id]').count(), WAIT).toBe(3);
  });

  it('opens a session timeline that updates live, and sends it a signal from the page', async () => {
    const waiting = await listSessions('?status=waiting');
    const target = waiting.find((s) => s.entry === 'flow.ts:requestApproval');
    if (target === undefined) throw new Error('no waiting approval session');
    const { input } = await server.api<{
      input: { data: { body: { json: { item: string; requester: string } } } };
    }>('GET', `/api/v1/sessions/${target.sessionId}`);
    const { item, requester } = input.data.body.json;
    await page.locator(`a[href="/sessions/${target.sessionId}"]`).click();
    await page.getByRole('heading', { name: target.sessionId }).waitFor(WAIT);
    const timeline = page.getByTestId('timeline');
    await timeline.getByText('Session started').waitFor(WAIT);
    await timeline.getByText(/asks for/).waitFor(WAIT);
    await timeline.locator('li[data-kind="timer"]').getByText('pending').waitFor(WAIT);

    await page.getByRole('button', { name: 'Send signal' }).click();
    await page.getByLabel('Signal name').fill('approve');
    await page.getByLabel('Payload (JSON, optional)').fill('{ "approved": true, "by": "grace" }');
    await page.getByRole('button', { name: 'Send', exact: true }).click();

    // Live: the signal, the activity it leads to, and the end arrive without a reload.
    await timeline.locator('li[data-kind="signal"]').getByText('approve', { exact: true }).waitFor(WAIT);
    const activity = timeline.locator('li[data-kind="activity"]');
    await activity.getByText('notify').waitFor(WAIT);
    await activity.locator('[data-state="completed"]').waitFor(WAIT);
    await timeline.getByText('Session completed').waitFor(WAIT);
    await page.getByText('Complete', { exact: true }).waitFor(WAIT);

    // The activity's arguments and result, on demand.
    await activity.getByText('Arguments, result and attempts').click();
    expect(await activity.getByLabel('Arguments of notify').textContent()).toContain('approved by grace');
    expect(await activity.getByLabel('Result of notify').textContent()).toContain(`notified ${requester}`);
    await page.getByLabel('Session result').waitFor(WAIT);
    expect(await page.getByLabel('Session result').textContent()).toContain(
      `request for ${item} approved by grace`,
    );
    await shot('session');
  });

  it('stops a waiting session from the sessions table', async () => {
    const [waiting] = await listSessions('?status=waiting');
    if (waiting === undefined) throw new Error('no waiting session left');
    await navLink('Sessions').click();
    const row = sessionRow(waiting.sessionId);
    await row.getByRole('button', { name: `Stop session ${waiting.sessionId}` }).click();
    await page.getByLabel('Reason (optional)').fill('no longer needed');
    await page.getByRole('button', { name: 'Stop session', exact: true }).click();
    await row.locator('[data-state="stopped"]').waitFor(WAIT);
    const stopped = await server.api<{ status: string; stopReason?: string }>(
      'GET',
      `/api/v1/sessions/${waiting.sessionId}`,
    );
    expect(stopped.status).toBe('stopped');
    expect(stopped.stopReason).toContain('no longer needed');
  });

  it('lists events, inspects one, and redispatches it into a new session', async () => {
    await navLink('Events').click();
    const table = page.getByRole('table', { name: 'Events' });
    await table.locator('tr[data-event-id]').first().waitFor(WAIT);
    expect(await table.locator('tr[data-event-id]').count()).toBe(3);
    await shot('events');

    const events = await server.api<{
      events: { eventId: string; triggerName?: string; sessionId?: string }[];
    }>('GET', '/api/v1/events?project=hello');
    const original = events.events[0];
    if (original === undefined) throw new Error('no hello event');
    await page.locator(`a[href="/events/${original.eventId}"]`).click();
    await page.getByLabel('Event data').waitFor(WAIT);
    expect(await page.getByLabel('Event data').textContent()).toContain('Ada');
    await shot('event');

    await page.getByRole('button', { name: `Redispatch event ${original.eventId}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Redispatch' }).click();
    const toast = page.getByTestId('toast').filter({ hasText: 'Redispatched as' });
    await toast.waitFor(WAIT);
    expect(await toast.textContent()).toMatch(/session ses_.+ started/);

    // The new event's page (the UI opens it): a redispatch of the original, with its own session.
    await page.getByText('Redispatch of').waitFor(WAIT);
    const after = await server.api<{
      events: { eventId: string; redispatchOf?: string; sessionId?: string; status: string }[];
    }>('GET', '/api/v1/events?project=hello');
    const copy = after.events.find((e) => e.redispatchOf === original.eventId);
    expect(copy?.status).toBe('dispatched');
    expect(copy?.sessionId).not.toBe(original.sessionId);
    expect(page.url()).toBe(`${server.url}/events/${copy?.eventId ?? ''}`);
  });

  it('downloads a session journal for replay', async () => {
    const [greeted] = await listSessions('?entry=handlers.ts:greet&status=completed');
    if (greeted === undefined) throw new Error('no completed hello session');
    await page.goto(`${server.url}/sessions/${greeted.sessionId}`);
    await page.getByTestId('timeline').getByText('Session completed').waitFor(WAIT);
    const [download] = await Promise.all([
      page.waitForEvent('download', WAIT),
      page.getByRole('button', { name: 'Download journal' }).click(),
    ]);
    const path = join(ARTIFACTS, download.suggestedFilename());
    await download.saveAs(path);
    const journal = decodeJournalFile(await readFile(path));
    expect(journal.sessionId).toBe(greeted.sessionId);
    expect(journal.entry).toBe('handlers.ts:greet');
    expect(journal.events[0]?.type).toBe('SessionStarted');
    expect(journal.events.at(-1)?.type).toBe('SessionCompleted');
  });

  it('shows retried activities, child sessions, failures with their source line, and never a secret', async () => {
    const secret = 'sk_live_do-not-show-me';
    await server.api('POST', '/api/v1/deploy', { files: await projectFiles(OPS_PROJECT) });
    await server.api('PUT', '/api/v1/projects/ui-ops/variables/API_KEY', { value: secret });
    const flaky = await server.api<{ sessionId: string }>('POST', '/api/v1/sessions', {
      project: 'ui-ops',
      trigger: 'flaky',
      input: { amount: 42 },
    });
    const broken = await server.api<{ sessionId: string }>('POST', '/api/v1/sessions', {
      project: 'ui-ops',
      trigger: 'broken',
    });

    await page.goto(`${server.url}/sessions/${flaky.sessionId}`);
    const timeline = page.getByTestId('timeline');
    await timeline.getByText('Session completed').waitFor(WAIT);
    const activity = timeline.locator('li[data-kind="activity"]');
    expect(await activity.textContent()).toContain('2 attempts');
    await activity.getByText('Arguments, result and attempts').click();
    expect(await activity.textContent()).toContain('#1');
    expect(await activity.textContent()).toContain('payment gateway busy');
    expect(await activity.textContent()).toContain('charging 42, attempt 2');
    const child = timeline.locator('li[data-kind="child"]');
    expect(await child.locator('[data-state]').textContent()).toBe('completed');
    expect(await page.getByLabel('Session result').textContent()).toContain(
      'receipt-42 / audited receipt-42',
    );
    await shot('session-activities');

    // The child's own page, through its link on the timeline.
    await child.getByRole('link').click();
    await page.getByTestId('timeline').getByText('Session completed').waitFor(WAIT);
    expect(await page.getByText('Parent').locator('xpath=following-sibling::dd[1]').textContent()).toContain(
      flaky.sessionId.slice(0, 10),
    );

    await page.goto(`${server.url}/sessions/${broken.sessionId}`);
    const error = page.getByTestId('error-details').first();
    await error.waitFor(WAIT);
    expect(await error.textContent()).toContain('the ledger is closed');
    expect(await error.textContent()).toMatch(/flows\.ts:\d+:\d+/);
    // The line itself, from the project's sources (the build was made from them).
    const excerpt = page.getByTestId('source-excerpt');
    await excerpt.waitFor(WAIT);
    expect(await excerpt.locator('div[class*="target"]').textContent()).toContain(
      "throw new Error('the ledger is closed');",
    );
    await shot('session-failed');

    await page.goto(`${server.url}/projects/ui-ops`);
    const variables = page.getByRole('table', { name: 'Variables' });
    await variables.getByText('secret · set').waitFor(WAIT);
    expect(await page.content()).not.toContain(secret);
  });

  it('draws the dashboard charts from the statistics, per project', async () => {
    await navLink('Dashboard').click();
    await page.getByRole('heading', { name: 'Sessions over time' }).waitFor(WAIT);
    await page.locator('.recharts-surface').first().waitFor(WAIT);
    expect(await page.locator('.recharts-surface').count()).toBeGreaterThanOrEqual(4);
    const stats = await server.api<{ total: number }>('GET', '/api/v1/stats');
    await expect
      .poll(async () => page.getByText('Sessions', { exact: true }).locator('xpath=..').textContent(), WAIT)
      .toContain(String(stats.total));
    await shot('dashboard');

    await page.getByLabel('Project').selectOption({ label: 'approval' });
    await page.waitForURL(`**/?project=${approval.project.projectId}`, WAIT);
    await expect
      .poll(async () => page.getByText('Sessions', { exact: true }).locator('xpath=..').textContent(), WAIT)
      .toContain('2');
  });

  it('deactivates and re-activates a deployment from the project page', async () => {
    const { deploymentId } = hello.deployment;
    await page.goto(`${server.url}/projects/${hello.project.projectId}`);
    const row = page.getByTestId(`deployment-${deploymentId}`);
    await row.getByRole('button', { name: 'Deactivate' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Deactivate' }).click();
    await row.locator('[data-state="inactive"], [data-state="draining"]').waitFor(WAIT);
    await page.getByText('no active deployment').waitFor(WAIT);
    // Without an active deployment the call is recorded, and nothing runs it.
    const refused = await fireWebhook(server, webhookPath(hello), { name: 'nobody' });
    expect(((await refused.json()) as { status: string }).status).toBe('not-dispatched');

    await row.getByRole('button', { name: 'Activate' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Activate' }).click();
    await row.locator('[data-state="active"]').waitFor(WAIT);
    const answered = await fireWebhook(server, webhookPath(hello), { name: 'again' });
    expect(await answered.json()).toEqual({ message: 'Hello, again!' });
  });

  it('fits a laptop-narrow window and is reachable by keyboard', async () => {
    await page.setViewportSize({ width: 820, height: 900 });
    await page.goto(`${server.url}/sessions`);
    await page.locator('tbody tr[data-session-id]').first().waitFor(WAIT);
    const nav = await page.getByRole('navigation', { name: 'Main' }).boundingBox();
    const main = await page.locator('main').boundingBox();
    expect(nav !== null && main !== null && nav.y + nav.height <= main.y + 1).toBe(true);
    expect(await inPage('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    await shot('sessions-narrow');

    // The first Tab lands on "Skip to content", Enter moves focus to the page.
    await page.keyboard.press('Tab');
    expect(await inPage('document.activeElement?.textContent')).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await inPage('document.activeElement?.id')).toBe('main');
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  it('signs the user out with a clear message when the token is revoked', async () => {
    const created = await server.api<{ token: string; tokenId: string }>('POST', '/api/v1/tokens', {
      name: 'e2e-browser',
    });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/sign-in', WAIT);
    expect(await inPage("sessionStorage.getItem('whisker.token')")).toBeNull();
    await signIn(created.token);
    await page.getByRole('button', { name: 'Sign out' }).waitFor(WAIT);

    await server.api('DELETE', `/api/v1/tokens/${created.tokenId}`);
    // The page learns of it from its live stream (which the server closes for a revoked token) or
    // from its next request; a click makes one, unless the stream has signed the page out already
    // (then the link is gone: the race lost CI a run).
    const signedOut = page.waitForURL('**/sign-in', WAIT);
    await navLink('Projects')
      .click({ timeout: 5_000 })
      .catch(() => undefined);
    await signedOut;
    await page.getByText('Your API token is no longer accepted').waitFor(WAIT);
    expect(await inPage("sessionStorage.getItem('whisker.token')")).toBeNull();
    await shot('signed-out-revoked');
  });

  it("calls only routes, methods and query fields that the server's /openapi.json declares", async () => {
    const openapi = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>>;
    };
    // The client's every request, recorded by a fetch that answers `{}`: which route, which fields.
    const calls: { method: string; url: URL }[] = [];
    const client = createApiClient({
      baseUrl: server.url,
      token: 'wsk_recording',
      fetch: (input, init) => {
        calls.push({
          method: init?.method ?? 'GET',
          url: new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url),
        });
        return Promise.resolve(new Response('{}', { status: 200 }));
      },
    });
    const id = 'x_01';
    await Promise.all([
      client.listProjects(),
      client.getProject(id),
      client.projectSources(id),
      client.listDeployments(id),
      client.activateDeployment(id),
      client.deactivateDeployment(id),
      client.deleteDeployment(id),
      client.listSessions({
        project: id,
        deploymentId: id,
        status: 'waiting',
        entry: 'a.ts:f',
        startedAfter: 1,
        startedBefore: 2,
        limit: 5,
        cursor: 'c',
      }),
      client.getSession(id),
      client.sessionHistory(id),
      client.sessionLog(id),
      client.stopSession(id, { reason: 'r', force: true }),
      client.restartSession(id),
      client.deleteSession(id),
      client.signalSession(id, 'approve', { ok: true }),
      client.listEvents({ project: id, type: 'webhook', status: 'dispatched', limit: 5, cursor: 'c' }),
      client.getEvent(id),
      client.redispatchEvent(id),
      client.stats({ project: id, deploymentId: id, since: 1, bucketMs: 60_000 }),
      client.downloadJournal(id),
    ]);
    calls.push({ method: 'GET', url: new URL(client.sessionEventsUrl(id)) });
    calls.push({ method: 'GET', url: new URL(client.sessionChangesUrl(id)) });

    const routes = Object.entries(openapi.paths).map(([path, operations]) => ({
      pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`),
      path,
      operations,
    }));
    const undeclared: string[] = [];
    for (const call of calls) {
      // A literal route (`/sessions/stream`) wins over a parameter one (`/sessions/{sessionId}`).
      const matches = routes.filter(
        (r) => r.pattern.test(call.url.pathname) && r.operations[call.method.toLowerCase()],
      );
      const route = matches.find((r) => !r.path.includes('{')) ?? matches[0];
      if (route === undefined) {
        undeclared.push(`${call.method} ${call.url.pathname}`);
        continue;
      }
      const declared = new Set(
        (route.operations[call.method.toLowerCase()]?.parameters ?? [])
          .filter((p) => p.in === 'query')
          .map((p) => p.name),
      );
      for (const key of call.url.searchParams.keys()) {
        if (!declared.has(key)) undeclared.push(`${call.method} ${route.path}?${key}`);
      }
    }
    expect(calls).toHaveLength(22);
    expect(undeclared).toEqual([]);
  });

  it('raised no uncaught error in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
