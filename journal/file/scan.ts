/**
 * Recovery: reads segment files record by record and rebuilds the index. A batch becomes part of
 * the journal only when its last record (flagged "batch end") is whole.
 * - In the last segment, a record cut short, or a bad record with no valid record anywhere after
 *   it, is a torn tail: the file is truncated back to the end of the last whole batch.
 * - A bad record followed by a valid one, or any damage in an earlier segment, is corruption:
 *   `JournalCorruptedError` names the file and offset, and nothing is truncated.
 */
import { decodeValue } from '../codec.js';
import { JournalCorruptedError } from '../errors.js';
import { EVENT_ID_BYTES } from '../event-id.js';
import { STREAM_DELETED_EVENT_TYPE, SYSTEM_STREAMS_STREAM, type StreamDeletedData } from '../types.js';
import { checkRecord, FLAG_BATCH_END, summarizeRecord, type RecordSummary } from './format.js';
import { readFully, type JournalIo } from './io.js';
import type { JournalState, Segment } from './state.js';

const CHUNK_BYTES = 4 * 1024 * 1024;

interface PendingRecord {
  summary: RecordSummary;
  offset: number;
  length: number;
  id: Uint8Array;
  /** For a `$stream-deleted` record: the stream it deletes. */
  deletes: string | undefined;
}

export interface ScanResult {
  /** Bytes of a torn tail cut from the end of the file (not counting preallocated zeros), 0 when none. */
  truncatedBytes: number;
  /** Bytes of records read. */
  scannedBytes: number;
}

/**
 * Scans `segment` from byte `from` to its end into `state`. `isLast`: the journal's last segment,
 * where a torn tail is expected after a crash.
 */
export async function scanSegment(
  io: JournalIo,
  state: JournalState,
  segment: Segment,
  from: number,
  isLast: boolean,
): Promise<ScanResult> {
  const fileSize = await io.fstatSize(segment.fd);
  let buffer = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, Math.max(fileSize - from, 64)));
  let bufferStart = from; // file offset of buffer[0]
  let bufferEnd = 0; // valid bytes in buffer
  let offset = from; // file offset of the next record
  let batchStart = from;
  let pending: PendingRecord[] = [];

  const refill = async (needed: number): Promise<boolean> => {
    const keep = bufferEnd - (offset - bufferStart);
    if (needed > buffer.length) {
      const bigger = Buffer.allocUnsafe(Math.max(needed, buffer.length * 2));
      buffer.copy(bigger, 0, offset - bufferStart, bufferEnd);
      buffer = bigger;
    } else {
      buffer.copy(buffer, 0, offset - bufferStart, bufferEnd);
    }
    bufferStart = offset;
    bufferEnd = keep;
    const read = await readFully(io, segment.fd, buffer, keep, buffer.length - keep, offset + keep);
    bufferEnd += read;
    return read > 0;
  };

  for (;;) {
    if (offset >= fileSize && pending.length === 0) break;
    const check = checkRecord(buffer, offset - bufferStart, bufferEnd);
    if (check.kind === 'incomplete') {
      if (offset + check.length <= fileSize && (await refill(check.length))) continue;
      // Cut short by the end of the file (or a batch without its end): a torn tail.
      const result = await tornTail(
        io,
        segment,
        isLast,
        batchStart,
        offset,
        fileSize,
        'the segment ends inside a record or batch',
      );
      return { ...result, scannedBytes: batchStart - from };
    }
    if (check.kind === 'bad') {
      const result = await damaged(io, segment, isLast, batchStart, offset, fileSize, check.reason);
      return { ...result, scannedBytes: batchStart - from };
    }
    const at = offset - bufferStart;
    const summary = summarizeRecord(buffer, at);
    let deletes: string | undefined;
    if (summary.stream === SYSTEM_STREAMS_STREAM && summary.type === STREAM_DELETED_EVENT_TYPE) {
      deletes = (decodeValue(buffer.subarray(summary.dataStart, summary.dataEnd)) as StreamDeletedData)
        .stream;
    }
    const id = Buffer.from(buffer.subarray(summary.idOffset, summary.idOffset + EVENT_ID_BYTES));
    pending.push({ summary, offset, length: check.length, id, deletes });
    offset += check.length;
    if (summary.flags & FLAG_BATCH_END) {
      for (const record of pending) apply(state, segment, record);
      pending = [];
      batchStart = offset;
      segment.size = offset;
      segment.committedSize = offset;
    }
  }
  segment.size = offset;
  segment.committedSize = offset;
  return { truncatedBytes: 0, scannedBytes: offset - from };
}

