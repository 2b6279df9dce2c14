/**
 * Replay: a history recorded live replays to the same state; each kind of change to the code is
 * caught at the right step with field differences and the user's source line; `patched()` keeps
 * old sessions on the old path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { BuildArtifact, Command, Divergence, Job, ReplayHistory } from '../../sandbox/index.js';
import type { WorkflowHarness } from './helpers.js';
import {
  buildSources,
  commandsOf,
  fireTimer,
  first,
  recorded,
  resolveActivity,
  start,
  workflowHarness,
  T0,
} from './helpers.js';

const ACTIVITIES = `
export async function charge(id: string, amount: number) { return 'r-' + id + '-' + amount; }
export async function chargeCard(id: string, amount: number) { return 'c-' + id + '-' + amount; }
export async function ship(id: string, options: { fast: boolean }) { return options.fast; }
export async function notify(id: string) { return id; }
`;

/** The order workflow; `change` replaces one marked line. */
function orderWorkflow(
  change: Partial<Record<'charge' | 'sleep' | 'ship' | 'result' | 'extra', string>> = {},
): string {
  return `
import { sleep, log, setHandler, defineQuery, patched, nextSignal, startChild } from 'whisker/workflow';
import { charge, chargeCard, ship, notify } from './activities';

let stage = 'new';
export async function order(input: { id: string; amount: number }) {
  setHandler(defineQuery('stage'), () => stage);
  log.info('charging ' + input.id);
  const receipt = ${change.charge ?? 'await charge(input.id, input.amount)'};
  stage = 'charged';
  ${change.extra ?? ''}
  ${change.sleep ?? "await sleep('1h')"};
  stage = 'shipping';
  ${change.ship ?? 'await ship(input.id, { fast: false })'};
  stage = 'done';
  return ${change.result ?? '{ receipt }'};
}

export async function parent() {
  const child = await startChild('order.ts:order', { input: { id: 'c', amount: 1 } });
  return child.sessionId;
}
void patched; void nextSignal; void chargeCard; void notify; void startChild;
`;
}

const VERSIONS = {
  v1: orderWorkflow(),
  name: orderWorkflow({ charge: 'await chargeCard(input.id, input.amount)' }),
  args: orderWorkflow({ ship: 'await ship(input.id, { fast: true })' }),
  timer: orderWorkflow({ sleep: "await sleep('2h')" }),
  result: orderWorkflow({ result: '{ receipt, extra: 1 }' }),
  removed: orderWorkflow({ sleep: "await nextSignal('go')" }),
  extra: orderWorkflow({ extra: 'await notify(input.id);' }),
  patched: orderWorkflow({
    ship: "if (patched('fast-ship')) await ship(input.id, { fast: true }); else await ship(input.id, { fast: false })",
  }),
};

type Version = keyof typeof VERSIONS;
const artifacts = {} as Record<Version, BuildArtifact>;
let harness: WorkflowHarness;
let counter = 0;

beforeAll(async () => {
  harness = await workflowHarness();
  await Promise.all(
    (Object.keys(VERSIONS) as Version[]).map(async (version) => {
      artifacts[version] = await buildSources({ 'order.ts': VERSIONS[version], 'activities.ts': ACTIVITIES });
      harness.register(artifacts[version]);
    }),
  );
});
afterAll(() => harness.dispose());

const INPUT = { id: 'o1', amount: 5 };
const JOBS: Job[] = [
  start(INPUT),
  resolveActivity(1, 'r-o1-5'),
  fireTimer(2),
  resolveActivity(3, false, T0 + 9000),
];

/** Runs `jobs` live, one activation each, and returns what the journal would hold. */
async function record(
  version: Version,
  jobs: Job[],
  entry = 'order.ts:order',
): Promise<{ history: ReplayHistory; commands: Command[] }> {
  const id = `ses_rec_${++counter}`;
  const commands: Command[] = [];
  commands.push(
    ...commandsOf(await harness.activate(first(artifacts[version], id, entry, jobs.slice(0, 1)))),
  );
  for (const job of jobs.slice(1))
    commands.push(...commandsOf(await harness.activate({ sessionId: id, jobs: [job] })));
  harness.host.evict(id);
  const patches = commands.flatMap((c) => (c.kind === 'patch' ? [c.id] : []));
  return { history: { jobs, commands: recorded(commands), patches }, commands };
}

