/**
 * The file store's record cache is bounded by memory, not only by record bytes: each cached record
 * also costs the objects that hold it, which the bound counts, so many small records cannot take
 * several times the configured size.
 */
import { describe, expect, it } from 'vitest';

import { RecordCache } from '../../journal/file/record-cache.js';

const record = (size: number, fill: number): Buffer => Buffer.alloc(size, fill);

describe('RecordCache', () => {
  it('counts a per-record overhead against its capacity, evicting the oldest first', () => {
    const cache = new RecordCache(1_000);
    for (let position = 1; position <= 20; position++) cache.set(position, record(10, position));
    const kept = Array.from({ length: 20 }, (_, i) => i + 1).filter((p) => cache.get(p) !== undefined);
    // 10 bytes each would fit 100 records; with the objects counted, only a handful do.
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(10);
    // The newest are the ones kept, with their bytes intact.
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => 20 - kept.length + 1 + i));
    expect(cache.get(20)?.every((byte) => byte === 20)).toBe(true);
  });

  it('frees the capacity of a deleted record and refuses records over a quarter of it', () => {
    const cache = new RecordCache(1_000);
    for (let position = 1; position <= 3; position++) cache.set(position, record(200, position)); // 3 × 328 B
    cache.delete(2);
    cache.set(4, record(200, 4)); // fits in what record 2 gave back: nothing evicted
    expect([1, 2, 3, 4].map((p) => cache.get(p) !== undefined)).toEqual([true, false, true, true]);
    cache.set(5, record(251, 5)); // over capacity / 4: never cached, nothing evicted for it
    expect(cache.get(5)).toBeUndefined();
    expect(cache.get(1)).toBeDefined();
  });
});
