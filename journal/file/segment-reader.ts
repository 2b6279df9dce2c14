/**
 * Reading records by file location: nearby locations are merged into one read (fewer system calls
 * beat a few wasted bytes), every record's CRC is checked, and the segments are pinned so their
 * files stay open even if compaction replaces them while the read runs.
 */
import { JournalCorruptedError } from '../errors.js';
import { checkRecord } from './format.js';
import { readFully, type JournalIo } from './io.js';
import type { Segment } from './state.js';

/** Records closer than this are read together. */
const COALESCE_GAP_BYTES = 64 * 1024;
const MAX_READ_BYTES = 4 * 1024 * 1024;

export interface Location {
  /** Where the record goes in the caller's result array. */
  index: number;
  segment: Segment;
  offset: number;
  length: number;
}

/**
 * Reads `locations` into `records[location.index]`. `keep` may replace each record (e.g. with a
 * cached copy); without it records are slices of the read buffers.
 */
export async function readLocations(
  io: JournalIo,
  locations: Location[],
  records: Buffer[],
  keep: ((record: Buffer) => Buffer) | undefined,
): Promise<void> {
  if (locations.length === 0) return;
  const pinned = new Set(locations.map((m) => m.segment));
  for (const segment of pinned) segment.pin();
  try {
    const sorted = locations.every((m, i) => {
      const previous = locations[i - 1];
      if (previous === undefined) return true;
      return m.segment === previous.segment
        ? m.offset > previous.offset
        : m.segment.segmentNumber > previous.segment.segmentNumber;
    });
    if (!sorted)
      locations.sort((a, b) => a.segment.segmentNumber - b.segment.segmentNumber || a.offset - b.offset);
    const reads: Promise<void>[] = [];
    let start = 0;
    for (let i = 1; i <= locations.length; i++) {
      const first = locations[start]!;
      const previous = locations[i - 1]!;
      const next = locations[i];
      const together =
        next !== undefined &&
        next.segment === first.segment &&
        next.offset - (previous.offset + previous.length) <= COALESCE_GAP_BYTES &&
        next.offset + next.length - first.offset <= MAX_READ_BYTES;
      if (!together) {
        reads.push(readRange(io, locations.slice(start, i), records, keep));
        start = i;
      }
    }
    await Promise.all(reads);
  } finally {
    for (const segment of pinned) segment.unpin();
  }
}

async function readRange(
  io: JournalIo,
  locations: Location[],
  records: Buffer[],
  keep: ((record: Buffer) => Buffer) | undefined,
): Promise<void> {
  const first = locations[0]!;
  const last = locations[locations.length - 1]!;
  const span = last.offset + last.length - first.offset;
  const buffer = Buffer.allocUnsafe(span);
  const read = await readFully(io, first.segment.fd, buffer, 0, span, first.offset);
  for (const location of locations) {
    const at = location.offset - first.offset;
    const check = checkRecord(buffer, at, read);
    if (check.kind !== 'ok' || check.length !== location.length) {
      const reason = check.kind === 'bad' ? check.reason : 'the record is cut short';
      throw new JournalCorruptedError(location.segment.fileName, location.offset, reason);
    }
    const record = buffer.subarray(at, at + location.length);
    records[location.index] = keep ? keep(record) : record;
  }
}
