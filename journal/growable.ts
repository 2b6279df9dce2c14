/** Append-only typed arrays that double their capacity: compact per-event indexes, no object per event. */

export class GrowableFloat64 {
  private array: Float64Array;
  length = 0;

  constructor(initialCapacity = 8, from?: Float64Array) {
    this.array = new Float64Array(Math.max(initialCapacity, from?.length ?? 0, 1));
    if (from) {
      this.array.set(from);
      this.length = from.length;
    }
  }

  push(value: number): void {
    if (this.length === this.array.length) this.grow(this.length + 1);
    this.array[this.length++] = value;
  }

  get(index: number): number {
    return this.array[index]!;
  }

  /** The live values; a view (valid until the next push). */
  view(start = 0, end = this.length): Float64Array {
    return this.array.subarray(start, end);
  }

  /** Drops values from `length` on (used to undo a tentative append). */
  truncate(length: number): void {
    this.length = Math.min(this.length, length);
  }

  private grow(minimum: number): void {
    const next = new Float64Array(Math.max(minimum, this.array.length * 2));
    next.set(this.array.subarray(0, this.length));
    this.array = next;
  }
}

export class GrowableUint32 {
  private array: Uint32Array;
  length = 0;

  constructor(initialCapacity = 8, from?: Uint32Array) {
    this.array = new Uint32Array(Math.max(initialCapacity, from?.length ?? 0, 1));
    if (from) {
      this.array.set(from);
      this.length = from.length;
    }
  }

  push(value: number): void {
    if (this.length === this.array.length) this.grow(this.length + 1);
    this.array[this.length++] = value;
  }

  get(index: number): number {
    return this.array[index]!;
  }

  view(start = 0, end = this.length): Uint32Array {
    return this.array.subarray(start, end);
  }

  private grow(minimum: number): void {
    const next = new Uint32Array(Math.max(minimum, this.array.length * 2));
    next.set(this.array.subarray(0, this.length));
    this.array = next;
  }
}
