/**
 * The engine's in-memory timer index: keys fire once, in time order, at their latest time; moved
 * and deleted keys leave stale heap entries that must never fire. Fake clock; a random sequence of
 * operations is checked against a plain model.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { TimerQueue } from '../../engine/runtime/timer-queue.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

function queue(): { timers: TimerQueue; fired: { key: string; at: number }[] } {
  const fired: { key: string; at: number }[] = [];
  const timers = new TimerQueue((key) => fired.push({ key, at: Date.now() }));
  return { timers, fired };
}

describe('TimerQueue', () => {
  it('fires each key once, in time order, and a past time at once', async () => {
    const { timers, fired } = queue();
    const now = Date.now();
    timers.set('c', now + 300);
    timers.set('a', now + 100);
    timers.set('b', now + 200);
    timers.set('past', now - 50);
    expect(timers.size).toBe(4);
    await vi.advanceTimersByTimeAsync(0);
    expect(fired.map((f) => f.key)).toEqual(['past']);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fired.map((f) => f.key)).toEqual(['past', 'a', 'b', 'c']);
    expect(fired.map((f) => f.at - now)).toEqual([0, 100, 200, 300]);
    expect(timers.size).toBe(0);
  });

  it('moves a key (earlier or later), forgets a deleted one, and fires a re-set key once', async () => {
    const { timers, fired } = queue();
    const now = Date.now();
    timers.set('later', now + 100);
    timers.set('later', now + 500); // moved later: its first entry is stale
    timers.set('earlier', now + 400);
    timers.set('earlier', now + 50); // moved earlier: re-arms
    timers.set('gone', now + 10);
    timers.delete('gone');
    timers.set('twice', now + 200);
    timers.set('twice', now + 200); // same time again: one firing
    timers.set('back', now + 300);
    timers.set('back', now + 600);
    timers.set('back', now + 300); // back to its first time: two current-looking entries, one firing
    expect(timers.has('gone')).toBe(false);
    expect(timers.has('later')).toBe(true);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fired.map((f) => [f.key, f.at - now])).toEqual([
      ['earlier', 50],
      ['twice', 200],
      ['back', 300],
      ['later', 500],
    ]);
  });

  it('matches a plain model over random operations', async () => {
    const { timers, fired } = queue();
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const model = new Map<string, number>();
    const expected: { key: string; at: number }[] = [];
    for (let step = 0; step < 3_000; step++) {
      const key = `k${random(40)}`;
      const op = random(10);
      if (op < 6) {
        const at = Date.now() + random(500);
        timers.set(key, at);
        model.set(key, at);
      } else if (op < 8) {
        timers.delete(key);
        model.delete(key);
      } else {
        const ms = random(120);
        const until = Date.now() + ms;
        // What the model says fires by then, in time order (ties by nothing the test relies on).
        const due = [...model].filter(([, at]) => at <= until).sort((a, b) => a[1] - b[1]);
        for (const [dueKey, at] of due) {
          expected.push({ key: dueKey, at });
          model.delete(dueKey);
        }
        await vi.advanceTimersByTimeAsync(ms);
      }
      expect(timers.size).toBe(model.size);
    }
    await vi.advanceTimersByTimeAsync(1_000);
    for (const [key, at] of [...model].sort((a, b) => a[1] - b[1])) expected.push({ key, at });
    // Each key fires at its latest time (a firing is never early, and never late on a fake clock).
    const sortKey = (f: { key: string; at: number }): string => `${String(f.at).padStart(12, '0')}:${f.key}`;
    expect(fired.map(sortKey).sort()).toEqual(expected.map(sortKey).sort());
    expect(fired.map((f) => f.at)).toEqual([...fired.map((f) => f.at)].sort((a, b) => a - b));
  });

  it('fires nothing after close', async () => {
    const { timers, fired } = queue();
    timers.set('a', Date.now() + 10);
    timers.close();
    timers.set('b', Date.now() + 10);
    await vi.advanceTimersByTimeAsync(100);
    expect(fired).toEqual([]);
    expect(timers.size).toBe(0);
  });
});
