/**
 * The conformance suite every `EventStore` backend must pass (test support: imports vitest, so it
 * is never re-exported from `journal/index.ts`).
 *
 *   describeEventStoreConformance('file', async () => ({ store: await openFileEventStore(...), cleanup }));
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeValue, encodeValue } from '../codec.js';
import {
  STREAM_DELETED_EVENT_TYPE,
  SYSTEM_STREAMS_STREAM,
  type EventInput,
  type EventStore,
  type RecordedEvent,
  type Subscription,
} from '../types.js';

export interface ConformanceSubject {
  store: EventStore;
  cleanup?(): Promise<void>;
}

export type ConformanceFactory = () => Promise<ConformanceSubject>;

const ULID = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;
const ID_A = '01HZY0A0000000000000000001';
const ID_B = '01HZY0A0000000000000000002';
const ID_C = '01HZY0A0000000000000000003';
const ID_D = '01HZY0A0000000000000000004';

function ev(type: string, ...rest: [data?: unknown, extra?: Partial<EventInput>]): EventInput {
  const [data, extra] = rest;
  return { type, data: rest.length === 0 ? {} : data, ...extra };
}

/** Takes `count` events from a subscription (fails the test if it takes more than `timeoutMs`). */
async function take(subscription: Subscription, count: number, timeoutMs = 10_000): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  if (count === 0) return events;
  const iterator = subscription[Symbol.asyncIterator]();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${events.length} of ${count} events`)),
      timeoutMs,
    );
  });
  try {
    while (events.length < count) {
      const result = await Promise.race([iterator.next(), timeout]);
      if (result.done) break;
      events.push(result.value);
    }
  } finally {
    clearTimeout(timer);
  }
  return events;
}

function summary(events: readonly RecordedEvent[]): string[] {
  return events.map((e) => `${e.stream}@${e.revision}#${e.position}:${e.type}`);
}

