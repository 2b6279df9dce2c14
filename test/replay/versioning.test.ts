/**
 * Versioning with `patched(id)` / `deprecatePatch(id)` (Temporal's semantics), shown with real
 * recorded journals: a v1 journal replays on v2-with-patched (old branch), a new v2 session takes
 * the new branch and records the marker, and once only patched sessions remain, v3 deprecates
 * the patch (v2 journals replay on it; v1 journals no longer do, which is why v1 sessions must be
 * gone first).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { JournalFile } from '../../engine/index.js';
import { exportSessionJournal, formatReplayReport, replayJournal } from '../../engine/index.js';
import { record, replayFixture } from './helpers.js';
import type { ReplayFixture } from './helpers.js';

const ACTIVITIES = `
export async function reserve(item: string) { return 'reserved ' + item; }
export async function charge(amount: number) { return 'charged ' + amount; }
export async function chargeWithTax(amount: number) { return 'charged ' + amount * 1.2; }
`;

const workflow = (
  chargeLine: string,
): string => `import { deprecatePatch, patched, sleep } from 'whisker/workflow';
import { charge, chargeWithTax, reserve } from './activities';
export async function order(input: { item: string; amount: number }) {
  await reserve(input.item);
  await sleep(5);
  ${chargeLine}
  return 'ok';
}
void patched; void deprecatePatch; void charge; void chargeWithTax;
`;

const V1 = workflow('await charge(input.amount);');
const V2 = workflow(
  "if (patched('tax')) await chargeWithTax(input.amount); else await charge(input.amount);",
);
const V3 = workflow("deprecatePatch('tax'); await chargeWithTax(input.amount);");

let fx: ReplayFixture;
const dirs: Record<'v1' | 'v2' | 'v3', string> = { v1: '', v2: '', v3: '' };
let v1Journal: JournalFile;
let v2Journal: JournalFile;

beforeAll(async () => {
  fx = await replayFixture();
  for (const [name, code] of [
    ['v1', V1],
    ['v2', V2],
    ['v3', V3],
  ] as const) {
    dirs[name] = await fx.project(name, { 'activities.ts': ACTIVITIES, 'workflows.ts': code });
  }
  const input = { item: 'book', amount: 10 };
  v1Journal = await exportSessionJournal(
    fx.engine,
    await record(fx.engine, dirs.v1, 'workflows.ts:order', input),
  );
  v2Journal = await exportSessionJournal(
    fx.engine,
    await record(fx.engine, dirs.v2, 'workflows.ts:order', input),
  );
});

afterAll(async () => {
  await fx?.close();
});

const activitiesOf = (journal: JournalFile): string[] =>
  journal.events.flatMap((e) => (e.type === 'ActivityScheduled' ? [(e.data as { name: string }).name] : []));

describe('patched() keeps old journals replaying while new sessions take the new path', () => {
  it('the v1 session took the old path and recorded no marker', () => {
    expect(activitiesOf(v1Journal)).toEqual(['reserve', 'charge']);
    expect(v1Journal.events.some((e) => e.type === 'PatchMarker')).toBe(false);
  });

  it('a new v2 session takes the new branch and records the marker', () => {
    expect(activitiesOf(v2Journal)).toEqual(['reserve', 'chargeWithTax']);
    const marker = v2Journal.events.find((e) => e.type === 'PatchMarker');
    expect(marker?.data).toMatchObject({ id: 'tax', deprecated: false });
  });

  it('the v1 journal replays on v2: patched() is false for it, the old branch runs', async () => {
    const result = await replayJournal({
      journal: v1Journal,
      sandbox: fx.sandbox,
      build: { projectDir: dirs.v2 },
    });
    expect(result.verdict, formatReplayReport(result)).toBe('compatible');
    expect(result.newCommands).toEqual([]);
  });

  it('the v1 journal diverges on v1-with-the-change-unguarded, with the patched() hint', async () => {
    const unguarded = await fx.project('unguarded', {
      'activities.ts': ACTIVITIES,
      'workflows.ts': workflow('await chargeWithTax(input.amount);'),
    });
    const result = await replayJournal({
      journal: v1Journal,
      sandbox: fx.sandbox,
      build: { projectDir: unguarded },
    });
    expect(result.verdict).toBe('divergent');
    expect(result.divergence).toMatchObject({
      step: 3,
      differences: [{ path: 'name', recorded: 'charge', issued: 'chargeWithTax' }],
      issued: { source: { file: 'workflows.ts', line: 6 } },
    });
    expect(result.divergence?.message).toContain("patched('my-change')");
  });

  it('the v2 journal replays on v2 (the marker says: new branch)', async () => {
    const result = await replayJournal({
      journal: v2Journal,
      sandbox: fx.sandbox,
      build: { projectDir: dirs.v2 },
    });
    expect(result.verdict).toBe('compatible');
    expect(result.timeline.find((e) => e.type === 'PatchMarker')?.status).toBe('recorded');
  });

  it('deprecatePatch: v2 journals replay on v3, a v3 session records a deprecated marker', async () => {
    const onV3 = await replayJournal({
      journal: v2Journal,
      sandbox: fx.sandbox,
      build: { projectDir: dirs.v3 },
    });
    expect(onV3.verdict).toBe('compatible');
    const v3Journal = await exportSessionJournal(
      fx.engine,
      await record(fx.engine, dirs.v3, 'workflows.ts:order', { item: 'pen', amount: 2 }),
    );
    expect(v3Journal.events.find((e) => e.type === 'PatchMarker')?.data).toMatchObject({
      id: 'tax',
      deprecated: true,
    });
    expect(
      (await replayJournal({ journal: v3Journal, sandbox: fx.sandbox, build: { projectDir: dirs.v3 } }))
        .verdict,
    ).toBe('compatible');
    // A v3 journal also replays on v2 (the marker is there, so v2 takes the new branch).
    expect(
      (await replayJournal({ journal: v3Journal, sandbox: fx.sandbox, build: { projectDir: dirs.v2 } }))
        .verdict,
    ).toBe('compatible');
  });

  it('after deprecatePatch, v1 journals no longer replay: v1 sessions must be gone before deprecating', async () => {
    const result = await replayJournal({
      journal: v1Journal,
      sandbox: fx.sandbox,
      build: { projectDir: dirs.v3 },
    });
    expect(result.verdict).toBe('divergent');
    expect(result.divergence?.step).toBe(3);
  });
});
