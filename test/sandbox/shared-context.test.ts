/**
 * The sessions of a build share one V8 context per isolate (see `guest/workflow-entry.ts`). These
 * tests show that they still behave as if each had a context of its own: interleaved sessions
 * issue exactly the commands each issues alone, module state, time and randomness are per
 * session, per-session `Error` settings do not leak, and released sessions are forgotten.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import type { BuildArtifact, Command, Job, WorkflowActivation } from '../../sandbox/index.js';
import { IDLE_SHARD_DISPOSE_MS, MAX_SESSIONS_PER_ISOLATE } from '../../sandbox/runner/workflow-host.js';
import type { WorkflowHarness } from './helpers.js';
import { T0, buildSources, commandsOf, fireTimer, first, harnessPool, start } from './helpers.js';

const WORKFLOWS = `
import { sleep, condition, defineSignal, setHandler, log } from 'whisker/workflow';

let calls = 0;

export async function stateful(input: { label: string; steps: number }) {
  const seen: unknown[] = [];
  for (let i = 0; i < input.steps; i++) {
    calls += 1;
    seen.push([input.label, calls, Math.floor(Math.random() * 1e6), Date.now(), crypto.randomUUID().slice(0, 8)]);
    log.info(input.label + ' step ' + i);
    await sleep(1000 * (i + 1));
  }
  return seen;
}

export async function stackLimit(input: { limit?: number }) {
  if (input.limit !== undefined) (Error as unknown as { stackTraceLimit: number }).stackTraceLimit = input.limit;
  await sleep(1000);
  return (Error as unknown as { stackTraceLimit: number }).stackTraceLimit;
}

export async function waitsForSignal() {
  let got = '';
  setHandler(defineSignal<string>('go'), (payload) => { got = payload; });
  await condition(() => got !== '');
  return got;
}
`;

let artifact: BuildArtifact;
const { newHarness, disposeAll } = harnessPool(() => artifact);

beforeAll(async () => {
  artifact = await buildSources({ 'workflows.ts': WORKFLOWS });
});

afterEach(() => disposeAll());

function next(sessionId: string, jobs: Job[]): WorkflowActivation {
  return { sessionId, jobs };
}

/** Runs `stateful` for one session to its end, one timer at a time; returns every activation's commands. */
async function runAlone(harness: WorkflowHarness, sessionId: string, steps: number): Promise<Command[][]> {
  const all: Command[][] = [];
  all.push(
    commandsOf(
      await harness.activate(
        first(artifact, sessionId, 'workflows.ts:stateful', [start({ label: sessionId, steps })]),
      ),
    ),
  );
  for (let seq = 1; seq <= steps; seq++) {
    all.push(commandsOf(await harness.activate(next(sessionId, [fireTimer(seq, T0 + seq * 10_000)]))));
  }
  return all;
}

