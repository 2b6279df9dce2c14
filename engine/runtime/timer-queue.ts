/**
 * Durable-timer index in memory: a binary min-heap of (time, key) with ONE Node timer armed for
 * the earliest entry, so 100,000 sleeping sessions cost one heap entry each and no Node timers.
 * The heap is rebuilt from the journal on start; this class holds no durable state.
 *
 * Compact on purpose (it is most of what a sleeping session costs the engine): the heap is two
 * parallel arrays (times unboxed, keys), no object per entry; `live` maps a key to its current time.
 * A moved or deleted key leaves its old heap entry behind, skipped when it comes up (lazy deletion):
 * an entry is current only while `live` holds its key at its time.
 */

/** Longest delay Node's setTimeout accepts (about 24.8 days). */
const MAX_NODE_DELAY_MS = 2_147_483_647;

export class TimerQueue {
  private readonly times: number[] = [];
  private readonly keys: string[] = [];
  private readonly live = new Map<string, number>();
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
    if (this.live.get(key) === at) return;
    this.live.set(key, at);
    this.push(at, key);
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
    this.times.length = 0;
    this.keys.length = 0;
    this.live.clear();
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.dropStale();
    if (this.times.length === 0) {
      this.armedAt = Number.POSITIVE_INFINITY;
      return;
    }
    const next = this.times[0] as number;
    this.armedAt = next;
    const delay = Math.min(Math.max(0, next - Date.now()), MAX_NODE_DELAY_MS);
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
      if (this.times.length === 0 || (this.times[0] as number) > now) break;
      const key = this.keys[0] as string;
      this.pop();
      this.live.delete(key);
      due.push(key);
    }
    for (const key of due) this.onDue(key);
    if (!this.closed) this.arm();
  }

  /** Pops entries at the top that are no longer current. */
  private dropStale(): void {
    while (this.times.length > 0 && this.live.get(this.keys[0] as string) !== this.times[0]) this.pop();
  }

  private push(at: number, key: string): void {
    const { times, keys } = this;
    let i = times.length;
    times.push(at);
    keys.push(key);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((times[parent] as number) <= at) break;
      times[i] = times[parent] as number;
      keys[i] = keys[parent] as string;
      i = parent;
    }
    times[i] = at;
    keys[i] = key;
  }

  private pop(): void {
    const { times, keys } = this;
    const lastAt = times.pop();
    const lastKey = keys.pop();
    if (lastAt === undefined || lastKey === undefined || times.length === 0) return;
    let i = 0;
    const n = times.length;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && (times[right] as number) < (times[left] as number) ? right : left;
      if ((times[child] as number) >= lastAt) break;
      times[i] = times[child] as number;
      keys[i] = keys[child] as string;
      i = child;
    }
    times[i] = lastAt;
    keys[i] = lastKey;
  }
}
