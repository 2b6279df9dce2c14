/**
 * Golden journals (test/engine/golden): real sessions recorded by the engine and committed with
 * their builds, in every journal file format version so far. Every one must replay, compatible,
 * on every run; the deliberately altered copies must fail with the right error. A change that
 * breaks an old journal is caught here. Re-record (only missing files are written) with
 * `node --no-node-snapshot --import tsx test/engine/golden/record.ts`.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { readJournalFile, replayJournal, formatReplayReport } from '../../engine/index.js';
import type { Sandbox } from '../../sandbox/index.js';
import { sharedSandbox } from './helpers.js';
import { RECORDINGS } from './golden/record.js';

const GOLDEN = fileURLToPath(new URL('./golden', import.meta.url));
const versions = readdirSync(GOLDEN).filter((name) => /^v\d+$/.test(name));
const journals = versions.flatMap((version) =>
  readdirSync(join(GOLDEN, version))
    .filter((name) => name.endsWith('.journal') || name.endsWith('.json'))
    .map((name) => `${version}/${name}`),
);

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await sharedSandbox();
});
afterAll(async () => {
  await sandbox?.close();
});

describe('golden journals', () => {
  it('every recording of record.ts is committed for format version 1', () => {
    const v1 = journals.filter((path) => path.startsWith('v1/')).map((path) => path.slice(3));
    for (const recording of RECORDINGS) expect(v1).toContain(`${recording.name}.journal`);
    expect(v1).toContain('signal.json');
  });

  it.each(journals)('%s replays against its build: compatible', async (path) => {
    const journal = await readJournalFile(join(GOLDEN, path));
    expect(journal.build?.hash).toBe(journal.buildHash);
    const result = await replayJournal({ journal, sandbox });
    expect(result.verdict, formatReplayReport(result)).toBe('compatible');
    expect(result.steps.replayed).toBe(result.steps.recorded);
    expect(result.newCommands).toEqual([]);
  });
});

describe('altered golden journals fail with the right error', () => {
  const altered = (name: string): string => join(GOLDEN, 'altered', name);

  it('a changed activity argument: divergent at that step, naming the field', async () => {
    const result = await replayJournal({ journal: altered('changed-argument.journal'), sandbox });
    expect(result.verdict).toBe('divergent');
    expect(result.divergence).toMatchObject({
      step: 2,
      differences: [{ path: 'args[0]', recorded: 999, issued: 2 }],
      issued: { source: { file: 'workflows.ts' } },
    });
  });

  it('a removed event: the code issues a step the journal no longer holds there', async () => {
    const result = await replayJournal({ journal: altered('removed-event.journal'), sandbox });
    expect(result.verdict).toBe('divergent');
    expect(result.divergence?.step).toBe(2);
    expect(result.divergence?.message).toMatch(/Nondeterminism at step 2/);
  });

  it('a truncated file: JOURNAL_FILE_TRUNCATED naming the file and offset', async () => {
    await expect(readJournalFile(altered('truncated.journal'))).rejects.toMatchObject({
      code: 'JOURNAL_FILE_TRUNCATED',
      message: expect.stringMatching(
        /truncated\.journal is truncated at byte offset \d+: section EVTS/,
      ) as unknown,
    });
  });

  it('a flipped byte: JOURNAL_FILE_CORRUPTED naming the section and offset', async () => {
    await expect(replayJournal({ journal: altered('flipped-byte.journal'), sandbox })).rejects.toMatchObject({
      code: 'JOURNAL_FILE_CORRUPTED',
      section: 'EVTS',
      message: expect.stringMatching(
        /flipped-byte\.journal is corrupted at byte offset \d+: section EVTS .* CRC-32C/,
      ) as unknown,
    });
  });
});