function apply(state: JournalState, segment: Segment, record: PendingRecord): void {
  const { summary } = record;
  if (summary.position <= state.head) {
    throw new JournalCorruptedError(
      segment.fileName,
      record.offset,
      `position ${summary.position} does not follow position ${state.head}`,
    );
  }
  let stream = state.streams.get(summary.stream);
  if (stream === undefined) {
    stream = state.newInstance(summary.stream);
    state.streams.set(summary.stream, stream);
  }
  if (stream.broken === undefined && summary.revision !== stream.count) {
    // Legitimate only if this life is deleted later (compaction removed some of its events).
    stream.broken = { segment: segment.fileName, offset: record.offset };
  }
  if (stream.broken === undefined) {
    stream.push(summary.position, record.id, 0);
    stream.committed = stream.count;
  }
  stream.entriesOnDisk++;
  segment.addEntry(summary.position, record.offset, record.length, stream.instance);
  state.head = summary.position;
  if (record.deletes !== undefined) {
    const target = state.streams.get(record.deletes);
    if (target) state.deleteStream(target);
  }
}

async function damaged(
  io: JournalIo,
  segment: Segment,
  isLast: boolean,
  batchStart: number,
  offset: number,
  fileSize: number,
  reason: string,
): Promise<Omit<ScanResult, 'scannedBytes'>> {
  if (!isLast) throw new JournalCorruptedError(segment.fileName, offset, reason);
  if (await allZero(io, segment, offset, fileSize)) {
    // Preallocated space after the last record (the writer zero-fills ahead of itself).
    await truncateSegment(io, segment, batchStart);
    return { truncatedBytes: offset - batchStart };
  }
  const valid = await findValidRecordAfter(io, segment, offset + 1, fileSize);
  if (valid !== undefined) {
    throw new JournalCorruptedError(
      segment.fileName,
      offset,
      `${reason}, and a valid record follows at ${valid}`,
    );
  }
  return tornTail(io, segment, isLast, batchStart, offset, fileSize, reason);
}

async function tornTail(
  io: JournalIo,
  segment: Segment,
  isLast: boolean,
  batchStart: number,
  offset: number,
  fileSize: number,
  reason: string,
): Promise<Omit<ScanResult, 'scannedBytes'>> {
  if (!isLast) throw new JournalCorruptedError(segment.fileName, offset, reason);
  await truncateSegment(io, segment, batchStart);
  return { truncatedBytes: fileSize - batchStart };
}

/** Cuts the last segment durably at `size`, the end of its last whole batch. */
async function truncateSegment(io: JournalIo, segment: Segment, size: number): Promise<void> {
  await io.ftruncate(segment.fd, size);
  await io.fdatasync(segment.fd);
  segment.size = size;
  segment.committedSize = size;
}

/** True when every byte of `[from, end)` is zero. */
async function allZero(io: JournalIo, segment: Segment, from: number, end: number): Promise<boolean> {
  const chunk = Buffer.allocUnsafe(Math.min(1024 * 1024, Math.max(end - from, 1)));
  for (let at = from; at < end;) {
    const read = await readFully(io, segment.fd, chunk, 0, Math.min(chunk.length, end - at), at);
    if (read === 0) return true;
    for (let i = 0; i < read; i++) if (chunk[i] !== 0) return false;
    at += read;
  }
  return true;
}

/** Offset of the first whole, valid record starting in `[from, end)`, or undefined. */
async function findValidRecordAfter(
  io: JournalIo,
  segment: Segment,
  from: number,
  end: number,
): Promise<number | undefined> {
  if (from >= end) return undefined;
  // Only the tail of the last segment is searched (at most one segment), so read it whole.
  const tail = Buffer.allocUnsafe(end - from);
  const length = await readFully(io, segment.fd, tail, 0, tail.length, from);
  for (let at = 0; at + 8 <= length; at++) {
    if (checkRecord(tail, at, length).kind === 'ok') return from + at;
  }
  return undefined;
}
