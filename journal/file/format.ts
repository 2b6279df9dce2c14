/**
 * The on-disk format (see `journal/FORMAT.md`): segment files of framed records.
 *
 * Segment header (32 bytes): magic "WHSKSEG1", u32 format version, u32 reserved, u64 segment number,
 * u32 generation (random, new on every rewrite), u32 CRC-32C of bytes 0..27.
 *
 * Record: u32 payload length, u32 CRC-32C of the payload, payload:
 *   0 u8 flags (bit 0: last event of its append batch), 1 u8 kind (1 = event), 2 u16 stream length,
 *   4 u16 type length, 6 u16 reserved (0), 8 u32 metadata length (0 = none), 12 u32 reserved (0),
 *   16 f64 position, 24 f64 revision, 32 f64 recordedAt, 40 id (16 bytes),
 *   56 stream (UTF-8), type (UTF-8), metadata (msgpack), data (msgpack, the rest).
 * All integers little-endian.
 */
import { crc32c } from '../crc32c.js';
import { readEventId } from '../event-id.js';
import { toRecordedEvent } from '../recorded-event.js';
import type { RecordedEvent } from '../types.js';

export const FORMAT_VERSION = 1;
export const SEGMENT_MAGIC = Buffer.from('WHSKSEG1', 'latin1');
export const SEGMENT_HEADER_BYTES = 32;
export const FRAME_BYTES = 8;
export const PAYLOAD_FIXED_BYTES = 56;
export const FLAG_BATCH_END = 1;
export const KIND_EVENT = 1;
/** Largest payload (one event): bigger values belong in a blob store, with a reference in the event. */
export const MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;
/** Smallest valid payload: fixed part + 1-byte stream + 1-byte type + 1-byte data. */
export const MIN_PAYLOAD_BYTES = PAYLOAD_FIXED_BYTES + 3;

const SEGMENT_NAME = /^segment-(\d{12})\.wlog$/;

export function segmentFileName(segmentNumber: number): string {
  return `segment-${String(segmentNumber).padStart(12, '0')}.wlog`;
}

export function parseSegmentFileName(name: string): number | undefined {
  const match = SEGMENT_NAME.exec(name);
  return match ? Number(match[1]) : undefined;
}

export function encodeSegmentHeader(segmentNumber: number, generation: number): Buffer {
  const header = Buffer.alloc(SEGMENT_HEADER_BYTES);
  SEGMENT_MAGIC.copy(header, 0);
  header.writeUInt32LE(FORMAT_VERSION, 8);
  header.writeUInt32LE(segmentNumber % 2 ** 32, 16);
  header.writeUInt32LE(Math.floor(segmentNumber / 2 ** 32), 20);
  header.writeUInt32LE(generation >>> 0, 24);
  header.writeUInt32LE(crc32c(header, 0, 28), 28);
  return header;
}

export interface SegmentHeader {
  segmentNumber: number;
  generation: number;
  version: number;
}

/** The header, or a reason it is not one. */
export function decodeSegmentHeader(bytes: Buffer): SegmentHeader | string {
  if (bytes.length < SEGMENT_HEADER_BYTES) return 'the segment header is cut short';
  if (!bytes.subarray(0, 8).equals(SEGMENT_MAGIC)) return 'not a Whisker journal segment (bad magic)';
  if (bytes.readUInt32LE(28) !== crc32c(bytes, 0, 28)) return 'the segment header checksum does not match';
  const version = bytes.readUInt32LE(8);
  if (version !== FORMAT_VERSION) {
    return `segment format version ${version} is not supported (this build reads version ${FORMAT_VERSION})`;
  }
  return {
    segmentNumber: bytes.readUInt32LE(16) + bytes.readUInt32LE(20) * 2 ** 32,
    generation: bytes.readUInt32LE(24),
    version,
  };
}

/** Bytes one record takes on disk. */
export function recordSize(
  streamBytes: number,
  typeBytes: number,
  metadataBytes: number,
  dataBytes: number,
): number {
  return FRAME_BYTES + PAYLOAD_FIXED_BYTES + streamBytes + typeBytes + metadataBytes + dataBytes;
}

export interface RecordFields {
  flags: number;
  position: number;
  revision: number;
  recordedAt: number;
  idBytes: Uint8Array;
  idOffset: number;
  stream: string;
  streamBytes: number;
  type: string;
  typeBytes: number;
  metadata: Uint8Array | undefined;
  data: Uint8Array;
}

/** Writes one framed record at `offset`; returns the offset after it. `target` must have room. */
export function writeRecord(target: Buffer, offset: number, fields: RecordFields): number {
  const metadataLength = fields.metadata?.length ?? 0;
  const payloadLength =
    PAYLOAD_FIXED_BYTES + fields.streamBytes + fields.typeBytes + metadataLength + fields.data.length;
  const p = offset + FRAME_BYTES;
  target[p] = fields.flags;
  target[p + 1] = KIND_EVENT;
  target.writeUInt16LE(fields.streamBytes, p + 2);
  target.writeUInt16LE(fields.typeBytes, p + 4);
  target.writeUInt16LE(0, p + 6);
  target.writeUInt32LE(metadataLength, p + 8);
  target.writeUInt32LE(0, p + 12);
  target.writeDoubleLE(fields.position, p + 16);
  target.writeDoubleLE(fields.revision, p + 24);
  target.writeDoubleLE(fields.recordedAt, p + 32);
  for (let i = 0; i < 16; i++) target[p + 40 + i] = fields.idBytes[fields.idOffset + i]!;
  let cursor = p + PAYLOAD_FIXED_BYTES;
  cursor += target.write(fields.stream, cursor, fields.streamBytes, 'utf8');
  cursor += target.write(fields.type, cursor, fields.typeBytes, 'utf8');
  if (fields.metadata) {
    target.set(fields.metadata, cursor);
    cursor += metadataLength;
  }
  target.set(fields.data, cursor);
  cursor += fields.data.length;
  target.writeUInt32LE(payloadLength, offset);
  target.writeUInt32LE(crc32c(target, p, p + payloadLength), offset + 4);
  return cursor;
}

