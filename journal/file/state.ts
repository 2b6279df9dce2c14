/**
 * The file backend's in-memory index: per segment, its entries (position, offset, length, stream
 * instance) in typed arrays; per stream life, revision -> position and id (see `StreamIndex`).
 */
import { GrowableFloat64, GrowableUint32 } from '../growable.js';
import { StreamIndex } from '../stream-index.js';
import { InstanceTable } from './instance-table.js';
import type { JournalIo } from './io.js';

/** One life of a stream in the file store. */
export class StreamState extends StreamIndex {
  /** Events visible to readers (the rest are appended but not yet durable). */
  committed = 0;
  deleted = false;
  /** Entries of this life still in segment files (a deleted life is forgotten when this reaches 0). */
  entriesOnDisk = 0;
  /** Recovery only: where the stream's revisions stopped being contiguous (fine if it was deleted later). */
  broken: { segment: string; offset: number } | undefined;

  /** Drops the per-event index of a deleted life. */
  forgetEvents(): void {
    this.clear();
  }
}

export class Segment {
  positions: GrowableFloat64;
  offsets: GrowableFloat64;
  lengths: GrowableUint32;
  instances: GrowableUint32;
  /** Bytes of entries whose stream life was deleted. */
  deadBytes = 0;
  /** Bytes whose records are committed (in the index); what a checkpoint may claim to cover. */
  committedSize: number;
  /** Active segment: the file extends (with zeros past `size`) to here, so a commit's fdatasync need not grow it. */
  zeroedEnd = 0;
  private pins = 0;
  private retired = false;

  constructor(
    readonly segmentNumber: number,
    readonly generation: number,
    readonly fileName: string,
    readonly fd: number,
    /** Bytes written (the next write offset of the active segment). */
    public size: number,
    private readonly io: JournalIo,
    capacity = 1024,
  ) {
    this.committedSize = size;
    this.positions = new GrowableFloat64(capacity);
    this.offsets = new GrowableFloat64(capacity);
    this.lengths = new GrowableUint32(capacity);
    this.instances = new GrowableUint32(capacity);
  }

  get count(): number {
    return this.positions.length;
  }

  addEntry(position: number, offset: number, length: number, instance: number): void {
    this.positions.push(position);
    this.offsets.push(offset);
    this.lengths.push(length);
    this.instances.push(instance);
  }

  /** Index of the entry at `position`, or -1. */
  find(position: number): number {
    const index = this.firstAtOrAfter(position);
    return index < this.count && this.positions.get(index) === position ? index : -1;
  }

  /** Index of the first entry whose position is >= `position` (`count` when none). */
  firstAtOrAfter(position: number): number {
    let low = 0;
    let high = this.count;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.positions.get(mid) < position) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** Keeps the file open while a read uses it, even if compaction replaces the segment meanwhile. */
  pin(): void {
    this.pins++;
  }

  unpin(): void {
    this.pins--;
    if (this.retired && this.pins === 0) this.closeFile();
  }

  /** Replaced (compaction) or removed: close the file once no read uses it. */
  retire(): void {
    this.retired = true;
    if (this.pins === 0) this.closeFile();
  }

  private closeFile(): void {
    this.io.close(this.fd).catch(() => undefined);
  }
}

/** Everything the file store knows about the journal's contents. */
export class JournalState {
  /** Ordered by segment number; the last is the active (written) one. */
  segments: Segment[] = [];
  readonly instances = new InstanceTable();
  /** Live streams as readers see them (committed). */
  readonly streams = new Map<string, StreamState>();
  nextInstance = 0;
  /** Position of the last committed event (-1: none). Tombstones are never removed, so this never goes back. */
  head = -1;

  newInstance(name: string): StreamState {
    const state = new StreamState(name, this.nextInstance++);
    this.instances.set(state.instance, state);
    return state;
  }

  get active(): Segment {
    return this.segments[this.segments.length - 1]!;
  }

  /** The segment holding `position`, or undefined. (Only the active segment can be empty.) */
  segmentFor(position: number): Segment | undefined {
    let low = 0;
    let high = this.segments.length - 1;
    if (high >= 0 && this.segments[high]!.count === 0) high--;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const segment = this.segments[mid]!;
      if (position < segment.positions.get(0)) high = mid - 1;
      else if (position > segment.positions.get(segment.count - 1)) low = mid + 1;
      else return segment;
    }
    return undefined;
  }

  /**
   * Marks a stream life deleted: readers stop seeing it at once, its entries become dead bytes.
   * Returns the segments that gained dead bytes.
   */
  deleteStream(state: StreamState): Set<Segment> {
    const touched = new Set<Segment>();
    state.deleted = true;
    if (this.streams.get(state.name) === state) this.streams.delete(state.name);
    for (let revision = 0; revision < state.count; revision++) {
      const position = state.position(revision);
      const segment = this.segmentFor(position);
      const index = segment?.find(position) ?? -1;
      if (segment && index >= 0) {
        segment.deadBytes += segment.lengths.get(index);
        touched.add(segment);
      }
    }
    state.forgetEvents();
    if (state.entriesOnDisk === 0) this.instances.delete(state.instance);
    return touched;
  }

  /** Recomputes every segment's dead bytes from the entries (after recovery). */
  recountDeadBytes(): void {
    for (const segment of this.segments) this.recountSegmentDeadBytes(segment);
  }

  recountSegmentDeadBytes(segment: Segment): void {
    {
      let dead = 0;
      let lastInstance = -1;
      let lastDead = false;
      for (let i = 0; i < segment.count; i++) {
        const instance = segment.instances.get(i);
        if (instance !== lastInstance) {
          lastInstance = instance;
          lastDead = this.instances.get(instance)?.deleted !== false;
        }
        if (lastDead) dead += segment.lengths.get(i);
      }
      segment.deadBytes = dead;
    }
  }
}
