/**
 * The index checkpoint (`index.wcp`): the in-memory index as of some committed point, so opening a
 * large journal reads one file instead of every record. Written to `index.wcp.tmp`, synced, then
 * renamed over the old one (and the directory synced). On open it is used only if every segment it
 * names still has the same generation and at least the bytes it covered; records after the covered
 * point are then scanned. Anything else (missing, damaged, stale after a compaction) means a full scan.
 *
 * Layout (little-endian; sections padded to 8 bytes so typed arrays can view the file directly):
 *   header: "WHSKIDX1", u32 version, u32 reserved, f64 head, f64 nextInstance, f64 segmentCount, f64 instanceCount
 *   per segment: f64 number, f64 generation, f64 coveredBytes, f64 entryCount, f64 deadBytes,
 *                f64[n] positions, f64[n] offsets, u32[n] lengths, u32[n] instances (padded)
 *   per stream life: f64 instance, f64 flags (1 = deleted), f64 entriesOnDisk, f64 eventCount, f64 nameBytes,
 *                name (padded), f64[count] positions, id bytes [16 * count] (padded)
 *   trailer: u32 CRC-32C of everything before, u32 0
 */
import path from 'node:path';
import { crc32c } from '../crc32c.js';
import { EVENT_ID_BYTES } from '../event-id.js';
import { GrowableFloat64, GrowableUint32 } from '../growable.js';
import { FORMAT_VERSION } from './format.js';
import { syncDirectory, writeFully, type JournalIo } from './io.js';
import type { Segment } from './state.js';
import { StreamState, type JournalState } from './state.js';

export const CHECKPOINT_FILE = 'index.wcp';
const MAGIC = Buffer.from('WHSKIDX1', 'latin1');
const HEADER_BYTES = 48;

const pad8 = (n: number): number => (n + 7) & ~7;

interface SegmentSnapshot {
  segment: Segment;
  covered: number;
  count: number;
}

interface InstanceSnapshot {
  state: StreamState;
  count: number;
  name: Buffer;
}

/** Serialises the committed index synchronously (a consistent snapshot) into one buffer. */
export function serializeCheckpoint(state: JournalState): Buffer {
  const segments: SegmentSnapshot[] = state.segments.map((segment) => ({
    segment,
    covered: segment.committedSize,
    count: segment.count,
  }));
  const instances: InstanceSnapshot[] = [];
  for (const instance of state.instances.values()) {
    if (instance.entriesOnDisk === 0 && instance.committed === 0) continue;
    instances.push({
      state: instance,
      count: instance.deleted ? 0 : instance.committed,
      name: Buffer.from(instance.name),
    });
  }
  let size = HEADER_BYTES;
  for (const s of segments) size += 40 + s.count * 16 + 2 * pad8(s.count * 4);
  for (const i of instances) size += 40 + pad8(i.name.length) + i.count * 8 + pad8(i.count * EVENT_ID_BYTES);
  size += 8;

  const out = Buffer.alloc(size);
  let at = 0;
  const f64 = (value: number): void => {
    out.writeDoubleLE(value, at);
    at += 8;
  };
  const bytes = (view: ArrayBufferView, length: number): void => {
    out.set(new Uint8Array(view.buffer, view.byteOffset, length), at);
    at += pad8(length);
  };
  MAGIC.copy(out, 0);
  out.writeUInt32LE(FORMAT_VERSION, 8);
  at = 16;
  f64(state.head);
  f64(state.nextInstance);
  f64(segments.length);
  f64(instances.length);
  for (const { segment, covered, count } of segments) {
    f64(segment.segmentNumber);
    f64(segment.generation);
    f64(covered);
    f64(count);
    f64(segment.deadBytes);
    bytes(segment.positions.view(0, count), count * 8);
    bytes(segment.offsets.view(0, count), count * 8);
    bytes(segment.lengths.view(0, count), count * 4);
    bytes(segment.instances.view(0, count), count * 4);
  }
  for (const { state: instance, count, name } of instances) {
    f64(instance.instance);
    f64(instance.deleted ? 1 : 0);
    f64(instance.entriesOnDisk);
    f64(count);
    f64(name.length);
    bytes(name, name.length);
    instance.positionsInto(new Float64Array(out.buffer, out.byteOffset + at, count), count);
    at += count * 8;
    instance.idsInto(out, at, count);
    at += pad8(count * EVENT_ID_BYTES);
  }
  out.writeUInt32LE(crc32c(out, 0, at), at);
  return out;
}

