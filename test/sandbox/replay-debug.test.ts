/**
 * The sandbox's replay-debugging call (`WorkflowHost.replay`, what `Sandbox.replay` runs in a
 * runner): the trace attributes commands and printed lines to the job that caused them (microtask
 * chains and condition re-checks included), `until` stops after the fact that led to the step is
 * fully processed, pending facts are delivered live with their new commands, and the snapshot
 * shows pending operations with their source lines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { BuildArtifact, Command, Job, ReplayRequest } from '../../sandbox/index.js';
import type { WorkflowHarness } from './helpers.js';
import {
  buildSources,
  commandsOf,
  first,
  info,
  recorded,
  resolveActivity,
  signal,
  start,
  workflowHarness,
  T0,
} from './helpers.js';

const ACTIVITIES = `export async function a(n: number) { return n; }\n`;
const WORKFLOW = `import { condition, log, nextSignal, setHandler, defineSignal, sleep } from 'whisker/workflow';
import { a } from './activities';
log.info('module loaded');
export async function main(n: number) {
  let ready = false;
  setHandler(defineSignal('ready'), () => { ready = true; });
  const first = await a(n);
  log.info('first ' + first);
  // Two commands from one fact, the second after a microtask chain.
  const timer = sleep('1h');
  await Promise.resolve();
  await Promise.resolve();
  const second = a(first + 1);
  await condition(() => ready);
  log.info('ready');
  const go = await nextSignal('go');
  await second;
  void timer;
  return go;
}
`;

let harness: WorkflowHarness;
let artifact: BuildArtifact;
let counter = 0;

beforeAll(async () => {
  harness = await workflowHarness();
  artifact = await buildSources({ 'workflows.ts': WORKFLOW, 'activities.ts': ACTIVITIES });
  harness.register(artifact);
});
afterAll(() => harness.dispose());

const JOBS: Job[] = [start(5), resolveActivity(1, 5), signal('ready', undefined, T0 + 3000)];

/** Runs the jobs live (one activation each) and returns the recorded commands. */
async function recordLive(jobs: Job[]): Promise<Command[]> {
  const id = `ses_live_${++counter}`;
  const commands = commandsOf(
    await harness.activate(first(artifact, id, 'workflows.ts:main', jobs.slice(0, 1))),
  );
  for (const job of jobs.slice(1))
    commands.push(...commandsOf(await harness.activate({ sessionId: id, jobs: [job] })));
  harness.host.evict(id);
  return commands;
}

function request(commands: Command[], jobs: Job[], extra: Partial<ReplayRequest> = {}): ReplayRequest {
  const id = `ses_replay_${++counter}`;
  return {
    init: { buildHash: artifact.hash, info: info(id, 'workflows.ts:main'), randomSeed: `seed-${id}` },
    history: { jobs, commands: recorded(commands), patches: [] },
    pending: [],
    ...extra,
  };
}

describe('WorkflowHost.replay', () => {
  it('traces which job led to which commands and lines, through microtasks and conditions', async () => {
    const live = await recordLive(JOBS);
    expect(live.filter((c) => c.kind !== 'log').map((c) => c.kind)).toEqual([
      'scheduleActivity',
      'startTimer',
      'scheduleActivity',
    ]);
    const outcome = await harness.host.replay(request(live, JOBS));
    expect(outcome.kind).toBe('compatible');
    // Before job 0 nothing; start → step 1; the result → steps 2 and 3; the signal → nothing new.
    expect(outcome.trace?.matched).toEqual([0, 1, 3, 3]);
    expect(outcome.trace?.logs).toEqual([
      { job: -1, level: 'info', text: 'module loaded' },
      { job: 1, level: 'info', text: 'first 5' },
      { job: 2, level: 'info', text: 'ready' },
    ]);
    expect(outcome.newCommands).toEqual([]);
    expect(outcome.state).toMatchObject({
      jobsDelivered: 3,
      stepsMatched: 3,
      done: false,
      signalHandlers: ['ready'],
    });
    expect(outcome.state?.signalWaiters.map((w) => w.name)).toEqual(['go']);
  });

  it('until: stops after the fact that led to the step, microtasks drained', async () => {
    const live = await recordLive(JOBS);
    // Step 2 (the timer) is issued while the activity result is processed; so is step 3.
    const outcome = await harness.host.replay(
      request(live, JOBS, { until: { step: 2 }, captureSites: true }),
    );
    expect(outcome.kind).toBe('until');
    expect(outcome.state).toMatchObject({ jobsDelivered: 2, stepsMatched: 3 });
    expect(outcome.state?.timers.map((t) => [t.seq, t.purpose, t.durationMs, t.source?.line])).toEqual([
      [2, 'sleep', 3_600_000, 10],
    ]);
    expect(outcome.state?.activities.map((a) => [a.seq, a.name, a.args, a.source?.line])).toEqual([
      [3, 'a', [6], 13],
    ]);
    expect(outcome.state?.conditions.map((c) => c.source?.line)).toEqual([14]);
    // Not delivered yet: the signal.
    expect(outcome.trace?.matched).toEqual([0, 1, 3]);
  });

  it('pending facts are delivered live after the replay: their commands are new, with sources', async () => {
    const live = await recordLive(JOBS);
    const outcome = await harness.host.replay({
      ...request(live, JOBS),
      pending: [signal('go', 'now', T0 + 4000), resolveActivity(3, 6, T0 + 5000)],
    });
    expect(outcome.kind).toBe('compatible');
    expect(outcome.done).toBe(true);
    expect(outcome.newCommands.map((c) => c.command)).toEqual([{ kind: 'complete', result: 'now' }]);
    // Jobs 3 and 4 are the pending ones: the completion came from the activity result.
    expect(outcome.trace?.issued).toEqual([0, 0, 0, 0, 0, 1]);
  });
});
