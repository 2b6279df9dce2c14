/**
 * Opening a journal directory: segment headers, the checkpoint (when it still matches the files),
 * then a scan of what it does not cover (see `scan.ts` for torn tails and corruption).
 */
import { randomInt } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { JournalCorruptedError } from '../errors.js';
import {
  CHECKPOINT_FILE,
  installInstances,
  installSegmentEntries,
  parseCheckpoint,
  type Checkpoint,
} from './checkpoint.js';
import {
  decodeSegmentHeader,
  encodeSegmentHeader,
  parseSegmentFileName,
  SEGMENT_HEADER_BYTES,
  segmentFileName,
} from './format.js';
import { readFully, syncDirectory, writeFully, type JournalIo } from './io.js';
import { scanSegment } from './scan.js';
import { JournalState, Segment } from './state.js';

export interface RecoveryReport {
  /** `'used'`: loaded and only later bytes scanned; `'missing'`; `'stale'`: present but unusable (full scan). */
  checkpoint: 'used' | 'missing' | 'stale';
  /** Record bytes read by the scan (0 when the checkpoint covered everything). */
  scannedBytes: number;
  /** Bytes of a torn tail cut off. */
  truncatedBytes: number;
}

/** Rebuilds the index of the journal in `dir` (creating its first segment when there is none). */
export async function recoverJournal(
  io: JournalIo,
  dir: string,
): Promise<{ state: JournalState; report: RecoveryReport }> {
  const state = new JournalState();
  const report: RecoveryReport = { checkpoint: 'missing', scannedBytes: 0, truncatedBytes: 0 };
  const names = await io.readdir(dir);
  for (const name of names) {
    // Leftovers of an interrupted checkpoint or compaction: the originals are intact.
    if (name.endsWith('.tmp') || name.endsWith('.compact')) await io.unlink(path.join(dir, name));
  }
  const numbers = names
    .map(parseSegmentFileName)
    .filter((n): n is number => n !== undefined)
    .sort((a, b) => a - b);
  const segments: Segment[] = [];
  const sizes: number[] = [];
  try {
    for (let i = 0; i < numbers.length; i++) {
      const opened = await openSegment(io, dir, numbers[i]!, i === numbers.length - 1, report);
      segments.push(opened.segment);
      sizes.push(opened.fileSize);
    }
    const checkpoint = await readCheckpoint(io, dir);
    let scanFrom: { index: number; offset: number } = { index: 0, offset: SEGMENT_HEADER_BYTES };
    if (typeof checkpoint === 'object' && checkpointMatches(checkpoint, segments, sizes)) {
      installInstances(state, checkpoint);
      checkpoint.segments.forEach((saved, i) => {
        const segment = segments[i]!;
        installSegmentEntries(segment, saved);
        segment.size = saved.covered;
        segment.committedSize = saved.covered;
      });
      const last = checkpoint.segments.length - 1;
      scanFrom = last >= 0 ? { index: last, offset: checkpoint.segments[last]!.covered } : scanFrom;
      report.checkpoint = 'used';
    } else {
      report.checkpoint = checkpoint === 'missing' ? 'missing' : 'stale';
    }
    state.segments = segments;
    for (let i = scanFrom.index; i < segments.length; i++) {
      const from = i === scanFrom.index ? scanFrom.offset : SEGMENT_HEADER_BYTES;
      const result = await scanSegment(io, state, segments[i]!, from, i === segments.length - 1);
      report.scannedBytes += result.scannedBytes;
      report.truncatedBytes += result.truncatedBytes;
    }
    for (const instance of state.instances.values()) {
      if (!instance.deleted && instance.broken) {
        throw new JournalCorruptedError(
          instance.broken.segment,
          instance.broken.offset,
          `stream "${instance.name}" has a gap in its revisions`,
        );
      }
    }
    state.recountDeadBytes();
    if (segments.length === 0) state.segments.push(await createSegment(io, dir, 1));
  } catch (error) {
    for (const segment of segments) segment.retire();
    throw error;
  }
  return { state, report };
}

async function openSegment(
  io: JournalIo,
  dir: string,
  segmentNumber: number,
  isLast: boolean,
  report: RecoveryReport,
): Promise<{ segment: Segment; fileName: string; fileSize: number }> {
  const fileName = segmentFileName(segmentNumber);
  const file = path.join(dir, fileName);
  const fd = await io.open(file, isLast ? fs.constants.O_RDWR : fs.constants.O_RDONLY);
  const fileSize = await io.fstatSize(fd);
  const headerBytes = Buffer.alloc(SEGMENT_HEADER_BYTES);
  await readFully(io, fd, headerBytes, 0, SEGMENT_HEADER_BYTES, 0);
  const header = decodeSegmentHeader(headerBytes.subarray(0, Math.min(fileSize, SEGMENT_HEADER_BYTES)));
  if (typeof header === 'string' || header.segmentNumber !== segmentNumber) {
    const reason = typeof header === 'string' ? header : `the header says segment ${header.segmentNumber}`;
    // A new last segment whose header write was cut short holds no data: start it again.
    if (
      isLast &&
      typeof header === 'string' &&
      fileSize <= SEGMENT_HEADER_BYTES &&
      !reason.includes('version')
    ) {
      const generation = randomInt(2 ** 32);
      await io.ftruncate(fd, 0);
      await writeFully(io, fd, encodeSegmentHeader(segmentNumber, generation), 0, SEGMENT_HEADER_BYTES, 0);
      await io.fdatasync(fd);
      report.truncatedBytes += fileSize;
      return {
        segment: new Segment(segmentNumber, generation, fileName, fd, SEGMENT_HEADER_BYTES, io),
        fileName,
        fileSize: SEGMENT_HEADER_BYTES,
      };
    }
    await io.close(fd);
    throw new JournalCorruptedError(fileName, 0, reason);
  }
  return {
    segment: new Segment(segmentNumber, header.generation, fileName, fd, SEGMENT_HEADER_BYTES, io),
    fileName,
    fileSize,
  };
}

/** The checkpoint file: absent, unreadable (damaged or another version), or parsed. */
async function readCheckpoint(io: JournalIo, dir: string): Promise<Checkpoint | 'missing' | 'damaged'> {
  try {
    return parseCheckpoint(await io.readFile(path.join(dir, CHECKPOINT_FILE))) ?? 'damaged';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
}

/** The checkpoint describes a prefix of the journal as it is on disk now. */
function checkpointMatches(checkpoint: Checkpoint, segments: Segment[], sizes: number[]): boolean {
  if (checkpoint.segments.length > segments.length) return false;
  return checkpoint.segments.every((saved, i) => {
    const segment = segments[i]!;
    const isLastSaved = i === checkpoint.segments.length - 1;
    return (
      saved.segmentNumber === segment.segmentNumber &&
      saved.generation === segment.generation &&
      (isLastSaved ? sizes[i]! >= saved.covered : sizes[i] === saved.covered)
    );
  });
}

/** Creates segment `segmentNumber` with its header, durably (file and directory synced). */
export async function createSegment(io: JournalIo, dir: string, segmentNumber: number): Promise<Segment> {
  const fileName = segmentFileName(segmentNumber);
  const generation = randomInt(2 ** 32);
  const fd = await io.open(
    path.join(dir, fileName),
    fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_EXCL,
  );
  await writeFully(io, fd, encodeSegmentHeader(segmentNumber, generation), 0, SEGMENT_HEADER_BYTES, 0);
  await io.fdatasync(fd);
  await syncDirectory(io, dir);
  return new Segment(segmentNumber, generation, fileName, fd, SEGMENT_HEADER_BYTES, io);
}
