/**
 * Records the golden journals: real sessions of the engine's fixture app (and of `fixtures/patches`) run
 * by the engine, exported with their builds into `v<format version>/`. Run it with
 *
 *     node --no-node-snapshot --import tsx test/engine/golden/record.ts
 *
 * It NEVER overwrites a file: journals that exist are kept (old journals must keep replaying, that
 * is their purpose), only missing ones are recorded. A new journal file format version records
 * into a new folder; the old folders stay and are replayed by test/engine/golden.test.ts too.
 * The deliberately altered copies in `altered/` are derived from the fresh recordings, also only
 * when missing.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

import type { Engine, JournalFile } from '../../../engine/index.js';
import {
  JOURNAL_FILE_VERSION,
  createEngine,
  encodeJournalFile,
  exportSessionJournal,
} from '../../../engine/index.js';
import { createSandbox } from '../../../sandbox/index.js';
import { APP_DIR, HostEffects } from '../helpers.js';

const GOLDEN_DIR = fileURLToPath(new URL('.', import.meta.url));
const PATCHES_DIR = join(GOLDEN_DIR, 'fixtures', 'patches');

interface Recording {
  name: string;
  project: 'app' | 'patches';
  entry: string;
  input?: unknown;
  /** Drives the session from outside (signals, stop) while it runs. */
  drive?: (engine: Engine, sessionId: string) => Promise<void>;
}

const waiting = (engine: Engine, id: string): Promise<unknown> =>
  engine.waitFor(id, (s) => s.status === 'waiting', 10_000);

export const RECORDINGS: Recording[] = [
  { name: 'hello', project: 'app', entry: 'workflows.ts:hello', input: 'golden' },
  { name: 'activities', project: 'app', entry: 'workflows.ts:doubles', input: 5 },
  {
    name: 'host-activities',
    project: 'app',
    entry: 'workflows.ts:effects',
    input: { key: 'golden', steps: 3 },
  },
  { name: 'retries', project: 'app', entry: 'workflows.ts:retried', input: 'golden-retry' },
  { name: 'retries-exhausted', project: 'app', entry: 'workflows.ts:exhausted' },
  { name: 'caught-failure', project: 'app', entry: 'workflows.ts:catchActivityFailure' },
  { name: 'heartbeats', project: 'app', entry: 'workflows.ts:heartbeats', input: 3 },
  { name: 'timer', project: 'app', entry: 'workflows.ts:sleeper', input: 20 },
  {
    name: 'signal',
    project: 'app',
    entry: 'workflows.ts:approval',
    input: 3_600_000,
    drive: async (engine, id) => {
      await waiting(engine, id);
      await engine.signal(id, 'decision', {
        approved: true,
        at: new Date(1_700_000_000_000),
        by: new Map([['name', 'ada']]),
      });
    },
  },
  { name: 'signal-timeout', project: 'app', entry: 'workflows.ts:approval', input: 20 },
  {
    name: 'signal-handlers-and-condition',
    project: 'app',
    entry: 'workflows.ts:counter',
    input: 5,
    drive: async (engine, id) => {
      await waiting(engine, id);
      for (const n of [1, 2, 2]) await engine.signal(id, 'add', n);
    },
  },
  { name: 'children', project: 'app', entry: 'workflows.ts:parent', input: 2 },
  { name: 'child-handle', project: 'app', entry: 'workflows.ts:parentOfSleeper', input: 10 },
  {
    name: 'cancellation-cleanup',
    project: 'app',
    entry: 'workflows.ts:cleanup',
    input: 'golden-cleanup',
    drive: async (engine, id) => {
      await waiting(engine, id);
      await engine.stop(id, { reason: 'golden stop' });
    },
  },
  { name: 'workflow-failure', project: 'app', entry: 'workflows.ts:failing' },
  { name: 'workflow-info', project: 'app', entry: 'workflows.ts:whoAmI' },
  { name: 'patched', project: 'patches', entry: 'workflows.ts:patchedOrder', input: 10 },
  { name: 'deprecated-patch', project: 'patches', entry: 'workflows.ts:deprecatedOrder', input: 10 },
];

