/**
 * Which sessions have a live workflow context in a runner, bounded (least recently used goes
 * first). The engine owns this policy; the sandbox only holds what it is told to.
 */
export interface ContextCacheMetrics {
  size: number;
  capacity: number;
  /** Activations that found their context loaded. */
  hits: number;
  /** Activations that had to replay the journal to rebuild the context. */
  misses: number;
  evictions: number;
}

export class ContextCache {
  // A Map iterates in insertion order: re-inserting on use keeps the least recent first.
  private readonly order = new Map<string, true>();
  private hits = 0;
  private misses = 0;
  private evictions = 0;

  /**
   * @param capacity most contexts held at once.
   * @param evict drops a context in the sandbox; `canEvict` guards sessions in the middle of an activation.
   */
  constructor(
    private readonly capacity: number,
    private readonly release: (sessionId: string) => void,
    private readonly canEvict: (sessionId: string) => boolean,
  ) {}

  has(sessionId: string): boolean {
    return this.order.has(sessionId);
  }

  /** Records a use: a hit when loaded, otherwise a miss that will load it. */
  touch(sessionId: string): void {
    if (this.order.delete(sessionId)) this.hits++;
    else this.misses++;
    this.order.set(sessionId, true);
    this.trim();
  }

  /** Forgets a context the sandbox no longer holds (or that must not be used again). */
  drop(sessionId: string): void {
    if (this.order.delete(sessionId)) this.release(sessionId);
  }

  /** Evicts a context that is not needed soon (a session going to sleep); counted as an eviction. */
  evict(sessionId: string): void {
    if (!this.order.delete(sessionId)) return;
    this.evictions++;
    this.release(sessionId);
  }

  /** Forgets without telling the sandbox (it already lost the context). */
  forget(sessionId: string): void {
    this.order.delete(sessionId);
  }

  metrics(): ContextCacheMetrics {
    return {
      size: this.order.size,
      capacity: this.capacity,
      hits: this.hits,
      misses: this.misses,
      evictions: this.evictions,
    };
  }

  private trim(): void {
    if (this.order.size <= this.capacity) return;
    for (const sessionId of this.order.keys()) {
      if (this.order.size <= this.capacity) return;
      if (!this.canEvict(sessionId)) continue;
      this.order.delete(sessionId);
      this.evictions++;
      this.release(sessionId);
    }
  }
}
