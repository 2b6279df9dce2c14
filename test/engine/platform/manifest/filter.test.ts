import { describe, expect, it } from 'vitest';
import { compileFilter, MAX_FILTER_LENGTH } from '../../../../engine/platform/manifest/index.js';
import type { CompiledFilter, FilterEvent } from '../../../../engine/platform/manifest/index.js';
import { containing } from './helpers.js';

const event: FilterEvent = {
  type: 'webhook',
  trigger: 'on-hello',
  data: {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    json: { action: 'opened', count: 3, labels: ['bug', 'urgent'], draft: false, owner: null },
    body: new Uint8Array([104, 105]),
  },
};

function compiled(expression: string): CompiledFilter {
  const result = compileFilter(expression);
  if (!result.ok) throw new Error(`expected ${expression} to compile: ${result.diagnostic.message}`);
  return result;
}

describe('compileFilter: matching', () => {
  it('matches and does not match', () => {
    expect(compiled('event.data.method == "POST"').evaluate(event)).toEqual({ matched: true });
    expect(compiled('event.data.method == "GET"').evaluate(event)).toEqual({ matched: false });
    expect(compiled('event.type == "webhook" && event.trigger == "on-hello"').evaluate(event)).toEqual({
      matched: true,
    });
  });

  it('reads JSON-like data: maps, lists, numbers, null, bytes, and the strings extension', () => {
    const yes = [
      'event.data.json.count == 3',
      'event.data.json.count > 2.5',
      'int(event.data.json.count) + 1 == 4',
      '"urgent" in event.data.json.labels',
      'event.data.json.labels.exists(l, l.startsWith("ur"))',
      'size(event.data.json.labels) == 2',
      'event.data.json.owner == null',
      '!event.data.json.draft',
      'has(event.data.json.action) && !has(event.data.json.missing)',
      'event.data.headers["content-type"].contains("json")',
      'event.data.body == b"hi"',
      'event.data.method.lowerAscii() == "post"',
      'event.data.json.action.matches("^op")',
    ];
    for (const expression of yes)
      expect(compiled(expression).evaluate(event), expression).toEqual({ matched: true });
  });

  it('compiles once and evaluates many events', () => {
    const filter = compiled('event.data.n % 2 == 0');
    const matches = [0, 1, 2, 3, 4].map(
      (n) => filter.evaluate({ type: 't', trigger: 'x', data: { n: BigInt(n) } }).matched,
    );
    expect(matches).toEqual([true, false, true, false, true]);
  });

  it('makes non-JSON values JSON-like instead of failing (undefined, Date, Map)', () => {
    const odd: FilterEvent = {
      type: 't',
      trigger: 'x',
      data: {
        skipped: undefined,
        at: new Date('2025-01-01T00:00:00Z'),
        list: [undefined, 1],
        tags: new Map([['a', 1]]),
      },
    };
    expect(compiled('!has(event.data.skipped)').evaluate(odd)).toEqual({ matched: true });
    expect(compiled('event.data.at == "2025-01-01T00:00:00.000Z"').evaluate(odd)).toEqual({ matched: true });
    expect(compiled('event.data.list[0] == null && event.data.tags.a == 1').evaluate(odd)).toEqual({
      matched: true,
    });
  });
});

describe('compileFilter: no match with a reason, never a throw', () => {
  it('turns a runtime error into no match, with the position', () => {
    expect(compiled('event.data.json.missing.deeper == 1').evaluate(event)).toEqual({
      matched: false,
      error: 'field not found: missing (at column 16)',
    });
    expect(compiled('event.data.json.labels[5] == "x"').evaluate(event)).toMatchObject({
      matched: false,
      error: containing('index'),
    });
    // JSON numbers are doubles: arithmetic with an int literal has no overload.
    expect(compiled('event.data.json.count + 1 == 4').evaluate(event)).toMatchObject({
      matched: false,
      error: containing("no matching overload for '_+_' applied to '(double, int)'"),
    });
  });

  it('turns a non-boolean result into no match', () => {
    expect(compiled('event.data.method').evaluate(event)).toEqual({
      matched: false,
      error: 'the filter gave a string ("POST"), not a boolean',
    });
    expect(compiled('event.data.json.labels').evaluate(event)).toEqual({
      matched: false,
      error: 'the filter gave a list, not a boolean',
    });
  });

  it('survives a cyclic event', () => {
    const data: Record<string, unknown> = { name: 'loop' };
    data.self = data;
    expect(compiled('event.data.name == "loop"').evaluate({ type: 't', trigger: 'x', data })).toEqual({
      matched: true,
    });
  });
});

describe('compileFilter: compile errors with the position inside the expression', () => {
  const failure = (expression: string) => {
    const result = compileFilter(expression);
    if (result.ok) throw new Error(`expected ${expression} to be rejected`);
    return result.diagnostic;
  };

  it('reports syntax errors', () => {
    expect(failure('event.data.method == ')).toEqual({
      message: 'syntax error: found = but expecting end of input',
      line: 1,
      column: 19,
      offset: 18,
    });
    expect(failure('event.type == "a" &&\n  event.data.x === 3')).toMatchObject({
      line: 2,
      message: containing('syntax error'),
    });
    expect(failure('   ')).toMatchObject({ message: 'the filter is empty' });
    expect(failure('true || '.repeat(1000) + 'true')).toMatchObject({
      message: containing(`limit is ${MAX_FILTER_LENGTH}`),
    });
  });

  it('reports unknown variables and functions', () => {
    expect(failure('request.method == "POST"')).toEqual({
      message: 'unknown variable "request"; the event is available as `event`',
      line: 1,
      column: 1,
      offset: 0,
    });
    expect(failure('event.type == "x" && lower(event.type) == "x"')).toMatchObject({
      message: 'unknown function "lower"',
      column: 22,
    });
    // Names bound by macros are known inside them only.
    expect(compileFilter('event.data.items.all(i, i > 0)').ok).toBe(true);
    expect(failure('event.data.items.all(i, i > 0) && i > 1')).toMatchObject({
      message: 'unknown variable "i"; the event is available as `event`',
      column: 35,
    });
  });

  it('reports type errors in the parts that do not depend on the event', () => {
    expect(failure('event.type == 1 + "a"')).toEqual({
      message: "error in a constant part: found no matching overload for '_+_' applied to '(int, string)'",
      line: 1,
      column: 17,
      offset: 16,
    });
    expect(failure('event.data.n > int("ten")')).toMatchObject({
      message: containing('constant part'),
    });
  });

  it('reports expressions that can never give a boolean', () => {
    expect(failure('"yes"')).toMatchObject({
      message: 'the filter must give a boolean, and this expression never does',
    });
    expect(failure('event.data.count * 2.0')).toMatchObject({
      message: 'the filter must give a boolean, but it gives a product',
    });
    expect(failure('event.data.items.map(i, i.id)')).toMatchObject({
      message: 'the filter must give a boolean, but it gives a list',
    });
    expect(failure('event.type == "x" ? "a" : "b"')).toMatchObject({
      message: 'the filter must give a boolean, but it gives a string',
    });
    // Whether a field is a boolean is known only at run time: accepted.
    expect(compileFilter('event.data.draft').ok).toBe(true);
    expect(compileFilter('event.data.items.exists_one(i, i == 2)').ok).toBe(true);
  });
});
