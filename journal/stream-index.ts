import { EVENT_ID_BYTES } from './event-id.js';

/** Values kept per event: its global position, then its 16-byte id as four 32-bit words. */
const SLOTS = 1 + EVENT_ID_BYTES / 4;
/** Values (not events) below which the array is kept at its exact size. */
const EXACT_SIZE_UP_TO = 12 * SLOTS;

/** The 32-bit little-endian word of `bytes` at `offset`, as a non-negative number. */
function word(bytes: Uint8Array, offset: number): number {
  return (
    (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)) >>>
    0
  );
}

/**
 * One life of a stream (deleting and recreating a stream starts a new one): revision -> global
 * position and revision -> event id, in ONE plain array of numbers (`SLOTS` per event, no object per
 * event). V8 keeps such an array unboxed, 8 bytes a value, and it needs no wrapper: a stream of a
 * few events costs ~0.2 KB, where two growable typed arrays cost ~0.6 KB (every typed array has an
 * ArrayBuffer object, and a small one its own elements) — what 100,000 sleeping sessions pay.
 */
export class StreamIndex {
  private events: number[] = [];

  constructor(
    readonly name: string,
    /** Distinguishes lives of the same name inside one store instance. */
    readonly instance: number,
  ) {}

  /** Number of events (appended, including not yet committed ones in the file store). */
  get count(): number {
    return this.events.length / SLOTS;
  }

  /** The global position of the event at `revision` (which must exist). */
  position(revision: number): number {
    return this.events[revision * SLOTS]!;
  }

  push(position: number, idSource: Uint8Array, idOffset: number): void {
    const values = [
      position,
      word(idSource, idOffset),
      word(idSource, idOffset + 4),
      word(idSource, idOffset + 8),
      word(idSource, idOffset + 12),
    ];
    // A short stream gets an array of exactly its size (`concat` allocates no spare room); `push`
    // grows by half plus 16 values, which for a sleeping session's two or three events doubles the
    // index (~100 B more per stream). Longer streams grow by `push`, amortized.
    if (this.events.length < EXACT_SIZE_UP_TO) this.events = this.events.concat(values);
    else this.events.push(...values);
  }

  /** True when the id at `revision` equals `source[offset, offset + 16)`. Compares the random tail first. */
  idEquals(revision: number, source: Uint8Array, offset: number): boolean {
    const base = revision * SLOTS + 1;
    for (let w = 3; w >= 0; w--) if (this.events[base + w] !== word(source, offset + 4 * w)) return false;
    return true;
  }

  /** Drops every event (a deleted life keeps its name and instance only). */
  clear(): void {
    this.events = [];
  }

  /** Copies the first `count` positions into `target` (a checkpoint). */
  positionsInto(target: Float64Array, count: number): void {
    for (let i = 0; i < count; i++) target[i] = this.events[i * SLOTS]!;
  }

  /** Copies the first `count` ids, 16 bytes each, into `target` at `offset` (a checkpoint). */
  idsInto(target: Uint8Array, offset: number, count: number): void {
    for (let i = 0; i < count; i++) {
      for (let w = 0; w < 4; w++) {
        const value = this.events[i * SLOTS + 1 + w]!;
        const at = offset + i * EVENT_ID_BYTES + 4 * w;
        target[at] = value & 0xff;
        target[at + 1] = (value >>> 8) & 0xff;
        target[at + 2] = (value >>> 16) & 0xff;
        target[at + 3] = value >>> 24;
      }
    }
  }

  /** Refills an empty index from a checkpoint's `positions` and `ids` (16 bytes per event). */
  restore(positions: Float64Array, ids: Uint8Array): void {
    const events = new Array<number>(positions.length * SLOTS);
    for (let i = 0; i < positions.length; i++) {
      events[i * SLOTS] = positions[i]!;
      for (let w = 0; w < 4; w++) events[i * SLOTS + 1 + w] = word(ids, i * EVENT_ID_BYTES + 4 * w);
    }
    this.events = events;
  }
}