async function replay(version: Version, history: ReplayHistory, jobs: Job[] = [], entry = 'order.ts:order') {
  const id = `ses_rep_${++counter}`;
  const outcome = await harness.activate(first(artifacts[version], id, entry, jobs, { replay: history }));
  return { id, outcome };
}

function divergenceOf(outcome: Awaited<ReturnType<typeof replay>>['outcome']): Divergence {
  if (outcome.kind !== 'nondeterminism')
    throw new Error(`expected nondeterminism, got ${JSON.stringify(outcome)}`);
  return outcome.divergence;
}

function lineIn(source: string, snippet: string): number {
  return source.split('\n').findIndex((line) => line.includes(snippet)) + 1;
}

describe('replay of a recorded history', () => {
  it('rebuilds the same state without re-issuing recorded commands or logs', async () => {
    const { history, commands } = await record('v1', JOBS.slice(0, 3));
    expect(commands.map((c) => c.kind)).toEqual([
      'log',
      'scheduleActivity',
      'startTimer',
      'scheduleActivity',
    ]);

    const { id, outcome } = await replay('v1', history);
    expect(outcome).toEqual({ kind: 'ok', sessionId: id, commands: [], done: false });
    expect(harness.host.query({ sessionId: id, name: 'stage', args: [] })).toEqual({
      kind: 'ok',
      result: 'shipping',
    });
    const next = commandsOf(await harness.activate({ sessionId: id, jobs: [JOBS[3]!] }));
    expect(next).toEqual([{ kind: 'complete', result: { receipt: 'r-o1-5' } }]);
  });

  it('returns the commands beyond the recorded ones (a crash before they were journaled)', async () => {
    const { history } = await record('v1', JOBS.slice(0, 2));
    const lost = { ...history, jobs: [...history.jobs, fireTimer(2)] };
    const { outcome } = await replay('v1', lost);
    expect(commandsOf(outcome)).toEqual([
      { kind: 'scheduleActivity', seq: 3, name: 'ship', args: ['o1', { fast: false }], options: {} },
    ]);
  });
});

