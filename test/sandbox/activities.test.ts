/**
 * Activities through real runner processes: results, capabilities (heartbeat, logs, variables,
 * secrets, resources, cancellation signal), wall-clock timeouts of sync and async loops, failures
 * as data, and the security corpus of activity contexts.
 */
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type {
  ActivityOutcome,
  ActivityTask,
  BuildArtifact,
  LogLevel,
  RunnerSandbox,
} from '../../sandbox/index.js';
import { createSandbox } from '../../sandbox/index.js';
import { WORKFLOW_GLOBALS } from '../../sandbox/guest/workflow-globals.js';
import { buildSources } from './helpers.js';
import { ACTIVITIES, PROJECT } from './projects.js';
import { waitUntil } from '../process-helpers.js';

let artifact: BuildArtifact;
let sandbox: RunnerSandbox;
let server: Server;
let port = 0;
const serverEvents: string[] = [];
let taskCounter = 0;

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url === '/slow') {
      serverEvents.push('slow started');
      response.on('close', () => serverEvents.push('slow closed by client'));
      return;
    }
    response.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  [artifact, sandbox] = await Promise.all([
    buildSources(PROJECT),
    createSandbox({ runners: 1, fetch: { allowedPrivateHosts: [`127.0.0.1:${port}`] } }),
  ]);
  sandbox.registerBuild(artifact);
});

afterAll(async () => {
  await sandbox.close();
  await new Promise((resolve) => server.close(resolve));
});

function task(name: string, args: unknown[] = [], extra: Partial<ActivityTask> = {}): ActivityTask {
  const seq = ++taskCounter;
  return {
    taskId: `t${seq}`,
    buildHash: artifact.hash,
    name,
    args,
    info: { sessionId: 'ses_act', seq, attempt: 1, name, scheduledAt: 1_700_000_000_000 },
    startToCloseTimeoutMs: 10_000,
    variables: { region: 'eu' },
    secrets: { token: 's3cr3t' },
    ...extra,
  };
}

function lineOf(snippet: string): number {
  return ACTIVITIES.split('\n').findIndex((line) => line.includes(snippet)) + 1;
}

