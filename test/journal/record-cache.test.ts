/**
 * The file store's record cache is bounded by memory, not only by record bytes (each cached record
 * also costs its entry, which the bound counts), keeps the newest records first in first out, and
 * hands out copies: the ring of slabs it keeps the bytes in is written over later.
 */
import { describe, expect, it } from 'vitest';

import { RecordCache } from '../../journal/file/record-cache.js';

const record = (size: number, fill: number): Buffer => Buffer.alloc(size, fill);
const positions = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);
const kept = (cache: RecordCache, all: number[]): number[] => all.filter((p) => cache.get(p) !== undefined);

/** Stores records 1..count of `size` bytes; returns what the cache kept, checked to be the newest, intact. */
function fillAndKeepNewest(cache: RecordCache, count: number, size: number): number[] {
  for (const position of positions(1, count)) cache.set(position, record(size, position));
  const held = kept(cache, positions(1, count));
  expect(held).toEqual(positions(count - held.length + 1, count));
  for (const position of held) expect(cache.get(position)?.every((byte) => byte === position)).toBe(true);
  return held;
}

describe('RecordCache', () => {
  it('counts a per-record overhead against its capacity, keeping the newest', () => {
    const held = fillAndKeepNewest(new RecordCache(4_096), 200, 10);
    // 10 bytes each would fit 300 records in the ring; with the entries counted, a few dozen do.
    expect(held.length).toBeGreaterThan(5);
    expect(held.length).toBeLessThan(30);
  });

  it('bounds the record bytes, evicting a slab at a time, oldest first', () => {
    // A ring of 3,072 B: two slabs of 1,536 B, three records each.
    const held = fillAndKeepNewest(new RecordCache(4_096), 40, 500);
    expect(held.length).toBeGreaterThanOrEqual(3);
    expect(held.length).toBeLessThanOrEqual(6);
  });

  it('hands out copies that later writes to the ring do not change', () => {
    const cache = new RecordCache(4_096);
    cache.set(1, record(500, 1));
    const copy = cache.get(1) as Buffer;
    copy.fill(9);
    expect(cache.get(1)?.every((byte) => byte === 1)).toBe(true);
    const before = cache.get(1) as Buffer;
    for (const position of positions(2, 20)) cache.set(position, record(500, position));
    expect(cache.get(1)).toBeUndefined();
    expect(before.every((byte) => byte === 1)).toBe(true);
  });

  it('keeps the newest copy of a record stored twice, and forgets deleted and cleared ones', () => {
    const cache = new RecordCache(4_096);
    cache.set(1, record(500, 1));
    cache.set(2, record(500, 2));
    cache.set(3, record(500, 3));
    cache.set(1, record(500, 11)); // the first slab is full: the new copy starts the second one
    cache.set(4, record(500, 4));
    cache.set(5, record(500, 5));
    cache.set(6, record(500, 6)); // back to the first slab: 2 and 3 go, the newer copy of 1 stays
    expect(kept(cache, [2, 3])).toEqual([]);
    expect(cache.get(1)?.every((byte) => byte === 11)).toBe(true);
    cache.delete(1);
    expect(cache.get(1)).toBeUndefined();
    cache.clear();
    expect(kept(cache, positions(1, 6))).toEqual([]);
    cache.set(7, record(20, 7));
    expect(cache.get(7)?.every((byte) => byte === 7)).toBe(true);
  });

  it('refuses records larger than a slab, and caches nothing at capacity 0', () => {
    const cache = new RecordCache(4_096);
    cache.set(1, record(1_537, 1));
    expect(cache.get(1)).toBeUndefined();
    const none = new RecordCache(0);
    none.set(1, record(10, 1));
    expect(none.get(1)).toBeUndefined();
  });
});
