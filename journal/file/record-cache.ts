/**
 * A bounded cache of recent records (whole framed records, keyed by position), so replaying a
 * session that was just written does not touch the disk. First in, first out. Eviction order is
 * kept in a separate queue: taking the oldest entry of a JS Map after many deletions walks over
 * the deleted slots (quadratic under churn). Values are raw bytes, decoded per read, so callers
 * never share objects.
 */
/**
 * What a cached record costs beyond its bytes (the Buffer view object, its Map entry and queue slot,
 * ~130 B measured in heap snapshots): counted against the capacity, so the bound holds for memory,
 * not only for record bytes (small records would otherwise cost twice their size).
 */
const ENTRY_OVERHEAD_BYTES = 128;

export class RecordCache {
  private readonly records = new Map<number, Buffer>();
  private bytes = 0;
  /** Insertion order (positions may repeat or be stale; the Map is the truth). */
  private queue: number[] = [];
  private head = 0;

  constructor(private readonly capacityBytes: number) {}

  get(position: number): Buffer | undefined {
    return this.records.get(position);
  }

  set(position: number, record: Buffer): void {
    if (this.capacityBytes === 0 || record.length > this.capacityBytes / 4) return;
    this.delete(position);
    this.records.set(position, record);
    this.bytes += record.length + ENTRY_OVERHEAD_BYTES;
    this.queue.push(position);
    while (this.bytes > this.capacityBytes && this.head < this.queue.length) {
      this.delete(this.queue[this.head++]!);
    }
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  delete(position: number): void {
    const record = this.records.get(position);
    if (record) {
      this.bytes -= record.length + ENTRY_OVERHEAD_BYTES;
      this.records.delete(position);
    }
  }

  clear(): void {
    this.records.clear();
    this.queue = [];
    this.head = 0;
    this.bytes = 0;
  }
}
