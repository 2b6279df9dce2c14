/**
 * The embedding example (`examples/embedded/main.mjs`) as a host app runs it: `import { createEngine }
 * from 'whisker'` resolves through the package's `exports` to the compiled engine (`dist/`, which
 * `npm install` builds), the project is built with type checking, a host activity and a project
 * activity run, and a second process on the same data directory finds the finished session by its
 * idempotency key instead of running the order again.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finished, ROOT } from '../cli/helpers.js';
import type { CliResult } from '../cli/helpers.js';

const MAIN = join(ROOT, 'examples/embedded/main.mjs');

function runExample(dataDir: string): Promise<CliResult> {
  return finished(spawn(process.execPath, [MAIN, dataDir], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] }));
}

let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'whisker-embedded-test-'));
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('examples/embedded', () => {
  it('runs an order durably in a host app through the package entry, once per idempotency key', async () => {
    expect(existsSync(join(ROOT, 'dist/engine/index.js')), 'dist/ is missing: run `npm run build`').toBe(
      true,
    );
    const first = await runExample(dataDir);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const [summary, ...lines] = first.stdout.trim().split('\n');
    const parsed = JSON.parse(summary ?? '') as { session: string; result: unknown };
    expect(parsed.session).toMatch(/^ses_[0-9A-Z]{26}$/);
    expect(parsed.result).toEqual({ orderId: 'A-1', cents: 1200, receipt: 'receipt-A-1-1200' });
    expect(lines).toEqual(
      expect.arrayContaining([
        'log: [lifecycle] activity #3 chargeCard scheduled',
        'log: [print] order A-1: 1200 cents',
        'log: [lifecycle] timer #2 fired',
        'log: [lifecycle] completed',
      ]),
    );

    // Another process, the same journal: the key finds the recorded session and its result.
    const second = await runExample(dataDir);
    expect(second.code).toBe(0);
    const again = JSON.parse(second.stdout.split('\n')[0] ?? '') as { session: string; result: unknown };
    expect(again).toEqual(parsed);
    expect(second.stdout.split('\n').filter((line) => line === 'log: [lifecycle] completed')).toHaveLength(1);
  }, 60_000);
});
