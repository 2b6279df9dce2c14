/**
 * Workflow semantics, run through a runner's workflow host in this process (real isolates, real
 * builds of `projects.ts`): activations in, commands out.
 */
import { serialize } from 'node:v8';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { BuildArtifact, Command } from '../../sandbox/index.js';
import type { WorkflowHarness } from './helpers.js';
import {
  T0,
  cancel,
  commandsOf,
  fireTimer,
  first,
  issuedOf,
  rejectActivity,
  resolveActivity,
  signal,
  start,
  workflowHarness,
  buildSources,
} from './helpers.js';
import { PROJECT, WORKFLOWS } from './projects.js';

/** 1-based line of the first line of the workflows file containing `snippet`. */
function lineOf(snippet: string): number {
  const index = WORKFLOWS.split('\n').findIndex((line) => line.includes(snippet));
  if (index === -1) throw new Error(`no line with ${snippet}`);
  return index + 1;
}

let artifact: BuildArtifact;
let harness: WorkflowHarness;
let counter = 0;
const sid = (): string => `ses_rt_${++counter}`;

beforeAll(async () => {
  // Type-checked once here: the fixture uses most of the guest API's surface.
  artifact = await buildSources(PROJECT, true);
  harness = await workflowHarness();
  harness.register(artifact);
});
afterAll(() => harness.dispose());

const entry = (name: string): string => `workflows.ts:${name}`;

