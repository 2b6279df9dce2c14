/**
 * The file store's table of stream lives by instance number: a chunked array that must behave as
 * the Map it replaced (same lookups, size and instance order), across chunk boundaries and chunks
 * emptied and filled again. Checked against a Map with a random sequence of operations.
 */
import { describe, expect, it } from 'vitest';

import { InstanceTable } from '../../journal/file/instance-table.js';
import { StreamState } from '../../journal/file/state.js';

const CHUNK = 4096;

function orderedValues(model: Map<number, StreamState>): StreamState[] {
  return [...model.entries()].sort(([a], [b]) => a - b).map(([, state]) => state);
}

describe('InstanceTable', () => {
  it('keeps lives across chunk boundaries and forgets them one by one', () => {
    const table = new InstanceTable();
    const instances = [0, 1, CHUNK - 1, CHUNK, 3 * CHUNK + 7];
    const states = instances.map((n) => new StreamState(`s-${n}`, n));
    for (const state of states) table.set(state.instance, state);
    expect(table.size).toBe(5);
    for (const state of states) expect(table.get(state.instance)).toBe(state);
    expect(table.get(2)).toBeUndefined();
    expect(table.get(2 * CHUNK)).toBeUndefined();
    expect(table.get(100 * CHUNK)).toBeUndefined();
    expect([...table.values()].map((s) => s.instance)).toEqual(instances);

    table.delete(CHUNK - 1);
    table.delete(CHUNK - 1); // twice: no change
    table.delete(12345); // never set: no change
    expect(table.size).toBe(4);
    expect(table.get(CHUNK - 1)).toBeUndefined();
    // The second chunk's only life goes, then a new life lands in it.
    table.delete(CHUNK);
    expect([...table.values()].map((s) => s.instance)).toEqual([0, 1, 3 * CHUNK + 7]);
    const again = new StreamState('again', CHUNK + 5);
    table.set(again.instance, again);
    expect(table.get(CHUNK + 5)).toBe(again);
    expect(table.size).toBe(4);
  });

  it('replacing a life keeps the size', () => {
    const table = new InstanceTable();
    table.set(9, new StreamState('a', 9));
    const replacement = new StreamState('b', 9);
    table.set(9, replacement);
    expect(table.size).toBe(1);
    expect(table.get(9)).toBe(replacement);
  });

  it('matches a Map over 20,000 random operations', () => {
    const table = new InstanceTable();
    const model = new Map<number, StreamState>();
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    let next = 0;
    for (let step = 0; step < 20_000; step++) {
      const op = random(10);
      if (op < 5) {
        // New lives in order, as the store hands them out, sometimes skipping ahead.
        next += 1 + (random(20) === 0 ? random(3 * CHUNK) : 0);
        const state = new StreamState(`s-${next}`, next);
        table.set(next, state);
        model.set(next, state);
      } else if (op < 9 && model.size > 0) {
        const keys = [...model.keys()];
        const victim = keys[random(keys.length)]!;
        table.delete(victim);
        model.delete(victim);
      } else {
        const probe = random(next + 2);
        expect(table.get(probe)).toBe(model.get(probe));
      }
      expect(table.size).toBe(model.size);
    }
    expect([...table.values()]).toEqual(orderedValues(model));
    for (const [instance, state] of model) expect(table.get(instance)).toBe(state);
  });
});
