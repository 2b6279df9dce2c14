/**
 * Compaction's disk part: rewrite a closed segment with only the records to keep. Live records
 * are copied (CRC-checked) to `<segment>.compact`, which is synced, renamed over the segment, and
 * the directory synced. Positions are in the records, so they never change. A crash before the
 * rename leaves the old file (the temporary one is removed on open); after it, the new one (and a
 * stale checkpoint: a full scan). Either way nothing live is lost.
 */
import { randomInt } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { JournalCorruptedError } from '../errors.js';
import { checkRecord, encodeSegmentHeader, SEGMENT_HEADER_BYTES } from './format.js';
import { readFully, syncDirectory, writeFully, type JournalIo } from './io.js';
import { Segment } from './state.js';

/** Copy runs of adjacent records in reads of at most this size. */
const MAX_RUN_BYTES = 4 * 1024 * 1024;

/** The rename or the directory sync failed: the directory's state is in doubt (fence the store). */
export class SegmentSwapError extends Error {
  constructor(
    readonly segment: string,
    cause: unknown,
  ) {
    super(`compaction of ${segment} failed while swapping files`, { cause });
  }
}

/** Writes and swaps in the rewritten segment; returns its in-memory entries (a new `Segment`). */
export async function rewriteSegment(
  io: JournalIo,
  dir: string,
  segment: Segment,
  keep: number[],
): Promise<Segment> {
  const finalPath = path.join(dir, segment.fileName);
  const temporary = `${finalPath}.compact`;
  const generation = randomInt(2 ** 32);
  const fd = await io.open(temporary, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_TRUNC);
  const replacement = new Segment(
    segment.segmentNumber,
    generation,
    segment.fileName,
    fd,
    SEGMENT_HEADER_BYTES,
    io,
    keep.length,
  );
  try {
    await writeFully(
      io,
      fd,
      encodeSegmentHeader(segment.segmentNumber, generation),
      0,
      SEGMENT_HEADER_BYTES,
      0,
    );
    let start = 0;
    while (start < keep.length) {
      // A run of kept records that are adjacent in the old file.
      let end = start + 1;
      const runOffset = segment.offsets.get(keep[start]!);
      let runEnd = runOffset + segment.lengths.get(keep[start]!);
      while (
        end < keep.length &&
        segment.offsets.get(keep[end]!) === runEnd &&
        runEnd - runOffset < MAX_RUN_BYTES
      ) {
        runEnd += segment.lengths.get(keep[end]!);
        end++;
      }
      const buffer = Buffer.allocUnsafe(runEnd - runOffset);
      const read = await readFully(io, segment.fd, buffer, 0, buffer.length, runOffset);
      for (let k = start; k < end; k++) {
        const entry = keep[k]!;
        const at = segment.offsets.get(entry) - runOffset;
        const check = checkRecord(buffer, at, read);
        if (check.kind !== 'ok') {
          // Never copy damage into a "clean" file.
          throw new JournalCorruptedError(
            segment.fileName,
            segment.offsets.get(entry),
            check.kind === 'bad' ? check.reason : 'cut short',
          );
        }
        replacement.addEntry(
          segment.positions.get(entry),
          replacement.size + at,
          segment.lengths.get(entry),
          segment.instances.get(entry),
        );
      }
      await writeFully(io, fd, buffer, 0, buffer.length, replacement.size);
      replacement.size += buffer.length;
      start = end;
    }
    replacement.committedSize = replacement.size;
    await io.fdatasync(fd);
  } catch (error) {
    await io.close(fd).catch(() => undefined);
    await io.unlink(temporary).catch(() => undefined);
    throw error;
  }
  try {
    await io.rename(temporary, finalPath);
    await syncDirectory(io, dir);
  } catch (error) {
    await io.close(fd).catch(() => undefined);
    throw new SegmentSwapError(segment.fileName, error);
  }
  return replacement;
}
