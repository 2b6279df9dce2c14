/**
 * One page of a newest-first listing without sorting every match: the `limit` largest ids below the
 * cursor are kept in a min-heap while the matches stream by, so a listing is O(n log limit) and
 * allocates no array of every match (100,000 sessions: ~21 ms instead of ~28 ms for sort-then-slice,
 * measured on ULID ids in creation order, the order the engine holds sessions in).
 */
export interface NewestPage<T> {
  /** Newest (largest id) first. */
  items: T[];
  /** Matches across all pages (the cursor does not change it). */
  total: number;
  /** The id to continue after, when older matches remain. */
  nextCursor?: string;
}

export function newestPage<T extends { readonly id: string }>(
  candidates: Iterable<T>,
  matches: (candidate: T) => boolean,
  limit: number,
  cursor?: string,
): NewestPage<T> {
  const heap: T[] = []; // min-heap by id: heap[0] is the oldest kept
  let total = 0;
  let older = 0; // matches below the cursor
  for (const item of candidates) {
    if (!matches(item)) continue;
    total++;
    if (cursor !== undefined && !(item.id < cursor)) continue;
    older++;
    if (heap.length < limit) {
      heap.push(item);
      siftUp(heap, heap.length - 1);
    } else if ((heap[0] as T).id < item.id) {
      heap[0] = item;
      siftDown(heap, 0);
    }
  }
  const items = heap.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  const page: NewestPage<T> = { items, total };
  const last = items[items.length - 1];
  if (last !== undefined && older > limit) page.nextCursor = last.id;
  return page;
}

function siftUp<T extends { readonly id: string }>(heap: T[], index: number): void {
  const item = heap[index] as T;
  while (index > 0) {
    const parent = (index - 1) >> 1;
    const above = heap[parent] as T;
    if (!(item.id < above.id)) break;
    heap[index] = above;
    index = parent;
  }
  heap[index] = item;
}

function siftDown<T extends { readonly id: string }>(heap: T[], index: number): void {
  const item = heap[index] as T;
  const length = heap.length;
  for (;;) {
    let child = 2 * index + 1;
    if (child >= length) break;
    const right = child + 1;
    if (right < length && (heap[right] as T).id < (heap[child] as T).id) child = right;
    const below = heap[child] as T;
    if (!(below.id < item.id)) break;
    heap[index] = below;
    index = child;
  }
  heap[index] = item;
}
