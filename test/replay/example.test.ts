/**
 * The CI example (examples/replay-ci) works: its own vitest test passes as a user would run it,
 * and a breaking change to its project is caught for exactly the journals it breaks.
 */
import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

import { formatReplaySummary, replayJournals } from '../../engine/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const EXAMPLE = join(ROOT, 'examples', 'replay-ci');

describe('examples/replay-ci', () => {
  it('its vitest test passes, run the way the README says', () => {
    const run = spawnSync(
      process.execPath,
      [
        join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'),
        'run',
        '--config',
        'examples/replay-ci/vitest.config.ts',
      ],
      {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 120_000,
        env: { ...process.env, CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0' },
      },
    );
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/Tests\s+1 passed/);
  });

  it('a longer pause breaks the sessions that passed the timer, not the one still waiting', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'whisker-replay-ci-'));
    try {
      await cp(join(EXAMPLE, 'project'), dir, { recursive: true });
      const source = await readFile(join(dir, 'workflows.ts'), 'utf8');
      await writeFile(join(dir, 'workflows.ts'), source.replace("await sleep('1s');", "await sleep('2s');"));
      const names = (await readdir(join(EXAMPLE, 'journals'))).sort();
      const results = await replayJournals({
        projectDir: dir,
        journals: names.map((n) => join(EXAMPLE, 'journals', n)),
      });
      const verdicts = Object.fromEntries(names.map((name, i) => [name, results[i]?.verdict]));
      expect(verdicts).toEqual({
        'approved-order.journal': 'divergent',
        'awaiting-approval.journal': 'compatible',
        'small-order.journal': 'divergent',
      });
      const small = results[names.indexOf('small-order.journal')];
      expect(small?.divergence).toMatchObject({
        differences: [{ path: 'durationMs', recorded: 1000, issued: 2000 }],
        issued: { source: { file: 'workflows.ts', line: 19 } },
      });
      expect(formatReplaySummary(results)).toContain('3 journals: 1 compatible, 2 divergent, 0 errors');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