/** What `checkRecord` found at an offset. */
export type RecordCheck =
  | { kind: 'ok'; length: number }
  /** Not enough bytes buffered to tell (the frame or payload runs past `end`). */
  | { kind: 'incomplete'; length: number }
  | { kind: 'bad'; reason: string };

/**
 * Checks the framed record at `buffer[offset]`, given that the buffer holds valid bytes up to `end`
 * (`length` is the whole record, frame included).
 */
export function checkRecord(buffer: Buffer, offset: number, end: number): RecordCheck {
  if (end - offset < FRAME_BYTES) return { kind: 'incomplete', length: FRAME_BYTES };
  const payloadLength = buffer.readUInt32LE(offset);
  if (payloadLength < MIN_PAYLOAD_BYTES || payloadLength > MAX_PAYLOAD_BYTES) {
    return { kind: 'bad', reason: `implausible record length ${payloadLength}` };
  }
  const length = FRAME_BYTES + payloadLength;
  if (end - offset < length) return { kind: 'incomplete', length };
  const p = offset + FRAME_BYTES;
  // The cheap layout checks first: a scan for valid records after damage tries every offset.
  const layout = checkLayout(buffer, p, payloadLength);
  if (layout !== undefined) return { kind: 'bad', reason: layout };
  if (buffer.readUInt32LE(offset + 4) !== crc32c(buffer, p, p + payloadLength)) {
    return { kind: 'bad', reason: 'record checksum (CRC-32C) does not match' };
  }
  return { kind: 'ok', length };
}

function checkLayout(buffer: Buffer, p: number, payloadLength: number): string | undefined {
  if ((buffer[p]! & ~FLAG_BATCH_END) !== 0 || buffer[p + 1] !== KIND_EVENT)
    return 'unknown record flags or kind';
  if (buffer.readUInt16LE(p + 6) !== 0 || buffer.readUInt32LE(p + 12) !== 0)
    return 'reserved record fields are not zero';
  const streamLength = buffer.readUInt16LE(p + 2);
  const typeLength = buffer.readUInt16LE(p + 4);
  if (streamLength === 0 || typeLength === 0) return 'record has an empty stream name or type';
  if (PAYLOAD_FIXED_BYTES + streamLength + typeLength + buffer.readUInt32LE(p + 8) >= payloadLength) {
    return 'record fields overrun the record';
  }
  const position = buffer.readDoubleLE(p + 16);
  const revision = buffer.readDoubleLE(p + 24);
  if (!Number.isSafeInteger(position) || position < 0 || !Number.isSafeInteger(revision) || revision < 0) {
    return 'record position or revision is not a valid integer';
  }
  return undefined;
}

/** The fields the index needs from a record whose payload starts at `p`. */
export interface RecordSummary {
  flags: number;
  position: number;
  revision: number;
  stream: string;
  type: string;
  /** Offset of the 16 id bytes in the buffer. */
  idOffset: number;
  /** Data bytes (for `$stream-deleted` events). */
  dataStart: number;
  dataEnd: number;
}

export function summarizeRecord(buffer: Buffer, offset: number): RecordSummary {
  const p = offset + FRAME_BYTES;
  const payloadLength = buffer.readUInt32LE(offset);
  const streamLength = buffer.readUInt16LE(p + 2);
  const typeLength = buffer.readUInt16LE(p + 4);
  const metadataLength = buffer.readUInt32LE(p + 8);
  const streamStart = p + PAYLOAD_FIXED_BYTES;
  const typeStart = streamStart + streamLength;
  return {
    flags: buffer[p]!,
    position: buffer.readDoubleLE(p + 16),
    revision: buffer.readDoubleLE(p + 24),
    stream: buffer.toString('utf8', streamStart, typeStart),
    type: buffer.toString('utf8', typeStart, typeStart + typeLength),
    idOffset: p + 40,
    dataStart: typeStart + typeLength + metadataLength,
    dataEnd: p + payloadLength,
  };
}

/** Decodes a whole framed record (already checked) into a `RecordedEvent`. */
export function decodeRecord(record: Buffer): RecordedEvent {
  const p = FRAME_BYTES;
  const payloadEnd = p + record.readUInt32LE(0);
  const streamLength = record.readUInt16LE(p + 2);
  const typeLength = record.readUInt16LE(p + 4);
  const metadataLength = record.readUInt32LE(p + 8);
  const streamStart = p + PAYLOAD_FIXED_BYTES;
  const typeStart = streamStart + streamLength;
  const metadataStart = typeStart + typeLength;
  const dataStart = metadataStart + metadataLength;
  return toRecordedEvent(
    {
      id: readEventId(record, p + 40),
      stream: record.toString('utf8', streamStart, typeStart),
      type: record.toString('utf8', typeStart, metadataStart),
      position: record.readDoubleLE(p + 16),
      revision: record.readDoubleLE(p + 24),
      recordedAt: record.readDoubleLE(p + 32),
    },
    record.subarray(dataStart, payloadEnd),
    metadataLength === 0 ? undefined : record.subarray(metadataStart, dataStart),
  );
}
