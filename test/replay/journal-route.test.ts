/**
 * GET /api/v1/sessions/:id/journal: the journal file download (binary or JSON, with or without the
 * build), which `whisker journal export` saves and `whisker replay` reads; errors in the API's shape.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { decodeJournalFile, replayJournal } from '../../engine/index.js';
import { testApi } from '../api/helpers.js';
import type { TestApi } from '../api/helpers.js';

const APP_DIR = fileURLToPath(new URL('../engine/fixtures/app', import.meta.url));

let api: TestApi;
let sessionId: string;

beforeAll(async () => {
  api = await testApi();
  const build = await api.engine.loadProject(APP_DIR);
  sessionId = (
    await api.engine.startSession({ buildId: build.buildId, entry: 'workflows.ts:doubles', input: 3 })
  ).sessionId;
  await api.engine.result(sessionId);
});

afterAll(async () => {
  await api?.close();
});

async function download(query: string, token = api.token) {
  return api.app.inject({
    method: 'GET',
    url: `/api/v1/sessions/${sessionId}/journal${query}`,
    headers: { authorization: `Bearer ${token}` },
  });
}

describe('journal download', () => {
  it('binary with the build: a file that replays alone', async () => {
    const response = await download('?withBuild=true');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/vnd.whisker.journal');
    expect(response.headers['content-disposition']).toBe(`attachment; filename="${sessionId}.journal"`);
    const file = decodeJournalFile(response.rawPayload);
    expect(file).toMatchObject({ sessionId, entry: 'workflows.ts:doubles', status: 'completed' });
    expect(file.events.map((e) => e.type)).toEqual((await api.engine.history(sessionId)).map((e) => e.type));
    expect((await replayJournal({ journal: file, sandbox: api.engine.sandbox })).verdict).toBe('compatible');
  });

  it('JSON without the build', async () => {
    const response = await download('?format=json');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    const doc = JSON.parse(response.body) as { format: string; sessionId: string; build?: unknown };
    expect(doc).toMatchObject({ format: 'whisker-journal', sessionId });
    expect(doc.build).toBeUndefined();
    expect(decodeJournalFile(response.rawPayload).events.length).toBeGreaterThan(3);
  });

  it('errors have the API shape', async () => {
    const unknown = await api.app.inject({
      method: 'GET',
      url: '/api/v1/sessions/ses_01HZZZZZZZZZZZZZZZZZZZZZZZ/journal',
      headers: { authorization: `Bearer ${api.token}` },
    });
    expect(unknown.statusCode).toBe(404);
    expect(JSON.parse(unknown.body)).toMatchObject({ code: 'SESSION_NOT_FOUND' });
    const bad = await download('?format=xml');
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ code: 'VALIDATION_FAILED' });
    const anonymous = await api.app.inject({ method: 'GET', url: `/api/v1/sessions/${sessionId}/journal` });
    expect(anonymous.statusCode).toBe(401);
  });
});
