/**
 * A bounded cache of recent records (whole framed records, keyed by position), so replaying a
 * session that was just written does not touch the disk. First in, first out by insertion: Map
 * iteration order makes that O(1). Values are raw bytes, decoded per read, so callers never share objects.
 */
export class RecordCache {
  private readonly records = new Map<number, Buffer>();
  private bytes = 0;

  constructor(private readonly capacityBytes: number) {}

  get(position: number): Buffer | undefined {
    return this.records.get(position);
  }

  set(position: number, record: Buffer): void {
    if (this.capacityBytes === 0 || record.length > this.capacityBytes / 4) return;
    const previous = this.records.get(position);
    if (previous) {
      this.bytes -= previous.length;
      this.records.delete(position);
    }
    this.records.set(position, record);
    this.bytes += record.length;
    while (this.bytes > this.capacityBytes) {
      const oldest = this.records.entries().next().value;
      if (oldest === undefined) break;
      this.records.delete(oldest[0]);
      this.bytes -= oldest[1].length;
    }
  }

  delete(position: number): void {
    const record = this.records.get(position);
    if (record) {
      this.bytes -= record.length;
      this.records.delete(position);
    }
  }

  clear(): void {
    this.records.clear();
    this.bytes = 0;
  }
}