describe('activations', () => {
  it('runs a workflow to completion, job by job', async () => {
    const id = sid();
    const one = await harness.activate(first(artifact, id, entry('main'), [start({ name: 'ada' })]));
    const issued = issuedOf(one);
    expect(issued.map((c) => c.command)).toEqual([
      { kind: 'scheduleActivity', seq: 1, name: 'greet', args: ['ada'], options: {} },
    ]);
    // The activity stub is generated code: the source is the user's call site.
    expect(issued[0]?.source).toEqual({
      file: 'workflows.ts',
      line: lineOf('await greet(input.name)'),
      column: 23,
    });
    expect(one.kind === 'ok' && one.done).toBe(false);

    const two = await harness.activate({ sessionId: id, jobs: [resolveActivity(1, 'hello ada')] });
    expect(commandsOf(two)).toEqual([{ kind: 'startTimer', seq: 2, durationMs: 5000 }]);
    expect(issuedOf(two)[0]?.source).toEqual({
      file: 'workflows.ts',
      line: lineOf("await sleep('5s')"),
      column: 9,
    });

    const three = await harness.activate({ sessionId: id, jobs: [fireTimer(2)] });
    expect(commandsOf(three)).toEqual([{ kind: 'complete', result: { hello: 'hello ada' } }]);
    expect(three.kind === 'ok' && three.done).toBe(true);
  });

  it('issues the same commands without sources when commandSources is off (as the engine asks)', async () => {
    const id = sid();
    const activation = first(artifact, id, entry('main'), [start({ name: 'ada' })]);
    if (activation.init !== undefined) activation.init.commandSources = false;
    const issued = issuedOf(await harness.activate(activation));
    expect(issued).toEqual([
      { command: { kind: 'scheduleActivity', seq: 1, name: 'greet', args: ['ada'], options: {} } },
    ]);
    expect(
      issuedOf(await harness.activate({ sessionId: id, jobs: [resolveActivity(1, 'hello ada')] })),
    ).toEqual([{ command: { kind: 'startTimer', seq: 2, durationMs: 5000 } }]);
  });

  it('answers context-missing for a session it does not hold', async () => {
    expect(await harness.activate({ sessionId: 'ses_unknown', jobs: [] })).toEqual({
      kind: 'context-missing',
      sessionId: 'ses_unknown',
    });
  });

  it('compiles activity options into the command and resolves parallel activities', async () => {
    const id = sid();
    const one = commandsOf(await harness.activate(first(artifact, id, entry('twoActivities'), [start()])));
    expect(one).toEqual([
      {
        kind: 'scheduleActivity',
        seq: 1,
        name: 'add',
        args: [1, 2],
        options: { startToCloseTimeoutMs: 60_000, retry: { initialIntervalMs: 2000, maximumAttempts: 3 } },
      },
    ]);
    const two = commandsOf(await harness.activate({ sessionId: id, jobs: [resolveActivity(1, 3)] }));
    expect(two.map((c) => (c.kind === 'scheduleActivity' ? [c.seq, c.name, c.args] : c.kind))).toEqual([
      [2, 'greet', ['x']],
      [3, 'add', [3, 10]],
    ]);
    const three = commandsOf(
      await harness.activate({
        sessionId: id,
        jobs: [resolveActivity(3, 13), resolveActivity(2, 'hello x')],
      }),
    );
    expect(three).toEqual([{ kind: 'complete', result: { a: 3, b: 'hello x', c: 13 } }]);
  });

  it('gives the job time to Date, and the seeded stream to Math.random, crypto and uuid4', async () => {
    const id = sid();
    const one = commandsOf(
      await harness.activate(
        first(artifact, id, entry('determinism'), [start(undefined, T0 + 42)], { seed: 'fixed' }),
      ),
    );
    const log = one.find((c) => c.kind === 'log');
    expect(log?.kind === 'log' && log.text).toContain(`now: ${T0 + 42}`);
    expect(log?.kind === 'log' && log.text).toContain(new Date(T0 + 42).toISOString());
    const done = commandsOf(await harness.activate({ sessionId: id, jobs: [fireTimer(1, T0 + 9999)] }));
    const result = done[0]?.kind === 'complete' ? (done[0].result as Record<string, unknown>) : undefined;
    expect(result?.after).toBe(T0 + 9999);
    expect(result?.parsed).toBe(0);
    expect(result?.instance).toBe(true);
    const before = result?.before as { random: number[]; uuid: string; dateString: string; bytes: number[] };
    expect(before.dateString).toBe('string');
    expect(before.random[0]).not.toBe(before.random[1]);
    expect(before.uuid).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('gives byte-identical commands for the same activations in two fresh contexts', async () => {
    const run = async (id: string): Promise<Buffer> => {
      const jobs = [start(undefined, T0 + 7)];
      const a = commandsOf(
        await harness.activate(
          first(artifact, id, entry('determinism'), jobs, { seed: 'same-seed', info: { sessionId: 'same' } }),
        ),
      );
      const b = commandsOf(await harness.activate({ sessionId: id, jobs: [fireTimer(1, T0 + 8)] }));
      return serialize([...a, ...b]);
    };
    const one = await run(sid());
    const two = await run(sid());
    expect(one.equals(two)).toBe(true);
    // And a different seed gives different values.
    const other = commandsOf(
      await harness.activate(
        first(artifact, sid(), entry('determinism'), [start(undefined, T0 + 7)], {
          seed: 'other',
          info: { sessionId: 'same' },
        }),
      ),
    );
    expect(serialize(other).equals(one)).toBe(false);
  });

  it('applies jobs one by one: grouping never changes the commands', async () => {
    const jobs = [start(), resolveActivity(1, 3), resolveActivity(2, 'hello x'), resolveActivity(3, 13)];
    const grouped = commandsOf(await harness.activate(first(artifact, sid(), entry('twoActivities'), jobs)));
    const id = sid();
    const single: Command[] = [];
    single.push(
      ...commandsOf(await harness.activate(first(artifact, id, entry('twoActivities'), [jobs[0]!]))),
    );
    for (const job of jobs.slice(1))
      single.push(...commandsOf(await harness.activate({ sessionId: id, jobs: [job] })));
    expect(serialize(grouped).equals(serialize(single))).toBe(true);
    expect(grouped).toHaveLength(4);
  });
});

describe('signals, queries and conditions', () => {
  it('delivers signals to handlers, unblocks conditions and cancels their timers', async () => {
    const id = sid();
    const one = commandsOf(await harness.activate(first(artifact, id, entry('signals'), [start()])));
    expect(one).toEqual([{ kind: 'startTimer', seq: 1, durationMs: 3_600_000 }]);
    const q1 = harness.host.query({ sessionId: id, name: 'status', args: ['s'] });
    expect(q1).toEqual({ kind: 'ok', result: 's:waiting' });
    const two = commandsOf(await harness.activate({ sessionId: id, jobs: [signal('approve', 'alice')] }));
    expect(two).toEqual([
      { kind: 'cancelTimer', seq: 1 },
      { kind: 'startTimer', seq: 2, durationMs: 600_000 },
    ]);
    const three = commandsOf(await harness.activate({ sessionId: id, jobs: [signal('comment', 'lgtm')] }));
    expect(three).toEqual([
      { kind: 'cancelTimer', seq: 2 },
      { kind: 'complete', result: { ok: true, approvedBy: 'alice', comment: 'lgtm' } },
    ]);
  });

  it('times out a condition and nextSignal', async () => {
    const id = sid();
    await harness.activate(first(artifact, id, entry('signals'), [start()]));
    const two = commandsOf(await harness.activate({ sessionId: id, jobs: [fireTimer(1)] }));
    expect(two).toEqual([{ kind: 'startTimer', seq: 2, durationMs: 600_000 }]);
    const three = commandsOf(await harness.activate({ sessionId: id, jobs: [fireTimer(2)] }));
    expect(three).toEqual([{ kind: 'complete', result: { ok: false, comment: undefined } }]);
  });

  it('buffers signals that arrive before anyone waits', async () => {
    const id = sid();
    await harness.activate(first(artifact, id, entry('bufferedSignals'), [start()]));
    const out = commandsOf(
      await harness.activate({ sessionId: id, jobs: [signal('note', 1), signal('note', 2), fireTimer(1)] }),
    );
    expect(out).toEqual([{ kind: 'complete', result: [1, 2] }]);
  });

  it('fails queries that issue commands or return promises, and unknown queries', async () => {
    const id = sid();
    await harness.activate(first(artifact, id, entry('queryCommand'), [start()]));
    const bad = harness.host.query({ sessionId: id, name: 'bad', args: [] });
    expect(bad.kind === 'error' && bad.error).toMatchObject({ code: 'QUERY_ISSUED_COMMAND' });
    expect(bad.kind === 'error' && bad.error.message).toContain('start a timer');
    const asyncQuery = harness.host.query({ sessionId: id, name: 'async', args: [] });
    expect(asyncQuery.kind === 'error' && asyncQuery.error.code).toBe('QUERY_NOT_SYNCHRONOUS');
    const unknown = harness.host.query({ sessionId: id, name: 'nope', args: [] });
    expect(unknown.kind === 'error' && unknown.error.message).toContain('handlers: bad, async');
    // The query did not leak a command into the next activation.
    expect(commandsOf(await harness.activate({ sessionId: id, jobs: [] }))).toEqual([]);
    expect(harness.host.query({ sessionId: 'ses_none', name: 'x', args: [] })).toEqual({
      kind: 'context-missing',
    });
  });
});

describe('cancellation', () => {
  it('cancels the root scope on a cancel job; non-cancellable cleanup still runs', async () => {
    const id = sid();
    await harness.activate(first(artifact, id, entry('cancellable'), [start()]));
    const two = commandsOf(await harness.activate({ sessionId: id, jobs: [cancel()] }));
    expect(two).toEqual([
      { kind: 'requestCancelActivity', seq: 1 },
      {
        kind: 'scheduleActivity',
        seq: 2,
        name: 'greet',
        args: ['cleanup'],
        options: expect.any(Object) as object,
      },
    ]);
    const three = commandsOf(await harness.activate({ sessionId: id, jobs: [resolveActivity(2, 'ok')] }));
    expect(three).toEqual([{ kind: 'complete', result: 'cleaned: ok' }]);
  });

  it('fails with code CANCELLED when the code does not catch the cancellation', async () => {
    const id = sid();
    await harness.activate(first(artifact, id, entry('uncaughtCancel'), [start()]));
    const out = commandsOf(await harness.activate({ sessionId: id, jobs: [cancel('user stop')] }));
    expect(out[0]).toEqual({ kind: 'cancelTimer', seq: 1 });
    expect(out[1]).toMatchObject({
      kind: 'fail',
      error: { name: 'CancelledFailure', code: 'CANCELLED', message: 'user stop' },
    });
  });

  it('honours each cancellation type: wait for the engine, or abandon without asking', async () => {
    const id = sid();
    const one = commandsOf(
      await harness.activate(first(artifact, id, entry('cancellationTypes'), [start()])),
    );
    expect(one.map((c) => c.kind)).toEqual(['scheduleActivity', 'scheduleActivity', 'startTimer']);
    const two = commandsOf(await harness.activate({ sessionId: id, jobs: [fireTimer(3)] }));
    // Only the waiting one asks the engine to cancel; the abandoned one rejects at once.
    expect(two).toEqual([{ kind: 'requestCancelActivity', seq: 1 }]);
    const three = commandsOf(
      await harness.activate({
        sessionId: id,
        jobs: [rejectActivity(1, { name: 'CancelledFailure', message: 'cancelled', code: 'CANCELLED' })],
      }),
    );
    expect(three).toEqual([{ kind: 'complete', result: ['b cancelled', 'a cancelled'] }]);
  });

  it('cancels scopes by hand and with withTimeout', async () => {
    const id = sid();
    const one = commandsOf(await harness.activate(first(artifact, id, entry('scopes'), [start()])));
    expect(one).toEqual([
      { kind: 'startTimer', seq: 1, durationMs: 1000 },
      { kind: 'cancelTimer', seq: 1 },
      { kind: 'startTimer', seq: 2, durationMs: 1000 },
      { kind: 'startTimer', seq: 3, durationMs: 3_600_000 },
    ]);
    const two = commandsOf(await harness.activate({ sessionId: id, jobs: [fireTimer(2)] }));
    expect(two).toEqual([
      { kind: 'cancelTimer', seq: 3 },
      { kind: 'complete', result: ['inner: cancelled', 'timeout: cancelled'] },
    ]);
  });
});

describe('children, timers, patches, responses, resources', () => {
  it('starts children and gets their results', async () => {
    const id = sid();
    const one = commandsOf(await harness.activate(first(artifact, id, entry('children'), [start()])));
    expect(one).toEqual([
      {
        kind: 'startChild',
        seq: 1,
        entry: 'workflows.ts:childWork',
        input: 2,
        options: { idempotencyKey: 'k1' },
      },
    ]);
    const two = commandsOf(
      await harness.activate({
        sessionId: id,
        jobs: [{ kind: 'resolveChildStart', seq: 1, sessionId: 'ses_child1', time: T0 }],
      }),
    );
    expect(two).toEqual([
      { kind: 'startChild', seq: 2, entry: 'workflows.ts:childWork', input: 3, options: {} },
    ]);
    const three = commandsOf(
      await harness.activate({
        sessionId: id,
        jobs: [
          { kind: 'resolveChildStart', seq: 2, sessionId: 'ses_child2', time: T0 },
          { kind: 'resolveChild', seq: 2, result: 30, time: T0 },
          { kind: 'resolveChild', seq: 1, result: 20, time: T0 },
        ],
      }),
    );
    expect(three).toEqual([{ kind: 'complete', result: { id: 'ses_child1', result: 20, direct: 30 } }]);
  });

  it('turns setTimeout into durable timers and clearTimeout into cancelTimer', async () => {
    const id = sid();
    const one = commandsOf(await harness.activate(first(artifact, id, entry('timers'), [start()])));
    expect(one).toEqual([
      { kind: 'startTimer', seq: 1, durationMs: 100 },
      { kind: 'startTimer', seq: 2, durationMs: 200 },
      { kind: 'cancelTimer', seq: 2 },
      { kind: 'startTimer', seq: 3, durationMs: 300 },
    ]);
    const two = commandsOf(await harness.activate({ sessionId: id, jobs: [fireTimer(1), fireTimer(3)] }));
    expect(two).toEqual([{ kind: 'complete', result: ['a'] }]);
  });

  it('records patch markers live', async () => {
    const out = commandsOf(await harness.activate(first(artifact, sid(), entry('patchedFlow'), [start()])));
    expect(out).toEqual([
      { kind: 'patch', id: 'v2', deprecated: false },
      {
        kind: 'scheduleActivity',
        seq: 1,
        name: 'greet',
        args: ['new'],
        options: expect.any(Object) as object,
      },
    ]);
  });

  it('sets webhook responses and reads variables', async () => {
    const out = commandsOf(
      await harness.activate(
        first(artifact, sid(), entry('webhook'), [start({ id: 'x1' })], {
          info: { variables: { region: 'eu' } },
        }),
      ),
    );
    expect(out).toEqual([
      {
        kind: 'respond',
        response: { status: 201, headers: { 'content-type': 'application/json' }, body: { id: 'x1' } },
      },
      { kind: 'complete', result: 'eu' },
    ]);
  });

  it('reads the build resources', async () => {
    const out = commandsOf(await harness.activate(first(artifact, sid(), entry('resources'), [start()])));
    expect(out).toEqual([
      { kind: 'complete', result: { text: 'Dear {{name}}', bytes: 13, missing: 'RESOURCE_NOT_FOUND' } },
    ]);
  });

  it('turns fetch into the whisker.fetch activity and rebuilds a Response', async () => {
    const id = sid();
    const one = commandsOf(
      await harness.activate(first(artifact, id, entry('fetchFlow'), [start('https://example.com/x')])),
    );
    expect(one).toEqual([
      {
        kind: 'scheduleActivity',
        seq: 1,
        name: 'whisker.fetch',
        args: [
          {
            url: 'https://example.com/x',
            method: 'POST',
            headers: [['x-a', '1']],
            body: new Uint8Array([104, 105]),
          },
        ],
        options: {},
      },
    ]);
    const result = {
      status: 201,
      statusText: 'Created',
      url: 'https://example.com/x',
      headers: [['content-type', 'text/plain']],
      body: new Uint8Array([111, 107]),
      redirected: false,
    };
    const two = commandsOf(await harness.activate({ sessionId: id, jobs: [resolveActivity(1, result)] }));
    expect(two).toEqual([
      { kind: 'complete', result: { status: 201, ok: true, text: 'ok', type: 'text/plain' } },
    ]);
  });
});

describe('failures', () => {
  it('fails with the error mapped to the user source', async () => {
    const id = sid();
    await harness.activate(first(artifact, id, entry('throws'), [start()]));
    const out = commandsOf(await harness.activate({ sessionId: id, jobs: [fireTimer(1)] }));
    const fail = out[0];
    expect(fail?.kind).toBe('fail');
    if (fail?.kind !== 'fail') return;
    const line = lineOf("throw new TypeError('boom at line')");
    expect(fail.error).toMatchObject({
      name: 'TypeError',
      message: 'boom at line',
      source: { file: 'workflows.ts', line, column: 9 },
    });
    expect(fail.error.stack).toContain(`workflows.ts:${line}:9`);
    expect(fail.error.stack).not.toContain('whisker:///');
    expect(fail.error.stack).not.toContain('/work/');
  });

  it('rebuilds activity failures with their type, retryability and details', async () => {
    const id = sid();
    await harness.activate(first(artifact, id, entry('appFailure'), [start()]));
    const out = commandsOf(
      await harness.activate({
        sessionId: id,
        jobs: [
          rejectActivity(1, {
            name: 'ApplicationFailure',
            message: 'card declined',
            code: 'CardDeclined',
            retryable: false,
            details: [{ card: '4242' }],
          }),
        ],
      }),
    );
    expect(out).toEqual([
      {
        kind: 'complete',
        result: {
          name: 'ApplicationFailure',
          type: 'CardDeclined',
          nonRetryable: true,
          details: [{ card: '4242' }],
          isApp: true,
        },
      },
    ]);
  });

  it('fails the activation on WeakRef even when the code catches the error', async () => {
    const out = await harness.activate(first(artifact, sid(), entry('weakRef'), [start()]));
    expect(out).toMatchObject({
      kind: 'failed',
      error: { code: 'DETERMINISM_VIOLATION', name: 'DeterminismViolationError' },
    });
    expect(out.kind === 'failed' && out.error.message).toContain('WeakRef');
  });

  it('fails the activation on setInterval', async () => {
    const out = await harness.activate(first(artifact, sid(), entry('interval'), [start()]));
    expect(out).toMatchObject({ kind: 'failed', error: { code: 'DETERMINISM_VIOLATION' } });
    expect(out.kind === 'failed' && out.error.message).toContain('setInterval');
  });

  it('names the bad option, and refuses values that cannot leave the sandbox', async () => {
    const bad = commandsOf(await harness.activate(first(artifact, sid(), entry('badOptions'), [start()])));
    expect(bad[0]).toMatchObject({ kind: 'fail', error: { code: 'INVALID_ARGUMENT' } });
    expect(bad[0]?.kind === 'fail' && bad[0].error.message).toContain('option startToCloseTimeout');
    const fn = commandsOf(
      await harness.activate(first(artifact, sid(), entry('notSerializable'), [start()])),
    );
    expect(fn[0]).toMatchObject({ kind: 'fail', error: { code: 'VALUE_NOT_SERIALIZABLE' } });
    expect(fn[0]?.kind === 'fail' && fn[0].error.message).toContain('args[0] is a function');
  });

  it('reports an unknown entry point with the available ones', async () => {
    const out = await harness.activate(first(artifact, sid(), 'workflows.ts:nope', [start()]));
    expect(out).toMatchObject({ kind: 'failed', error: { code: 'ENTRY_NOT_FOUND' } });
    expect(out.kind === 'failed' && out.error.message).toContain('workflows.ts:main');
  });

  it('stops an endless loop and an endless microtask chain at the CPU limit', async () => {
    const strict = await workflowHarness({ cpuLimitMs: 100 });
    strict.register(artifact);
    try {
      for (const name of ['loop', 'microtaskLoop']) {
        const id = sid();
        const out = await strict.activate(first(artifact, id, entry(name), [start()]));
        expect(out).toMatchObject({ kind: 'failed', sessionId: id, error: { code: 'CPU_LIMIT_EXCEEDED' } });
        expect(await strict.activate({ sessionId: id, jobs: [] })).toEqual({
          kind: 'context-missing',
          sessionId: id,
        });
      }
      // The isolate is fine: other sessions keep working.
      expect(
        commandsOf(await strict.activate(first(artifact, sid(), entry('main'), [start({ name: 'b' })]))),
      ).toHaveLength(1);
    } finally {
      strict.dispose();
    }
  });
});
