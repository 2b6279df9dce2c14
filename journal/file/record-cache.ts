/**
 * A bounded cache of recent records (whole framed records, keyed by position), so replaying a
 * session that was just written does not touch the disk. First in, first out.
 *
 * The bytes live in a ring of a few large slabs allocated once, not in one small buffer per record:
 * the cache is the store's only long-lived holder of many small native allocations, and those,
 * interleaved with the short-lived buffers of writes and reads, kept the allocator from giving
 * freed memory back (an engine with 100,000 sleeping sessions held ~60 MB more with a 16 MiB
 * cache of per-record buffers than with none). A record is copied into the current slab; when it
 * does not fit, the next slab is emptied (its records evicted) and written from its start. The map
 * holds only a number per record (where it is and how long), so an entry costs no object of its own.
 */

/**
 * What a cached record costs beyond its bytes: its map slot, the boxed number locating it and its
 * slot in the slab's position list (measured ~40–50 B). Counted against the capacity, so the bound
 * holds for memory, not only for record bytes (small records would otherwise cost twice their size).
 */
const ENTRY_OVERHEAD_BYTES = 48;
/** Share of the capacity given to record bytes; the rest bounds the entries' overhead. */
const RING_SHARE = 3 / 4;
const TARGET_SLAB_BYTES = 1024 * 1024;
const MAX_SLABS = 16;
/** A location packs `ring offset × LENGTH_SPAN + length` in one safe integer. */
const LENGTH_SPAN = 2 ** 21;
const MAX_RING_BYTES = 2 ** 31;

export class RecordCache {
  private readonly slabBytes: number;
  private readonly slabs: (Buffer | undefined)[];
  /** Positions written into each slab (some may since be deleted or stored again elsewhere). */
  private readonly slabPositions: number[][];
  private readonly locations = new Map<number, number>();
  private readonly maxEntries: number;
  private current = 0;
  private used = 0;

  constructor(capacityBytes: number) {
    const ringBytes = Math.min(Math.floor(capacityBytes * RING_SHARE), MAX_RING_BYTES);
    const slabCount = Math.min(MAX_SLABS, Math.max(2, Math.floor(ringBytes / TARGET_SLAB_BYTES)));
    this.slabBytes = Math.min(Math.floor(ringBytes / slabCount), LENGTH_SPAN - 1);
    this.slabs = Array.from({ length: slabCount }, () => undefined);
    this.slabPositions = Array.from({ length: slabCount }, () => []);
    this.maxEntries = Math.floor((capacityBytes - ringBytes) / ENTRY_OVERHEAD_BYTES);
  }

  /** A copy of the record (the slab it is in is written over later). */
  get(position: number): Buffer | undefined {
    const location = this.locations.get(position);
    if (location === undefined) return undefined;
    const length = location % LENGTH_SPAN;
    const ringOffset = (location - length) / LENGTH_SPAN;
    const slab = this.slabs[Math.floor(ringOffset / this.slabBytes)] as Buffer;
    const offset = ringOffset % this.slabBytes;
    return Buffer.from(slab.subarray(offset, offset + length));
  }

  /** Keeps a copy of `record` (the caller may reuse or drop its buffer). */
  set(position: number, record: Uint8Array): void {
    const length = record.length;
    if (this.maxEntries === 0 || length === 0 || length > this.slabBytes) return;
    this.locations.delete(position);
    if (this.used + length > this.slabBytes) this.advance();
    while (this.locations.size >= this.maxEntries) this.evictOldestSlab();
    const slab = (this.slabs[this.current] ??= Buffer.allocUnsafeSlow(this.slabBytes));
    slab.set(record, this.used);
    this.locations.set(position, (this.current * this.slabBytes + this.used) * LENGTH_SPAN + length);
    (this.slabPositions[this.current] as number[]).push(position);
    this.used += length;
  }

  delete(position: number): void {
    this.locations.delete(position);
  }

  clear(): void {
    this.locations.clear();
    for (const positions of this.slabPositions) positions.length = 0;
    this.current = 0;
    this.used = 0;
  }

  /** Moves to the next slab, evicting what it held. */
  private advance(): void {
    this.current = (this.current + 1) % this.slabs.length;
    this.used = 0;
    this.evictSlab(this.current);
  }

  /** Too many entries: the slab after the current one holds the oldest. */
  private evictOldestSlab(): void {
    for (let step = 1; step <= this.slabs.length; step++) {
      const index = (this.current + step) % this.slabs.length;
      if ((this.slabPositions[index] as number[]).length === 0) continue;
      this.evictSlab(index);
      if (index === this.current) this.used = 0;
      return;
    }
  }

  private evictSlab(index: number): void {
    const positions = this.slabPositions[index] as number[];
    const start = index * this.slabBytes;
    for (const position of positions) {
      const location = this.locations.get(position);
      if (location === undefined) continue;
      const ringOffset = Math.floor(location / LENGTH_SPAN);
      // Only if it is still this copy (a record stored again lives in a newer slab).
      if (ringOffset >= start && ringOffset < start + this.slabBytes) this.locations.delete(position);
    }
    positions.length = 0;
  }
}
