/** Shared set-up of the API tests: an engine, the app, a token, and request helpers. */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InjectOptions } from 'fastify';
import { expect } from 'vitest';
import { buildApp } from '../../api/index.js';
import type { ApiOptions, WhiskerApp } from '../../api/index.js';
import { createEngine } from '../../engine/index.js';
import type { Engine, EngineOptions } from '../../engine/index.js';

export const OPS_DIR = fileURLToPath(new URL('./fixtures/ops', import.meta.url));
export const EXAMPLES_DIR = fileURLToPath(new URL('../../examples', import.meta.url));
export const SECRET_KEY = Buffer.alloc(32, 9).toString('base64');

export interface TestApi {
  engine: Engine;
  app: WhiskerApp;
  token: string;
  call(method: InjectOptions['method'], url: string, options?: CallOptions): Promise<CallResult>;
  close(): Promise<void>;
}

export interface CallOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Default: the admin token; `null`: none. */
  token?: string | null;
}

export interface CallResult {
  status: number;
  headers: Record<string, unknown>;
  body: unknown;
  text: string;
}

export async function testApi(options: ApiOptions & { engine?: EngineOptions } = {}): Promise<TestApi> {
  const { engine: engineOptions, ...apiOptions } = options;
  const engine = await createEngine({
    sandboxOptions: { runners: 1 },
    typecheck: false,
    secretKey: SECRET_KEY,
    ...engineOptions,
  });
  const app = await buildApp({ rateLimit: false, ...apiOptions, engine });
  const admin = await engine.tokens.ensureAdmin();
  const token = admin?.token ?? '';
  return {
    engine,
    app,
    token,
    call: async (method, url, call = {}) => {
      const headers: Record<string, string> = { ...call.headers };
      const bearer = call.token === undefined ? token : call.token;
      if (bearer !== null) headers['authorization'] = `Bearer ${bearer}`;
      const response = await app.inject({
        method,
        url,
        headers,
        ...(call.body !== undefined
          ? {
              payload:
                typeof call.body === 'string' || Buffer.isBuffer(call.body)
                  ? call.body
                  : JSON.stringify(call.body),
            }
          : {}),
        ...(call.body !== undefined && headers['content-type'] === undefined && !Buffer.isBuffer(call.body)
          ? { headers: { ...headers, 'content-type': 'application/json' } }
          : {}),
      });
      let body: unknown = undefined;
      try {
        body = response.body === '' ? undefined : JSON.parse(response.body);
      } catch {
        body = undefined;
      }
      return { status: response.statusCode, headers: response.headers, body, text: response.body };
    },
    close: async () => {
      await app.close();
      await engine.shutdown();
    },
  };
}

/** A project directory as `{ path: base64 }` (the JSON upload form). */
export async function filesOf(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  async function walk(current: string): Promise<void> {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (!entry.name.endsWith('.md')) {
        out[relative(dir, path).split(sep).join('/')] = (await readFile(path)).toString('base64');
      }
    }
  }
  await walk(dir);
  return out;
}

export function base64(text: string): string {
  return Buffer.from(text).toString('base64');
}

/** Waits until `predicate` holds, polling. */
export async function eventually(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export const anyId = (prefix: string): unknown =>
  expect.stringMatching(new RegExp(`^${prefix}_[0-9A-Z]{26}$`));
export const anyTime = (): unknown => expect.any(Number);
export const anyNumber = (): unknown => expect.any(Number);
export const anyString = (): unknown => expect.any(String);
export const matching = (pattern: RegExp): unknown => expect.stringMatching(pattern);
export const including = (text: string): unknown => expect.stringContaining(text);
export const containing = (object: Record<string, unknown>): unknown => expect.objectContaining(object);
