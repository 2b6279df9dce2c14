/**
 * Runs of activations (`WorkflowHost.activateAll`, what a runner does with a batch): a warm
 * activation's first job shares a call with the previous activation's conclusion when both
 * sessions are in one shard. The outcomes must be exactly those of one activation at a time, for
 * every kind of activation a run can hold, and a limit breached in a shared call blames neither
 * session: both replay on their own.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import type { ActivationOutcome, BuildArtifact, Job, WorkflowActivation } from '../../sandbox/index.js';
import { MAX_SESSIONS_PER_ISOLATE } from '../../sandbox/runner/workflow-host.js';
import { T0, buildSources, first, harnessPool, resolveActivity, signal, start } from './helpers.js';

const WORKFLOWS = `
import { condition, defineSignal, proxyActivities, setHandler, sleep } from 'whisker/workflow';
const { step } = proxyActivities<{ step(label: string, i: number): Promise<number> }>({ startToCloseTimeout: '1m' });

/** One activity per activation. */
export async function steps(input: { label: string; count: number }) {
  let total = 0;
  for (let i = 0; i < input.count; i++) total += await step(input.label, i + Math.floor(Math.random() * 1000));
  return [input.label, total, Date.now()];
}

/** Waits on a condition (its conclude runs the predicate): never shares a call as the one concluded. */
export async function gated() {
  let opened = 0;
  setHandler(defineSignal<number>('open'), (n) => { opened += n; });
  await condition(() => opened >= 2);
  await sleep(10);
  return opened;
}

/** A signal makes it spin: the CPU limit stops the call the signal is delivered in. */
export async function spinsOnSignal() {
  setHandler(defineSignal('spin'), () => { for (;;) {} });
  await sleep('1h');
}
`;

let artifact: BuildArtifact;
const { newHarness, disposeAll } = harnessPool(() => artifact);

beforeAll(async () => {
  artifact = await buildSources({ 'workflows.ts': WORKFLOWS });
});

afterEach(() => disposeAll());

const warm = (sessionId: string, jobs: Job[]): WorkflowActivation => ({ sessionId, jobs });

/** The same activations, one at a time on one host and as runs on another. */
async function bothWays(
  rounds: WorkflowActivation[][],
): Promise<{ alone: ActivationOutcome[][]; runs: ActivationOutcome[][] }> {
  const single = await newHarness();
  const batched = await newHarness();
  const alone: ActivationOutcome[][] = [];
  const runs: ActivationOutcome[][] = [];
  for (const round of rounds) {
    const outcomes: ActivationOutcome[] = [];
    for (const activation of round) outcomes.push(await single.host.activate(activation));
    alone.push(outcomes);
    runs.push(await batched.host.activateAll(round));
  }
  return { alone, runs };
}

describe('runs of activations', () => {
  it('give exactly the outcomes of one activation at a time, across shards and every kind of activation', async () => {
    const count = MAX_SESSIONS_PER_ISOLATE + 20; // two shards
    const ids = Array.from({ length: count }, (_, i) => `ses_run_${i}`);
    const rounds: WorkflowActivation[][] = [
      [
        ...ids.map((id) => first(artifact, id, 'workflows.ts:steps', [start({ label: id, count: 3 })])),
        first(artifact, 'ses_gated', 'workflows.ts:gated', [start()]),
      ],
    ];
    for (let seq = 1; seq <= 3; seq++) {
      const round = ids.map((id) => warm(id, [resolveActivity(seq, seq * 10, T0 + seq * 1000)]));
      // Conditions in the middle of a run: one that stays closed, then one that opens (RETRY rounds).
      round.splice(7, 0, warm('ses_gated', [signal('open', 1, T0 + seq * 1000)]));
      // A session that is not there, a cold start, an activation with no jobs, and two jobs at once.
      round.splice(20, 0, warm('ses_nobody', [resolveActivity(1, 1)]));
      round.splice(
        30,
        0,
        first(artifact, `ses_cold_${seq}`, 'workflows.ts:steps', [start({ label: 'cold', count: 1 })]),
      );
      round.splice(40, 0, warm(ids[0] as string, []));
      if (seq === 1) round.splice(50, 0, warm('ses_gated', [signal('open', 0), signal('open', 0)]));
      rounds.push(round);
    }
    // The shard boundary inside one run: the last of the first shard, then the first of the next.
    rounds.push([
      warm(ids[MAX_SESSIONS_PER_ISOLATE - 1] as string, [resolveActivity(4, 0)]),
      warm(ids[MAX_SESSIONS_PER_ISOLATE] as string, [resolveActivity(4, 0)]),
    ]);
    const { alone, runs } = await bothWays(rounds);
    expect(runs).toEqual(alone);
    // The runs did real work: every session completed, the gated one after its second signal.
    const last = runs.at(-2) ?? [];
    const completed = last.filter(
      (outcome) =>
        outcome.kind === 'ok' && outcome.commands.some((issued) => issued.command.kind === 'complete'),
    );
    expect(completed.length).toBeGreaterThanOrEqual(count - 2);
    expect(runs.flat().filter((outcome) => outcome.kind === 'context-missing')).toHaveLength(3);
    const gated = runs.flat().filter((outcome) => outcome.sessionId === 'ses_gated' && outcome.kind === 'ok');
    expect(
      gated.flatMap((outcome) => (outcome.kind === 'ok' ? outcome.commands : [])).map((c) => c.command.kind),
    ).toEqual(['startTimer']);
  });

  it('a CPU limit breached in a shared call blames neither session: both are lost and replay on their own', async () => {
    const harness = await newHarness({ cpuLimitMs: 50 });
    for (const [id, entry, input] of [
      ['ses_calm', 'workflows.ts:steps', { label: 'calm', count: 2 }],
      ['ses_spin', 'workflows.ts:spinsOnSignal', undefined],
      ['ses_after', 'workflows.ts:steps', { label: 'after', count: 2 }],
    ] as const) {
      expect((await harness.host.activate(first(artifact, id, entry, [start(input)]))).kind).toBe('ok');
    }
    const outcomes = await harness.host.activateAll([
      warm('ses_calm', [resolveActivity(1, 1)]),
      warm('ses_spin', [signal('spin', null)]),
      warm('ses_after', [resolveActivity(1, 1)]),
    ]);
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(['context-lost', 'context-lost', 'ok']);
    expect(outcomes[0]).toMatchObject({ error: { code: 'CONTEXT_LOST' } });
    expect((outcomes[0] as { error: { message: string } }).error.message).toMatch(/ses_calm and ses_spin/);
    // Both contexts are gone; alone, the spinning one fails for its CPU limit and the calm one goes on.
    expect(await harness.host.activate(warm('ses_calm', [resolveActivity(1, 1)]))).toEqual({
      kind: 'context-missing',
      sessionId: 'ses_calm',
    });
    const replayedSpin = await harness.host.activate(
      first(artifact, 'ses_spin', 'workflows.ts:spinsOnSignal', [start(), signal('spin', null)]),
    );
    expect(replayedSpin).toMatchObject({ kind: 'failed', error: { code: 'CPU_LIMIT_EXCEEDED' } });
    const replayedCalm = await harness.host.activate(
      first(artifact, 'ses_calm', 'workflows.ts:steps', [
        start({ label: 'calm', count: 2 }),
        resolveActivity(1, 1),
      ]),
    );
    expect(replayedCalm.kind).toBe('ok');
  });
});