/** Writes a checkpoint atomically (temp file, fsync, rename, directory fsync). */
export async function writeCheckpoint(io: JournalIo, dir: string, data: Buffer): Promise<void> {
  const temporary = path.join(dir, `${CHECKPOINT_FILE}.tmp`);
  const fd = await io.open(temporary, 'w');
  try {
    await writeFully(io, fd, data, 0, data.length, 0);
    await io.fdatasync(fd);
  } finally {
    await io.close(fd);
  }
  await io.rename(temporary, path.join(dir, CHECKPOINT_FILE));
  await syncDirectory(io, dir);
}

export interface CheckpointSegment {
  segmentNumber: number;
  generation: number;
  covered: number;
  deadBytes: number;
  positions: Float64Array;
  offsets: Float64Array;
  lengths: Uint32Array;
  instances: Uint32Array;
}

export interface CheckpointInstance {
  instance: number;
  deleted: boolean;
  entriesOnDisk: number;
  name: string;
  positions: Float64Array;
  ids: Uint8Array;
}

export interface Checkpoint {
  head: number;
  nextInstance: number;
  segments: CheckpointSegment[];
  instances: CheckpointInstance[];
}

/** Parses a checkpoint file; undefined when it is damaged or of another version. */
export function parseCheckpoint(file: Buffer): Checkpoint | undefined {
  // Typed-array views need 8-byte alignment.
  const data = file.byteOffset % 8 === 0 ? file : Buffer.from(file);
  if (data.length < HEADER_BYTES + 8 || !data.subarray(0, 8).equals(MAGIC)) return undefined;
  if (data.readUInt32LE(8) !== FORMAT_VERSION) return undefined;
  const crcAt = data.length - 8;
  if (data.readUInt32LE(crcAt) !== crc32c(data, 0, crcAt)) return undefined;
  let at = 16;
  const f64 = (): number => {
    const value = data.readDoubleLE(at);
    at += 8;
    return value;
  };
  const view = <T>(
    make: (buffer: ArrayBufferLike, offset: number, length: number) => T,
    count: number,
    width: number,
  ): T => {
    const result = make(data.buffer, data.byteOffset + at, count);
    at += pad8(count * width);
    return result;
  };
  const float64s = (n: number): Float64Array => view((b, o, l) => new Float64Array(b, o, l), n, 8);
  const uint32s = (n: number): Uint32Array => view((b, o, l) => new Uint32Array(b, o, l), n, 4);
  const bytes = (n: number): Uint8Array => view((b, o, l) => new Uint8Array(b, o, l), n, 1);
  try {
    const head = f64();
    const nextInstance = f64();
    const segmentCount = f64();
    const instanceCount = f64();
    const segments: CheckpointSegment[] = [];
    for (let s = 0; s < segmentCount; s++) {
      const segmentNumber = f64();
      const generation = f64();
      const covered = f64();
      const count = f64();
      const deadBytes = f64();
      segments.push({
        segmentNumber,
        generation,
        covered,
        deadBytes,
        positions: float64s(count),
        offsets: float64s(count),
        lengths: uint32s(count),
        instances: uint32s(count),
      });
    }
    const instances: CheckpointInstance[] = [];
    for (let i = 0; i < instanceCount; i++) {
      const instance = f64();
      const deleted = f64() === 1;
      const entriesOnDisk = f64();
      const count = f64();
      const nameBytes = f64();
      const name = Buffer.from(bytes(nameBytes)).toString('utf8');
      instances.push({
        instance,
        deleted,
        entriesOnDisk,
        name,
        positions: float64s(count),
        ids: bytes(count * EVENT_ID_BYTES),
      });
    }
    if (at !== crcAt) return undefined;
    return { head, nextInstance, segments, instances };
  } catch {
    return undefined; // a view past the end: damaged
  }
}

/** Installs a parsed checkpoint's stream lives into `state` (segments are installed by the caller). */
export function installInstances(state: JournalState, checkpoint: Checkpoint): void {
  state.head = checkpoint.head;
  state.nextInstance = checkpoint.nextInstance;
  for (const saved of checkpoint.instances) {
    const instance = new StreamState(saved.name, saved.instance);
    if (saved.deleted) {
      instance.deleted = true;
    } else {
      // Copies: these lives may receive more events.
      instance.restore(saved.positions, saved.ids);
      instance.committed = instance.count;
      state.streams.set(saved.name, instance);
    }
    instance.entriesOnDisk = saved.entriesOnDisk;
    state.instances.set(saved.instance, instance);
  }
}

/** Fills a segment's entries from its checkpoint section. */
export function installSegmentEntries(segment: Segment, saved: CheckpointSegment): void {
  segment.positions = new GrowableFloat64(1024, saved.positions);
  segment.offsets = new GrowableFloat64(1024, saved.offsets);
  segment.lengths = new GrowableUint32(1024, saved.lengths);
  segment.instances = new GrowableUint32(1024, saved.instances);
  segment.deadBytes = saved.deadBytes;
}
