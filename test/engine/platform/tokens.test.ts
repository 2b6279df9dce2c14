import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createEngine } from '../../../engine/index.js';
import type { Sandbox } from '../../../sandbox/index.js';
import { sharedSandbox } from '../helpers.js';

let sandbox: Sandbox;
let dir: string;
beforeAll(async () => {
  sandbox = await sharedSandbox();
  dir = await mkdtemp(join(tmpdir(), 'whisker-tokens-'));
});
afterAll(async () => {
  await sandbox?.close();
  await rm(dir, { recursive: true, force: true });
});

it('creates an admin token once, verifies, revokes, and stores only hashes', async () => {
  let engine = await createEngine({ dataDir: dir, sandbox });
  const admin = await engine.tokens.ensureAdmin();
  expect(admin?.token).toMatch(/^wsk_[A-Za-z0-9_-]{43}$/);
  expect(await engine.tokens.ensureAdmin()).toBeUndefined();
  const ci = await engine.tokens.create('ci');
  expect(engine.tokens.verify(ci.token)).toMatchObject({ tokenId: ci.tokenId, name: 'ci' });
  expect(engine.tokens.verify(`${ci.token}x`)).toBeUndefined();
  expect(engine.tokens.verify('not-a-token')).toBeUndefined();
  await engine.shutdown();

  engine = await createEngine({ dataDir: dir, sandbox });
  expect(engine.tokens.list().map((t) => t.name)).toEqual(['admin', 'ci']);
  expect(engine.tokens.verify(admin?.token ?? '')).toMatchObject({ name: 'admin' });
  await engine.tokens.revoke(ci.tokenId);
  expect(engine.tokens.verify(ci.token)).toBeUndefined();
  expect(engine.tokens.list().find((t) => t.tokenId === ci.tokenId)?.revokedAt).toBeGreaterThan(0);
  await expect(engine.tokens.revoke('tok_01JD0000000000000000000000')).rejects.toMatchObject({
    code: 'TOKEN_NOT_FOUND',
  });
  await expect(engine.tokens.create('')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'name' });
  await engine.shutdown();

  for (const name of await readdir(join(dir, 'journal'))) {
    const content = await readFile(join(dir, 'journal', name)).catch(() => Buffer.alloc(0));
    expect(content.includes(Buffer.from(ci.token))).toBe(false);
    expect(content.includes(Buffer.from(admin?.token ?? 'x'))).toBe(false);
  }
});