describe('running activities', () => {
  it('returns results of synchronous and asynchronous functions', async () => {
    expect(await sandbox.runActivity(task('add', [2, 3]))).toEqual({ ok: true, result: 5 });
    expect(await sandbox.runActivity(task('greet', ['ada']))).toEqual({ ok: true, result: 'hello ada' });
    expect(await sandbox.runActivity(task('sleepy', [30]))).toEqual({ ok: true, result: 'slept 30' });
  });

  it('hands in the attempt info, variables, secrets and resources', async () => {
    const outcome = await sandbox.runActivity(task('info'));
    expect(outcome).toEqual({
      ok: true,
      result: {
        info: {
          sessionId: 'ses_act',
          seq: taskCounter,
          attempt: 1,
          name: 'info',
          scheduledAt: 1_700_000_000_000,
        },
        variable: 'eu',
        secret: 's3cr3t',
      },
    });
    expect(await sandbox.runActivity(task('resource'))).toEqual({ ok: true, result: 'Dear {{name}}' });
  });

  it('keeps each attempt to its own secrets', async () => {
    const [a, b] = await Promise.all([
      sandbox.runActivity(task('info', [], { secrets: { token: 'A' } })),
      sandbox.runActivity(task('info', [], { secrets: {} })),
    ]);
    expect(a.ok && (a.result as { secret: string }).secret).toBe('A');
    expect(b.ok && (b.result as { secret?: string }).secret).toBeUndefined();
  });

  it('forwards heartbeats and logs', async () => {
    const beats: unknown[] = [];
    const logs: [LogLevel, string][] = [];
    const outcome = await sandbox.runActivity(task('beat', [3]), {
      onHeartbeat: (details) => beats.push(details),
      onLog: (level, text) => logs.push([level, text]),
    });
    expect(outcome).toEqual({ ok: true, result: 3 });
    expect(beats).toEqual([{ step: 0 }, { step: 1 }, { step: 2 }]);
    expect(logs).toEqual([
      ['info', 'beat done { count: 3 }'],
      ['warn', 'console from activity'],
    ]);
  });

  it('keeps ApplicationFailure fields and maps stacks to the activity source', async () => {
    const app = await sandbox.runActivity(task('failing', ['app']));
    expect(app).toMatchObject({
      ok: false,
      error: {
        name: 'ApplicationFailure',
        code: 'CardDeclined',
        retryable: false,
        message: 'card declined',
        details: [{ card: '4242' }],
      },
    });
    const type = await sandbox.runActivity(task('failing', ['type']));
    expect(type).toMatchObject({ ok: false, error: { name: 'TypeError', message: 'bad input' } });
    if (type.ok) return;
    const line = lineOf("throw new TypeError('bad input')");
    const column = (ACTIVITIES.split('\n')[line - 1] ?? '').indexOf('new TypeError') + 1;
    expect(type.error.source).toEqual({ file: 'activities.ts', line, column });
    expect(type.error.stack).not.toMatch(/whisker:\/\/\/|\/work\//);
    expect(type.error.retryable).toBeUndefined();
    const thrownString = await sandbox.runActivity(task('failing', ['string']));
    expect(thrownString).toMatchObject({
      ok: false,
      error: { name: 'Error', message: 'A non-error value was thrown: "a string"' },
    });
  });

  it('reuses warm contexts: module state of a build persists between attempts one after another', async () => {
    const first = await sandbox.runActivity(task('countCalls'));
    const second = await sandbox.runActivity(task('countCalls'));
    expect(first.ok && second.ok).toBe(true);
    expect(second.ok && first.ok && (second.result as number) - (first.result as number)).toBe(1);
  });

  it('refuses an unknown activity, non-retryably', async () => {
    const outcome = await sandbox.runActivity(task('nope'));
    expect(outcome).toMatchObject({ ok: false, error: { code: 'ACTIVITY_NOT_FOUND', retryable: false } });
    expect(!outcome.ok && outcome.error.message).toContain('greet');
  });
});

describe('limits and cancellation', () => {
  it('times out a synchronous endless loop by wall clock, and the runner goes on', async () => {
    const outcome = await sandbox.runActivity(task('spinSync', [], { startToCloseTimeoutMs: 300 }));
    expect(outcome).toMatchObject({ ok: false, error: { code: 'ACTIVITY_TIMEOUT', retryable: true } });
    expect(await sandbox.runActivity(task('add', [1, 1]))).toEqual({ ok: true, result: 2 });
  });

  it('a timeout disposes only its own isolate: an attempt sharing it fails retryably, others finish', async () => {
    const waits = [sandbox.runActivity(task('sleepy', [1500])), sandbox.runActivity(task('sleepy', [1500]))];
    await new Promise((resolve) => setTimeout(resolve, 50));
    const spin = await sandbox.runActivity(task('spinSync', [], { startToCloseTimeoutMs: 300 }));
    expect(spin).toMatchObject({ ok: false, error: { code: 'ACTIVITY_TIMEOUT' } });
    const outcomes = await Promise.all(waits);
    expect(outcomes).toContainEqual({ ok: true, result: 'slept 1500' });
    expect(outcomes).toContainEqual({
      ok: false,
      error: expect.objectContaining({ code: 'ACTIVITY_WORKER_LOST', retryable: true }) as unknown,
    });
  });

  it('times out an endless loop that starts after an await', async () => {
    const outcome = await sandbox.runActivity(task('spinAfterAwait', [], { startToCloseTimeoutMs: 300 }));
    expect(outcome).toMatchObject({ ok: false, error: { code: 'ACTIVITY_TIMEOUT', retryable: true } });
    expect(!outcome.ok && outcome.error.message).toContain('300 ms');
    expect(await sandbox.runActivity(task('add', [2, 2]))).toEqual({ ok: true, result: 4 });
  });

  it('cancels through the AbortSignal: the outcome is a cancellation, the activity signal fires', async () => {
    const controller = new AbortController();
    const running = sandbox.runActivity(task('fetchText', [`http://127.0.0.1:${port}/slow`]), {
      signal: controller.signal,
    });
    await waitShort(() => serverEvents.includes('slow started'));
    controller.abort(new Error('user cancelled'));
    expect(await running).toMatchObject({ ok: false, error: { code: 'CANCELLED', retryable: false } });
    // The attempt's fetch was aborted on the host: the server saw the client go.
    await waitShort(() => serverEvents.includes('slow closed by client'));
  });

  it('fires cancellationSignal() inside the activity', async () => {
    const controller = new AbortController();
    const running = sandbox.runActivity(task('waitForCancel'), { signal: controller.signal });
    controller.abort('stop');
    expect(await running).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
  });

  it('cancels by task id: the attempt named, not another; a settled or unknown id is a no-op', async () => {
    const target = task('waitForCancel');
    const other = task('waitForCancel');
    const cancelled = sandbox.runActivity(target);
    const spared = sandbox.runActivity(other);
    sandbox.cancelActivity('t-unknown', 'nobody');
    sandbox.cancelActivity(target.taskId, 'by id');
    expect(await cancelled).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    // Already settled: nothing happens, and the other attempt still runs until it is cancelled.
    sandbox.cancelActivity(target.taskId, 'again');
    expect(sandbox.stats().activitiesInFlight).toBe(1);
    sandbox.cancelActivity(other.taskId, 'now');
    expect(await spared).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    expect(await sandbox.runActivity(task('add', [1, 2]))).toEqual({ ok: true, result: 3 });
  });

  it('answers a cancellation at once when the signal is already aborted', async () => {
    expect(await sandbox.runActivity(task('greet', ['x']), { signal: AbortSignal.abort() })).toMatchObject({
      ok: false,
      error: { code: 'CANCELLED' },
    });
  });
});

describe('activity context security', () => {
  it('holds the allow-listed globals, plus AbortController and AbortSignal', async () => {
    const outcome = await sandbox.runActivity(task('globalNames'));
    expect(outcome).toEqual({
      ok: true,
      result: [...WORKFLOW_GLOBALS, 'AbortController', 'AbortSignal'].sort(),
    });
  });

  it('none of the escapes reaches the host', async () => {
    const outcome = (await sandbox.runActivity(task('escapes'))) as ActivityOutcome & { ok: true };
    expect(outcome.result).toEqual({
      constructor: 'undefined',
      functionProcess: 'undefined',
      require: 'undefined',
      secretInWorkflowVar: 'undefined',
    });
  });
});

const waitShort = (predicate: () => boolean, timeoutMs = 5_000): Promise<void> =>
  waitUntil(predicate, timeoutMs, 10);
