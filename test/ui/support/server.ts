/**
 * A real Whisker server for the UI's end-to-end tests: the API engineer's `startServer` on a
 * temporary data directory, on a loopback port, serving the built UI. Plus the few API calls a
 * test makes itself (deploying an example, firing a webhook), over real HTTP.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../../api/index.js';
import type { RunningServer } from '../../../api/index.js';

export const EXAMPLES_DIR = fileURLToPath(new URL('../../../examples', import.meta.url));

export interface UiServer {
  url: string;
  token: string;
  server: RunningServer;
  /** GET/POST/DELETE a path of the API with the admin token; the parsed JSON body. */
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  close(): Promise<void>;
}

export async function startUiServer(uiDir: string): Promise<UiServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'whisker-ui-e2e-'));
  const server = await startServer({
    dataDir,
    host: '127.0.0.1',
    port: 0,
    api: { uiDir, rateLimit: false },
    engine: { sandboxOptions: { runners: 1 }, typecheck: false },
    closeGraceMs: 2000,
  });
  const token = server.adminToken?.token;
  if (token === undefined) throw new Error('the server did not create an admin token on its first start');
  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  };
  return {
    url: server.url,
    token,
    server,
    api,
    close: async () => {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A project directory as `{ path: base64 }`, the JSON upload form of `POST /api/v1/deploy`. */
export async function projectFiles(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (current: string): Promise<void> => {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (!entry.name.endsWith('.md'))
        out[relative(dir, path).split(sep).join('/')] = (await readFile(path)).toString('base64');
    }
  };
  await walk(dir);
  return out;
}

export interface DeployedProject {
  project: { projectId: string; name: string; triggers: { name: string; webhookPath?: string }[] };
  deployment: { deploymentId: string; state: string };
}

/** Deploys `examples/<name>` through the API (lint, build, deploy, activate). */
export async function deployExample(server: UiServer, name: string): Promise<DeployedProject> {
  const files = await projectFiles(join(EXAMPLES_DIR, name));
  return server.api<DeployedProject>('POST', '/api/v1/deploy', { files });
}

/** Calls a webhook (open route, no token) with a JSON body. */
export async function fireWebhook(server: UiServer, path: string, body: unknown): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}
