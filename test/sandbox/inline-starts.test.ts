/**
 * An activity attempt starts inline (a synchronous call on the runner's thread, bounded by
 * `inlineStartBudgetMs`) when its isolate is free. A start that overruns the budget is stopped
 * and run again asynchronously in a fresh context: what the stopped run asked for (a log line, a
 * fetch) never happens, the result is the rerun's, and the next 64 attempts of that activity start
 * asynchronously at once (then one tries inline again). An attempt never makes the thread wait for
 * an isolate that a long asynchronous run holds: it starts asynchronously where a context is
 * prepared, or goes to another isolate. An in-process runner, so the counters and the order of
 * replies are seen directly; the fetch goes to a real local server that counts its requests.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import type { BuildArtifact } from '../../sandbox/index.js';
import { compileSandboxOptions } from '../../sandbox/index.js';
import { runtimeScripts } from '../../sandbox/host/runtime-scripts.js';
import { Runner } from '../../sandbox/runner/runner.js';
import type { HostRequest, RunnerReply } from '../../sandbox/runner/wire.js';
import { runnerBuildOf } from '../../sandbox/runner/wire.js';
import { T0, buildSources } from './helpers.js';
import { waitUntil } from '../process-helpers.js';

/**
 * The tests' inline budget: larger than the default, so that a quick start is not descheduled past
 * it on a machine busy with other tests, and still far below the `busy` runs meant to overrun it.
 */
const BUDGET_MS = 50;

const FILES = {
  'workflows.ts': `export async function unused() { return 0; }`,
  'activities.ts': `
import { log } from 'whisker/activity';
export async function double(n: number): Promise<number> {
  return n * 2;
}
/** Logs and asks for a fetch, then computes for longer than the inline budget before its first await. */
export async function slowStart(url: string): Promise<string> {
  log.info('starting');
  const pending = fetch(url);
  const until = Date.now() + ${BUDGET_MS * 4};
  let spins = 0;
  while (Date.now() < until) spins++;
  const response = await pending;
  return (await response.text()) + ':' + (spins > 0);
}
/** Returns \`value\` after a host timer of \`ms\`: started inline, it stays running meanwhile. */
export async function wait(ms: number, value: number): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return value;
}
/** Holds its isolate's thread asynchronously for a while. */
export async function busy(ms: number): Promise<string> {
  const until = Date.now() + ms;
  while (Date.now() < until) {}
  return 'done';
}
`,
};

let artifact: BuildArtifact;
let server: Server;
let requests = 0;
let url = '';
const runners: Runner[] = [];

