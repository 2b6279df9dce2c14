/**
 * Ids drawn from the pooled random source (`common/random-pool.ts`): well formed, unique across
 * many pool refills, spread over the whole alphabet, and session ids still sort in creation order.
 */
import { describe, expect, it } from 'vitest';

import { pooledRandom } from '../../common/random-pool.js';
import { isId, newId } from '../../engine/ids.js';
import { isEventId, newEventId, readEventId, writeEventId } from '../../journal/event-id.js';

describe('ids from the pooled random source', () => {
  it('draws numbers in [0, 1) that cover every byte value, across refills', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 20_000; i++) {
      const value = pooledRandom();
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
      seen.add(value * 256);
    }
    // 20,000 draws span about five 4 KiB refills; every byte value shows up.
    expect(seen.size).toBe(256);
    expect([...seen].every(Number.isInteger)).toBe(true);
  });

  it('makes well-formed, unique event ids that survive their 16-byte form', () => {
    const ids = Array.from({ length: 5_000 }, () => newEventId());
    expect(new Set(ids).size).toBe(ids.length);
    const bytes = new Uint8Array(16);
    for (const id of ids.slice(0, 500)) {
      expect(isEventId(id)).toBe(true);
      writeEventId(id, bytes, 0);
      expect(readEventId(bytes, 0)).toBe(id);
    }
    // The random part (last 16 characters) uses the whole alphabet.
    const symbols = new Set(ids.flatMap((id) => [...id.slice(10)]));
    expect(symbols.size).toBe(32);
  });

  it('makes session ids that are unique and sort in creation order, within and across milliseconds', () => {
    const base = Date.now();
    const ids: string[] = [];
    for (let ms = 0; ms < 300; ms++) for (let i = 0; i < 10; i++) ids.push(newId('session', base + ms));
    expect(ids.every((id) => isId('session', id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });
});