describe('each kind of mismatch', () => {
  it('a different activity: step, recorded vs issued, name difference, source line, hint', async () => {
    const { history } = await record('v1', JOBS.slice(0, 2));
    const divergence = divergenceOf((await replay('name', history)).outcome);
    expect(divergence.step).toBe(1);
    expect(divergence.recorded?.command).toMatchObject({ kind: 'scheduleActivity', name: 'charge' });
    expect(divergence.recorded?.revision).toBe(1);
    expect(divergence.issued?.command).toMatchObject({ kind: 'scheduleActivity', name: 'chargeCard' });
    expect(divergence.differences).toEqual([{ path: 'name', recorded: 'charge', issued: 'chargeCard' }]);
    const line = lineIn(VERSIONS.name, 'await chargeCard(input.id');
    expect(divergence.issued?.source).toEqual({
      file: 'order.ts',
      line,
      column: expect.any(Number) as number,
    });
    expect(divergence.message).toContain('step 1');
    expect(divergence.message).toContain(`order.ts:${line}:`);
    expect(divergence.message).toContain("patched('my-change')");
    expect(divergence.stack).toContain(`order.ts:${line}:`);
    expect(divergence.stack).not.toContain('whisker:///');
  });

  it('different activity arguments: the field path of the change', async () => {
    const { history } = await record('v1', JOBS.slice(0, 3));
    const divergence = divergenceOf((await replay('args', history)).outcome);
    expect(divergence.step).toBe(3);
    expect(divergence.differences).toEqual([{ path: 'args[1].fast', recorded: false, issued: true }]);
    expect(divergence.issued?.source?.line).toBe(
      lineIn(VERSIONS.args, 'await ship(input.id, { fast: true })'),
    );
  });

  it('a different timer duration', async () => {
    const { history } = await record('v1', JOBS.slice(0, 2));
    const divergence = divergenceOf((await replay('timer', history)).outcome);
    expect(divergence.step).toBe(2);
    expect(divergence.differences).toEqual([{ path: 'durationMs', recorded: 3_600_000, issued: 7_200_000 }]);
    expect(divergence.message).toContain('startTimer 3600000 ms');
  });

  it('a different result', async () => {
    const { history } = await record('v1', JOBS);
    const divergence = divergenceOf((await replay('result', history)).outcome);
    expect(divergence.step).toBe(4);
    expect(divergence.differences).toEqual([{ path: 'result.extra', recorded: undefined, issued: 1 }]);
  });

  it('a removed step: recorded, but not issued once every recorded job was delivered', async () => {
    const { history } = await record('v1', JOBS.slice(0, 2));
    const divergence = divergenceOf((await replay('removed', history)).outcome);
    expect(divergence.step).toBe(2);
    expect(divergence.recorded?.command).toEqual({ kind: 'startTimer', seq: 2, durationMs: 3_600_000 });
    expect(divergence.issued).toBeUndefined();
    expect(divergence.message).toContain('did not issue it');
  });

  it('an extra command where the journal has another', async () => {
    const { history } = await record('v1', JOBS.slice(0, 2));
    const divergence = divergenceOf((await replay('extra', history)).outcome);
    expect(divergence.step).toBe(2);
    expect(divergence.differences).toEqual([
      { path: 'kind', recorded: 'startTimer', issued: 'scheduleActivity' },
    ]);
    expect(divergence.issued?.command).toMatchObject({ name: 'notify' });
    expect(divergence.issued?.source?.line).toBe(lineIn(VERSIONS.extra, 'await notify(input.id)'));
  });

  it('a different child entry or input', async () => {
    const { history } = await record('v1', [start()], 'order.ts:parent');
    const changed: ReplayHistory = {
      ...history,
      commands: history.commands.map((c) =>
        c.command.kind === 'startChild'
          ? { ...c, command: { ...c.command, entry: 'order.ts:other', input: { id: 'd', amount: 1 } } }
          : c,
      ),
    };
    const divergence = divergenceOf((await replay('v1', changed, [], 'order.ts:parent')).outcome);
    expect(divergence.differences.map((d) => d.path)).toEqual(['entry', 'input.id']);
  });

  it('a job for an operation the code never started', async () => {
    const { history } = await record('v1', JOBS.slice(0, 1));
    const bogus = { ...history, jobs: [...history.jobs, resolveActivity(9, 'x')] };
    const divergence = divergenceOf((await replay('v1', bogus)).outcome);
    expect(divergence.message).toContain('resolveActivity for seq 9');
  });
});

describe('patched()', () => {
  it('keeps sessions recorded on the old code on the old path, new sessions on the new one', async () => {
    const old = await record('v1', JOBS.slice(0, 3));
    // Replaying the old history on the patched code: no divergence, old path, no marker.
    const { id, outcome } = await replay('patched', old.history);
    expect(outcome).toEqual({ kind: 'ok', sessionId: id, commands: [], done: false });

    // A new session on the patched code records the marker and takes the new path.
    const fresh = await record('patched', JOBS.slice(0, 3));
    expect(
      fresh.commands.filter((c) => c.kind === 'patch' || c.kind === 'scheduleActivity').slice(-2),
    ).toEqual([
      { kind: 'patch', id: 'fast-ship', deprecated: false },
      { kind: 'scheduleActivity', seq: 3, name: 'ship', args: ['o1', { fast: true }], options: {} },
    ]);
    expect(fresh.history.patches).toEqual(['fast-ship']);
    // And replays cleanly.
    expect((await replay('patched', fresh.history)).outcome).toMatchObject({ kind: 'ok', commands: [] });
    // Without the marker in the journal, the new path is a divergence.
    const withoutMarker = { ...fresh.history, patches: [] };
    expect(divergenceOf((await replay('patched', withoutMarker)).outcome).differences).toEqual([
      { path: 'args[1].fast', recorded: true, issued: false },
    ]);
  });
});
