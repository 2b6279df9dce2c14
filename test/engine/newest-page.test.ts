import { describe, expect, it } from 'vitest';
import { newestPage } from '../../engine/runtime/newest-page.js';

interface Item {
  id: string;
  even: boolean;
}

/** The obvious definition: filter, sort newest first, cut after the cursor. */
function naive(items: Item[], matches: (item: Item) => boolean, limit: number, cursor?: string) {
  const all = items.filter(matches).sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  const older = cursor === undefined ? all : all.filter((item) => item.id < cursor);
  const pageItems = older.slice(0, limit);
  const last = pageItems[pageItems.length - 1];
  return {
    items: pageItems,
    total: all.length,
    ...(last !== undefined && older.length > limit ? { nextCursor: last.id } : {}),
  };
}

/** A deterministic shuffle (the test must not depend on luck). */
function shuffled<T>(values: T[], seed: number): T[] {
  const out = [...values];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe('newestPage', () => {
  const ids = Array.from({ length: 300 }, (_, i) => ({
    id: `ses_${String(i).padStart(5, '0')}`,
    even: i % 2 === 0,
  }));
  const orders = { ascending: ids, descending: [...ids].reverse(), shuffled: shuffled(ids, 7) };
  const filters = { all: () => true, even: (item: Item) => item.even, none: () => false };

  for (const [orderName, order] of Object.entries(orders)) {
    for (const [filterName, filter] of Object.entries(filters)) {
      it(`pages like filter + sort + slice (${orderName} input, ${filterName})`, () => {
        for (const limit of [1, 2, 7, 50, 150, 1000]) {
          for (const cursor of [undefined, 'ses_00000', 'ses_00001', 'ses_00150', 'ses_00299', 'ses_99999']) {
            expect(newestPage(order, filter, limit, cursor)).toEqual(naive(order, filter, limit, cursor));
          }
        }
      });
    }
  }

  it('walks every match exactly once when following nextCursor', () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = newestPage(orders.shuffled, filters.even, 13, cursor);
      seen.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    expect(seen).toEqual(naive(ids, filters.even, 1000).items.map((item) => item.id));
  });
});