/** The altered copies (see golden.test.ts for what each must fail with). */
function alterations(
  recorded: Map<string, { file: JournalFile; bytes: Uint8Array }>,
): Record<string, Uint8Array> {
  const source = recorded.get('activities');
  if (source === undefined) return {};
  const changedArgument = structuredClone(source.file);
  const scheduled = changedArgument.events.filter((e) => e.type === 'ActivityScheduled');
  (scheduled[1]?.data as { args: unknown[] }).args = [999];
  const removedEvent = structuredClone(source.file);
  const index = removedEvent.events.findIndex(
    (e) => e.type === 'ActivityScheduled' && (e.data as { seq: number }).seq === 2,
  );
  removedEvent.events.splice(index, 1);
  removedEvent.events.forEach((e, i) => (e.revision = i));
  // Damage inside the events section (the build section after it is larger, but the events matter).
  const events = Buffer.from(source.bytes).indexOf('EVTS');
  const flipped = Uint8Array.from(source.bytes);
  flipped[events + 40] = (flipped[events + 40] as number) ^ 0x10;
  return {
    'changed-argument.journal': encodeJournalFile(changedArgument),
    'removed-event.journal': encodeJournalFile(removedEvent),
    'truncated.journal': source.bytes.subarray(0, events + 60),
    'flipped-byte.journal': flipped,
  };
}

async function main(): Promise<void> {
  const versionDir = join(GOLDEN_DIR, `v${JOURNAL_FILE_VERSION}`);
  const alteredDir = join(GOLDEN_DIR, 'altered');
  await mkdir(versionDir, { recursive: true });
  await mkdir(alteredDir, { recursive: true });
  const sandbox = await createSandbox({ runners: 1 });
  const effects = new HostEffects();
  const engine = await createEngine({ sandbox, activities: effects.activities() });
  const recorded = new Map<string, { file: JournalFile; bytes: Uint8Array }>();
  try {
    const builds = {
      app: (await engine.loadProject(APP_DIR)).buildId,
      patches: (await engine.loadProject(PATCHES_DIR)).buildId,
    };
    for (const recording of RECORDINGS) {
      const path = join(versionDir, `${recording.name}.journal`);
      const { sessionId } = await engine.startSession({
        buildId: builds[recording.project],
        entry: recording.entry,
        input: recording.input,
      });
      await recording.drive?.(engine, sessionId);
      await engine.waitFor(sessionId, (s) => s.endedAt !== undefined, 20_000);
      const file = await exportSessionJournal(engine, sessionId, { withBuild: true });
      const bytes = encodeJournalFile(file);
      recorded.set(recording.name, { file, bytes });
      if (existsSync(path)) {
        console.log(`kept      ${path} (golden journals are never overwritten)`);
        continue;
      }
      await writeFile(path, bytes);
      console.log(`recorded  ${path} (${file.events.length} events, ${engine.getSession(sessionId).status})`);
    }
    // One journal in the readable JSON form too: the replayer reads both.
    const signal = recorded.get('signal');
    const jsonPath = join(versionDir, 'signal.json');
    if (signal !== undefined && !existsSync(jsonPath)) {
      await writeFile(jsonPath, encodeJournalFile(signal.file, { format: 'json' }));
      console.log(`recorded  ${jsonPath}`);
    }
    for (const [name, bytes] of Object.entries(alterations(recorded))) {
      const path = join(alteredDir, name);
      if (existsSync(path)) {
        console.log(`kept      ${path}`);
        continue;
      }
      await writeFile(path, bytes);
      console.log(`derived   ${path}`);
    }
  } finally {
    await engine.shutdown();
    await sandbox.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
