/**
 * Durable-timer index in memory: a binary min-heap of (time, key) with ONE Node timer armed for
 * the earliest entry, so 100,000 sleeping sessions cost one heap entry each and no Node timers.
 * The heap is rebuilt from the journal on start; this class holds no durable state.
 */
interface Entry {
  at: number;
  key: string;
  /** Incremented on every `set` of the key; stale heap entries are skipped (lazy deletion). */
  version: number;
}

/** Longest delay Node's setTimeout accepts (about 24.8 days). */
const MAX_NODE_DELAY_MS = 2_147_483_647;

export class TimerQueue {
  private readonly heap: Entry[] = [];
  private readonly live = new Map<string, Entry>();
  private timer: NodeJS.Timeout | undefined;
  private armedAt = Number.POSITIVE_INFINITY;
  private closed = false;

  /** @param onDue called with each key whose time has come, in time order. */
  constructor(private readonly onDue: (key: string) => void) {}

  get size(): number {
    return this.live.size;
  }

  /** Sets (or moves) the timer of `key` to fire at `at` (ms since epoch); past times fire at once. */
  set(key: string, at: number): void {
    if (this.closed) return;
    const previous = this.live.get(key);
    const entry: Entry = { at, key, version: (previous?.version ?? 0) + 1 };
    this.live.set(key, entry);
    this.push(entry);
    if (at < this.armedAt) this.arm();
  }

  delete(key: string): void {
    this.live.delete(key);
  }

  has(key: string): boolean {
    return this.live.has(key);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.heap.length = 0;
    this.live.clear();
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.dropStale();
    const next = this.heap[0];
    if (next === undefined) {
      this.armedAt = Number.POSITIVE_INFINITY;
      return;
    }
    this.armedAt = next.at;
    const delay = Math.min(Math.max(0, next.at - Date.now()), MAX_NODE_DELAY_MS);
    this.timer = setTimeout(() => this.fire(), delay);
    // Timers alone must not keep the host process alive.
    this.timer.unref();
  }

  private fire(): void {
    this.timer = undefined;
    this.armedAt = Number.POSITIVE_INFINITY;
    const now = Date.now();
    const due: string[] = [];
    for (;;) {
      this.dropStale();
      const top = this.heap[0];
      if (top === undefined || top.at > now) break;
      this.pop();
      this.live.delete(top.key);
      due.push(top.key);
    }
    for (const key of due) this.onDue(key);
    if (!this.closed) this.arm();
  }

  private dropStale(): void {
    for (;;) {
      const top = this.heap[0];
      if (top === undefined) return;
      if (this.live.get(top.key) === top) return;
      this.pop();
    }
  }

  private push(entry: Entry): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as Entry;
      if (p.at <= entry.at) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = entry;
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop();
    if (last === undefined || heap.length === 0) return;
    let i = 0;
    const n = heap.length;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && (heap[right] as Entry).at < (heap[left] as Entry).at ? right : left;
      if ((heap[child] as Entry).at >= last.at) break;
      heap[i] = heap[child] as Entry;
      i = child;
    }
    heap[i] = last;
  }
}