export function describeEventStoreConformance(name: string, factory: ConformanceFactory): void {
  describe(`EventStore conformance: ${name}`, () => {
    let subject: ConformanceSubject;
    let store: EventStore;

    beforeEach(async () => {
      subject = await factory();
      store = subject.store;
    });

    afterEach(async () => {
      await store.close();
      await subject.cleanup?.();
    });

    describe('append and read', () => {
      it('assigns revisions per stream and increasing global positions', async () => {
        const first = await store.append('order-1', [ev('Created'), ev('Paid')]);
        const second = await store.append('order-2', [ev('Created')]);
        const third = await store.append('order-1', [ev('Shipped')]);
        expect(first.nextExpectedRevision).toBe(1);
        expect(second.nextExpectedRevision).toBe(0);
        expect(third.nextExpectedRevision).toBe(2);
        expect(second.position).toBeGreaterThan(first.position);
        expect(third.position).toBeGreaterThan(second.position);

        const order1 = await store.readStream('order-1');
        expect(order1.map((e) => [e.revision, e.type])).toEqual([
          [0, 'Created'],
          [1, 'Paid'],
          [2, 'Shipped'],
        ]);
        expect(order1.every((e) => e.stream === 'order-1')).toBe(true);
        expect(order1[1]!.position).toBe(first.position);
        expect(order1[2]!.position).toBe(third.position);
        expect(order1[0]!.position).toBeLessThan(order1[1]!.position);
      });

      it('records ids (generated ULIDs or the given ones), metadata and the recording time', async () => {
        const before = Date.now();
        await store.append('s', [ev('A', 1), ev('B', 2, { id: ID_A, metadata: { causation: 'x', n: 1 } })]);
        const after = Date.now();
        const [a, b] = await store.readStream('s');
        expect(a!.id).toMatch(ULID);
        expect(b!.id).toBe(ID_A);
        expect(a!.metadata).toBeUndefined();
        expect(b!.metadata).toEqual({ causation: 'x', n: 1 });
        expect(a!.recordedAt).toBeGreaterThanOrEqual(before);
        expect(a!.recordedAt).toBeLessThanOrEqual(after);
        expect(a!.data).toBe(1);
        expect(b!.data).toBe(2);
      });

      it('keeps a batch contiguous and in order in its stream and in $all', async () => {
        const others = Array.from({ length: 5 }, (_, i) => store.append(`other-${i}`, [ev('X'), ev('Y')]));
        const batch = store.append(
          'batch',
          Array.from({ length: 20 }, (_, i) => ev(`E${i}`, i)),
        );
        await Promise.all([...others, batch]);
        const events = await store.readStream('batch');
        expect(events.map((e) => e.data)).toEqual(Array.from({ length: 20 }, (_, i) => i));
        const all = await store.readAll();
        const indexes = all.flatMap((e, i) => (e.stream === 'batch' ? [i] : []));
        expect(indexes[indexes.length - 1]! - indexes[0]!).toBe(19);
      });

      it('reads a stream forwards and backwards from a revision with maxCount', async () => {
        await store.append(
          's',
          Array.from({ length: 10 }, (_, i) => ev('E', i)),
        );
        const data = (events: RecordedEvent[]): unknown[] => events.map((e) => e.data);
        expect(data(await store.readStream('s', { fromRevision: 3, maxCount: 4 }))).toEqual([3, 4, 5, 6]);
        expect(data(await store.readStream('s', { fromRevision: 8 }))).toEqual([8, 9]);
        expect(data(await store.readStream('s', { fromRevision: 10 }))).toEqual([]);
        expect(data(await store.readStream('s', { direction: 'backwards', maxCount: 3 }))).toEqual([9, 8, 7]);
        expect(data(await store.readStream('s', { direction: 'backwards', fromRevision: 2 }))).toEqual([
          2, 1, 0,
        ]);
        expect(
          data(await store.readStream('s', { direction: 'backwards', fromRevision: 50, maxCount: 2 })),
        ).toEqual([9, 8]);
        expect(data(await store.readStream('s', { maxCount: 0 }))).toEqual([]);
        expect(await store.readStream('missing')).toEqual([]);
        expect(await store.readStream('missing', { direction: 'backwards' })).toEqual([]);
      });

      it('reads $all in global order after an exclusive position with maxCount', async () => {
        await store.append('a', [ev('A0'), ev('A1')]);
        await store.append('b', [ev('B0')]);
        await store.append('a', [ev('A2')]);
        const all = await store.readAll();
        expect(all.map((e) => e.type)).toEqual(['A0', 'A1', 'B0', 'A2']);
        const positions = all.map((e) => e.position);
        expect([...positions].sort((x, y) => x - y)).toEqual(positions);
        expect(new Set(positions).size).toBe(4);
        expect((await store.readAll({ after: all[1]!.position })).map((e) => e.type)).toEqual(['B0', 'A2']);
        expect((await store.readAll({ after: all[0]!.position, maxCount: 2 })).map((e) => e.type)).toEqual([
          'A1',
          'B0',
        ]);
        expect(await store.readAll({ after: all[3]!.position })).toEqual([]);
      });

      it('tells a stream revision and the head position without reading events', async () => {
        expect(await store.headPosition()).toBe(-1);
        expect(await store.streamRevision('s')).toBeUndefined();
        const result = await store.append('s', [ev('A'), ev('B')]);
        expect(await store.streamRevision('s')).toBe(1);
        expect(await store.headPosition()).toBe(result.position);
        expect(await store.streamRevision('other')).toBeUndefined();
      });
    });

    describe('values', () => {
      const samples: Record<string, unknown> = {
        Date: new Date('2024-05-06T07:08:09.123Z'),
        Map: new Map<unknown, unknown>([
          [1, 'one'],
          ['two', { nested: [2] }],
          [new Date(5), 'date key'],
        ]),
        Set: new Set([1, 'b', 3n]),
        Uint8Array: new Uint8Array([0, 1, 255]),
        Int32Array: new Int32Array([-1, 2, 2147483647]),
        Float64Array: new Float64Array([1.5, -0.25, Number.MAX_VALUE]),
        BigInt64Array: new BigInt64Array([-5n, 9007199254740993n]),
        'small bigint': 5n,
        'negative bigint': -12n,
        'huge bigint': 123456789012345678901234567890n,
        undefined: undefined,
        'undefined in arrays and objects': { a: undefined, list: [undefined, 1] },
        'large safe integer': 2 ** 53 - 1,
        'non-integer numbers': [1.25, NaN, Infinity, -Infinity],
        'strings with unicode': 'héllo \u{1F600} \u0000',
        null: null,
        RegExp: /a+b/gi,
        'nested structures': {
          when: new Date(0),
          tags: new Set(['x']),
          lookup: new Map([['k', [new Uint8Array([9]), { deep: 7n }]]]),
        },
      };

      for (const [label, value] of Object.entries(samples)) {
        it(`round-trips ${label} as data and in metadata`, async () => {
          await store.append('values', [ev('V', value, { metadata: { value } })]);
          const [event] = await store.readStream('values');
          expect(event!.data).toEqual(value);
          expect(event!.metadata).toEqual({ value });
          if (value instanceof Map) expect(event!.data).toBeInstanceOf(Map);
          if (value instanceof Set) expect(event!.data).toBeInstanceOf(Set);
          if (value instanceof Date) expect(event!.data).toBeInstanceOf(Date);
          if (ArrayBuffer.isView(value)) expect((event!.data as object).constructor).toBe(value.constructor);
          if (typeof value === 'bigint') expect(typeof event!.data).toBe('bigint');
          if (label === 'undefined in arrays and objects') expect('a' in (event!.data as object)).toBe(true);
        });
      }

      it('round-trips cycles and shared references', async () => {
        const shared = { n: 1 };
        const cyclic: Record<string, unknown> = { left: shared, right: shared };
        cyclic.self = cyclic;
        await store.append('values', [ev('V', cyclic)]);
        const [event] = await store.readStream('values');
        const data = event!.data as Record<string, unknown>;
        expect(data.self).toBe(data);
        expect(data.left).toBe(data.right);
      });

      it('stores a copy: mutating inputs or results never changes stored events', async () => {
        const data = { list: [1, 2], when: new Date(1000), map: new Map([['k', 1]]) };
        const metadata = { tag: 'original' };
        await store.append('values', [ev('V', data, { metadata })]);
        data.list.push(3);
        data.when.setTime(0);
        data.map.set('k', 2);
        metadata.tag = 'changed';
        const [first] = await store.readStream('values');
        (first!.data as typeof data).list.push(99);
        (first!.metadata as typeof metadata).tag = 'mutated';
        const [again] = await store.readStream('values');
        expect(again!.data).toEqual({ list: [1, 2], when: new Date(1000), map: new Map([['k', 1]]) });
        expect(again!.metadata).toEqual({ tag: 'original' });
        const [fromAll] = await store.readAll();
        expect(fromAll!.data).toEqual(again!.data);
        expect(fromAll!.data).not.toBe(again!.data);
      });

      it('encodes with the shared codec (encodeValue/decodeValue round-trip)', () => {
        const value = { d: new Date(3), m: new Map([[1, new Set([2n])]]) };
        expect(decodeValue(encodeValue(value))).toEqual(value);
      });
    });

    describe('optimistic concurrency', () => {
      it('appends when the expected revision matches and rejects with the facts when not', async () => {
        await store.append('s', [ev('A')], { expectedRevision: 'no-stream' });
        await store.append('s', [ev('B')], { expectedRevision: 0 });
        const failure = store.append('s', [ev('C')], { expectedRevision: 0 });
        await expect(failure).rejects.toMatchObject({
          code: 'WRONG_EXPECTED_REVISION',
          name: 'WrongExpectedRevisionError',
          stream: 's',
          expected: 0,
          actual: 1,
        });
        await expect(store.append('s', [ev('C')], { expectedRevision: 5 })).rejects.toMatchObject({
          expected: 5,
          actual: 1,
        });
        expect(await store.streamRevision('s')).toBe(1);
      });

      it("checks 'no-stream', 'exists' and 'any'", async () => {
        await expect(store.append('s', [ev('A')], { expectedRevision: 'exists' })).rejects.toMatchObject({
          code: 'WRONG_EXPECTED_REVISION',
          expected: 'exists',
          actual: 'no-stream',
        });
        await expect(store.append('s', [ev('A')], { expectedRevision: 0 })).rejects.toMatchObject({
          actual: 'no-stream',
        });
        await store.append('s', [ev('A')], { expectedRevision: 'no-stream' });
        await expect(store.append('s', [ev('B')], { expectedRevision: 'no-stream' })).rejects.toMatchObject({
          expected: 'no-stream',
          actual: 0,
        });
        await store.append('s', [ev('B')], { expectedRevision: 'exists' });
        await store.append('s', [ev('C')], { expectedRevision: 'any' });
        await store.append('s', [ev('D')]);
        expect((await store.readStream('s')).map((e) => e.type)).toEqual(['A', 'B', 'C', 'D']);
      });

      it('lets exactly one of many concurrent appenders win each revision', async () => {
        await store.append('contended', [ev('Start')]);
        for (let revision = 0; revision < 5; revision++) {
          const attempts = Array.from({ length: 16 }, (_, writer) =>
            store.append('contended', [ev(`W${writer}`)], { expectedRevision: revision }),
          );
          const results = await Promise.allSettled(attempts);
          const won = results.filter((r) => r.status === 'fulfilled');
          const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
          expect(won).toHaveLength(1);
          expect(lost).toHaveLength(15);
          for (const loss of lost) {
            expect(loss.reason).toMatchObject({
              code: 'WRONG_EXPECTED_REVISION',
              expected: revision,
              actual: revision + 1,
            });
          }
        }
        expect(await store.streamRevision('contended')).toBe(5);
      });

      it('accepts many concurrent appenders to different streams', async () => {
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            store.append(`stream-${i}`, [ev('E', i)], { expectedRevision: 'no-stream' }),
          ),
        );
        expect(new Set(results.map((r) => r.position)).size).toBe(50);
        const all = await store.readAll();
        expect(all).toHaveLength(50);
        for (const event of all) expect(event.stream).toBe(`stream-${String(event.data)}`);
      });
    });

    describe('idempotent retries', () => {
      it('returns the original result for a retried batch with a numeric expected revision', async () => {
        await store.append('s', [ev('Start')]);
        const batch = [ev('A', 1, { id: ID_A }), ev('B', 2, { id: ID_B })];
        const original = await store.append('s', batch, { expectedRevision: 0 });
        await store.append('s', [ev('Later')]);
        const retry = await store.append('s', batch, { expectedRevision: 0 });
        expect(retry).toEqual(original);
        expect((await store.readStream('s')).map((e) => e.type)).toEqual(['Start', 'A', 'B', 'Later']);
      });

      it("returns the original result for a retried 'no-stream' batch", async () => {
        const batch = [ev('A', 1, { id: ID_A })];
        const original = await store.append('s', batch, { expectedRevision: 'no-stream' });
        await store.append('s', [ev('Later')]);
        expect(await store.append('s', batch, { expectedRevision: 'no-stream' })).toEqual(original);
        expect(await store.streamRevision('s')).toBe(1);
      });

      it("returns the original result for a retried 'any' or 'exists' batch found among recent events", async () => {
        await store.append('s', [ev('Start')]);
        const batch = [ev('A', 1, { id: ID_A }), ev('B', 2, { id: ID_B })];
        const original = await store.append('s', batch);
        expect(await store.append('s', batch)).toEqual(original);
        await store.append('s', [ev('Later')]);
        expect(await store.append('s', batch, { expectedRevision: 'exists' })).toEqual(original);
        expect((await store.readStream('s')).map((e) => e.type)).toEqual(['Start', 'A', 'B', 'Later']);
      });

      it('treats a batch whose ids only partly match stored ones as a conflict', async () => {
        await store.append('s', [ev('A', 1, { id: ID_A }), ev('B', 2, { id: ID_B })], {
          expectedRevision: 'no-stream',
        });
        await expect(
          store.append('s', [ev('A', 1, { id: ID_A }), ev('C', 3, { id: ID_C })], {
            expectedRevision: 'no-stream',
          }),
        ).rejects.toMatchObject({ code: 'WRONG_EXPECTED_REVISION', actual: 1 });
        await expect(
          store.append('s', [ev('C', 3, { id: ID_C }), ev('B', 2, { id: ID_B })]),
        ).rejects.toMatchObject({
          code: 'WRONG_EXPECTED_REVISION',
          expected: 'any',
          actual: 1,
        });
        await expect(
          store.append('s', [ev('A', 1, { id: ID_A }), ev('D', 4, { id: ID_D })]),
        ).rejects.toMatchObject({
          code: 'WRONG_EXPECTED_REVISION',
        });
        expect(await store.streamRevision('s')).toBe(1);
        // Fresh ids append normally.
        await store.append('s', [ev('C', 3, { id: ID_C })]);
        expect(await store.streamRevision('s')).toBe(2);
      });

      it('returns the original result to concurrent duplicates of a batch', async () => {
        const batch = [ev('A', 1, { id: ID_A })];
        const results = await Promise.all([
          store.append('s', batch, { expectedRevision: 'no-stream' }),
          store.append('s', batch, { expectedRevision: 'no-stream' }),
          store.append('s', batch, { expectedRevision: 'no-stream' }),
        ]);
        expect(results[1]).toEqual(results[0]);
        expect(results[2]).toEqual(results[0]);
        expect(await store.readStream('s')).toHaveLength(1);
      });
    });

    describe('input validation', () => {
      it('rejects appends to reserved system streams', async () => {
        await expect(store.append('$streams', [ev('X')])).rejects.toMatchObject({
          code: 'INVALID_APPEND',
          message: expect.stringContaining('reserved') as unknown,
        });
        await expect(store.append('$anything', [ev('X')])).rejects.toMatchObject({ code: 'INVALID_APPEND' });
      });

      it('names the offending field', async () => {
        const cases: [unknown, unknown, unknown, string][] = [
          ['', [ev('A')], undefined, 'append("")'],
          [42, [ev('A')], undefined, 'append(number)'],
          ['s', [], undefined, 'append("s", events)'],
          ['s', 'nope', undefined, 'append("s", events)'],
          ['s', [ev('A'), ev('B'), ev('')], undefined, 'append("s", events[2].type)'],
          ['s', [ev('A'), { data: 1 }], undefined, 'append("s", events[1].type)'],
          ['s', [null], undefined, 'append("s", events[0])'],
          ['s', [ev('A', 1, { id: 'not-a-ulid' })], undefined, 'append("s", events[0].id)'],
          ['s', [ev('A', 1, { id: ID_A.toLowerCase() })], undefined, 'append("s", events[0].id)'],
          ['s', [{ type: 'A', data: 1, metadata: [1] }], undefined, 'append("s", events[0].metadata)'],
          ['s', [ev('A', { bad: Symbol('x') })], undefined, 'append("s", events[0].data)'],
          ['s', [ev('A')], { expectedRevision: -1 }, 'append("s").expectedRevision'],
          ['s', [ev('A')], { expectedRevision: 'latest' }, 'append("s").expectedRevision'],
          ['s', [ev('A')], { expectedRevision: 1.5 }, 'append("s").expectedRevision'],
        ];
        for (const [stream, events, options, field] of cases) {
          const attempt = (store.append as (...args: unknown[]) => Promise<unknown>)(stream, events, options);
          await expect(attempt).rejects.toMatchObject({
            code: 'INVALID_APPEND',
            name: 'InvalidAppendError',
            field,
          });
        }
        expect(await store.headPosition()).toBe(-1);
      });

      it('rejects malformed read and subscribe options', async () => {
        await expect(store.readStream('s', { fromRevision: -1 })).rejects.toMatchObject({
          code: 'INVALID_ARGUMENT',
        });
        await expect(store.readStream('s', { maxCount: 1.5 })).rejects.toMatchObject({
          code: 'INVALID_ARGUMENT',
        });
        await expect(
          store.readStream('s', { direction: 'sideways' as unknown as 'forwards' }),
        ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
        await expect(store.readAll({ after: -2 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
        expect(() => store.subscribe({ after: Number.NaN })).toThrow(/subscribe\(options\.after\)/);
      });

      it('reads system streams', async () => {
        expect(await store.readStream(SYSTEM_STREAMS_STREAM)).toEqual([]);
      });
    });

    describe('subscriptions', () => {
      it('catches up, then delivers live events, in $all order', async () => {
        await store.append('a', [ev('A0'), ev('A1')]);
        const subscription = store.subscribe();
        const first = await take(subscription, 2);
        expect(summary(first)).toEqual(summary(await store.readAll()));
        await store.append('b', [ev('B0')]);
        await store.append('a', [ev('A2')]);
        const live = await take(subscription, 2);
        expect(live.map((e) => e.type)).toEqual(['B0', 'A2']);
        await subscription.close();
      });

      it('resumes after an exclusive position', async () => {
        await store.append('a', [ev('A0'), ev('A1'), ev('A2')]);
        const all = await store.readAll();
        const subscription = store.subscribe({ after: all[0]!.position });
        const events = await take(subscription, 2);
        expect(events.map((e) => e.type)).toEqual(['A1', 'A2']);
        await subscription.close();
      });

      it('filters by stream prefix', async () => {
        const subscription = store.subscribe({ streamPrefixes: ['session-', 'job-'] });
        await store.append('session-1', [ev('S')]);
        await store.append('project-1', [ev('P')]);
        await store.append('job-9', [ev('J')]);
        const events = await take(subscription, 2);
        expect(events.map((e) => e.stream)).toEqual(['session-1', 'job-9']);
        await subscription.close();
      });

      it('ends iteration on close, resolving a pending next()', async () => {
        const subscription = store.subscribe();
        const iterator = subscription[Symbol.asyncIterator]();
        const pending = iterator.next();
        await subscription.close();
        await expect(pending).resolves.toEqual({ done: true, value: undefined });
        await expect(iterator.next()).resolves.toMatchObject({ done: true });
      });

      it('ends a for-await loop on break and on close', async () => {
        await store.append('a', [ev('A0'), ev('A1')]);
        const seen: string[] = [];
        for await (const event of store.subscribe()) {
          seen.push(event.type);
          if (seen.length === 1) break;
        }
        expect(seen).toEqual(['A0']);
        const subscription = store.subscribe();
        const loop = (async () => {
          const types: string[] = [];
          for await (const event of subscription) types.push(event.type);
          return types;
        })();
        await store.append('a', [ev('A2')]);
        while ((await store.readAll()).length < 3) await new Promise((r) => setTimeout(r, 1));
        await new Promise((r) => setTimeout(r, 20));
        await subscription.close();
        expect(await loop).toEqual(['A0', 'A1', 'A2']);
      });

      it('has no gap and no duplicate across the catch-up/live switch under concurrent appends', async () => {
        const writers = 4;
        const perWriter = 60;
        await store.append(
          'seed',
          Array.from({ length: 700 }, (_, i) => ev('Seed', i)),
        );
        const subscriptions = Array.from({ length: 5 }, () => store.subscribe());
        const writing = Promise.all(
          Array.from({ length: writers }, async (_, w) => {
            for (let i = 0; i < perWriter; i++) {
              await store.append(`w-${w}`, [ev('W', i)], { expectedRevision: i === 0 ? 'no-stream' : i - 1 });
            }
          }),
        );
        const total = 700 + writers * perWriter;
        const received = await Promise.all(subscriptions.map((s) => take(s, total, 30_000)));
        await writing;
        const expected = summary(await store.readAll());
        expect(expected).toHaveLength(total);
        for (const events of received) expect(summary(events)).toEqual(expected);
        // A late subscriber sees the same sequence.
        const late = store.subscribe();
        expect(summary(await take(late, total))).toEqual(expected);
        await Promise.all([...subscriptions, late].map((s) => s.close()));
      });

      it('delivers to each subscriber its own copy of event values', async () => {
        const one = store.subscribe();
        const two = store.subscribe();
        await store.append('s', [ev('A', { list: [1] })]);
        const [a] = await take(one, 1);
        const [b] = await take(two, 1);
        (a!.data as { list: number[] }).list.push(2);
        expect(b!.data).toEqual({ list: [1] });
        await one.close();
        await two.close();
      });
    });

    describe('stream deletion', () => {
      it('removes the stream from stream reads, $all, and revision, and records a $stream-deleted event', async () => {
        await store.append('doomed', [ev('D0'), ev('D1')]);
        await store.append('kept', [ev('K0')]);
        await store.append('doomed', [ev('D2')]);
        await store.deleteStream('doomed');
        expect(await store.readStream('doomed')).toEqual([]);
        expect(await store.streamRevision('doomed')).toBeUndefined();
        const all = await store.readAll();
        expect(all.map((e) => e.stream)).toEqual(['kept', SYSTEM_STREAMS_STREAM]);
        const tombstone = all[1]!;
        expect(tombstone.type).toBe(STREAM_DELETED_EVENT_TYPE);
        expect(tombstone.data).toEqual({ stream: 'doomed', lastRevision: 2 });
        expect(await store.readStream(SYSTEM_STREAMS_STREAM)).toEqual([tombstone]);
        expect(await store.headPosition()).toBe(tombstone.position);
      });

      it("restarts a recreated stream at revision 0 with 'no-stream', never reusing positions", async () => {
        await store.append('s', [ev('Old0'), ev('Old1')]);
        const head = await store.headPosition();
        await store.deleteStream('s');
        const result = await store.append('s', [ev('New0')], { expectedRevision: 'no-stream' });
        expect(result.nextExpectedRevision).toBe(0);
        expect(result.position).toBeGreaterThan(head + 1);
        const events = await store.readStream('s');
        expect(events.map((e) => [e.revision, e.type])).toEqual([[0, 'New0']]);
        expect(await store.streamRevision('s')).toBe(0);
      });

      it('checks the expected revision of a delete', async () => {
        await store.append('s', [ev('A'), ev('B')]);
        await expect(store.deleteStream('s', { expectedRevision: 0 })).rejects.toMatchObject({
          code: 'WRONG_EXPECTED_REVISION',
          expected: 0,
          actual: 1,
        });
        await expect(store.deleteStream('s', { expectedRevision: 'no-stream' })).rejects.toMatchObject({
          code: 'WRONG_EXPECTED_REVISION',
        });
        await expect(store.deleteStream('missing', { expectedRevision: 'exists' })).rejects.toMatchObject({
          actual: 'no-stream',
        });
        await store.deleteStream('missing');
        expect(await store.readStream(SYSTEM_STREAMS_STREAM)).toEqual([]);
        await store.deleteStream('s', { expectedRevision: 1 });
        expect(await store.streamRevision('s')).toBeUndefined();
        await expect(store.deleteStream(SYSTEM_STREAMS_STREAM)).rejects.toMatchObject({
          code: 'INVALID_APPEND',
        });
      });

      it('tells live and prefix-filtered subscribers about the deletion', async () => {
        const all = store.subscribe();
        const sessions = store.subscribe({ streamPrefixes: ['session-'] });
        await store.append('session-1', [ev('S')]);
        await store.append('project-1', [ev('P')]);
        // Both subscribers are live (they have seen the events) when the streams are deleted.
        const seen = await take(all, 2);
        const filtered = await take(sessions, 1);
        await store.deleteStream('project-1');
        await store.deleteStream('session-1');
        seen.push(...(await take(all, 2)));
        expect(seen.map((e) => e.type)).toEqual([
          'S',
          'P',
          STREAM_DELETED_EVENT_TYPE,
          STREAM_DELETED_EVENT_TYPE,
        ]);
        filtered.push(...(await take(sessions, 1)));
        expect(filtered.map((e) => [e.type, (e.data as { stream?: string }).stream ?? null])).toEqual([
          ['S', null],
          [STREAM_DELETED_EVENT_TYPE, 'session-1'],
        ]);
        // A catch-up subscriber starting now sees no trace of the deleted events, only the tombstones.
        const late = store.subscribe();
        expect((await take(late, 2)).map((e) => e.type)).toEqual([
          STREAM_DELETED_EVENT_TYPE,
          STREAM_DELETED_EVENT_TYPE,
        ]);
        await Promise.all([all.close(), sessions.close(), late.close()]);
      });

      it('never shows a half-deleted stream to concurrent readers', async () => {
        await store.append(
          's',
          Array.from({ length: 200 }, (_, i) => ev('E', i)),
        );
        const reads: Promise<RecordedEvent[]>[] = [];
        for (let i = 0; i < 20; i++) reads.push(store.readStream('s'));
        const deletion = store.deleteStream('s');
        for (let i = 0; i < 20; i++) reads.push(store.readStream('s'));
        await deletion;
        for (const events of await Promise.all(reads)) expect([0, 200]).toContain(events.length);
        expect(await store.readStream('s')).toEqual([]);
      });
    });

    describe('close', () => {
      it('completes appends made before close', async () => {
        const appends = Array.from({ length: 20 }, (_, i) => store.append(`c-${i % 3}`, [ev('E', i)]));
        await store.close();
        const results = await Promise.all(appends);
        expect(new Set(results.map((r) => r.position)).size).toBe(20);
      });

      it('rejects every later call with StoreClosedError and ends subscriptions', async () => {
        await store.append('s', [ev('A')]);
        const subscription = store.subscribe();
        await take(subscription, 1);
        const pending = subscription[Symbol.asyncIterator]().next();
        await store.close();
        await expect(pending).resolves.toMatchObject({ done: true });
        await expect(store.append('s', [ev('B')])).rejects.toMatchObject({ code: 'STORE_CLOSED' });
        await expect(store.readStream('s')).rejects.toMatchObject({ code: 'STORE_CLOSED' });
        await expect(store.readAll()).rejects.toMatchObject({ code: 'STORE_CLOSED' });
        await expect(store.streamRevision('s')).rejects.toMatchObject({ code: 'STORE_CLOSED' });
        await expect(store.headPosition()).rejects.toMatchObject({ code: 'STORE_CLOSED' });
        await expect(store.deleteStream('s')).rejects.toMatchObject({ code: 'STORE_CLOSED' });
        expect(() => store.subscribe()).toThrow(/closed/);
        await store.close();
      });
    });
  });
}
