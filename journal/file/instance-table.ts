import type { StreamState } from './state.js';

/** Slots per chunk: 16 KiB of pointers. */
const CHUNK_BITS = 12;
const CHUNK_SIZE = 1 << CHUNK_BITS;

/**
 * Stream lives by instance number (segment entries name their stream by it). Instance numbers are
 * handed out in order and a life is forgotten once none of its entries is on disk, so the table is
 * an array of chunks of slots, a chunk dropped when its last life goes: 8 B per life (a pointer)
 * where a Map spends ~46 (100,000 sleeping sessions are 100,000 lives).
 */
export class InstanceTable {
  private readonly chunks: ((StreamState | undefined)[] | undefined)[] = [];
  private readonly chunkSizes: number[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(instance: number): StreamState | undefined {
    return this.chunks[instance >>> CHUNK_BITS]?.[instance & (CHUNK_SIZE - 1)];
  }

  set(instance: number, state: StreamState): void {
    const index = instance >>> CHUNK_BITS;
    while (this.chunks.length <= index) {
      this.chunks.push(undefined);
      this.chunkSizes.push(0);
    }
    // Filled with undefined up front: a packed array of pointer slots, never a sparse dictionary.
    const chunk = (this.chunks[index] ??= new Array<StreamState | undefined>(CHUNK_SIZE).fill(undefined));
    const slot = instance & (CHUNK_SIZE - 1);
    if (chunk[slot] === undefined) {
      this.count++;
      this.chunkSizes[index]!++;
    }
    chunk[slot] = state;
  }

  delete(instance: number): void {
    const index = instance >>> CHUNK_BITS;
    const chunk = this.chunks[index];
    const slot = instance & (CHUNK_SIZE - 1);
    if (chunk?.[slot] === undefined) return;
    chunk[slot] = undefined;
    this.count--;
    if (--this.chunkSizes[index]! === 0) this.chunks[index] = undefined;
  }

  /** Every life, by instance number. */
  *values(): IterableIterator<StreamState> {
    for (const chunk of this.chunks) {
      if (chunk === undefined) continue;
      for (const state of chunk) if (state !== undefined) yield state;
    }
  }
}
