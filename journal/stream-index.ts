import { EVENT_ID_BYTES } from './event-id.js';
import { GrowableBytes, GrowableFloat64 } from './growable.js';

/**
 * One life of a stream (deleting and recreating a stream starts a new one): revision -> global
 * position and revision -> event id, in two typed arrays (no object per event).
 */
export class StreamIndex {
  positions: GrowableFloat64;
  ids: GrowableBytes;

  constructor(
    readonly name: string,
    /** Distinguishes lives of the same name inside one store instance. */
    readonly instance: number,
    initialCapacity = 4,
  ) {
    this.positions = new GrowableFloat64(initialCapacity);
    this.ids = new GrowableBytes(EVENT_ID_BYTES, initialCapacity);
  }

  /** Number of events (appended, including not yet committed ones in the file store). */
  get count(): number {
    return this.positions.length;
  }

  push(position: number, idSource: Uint8Array, idOffset: number): void {
    this.positions.push(position);
    this.ids.push(idSource, idOffset);
  }

  /** True when the id at `revision` equals `source[offset, offset + 16)`. Compares the random tail first. */
  idEquals(revision: number, source: Uint8Array, offset: number): boolean {
    const bytes = this.ids.bytes;
    const base = revision * EVENT_ID_BYTES;
    for (let i = EVENT_ID_BYTES - 1; i >= 0; i--) if (bytes[base + i] !== source[offset + i]) return false;
    return true;
  }
}
