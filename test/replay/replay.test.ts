/**
 * Replay debugging end to end: real sessions of the engine's fixture app recorded, exported in both
 * forms and replayed offline against the recorded build (compatible); a changed project replayed
 * with the non-determinism catalogue (right step, recorded vs now, field paths, source line);
 * `until` with the workflow's state; logs printed now; `replayJournals` for CI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Engine, JournalFile } from '../../engine/index.js';
import {
  decodeJournalFile,
  encodeJournalFile,
  exportSessionJournal,
  formatReplayReport,
  replayJournal,
  replayJournals,
} from '../../engine/index.js';
import type { Sandbox } from '../../sandbox/index.js';
import { sharedSandbox, testEngine } from '../engine/helpers.js';
import type { TestEngine } from '../engine/helpers.js';
import { ACTIVITIES, CATALOGUE, V1_LINES } from '../engine/nondeterminism-catalogue.js';
import { record, replayFixture } from './helpers.js';
import type { ReplayFixture } from './helpers.js';

let sandbox: Sandbox;
let app: TestEngine;
let fx: ReplayFixture;

beforeAll(async () => {
  sandbox = await sharedSandbox();
  app = await testEngine(sandbox);
  fx = await replayFixture();
});

afterAll(async () => {
  await app?.engine.shutdown();
  await sandbox?.close();
  await fx?.close();
});

async function exported(engine: Engine, sessionId: string): Promise<JournalFile> {
  return exportSessionJournal(engine, sessionId, { withBuild: true });
}

describe('recorded sessions of the fixture app replay against their build', () => {
  const cases: { entry: string; input?: unknown; drive?: (id: string) => Promise<void> }[] = [
    { entry: 'hello', input: 'ada' },
    { entry: 'doubles', input: 4 },
    { entry: 'retried', input: 'retry-key' },
    { entry: 'exhausted' },
    { entry: 'catchActivityFailure' },
    { entry: 'failing' },
    { entry: 'parent', input: 2 },
    {
      entry: 'approval',
      input: 60_000,
      drive: async (id) => {
        await app.engine.waitFor(id, (s) => s.status === 'waiting', 5000);
        await app.engine.signal(id, 'decision', { approved: true });
      },
    },
    {
      entry: 'counter',
      input: 3,
      drive: async (id) => {
        await app.engine.waitFor(id, (s) => s.status === 'waiting', 5000);
        await app.engine.signal(id, 'add', 1);
        await app.engine.signal(id, 'add', 2);
      },
    },
    {
      entry: 'cleanup',
      input: 'cleanup-key',
      drive: async (id) => {
        await app.engine.waitFor(id, (s) => s.status === 'waiting', 5000);
        await app.engine.stop(id, { reason: 'test stop' });
      },
    },
  ];

  it.each(cases)(
    '$entry: exported (binary and JSON), replayed: compatible',
    async ({ entry, input, drive }) => {
      const id = await app.start(entry, input);
      if (drive !== undefined) await drive(id);
      await app.engine.waitFor(id, (s) => s.endedAt !== undefined, 10_000);
      const file = await exported(app.engine, id);
      for (const format of ['binary', 'json'] as const) {
        const journal = decodeJournalFile(encodeJournalFile(file, { format }));
        expect(journal.events).toEqual(file.events);
        const result = await replayJournal({ journal, sandbox });
        expect(result.verdict, formatReplayReport(result)).toBe('compatible');
        expect(result.build).toMatchObject({ from: 'journal', recordedBuild: true });
        expect(result.steps.replayed).toBe(result.steps.recorded);
        expect(result.timeline).toHaveLength(file.events.length);
        expect(result.newCommands).toEqual([]);
      }
    },
  );

  it('the timeline joins each event with what the code did now, including the lines it printed', async () => {
    const id = await app.start('hello', 'grace');
    await app.engine.result(id);
    const result = await replayJournal({ journal: await exported(app.engine, id), sandbox });
    const [started, log, completed] = result.timeline;
    expect(started).toMatchObject({ type: 'SessionStarted', status: 'delivered', steps: [1, 1] });
    expect(started?.logs).toEqual([{ job: 0, level: 'info', text: 'saying hello to grace' }]);
    // The journal's own Log event is shown as recorded, not replayed.
    expect(log).toMatchObject({ type: 'Log', status: 'recorded' });
    expect(completed).toMatchObject({ type: 'SessionCompleted', step: 1, status: 'matched' });
    const text = formatReplayReport(result);
    expect(text).toContain('printed now: info: "saying hello to grace"');
    expect(text).toContain('COMPATIBLE: the code issued all 1 recorded step again');
  });

  it('retried attempts appear as recorded rows; the final result is delivered', async () => {
    const id = await app.start('retried', 'timeline-key');
    await app.engine.result(id);
    const result = await replayJournal({ journal: await exported(app.engine, id), sandbox });
    const rows = result.timeline.map((e) => `${e.type}:${e.status}`);
    expect(rows).toEqual([
      'SessionStarted:delivered',
      'ActivityScheduled:matched',
      'ActivityFailed:recorded',
      'ActivityFailed:recorded',
      'ActivityCompleted:delivered',
      'SessionCompleted:matched',
    ]);
    expect(formatReplayReport(result)).toMatch(
      /ActivityFailed #1 attempt 1: Error: failure 1 of 2 for timeline-key \(will retry\)/,
    );
  });

  it('facts the code had not seen yet are delivered live: what it does next shows as new commands', async () => {
    const id = await app.start('approval', 60_000);
    await app.engine.waitFor(id, (s) => s.status === 'waiting', 5000);
    await app.engine.signal(id, 'decision', { approved: true });
    await app.engine.result(id);
    const full = await exported(app.engine, id);
    // As if exported right after the signal arrived: the journal ends with the fact.
    const cut = {
      ...full,
      events: full.events.slice(0, full.events.findIndex((e) => e.type === 'SignalReceived') + 1),
    };
    const result = await replayJournal({ journal: cut, sandbox });
    expect(result.verdict).toBe('compatible');
    const signal = result.timeline.find((e) => e.type === 'SignalReceived');
    expect(signal?.status).toBe('delivered');
    expect(signal?.newCommands?.map((c) => c.command.kind)).toEqual(['cancelTimer', 'complete']);
    expect(result.newCommands.map((c) => c.command.kind)).toEqual(['cancelTimer', 'complete']);
    expect(formatReplayReport(result)).toMatch(/new: complete → \{approved: true\}/);
  });

  it('a journal without its build needs one: the recorded project directory works', async () => {
    const id = await app.start('doubles', 2);
    await app.engine.result(id);
    const bare = await exportSessionJournal(app.engine, id);
    expect(bare.build).toBeUndefined();
    await expect(replayJournal({ journal: bare, sandbox })).rejects.toMatchObject({
      code: 'REPLAY_BUILD_MISSING',
    });
    const result = await replayJournal({
      journal: bare,
      sandbox,
      build: { projectDir: new URL('../engine/fixtures/app', import.meta.url).pathname },
    });
    expect(result.verdict).toBe('compatible');
    expect(result.build).toMatchObject({ from: 'project', recordedBuild: true });
  });
});

// ---------------------------------------------------------------------------------------------
// The non-determinism catalogue (shared with test/engine/nondeterminism.test.ts).

describe('the non-determinism catalogue, replayed offline against the changed project', () => {
  let journal: JournalFile;

  beforeAll(async () => {
    const v1 = await fx.project('v1', {
      'activities.ts': ACTIVITIES,
      'workflows.ts': `${V1_LINES.join('\n')}\n`,
    });
    const id = await record(
      fx.engine,
      v1,
      'workflows.ts:flow',
      undefined,
      (s) => s.counts.children === 1 && s.waitingFor?.children === 0 && s.status === 'waiting',
    );
    await fx.engine.signal(id, 'go');
    await fx.engine.result(id, { timeoutMs: 10_000 });
    journal = decodeJournalFile(encodeJournalFile(await exportSessionJournal(fx.engine, id)));
    // The unchanged project replays.
    expect((await replayJournal({ journal, sandbox: fx.sandbox, build: { projectDir: v1 } })).verdict).toBe(
      'compatible',
    );
  });

  it.each(CATALOGUE)('$name: the right step, recorded vs now, and the source line', async (variant) => {
    const dir = await fx.project(variant.name, {
      'activities.ts': ACTIVITIES,
      'workflows.ts': `${variant.edit(V1_LINES).join('\n')}\n`,
    });
    const result = await replayJournal({ journal, sandbox: fx.sandbox, build: { projectDir: dir } });
    expect(result.verdict).toBe('divergent');
    expect(result.build.recordedBuild).toBe(false);
    const d = result.divergence;
    expect(d?.step).toBe(variant.step);
    expect(d?.recorded?.command.kind).toBe(variant.recordedKind);
    expect(d?.issued?.command.kind).toBe(variant.issuedKind);
    if (variant.paths) expect(d?.differences.map((x) => x.path).sort()).toEqual([...variant.paths].sort());
    if (variant.line !== undefined)
      expect(d?.issued?.source).toMatchObject({ file: 'workflows.ts', line: variant.line });
    // The timeline marks the diverging step and stops there.
    const diverged = result.timeline.filter((e) => e.status === 'diverged');
    expect(diverged.map((e) => e.step)).toEqual([variant.step]);
    expect(diverged[0]?.revision).toBe(d?.recorded?.revision);
    expect(result.timeline.filter((e) => e.status === 'matched').map((e) => e.step)).toEqual(
      Array.from({ length: variant.step - 1 }, (_, i) => i + 1),
    );
    const text = formatReplayReport(result);
    expect(text).toContain(`DIVERGENT at step ${variant.step}`);
    if (variant.line !== undefined) expect(text).toContain(`at workflows.ts:${variant.line}:`);
    if (variant.paths !== undefined) expect(text).toContain(`${variant.paths[0]}: `);
    expect(text).toContain("patched('my-change')");
    if (variant.line !== undefined)
      expect(d?.stack).toMatch(new RegExp(`workflows\\.ts:${variant.line}:\\d+`));
  });
});

// ---------------------------------------------------------------------------------------------
// `until`: the workflow's state at a step.

const WAITING = `
import { defineQuery, defineSignal, log, nextSignal, setHandler, sleep } from 'whisker/workflow';
import { a } from './activities';

export async function waiting(input: { n: number }) {
  const notes: string[] = [];
  setHandler(defineSignal<string>('note'), (note) => {
    notes.push(note);
    log.info('note ' + note);
  });
  setHandler(defineQuery('notes'), () => notes);
  log.info('waiting with n=' + input.n);
  await a(input.n);
  const reminder = sleep('1h');
  const go = await nextSignal<string>('go', { timeout: '2h' });
  await reminder;
  return go;
}
`;

describe('until: stop at a step and show the state', () => {
  let journal: JournalFile;

  beforeAll(async () => {
    const dir = await fx.project('waiting', { 'activities.ts': ACTIVITIES, 'workflows.ts': WAITING });
    const id = await record(
      fx.engine,
      dir,
      'workflows.ts:waiting',
      { n: 7 },
      (s) => s.counts.timers === 2 && s.status === 'waiting',
    );
    await fx.engine.signal(id, 'note', 'first');
    await fx.engine.waitFor(id, (s) => s.counts.logs === 2, 5000);
    journal = await exportSessionJournal(fx.engine, id, { withBuild: true });
  });

  it('a session waiting on a signal and a timer: pending timers, waiters, handlers, query values, logs', async () => {
    const result = await replayJournal({ journal, sandbox: fx.sandbox, until: 3 });
    expect(result.verdict).toBe('stopped');
    const state = result.state;
    expect(state).toMatchObject({
      stepsMatched: 3,
      done: false,
      activities: [],
      children: [],
      bufferedSignals: [],
    });
    const where = (source: { file: string; line: number } | undefined) => `${source?.file}:${source?.line}`;
    expect(state?.timers.map((t) => [t.seq, t.purpose, t.durationMs, where(t.source)])).toEqual([
      [2, 'sleep', 3_600_000, 'workflows.ts:14'],
      [3, 'timeout', 7_200_000, 'workflows.ts:15'],
    ]);
    expect(state?.timers[1]?.fireAt).toBe((state?.time ?? 0) + 7_200_000);
    expect(state?.signalWaiters.map((w) => [w.name, w.timeoutSeq, where(w.source)])).toEqual([
      ['go', 3, 'workflows.ts:15'],
    ]);
    expect(state?.signalHandlers).toEqual(['note']);
    expect(state?.queryHandlers).toEqual(['notes']);
    // Stopped before the 'note' signal was delivered.
    expect(state?.queries).toEqual([{ name: 'notes', ok: true, value: [] }]);
    expect(result.timeline.find((e) => e.type === 'SignalReceived')?.status).toBe('not-replayed');
    const text = formatReplayReport(result);
    expect(text).toContain('STOPPED at step 3');
    expect(text).toContain('#2 sleep 1h');
    expect(text).toContain('#3 timeout 2h');
    expect(text).toContain('"go" (timeout timer #3) at workflows.ts:15');
    expect(text).toContain('"notes" = []');
    expect(text).toContain('info: waiting with n=7');
  });

  it('replayed to the end: the signal reached its handler, and what it printed is shown', async () => {
    const result = await replayJournal({ journal, sandbox: fx.sandbox });
    expect(result.verdict).toBe('compatible');
    expect(result.state?.queries).toEqual([{ name: 'notes', ok: true, value: ['first'] }]);
    const signal = result.timeline.find((e) => e.type === 'SignalReceived');
    expect(signal?.logs).toEqual([expect.objectContaining({ level: 'info', text: 'note first' })]);
    // Still open: the report shows what it waits for.
    expect(formatReplayReport(result)).toContain('waiting for signals:\n    "go"');
  });

  it('a step beyond the journal replays everything and says so', async () => {
    const result = await replayJournal({ journal, sandbox: fx.sandbox, until: 99 });
    expect(result.verdict).toBe('compatible');
    expect(formatReplayReport(result)).toContain('step 99 was not reached: the journal has 3 steps');
  });

  it('an invalid step is refused', async () => {
    await expect(replayJournal({ journal, sandbox: fx.sandbox, until: 0 })).rejects.toMatchObject({
      code: 'INVALID_REPLAY_OPTION',
    });
  });
});

describe('replayJournals (users CI)', () => {
  it('reports each journal: compatible, divergent with the divergence, or an error', async () => {
    const v1 = await fx.project('ci-v1', {
      'activities.ts': ACTIVITIES,
      'workflows.ts':
        'import { a, b } from "./activities";\nexport async function two() {\n  await a(1);\n  return b(2);\n}\nexport async function one() {\n  return a(5);\n}\n',
    });
    const v2 = await fx.project('ci-v2', {
      'activities.ts': ACTIVITIES,
      'workflows.ts':
        'import { a, b } from "./activities";\nexport async function two() {\n  await a(1);\n  return b(3);\n}\nexport async function one() {\n  return a(5);\n}\n',
    });
    const two = await record(fx.engine, v1, 'workflows.ts:two', undefined);
    const one = await record(fx.engine, v1, 'workflows.ts:one', undefined);
    const journals = [await exportSessionJournal(fx.engine, two), await exportSessionJournal(fx.engine, one)];
    const garbage = new Uint8Array([1, 2, 3]);
    const results = await replayJournals({
      projectDir: v2,
      journals: [...journals, garbage],
      sandbox: fx.sandbox,
    });
    expect(results.map((r) => r.verdict)).toEqual(['divergent', 'compatible', 'error']);
    expect(results[0]).toMatchObject({
      sessionId: two,
      divergence: { step: 2, differences: [{ path: 'args[0]', recorded: 2, issued: 3 }] },
    });
    expect(results[2]?.error?.code).toBe('JOURNAL_FILE_INVALID');
  });
});