beforeAll(async () => {
  artifact = await buildSources(FILES);
  server = createServer((_request, response) => {
    requests++;
    response.end('fetched');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});
afterEach(() => {
  for (const runner of runners.splice(0)) runner.dispose();
});

async function newRunner(): Promise<{ runner: Runner; replies: RunnerReply[] }> {
  const replies: RunnerReply[] = [];
  const options = compileSandboxOptions({ fetch: { allowedPrivateHosts: [new URL(url).host] } });
  const runner = new Runner(
    {
      activationCpuLimitMs: options.activationCpuLimitMs,
      isolateMemoryLimitMb: options.isolateMemoryLimitMb,
      fetch: options.fetch,
      inlineStartBudgetMs: BUDGET_MS,
    },
    await runtimeScripts(),
    (items) => replies.push(...items),
  );
  runners.push(runner);
  runner.enqueue([{ op: 'build', build: runnerBuildOf(artifact) }]);
  return { runner, replies };
}

function activity(id: number, name: string, args: unknown[]): HostRequest {
  const info = { sessionId: 'ses_inline', seq: id, attempt: 1, name, scheduledAt: T0 };
  const task = {
    taskId: `ses_inline:${id}:1:${id}`,
    buildHash: artifact.hash,
    name,
    args,
    info,
    startToCloseTimeoutMs: 10_000,
    variables: {},
    secrets: {},
  };
  return { op: 'activity', id, task };
}

function doneOf(replies: RunnerReply[], id: number): RunnerReply | undefined {
  return replies.find((r) => r.op === 'activityDone' && r.id === id);
}

/** Enqueues one attempt and returns its answer, once it came. */
async function runOne(
  runner: Runner,
  replies: RunnerReply[],
  id: number,
  name: string,
  args: unknown[],
): Promise<RunnerReply | undefined> {
  runner.enqueue([activity(id, name, args)]);
  await waitUntil(() => doneOf(replies, id) !== undefined, 10_000);
  return doneOf(replies, id);
}

/** Attempt 1: `busy` past the inline budget, so that its next attempts start asynchronously at once. */
async function overrunBusy(runner: Runner, replies: RunnerReply[]): Promise<void> {
  await runOne(runner, replies, 1, 'busy', [BUDGET_MS * 4]);
  expect(runner.activityStarts.overruns).toBe(1);
}

describe('inline activity starts', () => {
  it('starts a quick activity inline, and again in the context it gave back', async () => {
    const { runner, replies } = await newRunner();
    await runOne(runner, replies, 1, 'double', [21]);
    await runOne(runner, replies, 2, 'double', [5]);
    expect(doneOf(replies, 1)).toMatchObject({ outcome: { ok: true, result: 42 } });
    expect(doneOf(replies, 2)).toMatchObject({ outcome: { ok: true, result: 10 } });
    expect(runner.activityStarts).toEqual({ inlineStarts: 2, asyncStarts: 0, overruns: 0 });
  });

  it('stops a start that overruns the budget and runs it again asynchronously; the stopped run leaves nothing', async () => {
    const { runner, replies } = await newRunner();
    requests = 0;
    await runOne(runner, replies, 1, 'slowStart', [url]);
    expect(doneOf(replies, 1)).toMatchObject({ outcome: { ok: true, result: 'fetched:true' } });
    // One log line and one request: the rerun's. The stopped run's were dropped.
    expect(replies.filter((r) => r.op === 'activityLog' && r.id === 1)).toHaveLength(1);
    expect(requests).toBe(1);
    expect(runner.activityStarts).toEqual({ inlineStarts: 0, asyncStarts: 1, overruns: 1 });

    // The next attempt of that activity starts asynchronously at once; another activity still inline.
    await runOne(runner, replies, 2, 'slowStart', [url]);
    expect(doneOf(replies, 2)).toMatchObject({ outcome: { ok: true, result: 'fetched:true' } });
    expect(requests).toBe(2);
    await runOne(runner, replies, 3, 'double', [1]);
    expect(runner.activityStarts).toEqual({ inlineStarts: 1, asyncStarts: 2, overruns: 1 });
  });

  it('starts asynchronously in an isolate busy with an asynchronous call (its lock would hold the thread)', async () => {
    const { runner, replies } = await newRunner();
    await overrunBusy(runner, replies);
    // Four at once, inline, each running until its timer fires: they spread over the build's two
    // isolates, two each, and each isolate keeps both contexts afterwards. (Functions that settled
    // at once could end between two starts on a loaded machine, when the runner yields, and leave
    // the contexts spread otherwise.)
    runner.enqueue([2, 3, 4, 5].map((id) => activity(id, 'wait', [500, id])));
    await waitUntil(() => [2, 3, 4, 5].every((id) => doneOf(replies, id) !== undefined), 10_000);
    expect(doneOf(replies, 5)).toMatchObject({ outcome: { ok: true, result: 5 } });
    expect(runner.activityStarts).toEqual({ inlineStarts: 4, asyncStarts: 1, overruns: 1 });
    // Both isolates held by long asynchronous runs, each with a prepared context left: the quick
    // one goes to one of them (the context is there) and starts asynchronously.
    runner.enqueue([activity(6, 'busy', [300]), activity(7, 'busy', [300])]);
    runner.enqueue([activity(8, 'double', [4])]);
    await waitUntil(() => [6, 7, 8].every((id) => doneOf(replies, id) !== undefined), 10_000);
    expect(doneOf(replies, 6)).toMatchObject({ outcome: { ok: true, result: 'done' } });
    expect(doneOf(replies, 8)).toMatchObject({ outcome: { ok: true, result: 8 } });
    expect(runner.activityStarts).toEqual({ inlineStarts: 4, asyncStarts: 4, overruns: 1 });
    // Once they are free again, a quick activity starts inline.
    await runOne(runner, replies, 9, 'double', [5]);
    expect(runner.activityStarts).toEqual({ inlineStarts: 5, asyncStarts: 4, overruns: 1 });
  });

  it('tries inline again after 64 asynchronous starts: an overrun may have been a one-off', async () => {
    const { runner, replies } = await newRunner();
    await overrunBusy(runner, replies);
    for (let id = 2; id <= 65; id++) {
      await runOne(runner, replies, id, 'busy', [0]);
    }
    expect(runner.activityStarts).toEqual({ inlineStarts: 0, asyncStarts: 65, overruns: 1 });
    await runOne(runner, replies, 66, 'busy', [0]);
    expect(doneOf(replies, 66)).toMatchObject({ outcome: { ok: true, result: 'done' } });
    expect(runner.activityStarts).toEqual({ inlineStarts: 1, asyncStarts: 65, overruns: 1 });
  });

  it('never prepares a context in an isolate that a long asynchronous activity holds: a quick one ends first', async () => {
    const { runner, replies } = await newRunner();
    await overrunBusy(runner, replies);
    // Both of the build's isolates held by long asynchronous runs, with no prepared context left in
    // them; the quick activity gets an isolate of its own instead of waiting for one of theirs.
    runner.enqueue([activity(2, 'busy', [400]), activity(3, 'busy', [400])]);
    await runOne(runner, replies, 4, 'double', [6]);
    expect(doneOf(replies, 4)).toMatchObject({ outcome: { ok: true, result: 12 } });
    expect(doneOf(replies, 2)).toBeUndefined();
    expect(doneOf(replies, 3)).toBeUndefined();
    await waitUntil(() => doneOf(replies, 2) !== undefined && doneOf(replies, 3) !== undefined, 10_000);
    expect(runner.activityStarts).toEqual({ inlineStarts: 1, asyncStarts: 3, overruns: 1 });
  });
});