describe('sessions sharing a context', () => {
  it('interleaved sessions issue exactly the commands each issues alone', async () => {
    const steps = 4;
    const sessions = ['ses_a', 'ses_b', 'ses_c'];
    const alone = new Map<string, Command[][]>();
    for (const sessionId of sessions)
      alone.set(sessionId, await runAlone(await newHarness(), sessionId, steps));

    const shared = await newHarness();
    const interleaved = new Map<string, Command[][]>(sessions.map((id) => [id, []]));
    for (const sessionId of sessions) {
      const outcome = await shared.activate(
        first(artifact, sessionId, 'workflows.ts:stateful', [start({ label: sessionId, steps })]),
      );
      interleaved.get(sessionId)?.push(commandsOf(outcome));
    }
    for (let seq = 1; seq <= steps; seq++) {
      // A different order each round.
      const order = seq % 2 === 0 ? [...sessions].reverse() : sessions;
      for (const sessionId of order) {
        const outcome = await shared.activate(next(sessionId, [fireTimer(seq, T0 + seq * 10_000)]));
        interleaved.get(sessionId)?.push(commandsOf(outcome));
      }
    }
    expect(shared.host.contextCount).toBe(3);
    for (const sessionId of sessions) shared.host.evict(sessionId);
    expect(shared.host.contextCount).toBe(0);
    for (const sessionId of sessions) {
      expect(interleaved.get(sessionId)).toEqual(alone.get(sessionId));
    }
    // Module state is per session: each counted its own steps 1..4.
    const last = interleaved.get('ses_b')?.at(-1)?.at(-1);
    expect(last?.kind).toBe('complete');
    const result = (last as { result: [string, number][] }).result;
    expect(result.map((step) => step[1])).toEqual([1, 2, 3, 4]);
    expect(result.every((step) => step[0] === 'ses_b')).toBe(true);
  });

  it("a session's Error.stackTraceLimit is its own", async () => {
    const harness = await newHarness();
    commandsOf(
      await harness.activate(first(artifact, 'ses_limit', 'workflows.ts:stackLimit', [start({ limit: 3 })])),
    );
    commandsOf(
      await harness.activate(first(artifact, 'ses_default', 'workflows.ts:stackLimit', [start({})])),
    );
    const limited = commandsOf(await harness.activate(next('ses_limit', [fireTimer(1)])));
    const defaulted = commandsOf(await harness.activate(next('ses_default', [fireTimer(1)])));
    expect(limited.at(-1)).toMatchObject({ kind: 'complete', result: 3 });
    expect(defaulted.at(-1)).toMatchObject({ kind: 'complete', result: 30 });
  });

  it('evicted sessions are forgotten by the context; a new session reuses it', async () => {
    const harness = await newHarness();
    commandsOf(
      await harness.activate(first(artifact, 'ses_evicted', 'workflows.ts:waitsForSignal', [start()])),
    );
    expect(harness.host.contextCount).toBe(1);
    harness.host.evict('ses_evicted');
    expect(harness.host.contextCount).toBe(0);
    expect(
      await harness.activate(next('ses_evicted', [{ kind: 'signal', name: 'go', payload: 'x', time: T0 }])),
    ).toEqual({
      kind: 'context-missing',
      sessionId: 'ses_evicted',
    });
    const outcome = await harness.activate(
      first(artifact, 'ses_reused', 'workflows.ts:waitsForSignal', [
        start(),
        { kind: 'signal', name: 'go', payload: 'yes', time: T0 },
      ]),
    );
    expect(commandsOf(outcome).at(-1)).toMatchObject({ kind: 'complete', result: 'yes' });
  });

  it("a build's idle isolate is disposed after IDLE_SHARD_DISPOSE_MS, unless a session comes first", async () => {
    const harness = await newHarness();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const begin = async (sessionId: string): Promise<void> => {
        commandsOf(
          await harness.activate(first(artifact, sessionId, 'workflows.ts:waitsForSignal', [start()])),
        );
      };
      await begin('ses_idle_a');
      harness.host.evict('ses_idle_a');
      expect(harness.host.usedHeapBytes()).toBeGreaterThan(0); // kept: the next context is cheap in it
      vi.advanceTimersByTime(IDLE_SHARD_DISPOSE_MS - 1);
      await begin('ses_idle_b'); // in time: the isolate serves again and its disposal is called off
      vi.advanceTimersByTime(IDLE_SHARD_DISPOSE_MS);
      expect(harness.host.usedHeapBytes()).toBeGreaterThan(0);
      harness.host.evict('ses_idle_b');
      vi.advanceTimersByTime(IDLE_SHARD_DISPOSE_MS);
      expect(harness.host.usedHeapBytes()).toBe(0); // no isolate left
      await begin('ses_idle_c'); // a new isolate for the next session
      const outcome = await harness.activate(
        next('ses_idle_c', [{ kind: 'signal', name: 'go', payload: 'again', time: T0 }]),
      );
      expect(commandsOf(outcome).at(-1)).toMatchObject({ kind: 'complete', result: 'again' });
    } finally {
      vi.useRealTimers();
    }
  });

  it('more sessions than one isolate takes spill into another isolate of the build', async () => {
    const harness = await newHarness();
    const count = MAX_SESSIONS_PER_ISOLATE + 3;
    for (let i = 0; i < count; i++) {
      commandsOf(
        await harness.activate(first(artifact, `ses_many_${i}`, 'workflows.ts:waitsForSignal', [start()])),
      );
    }
    expect(harness.host.contextCount).toBe(count);
    for (const i of [0, MAX_SESSIONS_PER_ISOLATE, count - 1]) {
      const outcome = await harness.activate(
        next(`ses_many_${i}`, [{ kind: 'signal', name: 'go', payload: `p${i}`, time: T0 }]),
      );
      expect(commandsOf(outcome).at(-1)).toMatchObject({ kind: 'complete', result: `p${i}` });
    }
  });
});
