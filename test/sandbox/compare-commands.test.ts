import { describe, expect, it } from 'vitest';

import type { Command } from '../../sandbox/index.js';
import { compareCommands } from '../../sandbox/index.js';

const schedule = (args: unknown[], name = 'sendEmail', options = {}): Command => ({
  kind: 'scheduleActivity',
  seq: 1,
  name,
  args,
  options,
});

describe('compareCommands', () => {
  it('finds nothing between equal commands, whatever the options', () => {
    expect(
      compareCommands(
        schedule([{ to: 'a' }], 'x', { startToCloseTimeoutMs: 1 }),
        schedule([{ to: 'a' }], 'x', {}),
      ),
    ).toEqual([]);
  });

  it('reports a different kind alone', () => {
    expect(compareCommands(schedule([]), { kind: 'startTimer', seq: 1, durationMs: 5 })).toEqual([
      { path: 'kind', recorded: 'scheduleActivity', issued: 'startTimer' },
    ]);
  });

  it('names nested paths of activity arguments', () => {
    const differences = compareCommands(
      schedule([{ user: { id: 1, tags: ['a', 'b'] } }, 'x']),
      schedule([{ user: { id: 2, tags: ['a', 'c'] } }, 'x'], 'sendSms'),
    );
    expect(differences).toEqual([
      { path: 'name', recorded: 'sendEmail', issued: 'sendSms' },
      { path: 'args[0].user.id', recorded: 1, issued: 2 },
      { path: 'args[0].user.tags[1]', recorded: 'b', issued: 'c' },
    ]);
  });

  it('compares structured-clone values: Date, Map, Set, typed arrays, bigint', () => {
    const a = {
      at: new Date(1),
      m: new Map<unknown, unknown>([['k', 1]]),
      s: new Set([1, 2]),
      b: new Uint8Array([1, 2]),
      n: 10n,
    };
    const same = {
      at: new Date(1),
      m: new Map<unknown, unknown>([['k', 1]]),
      s: new Set([1, 2]),
      b: new Uint8Array([1, 2]),
      n: 10n,
    };
    expect(compareCommands(schedule([a]), schedule([same]))).toEqual([]);
    const other = {
      at: new Date(2),
      m: new Map<unknown, unknown>([['k', 2]]),
      s: new Set([1, 3]),
      b: new Uint8Array([1, 3]),
      n: 11n,
    };
    expect(compareCommands(schedule([a]), schedule([other])).map((d) => d.path)).toEqual([
      'args[0].at',
      'args[0].m.get("k")',
      'args[0].s.values()[1]',
      'args[0].b',
      'args[0].n',
    ]);
  });

  it('reports length and type changes, and treats a missing key as undefined and -0 as 0', () => {
    expect(compareCommands(schedule([[1, 2, 3]]), schedule([[1, 2]]))).toEqual([
      { path: 'args[0].length', recorded: 3, issued: 2 },
    ]);
    expect(compareCommands(schedule([{ a: '1' }]), schedule([{ a: 1 }]))).toEqual([
      { path: 'args[0].a', recorded: '1', issued: 1 },
    ]);
    expect(compareCommands(schedule([{ a: 1, b: undefined }]), schedule([{ a: 1 }]))).toEqual([]);
    expect(compareCommands(schedule([0]), schedule([-0]))).toEqual([]);
    expect(compareCommands(schedule([new Date(1)]), schedule([1]))).toHaveLength(1);
    expect(compareCommands(schedule([{ 'odd key': 1 }]), schedule([{ 'odd key': 2 }]))[0]?.path).toBe(
      'args[0]["odd key"]',
    );
  });

  it('compares timers, children and payloads, and only name/message/code of failures', () => {
    expect(
      compareCommands(
        { kind: 'startTimer', seq: 3, durationMs: 1000 },
        { kind: 'startTimer', seq: 3, durationMs: 2000 },
      ),
    ).toEqual([{ path: 'durationMs', recorded: 1000, issued: 2000 }]);
    expect(
      compareCommands(
        { kind: 'startChild', seq: 1, entry: 'a.ts:f', input: { x: 1 }, options: { idempotencyKey: 'k' } },
        { kind: 'startChild', seq: 1, entry: 'b.ts:f', input: { x: 2 }, options: {} },
      ).map((d) => d.path),
    ).toEqual(['entry', 'input.x']);
    expect(
      compareCommands(
        { kind: 'complete', result: { ok: true } },
        { kind: 'complete', result: { ok: false } },
      ),
    ).toEqual([{ path: 'result.ok', recorded: true, issued: false }]);
    expect(
      compareCommands(
        {
          kind: 'fail',
          error: {
            name: 'Error',
            message: 'x',
            stack: 'at a.ts:1:1',
            source: { file: 'a.ts', line: 1, column: 1 },
          },
        },
        { kind: 'fail', error: { name: 'Error', message: 'x', stack: 'at a.ts:9:9' } },
      ),
    ).toEqual([]);
    expect(
      compareCommands(
        { kind: 'fail', error: { name: 'Error', message: 'x' } },
        { kind: 'fail', error: { name: 'Error', message: 'y' } },
      ),
    ).toEqual([{ path: 'error.message', recorded: 'x', issued: 'y' }]);
    expect(
      compareCommands(
        { kind: 'respond', response: { status: 200, body: 'ok' } },
        { kind: 'respond', response: { status: 201, body: 'ok' } },
      ),
    ).toEqual([{ path: 'response.status', recorded: 200, issued: 201 }]);
  });

  it('caps the number of differences', () => {
    const many = Array.from({ length: 100 }, (_, i) => i);
    expect(compareCommands(schedule(many), schedule(many.map((n) => n + 1)))).toHaveLength(20);
  });
});
