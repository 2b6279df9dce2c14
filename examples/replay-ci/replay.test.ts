/**
 * Replay tests for CI: every journal recorded in production (exported with
 * `whisker journal export <session-id> -o journals/<name>.journal`) must still replay against the
 * code of this commit. A change that would break running sessions fails here, with the step, what
 * the journal recorded, what the code does now, and the source line.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// In your project: import { replayJournals, formatReplaySummary } from 'whisker';
import { formatReplaySummary, replayJournals } from '../../engine/index.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const journals = readdirSync(join(here, 'journals'))
  .filter((name) => name.endsWith('.journal'))
  .map((name) => join(here, 'journals', name));

describe('recorded journals replay against the current code', () => {
  it('every journal is compatible', async () => {
    expect(journals.length).toBeGreaterThan(0);
    const results = await replayJournals({ projectDir: join(here, 'project'), journals });
    const broken = results.filter((result) => result.verdict !== 'compatible');
    // On failure the message lists each journal with its divergence (step, recorded vs now, line).
    expect(broken, formatReplaySummary(results)).toEqual([]);
  });
});
