/**
 * The file backend: the embedded default. See `journal/FORMAT.md` for the format and the reasoning.
 *
 * Appends are decided (expected revision, idempotency) and encoded at once against the *tentative*
 * state (which includes appends not yet durable), then queued. One flush at a time writes every
 * queued record with one write and one `fdatasync` (group commit); only then are they *committed*:
 * indexed in their segment, visible to readers and subscribers, and acknowledged.
 */
import path from 'node:path';
import { decideAppend, decideDelete } from '../append-decision.js';
import { InvalidAppendError, StoreClosedError, StoreFailedError } from '../errors.js';
import { EVENT_ID_BYTES } from '../event-id.js';
import { readAllBounds, streamRange } from '../read-options.js';
import {
  createSubscription,
  streamDeletedData,
  type CommittedPage,
  type LiveEvent,
  type StreamFilter,
} from '../subscription.js';
import {
  STREAM_DELETED_EVENT_TYPE,
  SYSTEM_STREAMS_STREAM,
  type AppendOptions,
  type AppendResult,
  type DeleteStreamOptions,
  type EventInput,
  type EventStore,
  type ExpectedRevision,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
} from '../types.js';
import {
  checkExpectedRevision,
  checkStreamName,
  prepareBatch,
  prepareSystemBatch,
  type PreparedBatch,
} from '../validation.js';
import { serializeCheckpoint, writeCheckpoint } from './checkpoint.js';
import { TentativeStreams } from './tentative-streams.js';
import {
  decodeRecord,
  FLAG_BATCH_END,
  FRAME_BYTES,
  MAX_PAYLOAD_BYTES,
  recordSize,
  SEGMENT_HEADER_BYTES,
  writeRecord,
} from './format.js';
import { syncDirectory, writeFullySync, type JournalIo } from './io.js';
import { acquireDirectoryLock, type DirectoryLock } from './lock.js';
import { compileFileOptions, type CompiledFileOptions, type FileEventStoreOptions } from './options.js';
import { RecordCache } from './record-cache.js';
import { rewriteSegment, SegmentSwapError } from './compaction.js';
import { createSegment, recoverJournal, type RecoveryReport } from './recovery.js';
import { readLocations, type Location } from './segment-reader.js';
import type { Segment } from './state.js';
import { JournalState, type StreamState } from './state.js';

/**
 * The active segment is zero-filled ahead of the writer, in chunks of this size, so a commit writes
 * into already-allocated blocks and its fdatasync does not also commit a file-size change
 * (measured here: ~25% faster per sync). Unused zeros are cut off when the segment closes.
 */
const PREALLOCATE_CHUNK_BYTES = 4 * 1024 * 1024;
const ZEROS = Buffer.alloc(1024 * 1024);
/** Above this average sync time (ms), lone commits sync in the thread pool too (see `syncCommit`). */
const INLINE_SYNC_MAX_MS = 2;
/** Write a checkpoint after opening when recovery had to scan more than this. */
const CHECKPOINT_AFTER_SCAN_BYTES = 1024 * 1024;
/**
 * Appends queued in one tick beyond which the group is written at once instead of at the end of
 * the tick: with many appenders in lock-step (all woken by one commit), half of them then commit
 * while the other half encode, instead of the fdatasync idling the thread after everyone encoded
 * (measured: 64 appenders at durability `always`, see ARCHITECTURE "Journal").
 */
export const EAGER_FLUSH_APPENDS = 32;

export interface FileStoreStats {
  dir: string;
  segments: { file: string; bytes: number; events: number; deadBytes: number }[];
  /** How the last open rebuilt the index. */
  recovery: RecoveryReport;
  /** Set when a background compaction or checkpoint failed (the store keeps working). */
  lastMaintenanceError: string | undefined;
}

/** A file-backed `EventStore` with maintenance operations. */
export interface FileEventStore extends EventStore {
  /** Removes the bytes of deleted streams from every segment now (closing the active segment first if needed). */
  compact(): Promise<void>;
  /** Writes the index checkpoint now (also done on close, segment rollover and after compaction). */
  checkpoint(): Promise<void>;
  stats(): FileStoreStats;
}

interface QueuedRecord {
  state: StreamState;
  position: number;
  revision: number;
  /** Offset of the record in the group buffer. */
  offset: number;
  length: number;
  /** For a `$stream-deleted` record: the life it deletes. */
  deletes: StreamState | undefined;
}

interface Waiter {
  result: AppendResult | undefined;
  resolve(result: AppendResult | undefined): void;
  reject(error: unknown): void;
}

/** Appends waiting for the next flush: their records (in one buffer) and their callers. */
class WriteGroup {
  buffer = Buffer.allocUnsafe(16 * 1024);
  length = 0;
  readonly records: QueuedRecord[] = [];
  readonly waiters: Waiter[] = [];

  reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.length + bytes, this.buffer.length * 2));
    this.buffer.copy(bigger, 0, 0, this.length);
    this.buffer = bigger;
  }

  get empty(): boolean {
    return this.waiters.length === 0;
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

class FileStore implements FileEventStore {
  private readonly io: JournalIo;
  private readonly dir: string;
  private state = new JournalState();
  /** Stream lives as writers see them: includes appends queued but not yet committed. */
  private readonly tentative = new TentativeStreams(() => this.state.streams);
  private nextPosition = 0;
  private group = new WriteGroup();
  private flushScheduled = false;
  private flushActive = false;
  /** The current (or last) flush loop, for `close()` to wait on. */
  private flushing: Promise<void> = Promise.resolve();
  private forceRollover = false;
  /** Recent commit syncs' duration (ms), moving average: decides whether a lone commit syncs inline. */
  private syncMsAverage = 0;
  private batchSyncTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private failure: StoreFailedError | undefined;
  private readonly cache: RecordCache;
  private readonly listeners = new Set<(events: readonly LiveEvent[]) => void>();
  private readonly subscriptions = new Set<Subscription>();
  /** Compactions and checkpoints run one at a time, in order. */
  private maintenanceChain: Promise<void> = Promise.resolve();
  private readonly compactionQueued = new Set<number>();
  private lastMaintenanceError: string | undefined;
  private recovery: RecoveryReport = { checkpoint: 'missing', scannedBytes: 0, truncatedBytes: 0 };

  constructor(
    private readonly options: CompiledFileOptions,
    private readonly lock: DirectoryLock,
  ) {
    this.io = options.io;
    this.dir = options.dir;
    this.cache = new RecordCache(options.cacheSizeBytes);
  }

  // ---------------------------------------------------------------- opening

  async recover(): Promise<void> {
    const { state, report } = await recoverJournal(this.io, this.dir);
    this.state = state;
    this.recovery = report;
    this.nextPosition = this.state.head + 1;
    this.tentative.clear();
    if (report.checkpoint !== 'used' || report.scannedBytes > CHECKPOINT_AFTER_SCAN_BYTES) {
      this.scheduleCheckpoint();
    }
  }

  // ---------------------------------------------------------------- appending

  private checkWritable(operation: string): void {
    if (this.closed) throw new StoreClosedError(operation);
    if (this.failure) throw this.failure;
  }

  private checkOpen(operation: string): void {
    if (this.closed) throw new StoreClosedError(operation);
  }

  append(stream: string, events: readonly EventInput[], options?: AppendOptions): Promise<AppendResult> {
    try {
      this.checkWritable('append');
      const batch = prepareBatch(stream, events);
      const expected = checkExpectedRevision('append', stream, options?.expectedRevision);
      return this.enqueue(batch, expected, undefined).then((result) => result!);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Decides and queues a batch; resolves once it is committed. */
  private enqueue(
    batch: PreparedBatch,
    expected: ExpectedRevision,
    deletes: StreamState | undefined,
  ): Promise<AppendResult | undefined> {
    let stream = this.tentative.get(batch.stream);
    const decision = decideAppend(expected, stream, batch);
    const group = this.group;
    if (decision.kind === 'duplicate') {
      const result = {
        nextExpectedRevision: decision.lastRevision,
        position: stream!.position(decision.lastRevision),
      };
      if (decision.lastRevision < stream!.committed) return Promise.resolve(result);
      // The original is still queued: answer after it commits.
      return new Promise((resolve, reject) => {
        group.waiters.push({ result, resolve, reject });
        this.scheduleFlush();
      });
    }
    const streamBytes = Buffer.byteLength(batch.stream);
    const typeBytes = batch.events.map((event) => Buffer.byteLength(event.type));
    const sizes = batch.events.map((event, i) => {
      const size = recordSize(streamBytes, typeBytes[i]!, event.metadata?.length ?? 0, event.data.length);
      if (size - 8 > MAX_PAYLOAD_BYTES) {
        throw new InvalidAppendError(
          `append(${JSON.stringify(batch.stream)}, events[${i}])`,
          `encodes to ${size} bytes; the limit is ${MAX_PAYLOAD_BYTES} per event: store large values elsewhere and reference them`,
        );
      }
      return size;
    });
    if (stream === undefined) {
      stream = this.state.newInstance(batch.stream);
      this.tentative.created(batch.stream, stream);
    }
    const recordedAt = Date.now();
    group.reserve(sizes.reduce((a, b) => a + b, 0));
    const last = batch.events.length - 1;
    for (let i = 0; i <= last; i++) {
      const event = batch.events[i]!;
      const position = this.nextPosition++;
      const revision = stream.count;
      stream.push(position, batch.idBytes, i * EVENT_ID_BYTES);
      const offset = group.length;
      group.length = writeRecord(group.buffer, offset, {
        flags: i === last ? FLAG_BATCH_END : 0,
        position,
        revision,
        recordedAt,
        idBytes: batch.idBytes,
        idOffset: i * EVENT_ID_BYTES,
        stream: batch.stream,
        streamBytes,
        type: event.type,
        typeBytes: typeBytes[i]!,
        metadata: event.metadata,
        data: event.data,
      });
      group.records.push({
        state: stream,
        position,
        revision,
        offset,
        length: group.length - offset,
        deletes: i === last ? deletes : undefined,
      });
    }
    const result: AppendResult = { nextExpectedRevision: stream.count - 1, position: this.nextPosition - 1 };
    return new Promise((resolve, reject) => {
      group.waiters.push({ result, resolve, reject });
      this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (this.flushActive) return;
    if (this.group.waiters.length >= EAGER_FLUSH_APPENDS) {
      // Many appenders woke at once (they all waited on the last commit): write what queued so
      // far now, so its fdatasync runs while the rest are still encoding (their group follows).
      this.flushing = this.flushLoop();
      return;
    }
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // setImmediate, not a microtask: lets every appender woken by the previous commit queue first.
    setImmediate(() => {
      this.flushScheduled = false;
      if (!this.flushActive) this.flushing = this.flushLoop();
    });
  }

  private async flushLoop(): Promise<void> {
    this.flushActive = true;
    try {
      while (!this.group.empty) {
        const group = this.group;
        this.group = new WriteGroup();
        if (this.failure) {
          for (const waiter of group.waiters) waiter.reject(this.failure);
          continue;
        }
        await this.writeGroup(group);
      }
    } finally {
      // Cleared in the same synchronous step that saw the queue empty: a later append schedules anew.
      this.flushActive = false;
    }
  }

  private async writeGroup(group: WriteGroup): Promise<void> {
    let active = this.state.active;
    try {
      if ((this.forceRollover || active.size >= this.options.segmentSizeBytes) && active.count > 0) {
        this.forceRollover = false;
        active = await this.rollover(active);
      }
      this.forceRollover = false;
      const offset = active.size;
      if (group.length > 0) {
        writeFullySync(this.io, active.fd, group.buffer, 0, group.length, offset);
        this.extendPreallocation(active, offset + group.length);
        active.size += group.length;
        if (this.options.durability === 'always') await this.syncCommit(active.fd, group.waiters.length);
        else if (this.options.durability === 'batch') this.scheduleBatchSync();
      }
      this.commit(group, active, offset);
    } catch (error) {
      this.fail(error);
      for (const waiter of group.waiters) waiter.reject(this.failure);
    }
  }

  /**
   * The commit's `fdatasync`. A lone append (a group of one) syncs inline on this thread while
   * syncs are fast: the thread-pool hop of an async sync (~80 µs here) would be half again the
   * sync itself, and with nothing else queued there is no work to overlap with it. Groups of two
   * or more, and every sync once syncs get slow (a loaded or network disk), go to the thread pool
   * so the event loop is never held for long.
   */
  private async syncCommit(fd: number, appends: number): Promise<void> {
    const started = performance.now();
    if (appends === 1 && this.syncMsAverage <= INLINE_SYNC_MAX_MS) this.io.fdatasyncSync(fd);
    else await this.io.fdatasync(fd);
    // A moving average (weight 1/8): one slow sync does not switch lone appends off inline syncs.
    this.syncMsAverage += (performance.now() - started - this.syncMsAverage) / 8;
  }

  private async rollover(previous: Segment): Promise<Segment> {
    // Seal the old segment durably first (without its spare zeros), so only the last segment can
    // ever have a torn tail.
    await this.trimPreallocation(previous);
    await this.io.fdatasync(previous.fd);
    const next = await createSegment(this.io, this.dir, previous.segmentNumber + 1);
    this.state.segments.push(next);
    this.scheduleCheckpoint();
    return next;
  }

  /**
   * Zero-fills the next chunk of the active segment in the same write step as a commit (so the
   * commit's single fdatasync covers it): later commits then overwrite allocated blocks and their
   * syncs need not commit a file-size change. Runs once per chunk; never past `segmentSizeBytes`.
   */
  private extendPreallocation(segment: Segment, dataEnd: number): void {
    if (!this.options.preallocate || segment.zeroedEnd >= dataEnd + PREALLOCATE_CHUNK_BYTES / 4) return;
    const start = Math.max(segment.zeroedEnd, dataEnd);
    const end = Math.min(this.options.segmentSizeBytes, start + PREALLOCATE_CHUNK_BYTES);
    if (end > start) {
      for (let at = start; at < end; at += ZEROS.length) {
        writeFullySync(this.io, segment.fd, ZEROS, 0, Math.min(ZEROS.length, end - at), at);
      }
    }
    segment.zeroedEnd = Math.max(end, dataEnd);
  }

  /** Cuts the spare zeros off a segment. */
  private async trimPreallocation(segment: Segment): Promise<void> {
    if (segment.zeroedEnd > segment.size) await this.io.ftruncate(segment.fd, segment.size);
    segment.zeroedEnd = segment.size;
  }

  private scheduleBatchSync(): void {
    if (this.batchSyncTimer) return;
    this.batchSyncTimer = setTimeout(() => {
      this.batchSyncTimer = undefined;
      this.io.fdatasync(this.state.active.fd).catch((error: unknown) => this.fail(error));
    }, this.options.batchIntervalMs);
  }

  /** Makes a written group visible: index entries, stream revisions, cache, subscribers, callers. */
  private commit(group: WriteGroup, segment: Segment, base: number): void {
    const live: LiveEvent[] = [];
    const touched = new Set<Segment>();
    // The cache keeps copies of its own. Live events decode from the group's bytes (never written
    // again: each flush has a new group), in an exact-size copy when someone listens: a subscriber
    // may buffer events for a while, and each would pin the whole write buffer (16 KiB or more).
    const written =
      this.listeners.size > 0 ? Buffer.from(group.buffer.subarray(0, group.length)) : group.buffer;
    for (const record of group.records) {
      const { state } = record;
      segment.addEntry(record.position, base + record.offset, record.length, state.instance);
      state.entriesOnDisk++;
      state.committed = record.revision + 1;
      if (!state.deleted && this.state.streams.get(state.name) !== state)
        this.state.streams.set(state.name, state);
      this.tentative.settle(state.name);
      const bytes = written.subarray(record.offset, record.offset + record.length);
      this.cache.set(record.position, bytes);
      live.push({ position: record.position, stream: state.name, decode: () => decodeRecord(bytes) });
      if (record.deletes) {
        const doomed = record.deletes;
        for (let revision = 0; revision < doomed.count; revision++)
          this.cache.delete(doomed.position(revision));
        for (const dirty of this.state.deleteStream(doomed)) touched.add(dirty);
        this.tentative.settle(doomed.name);
      }
    }
    if (group.records.length > 0) {
      this.state.head = group.records[group.records.length - 1]!.position;
      segment.committedSize = base + group.length;
    }
    for (const listener of this.listeners) listener(live);
    for (const waiter of group.waiters) waiter.resolve(waiter.result);
    if (this.options.autoCompact) {
      for (const dirty of touched) {
        const size = dirty.size - SEGMENT_HEADER_BYTES;
        if (dirty !== this.state.active && dirty.deadBytes >= this.options.compactionThreshold * size) {
          this.scheduleCompaction(dirty);
        }
      }
    }
  }

  /** Fences the store: no append is acknowledged after a failed write or sync. */
  private fail(error: unknown): void {
    if (!this.failure) this.failure = new StoreFailedError(this.dir, error);
    if (this.batchSyncTimer) clearTimeout(this.batchSyncTimer);
    this.batchSyncTimer = undefined;
  }

  // ---------------------------------------------------------------- reading

  async readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    this.checkOpen('readStream');
    checkStreamName('readStream', stream, false);
    const state = this.state.streams.get(stream);
    const range = streamRange(stream, options, state?.committed ?? 0);
    if (range.count === 0) return [];
    const positions = new Array<number>(range.count);
    for (let k = 0; k < range.count; k++)
      positions[k] = state!.position(range.backwards ? range.from - k : range.from + k);
    const records = await this.fetch(positions, true);
    return records.map(decodeRecord);
  }

  async readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    this.checkOpen('readAll');
    const { after, maxCount } = readAllBounds(options);
    return (await this.readCommitted(after, maxCount, undefined)).events;
  }

  private async readCommitted(
    after: number,
    maxCount: number,
    filter: StreamFilter | undefined,
  ): Promise<CommittedPage> {
    const head = this.state.head;
    // Locations straight from the segment entries: a sequential scan needs no per-event lookup.
    const locations: Location[] = [];
    const instances = this.state.instances;
    let lastInstance = -1;
    let lastVisible = false;
    outer: for (const segment of this.state.segments) {
      if (segment.count === 0 || segment.positions.get(segment.count - 1) <= after) continue;
      for (let i = segment.firstAtOrAfter(after + 1); i < segment.count; i++) {
        const instance = segment.instances.get(i);
        if (instance !== lastInstance) {
          const state = instances.get(instance);
          lastInstance = instance;
          lastVisible =
            state !== undefined &&
            !state.deleted &&
            (filter === undefined || state.name === SYSTEM_STREAMS_STREAM || filter(state.name));
        }
        if (!lastVisible) continue;
        locations.push({
          index: locations.length,
          segment,
          offset: segment.offsets.get(i),
          length: segment.lengths.get(i),
        });
        if (locations.length >= maxCount) break outer;
      }
    }
    const records = new Array<Buffer>(locations.length);
    await readLocations(this.io, locations, records, undefined);
    return { events: records.map(decodeRecord), head, full: locations.length >= maxCount };
  }

  /**
   * The records at `positions` (committed, live), from the cache or the segment files. Every file
   * location is taken synchronously, so a concurrent compaction cannot move bytes under the read.
   * `cache`: keep what is read from disk (stream reads).
   */
  private async fetch(positions: readonly number[], cache: boolean): Promise<Buffer[]> {
    const records = new Array<Buffer>(positions.length);
    const misses: Location[] = [];
    for (let i = 0; i < positions.length; i++) {
      const position = positions[i]!;
      const cached = this.cache.get(position);
      if (cached) {
        records[i] = cached;
        continue;
      }
      const segment = this.state.segmentFor(position);
      const index = segment?.find(position) ?? -1;
      if (!segment || index < 0)
        throw new Error(`journal index has no entry for committed position ${position}`);
      misses.push({
        index: i,
        segment,
        offset: segment.offsets.get(index),
        length: segment.lengths.get(index),
      });
    }
    if (misses.length > 0)
      await readLocations(this.io, misses, records, cache ? this.keepInCache : undefined);
    return records;
  }

  /** Caches a record read from disk (the cache copies it). */
  private readonly keepInCache = (record: Buffer): Buffer => {
    this.cache.set(record.readDoubleLE(FRAME_BYTES + 16), record);
    return record;
  };

  // eslint-disable-next-line @typescript-eslint/require-await -- the contract is async
  async streamRevision(stream: string): Promise<number | undefined> {
    this.checkOpen('streamRevision');
    checkStreamName('streamRevision', stream, false);
    const committed = this.state.streams.get(stream)?.committed ?? 0;
    return committed === 0 ? undefined : committed - 1;
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- the contract is async
  async headPosition(): Promise<number> {
    this.checkOpen('headPosition');
    return this.state.head;
  }

  subscribe(options?: SubscribeOptions): Subscription {
    this.checkOpen('subscribe');
    const subscription = createSubscription(
      {
        readCommitted: (after, maxCount, filter) => this.readCommitted(after, maxCount, filter),
        listen: (listener) => {
          this.listeners.add(listener);
          return () => this.listeners.delete(listener);
        },
      },
      options,
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  // ---------------------------------------------------------------- deleting and compaction

  async deleteStream(stream: string, options?: DeleteStreamOptions): Promise<void> {
    this.checkWritable('deleteStream');
    checkStreamName('deleteStream', stream, true);
    const expected = checkExpectedRevision('deleteStream', stream, options?.expectedRevision);
    const state = this.tentative.get(stream);
    if (decideDelete(stream, expected, state) === 'nothing') return;
    this.tentative.deleted(stream);
    const batch = prepareSystemBatch(
      SYSTEM_STREAMS_STREAM,
      STREAM_DELETED_EVENT_TYPE,
      streamDeletedData(stream, state!.count - 1),
    );
    await this.enqueue(batch, 'any', state);
  }

  async compact(): Promise<void> {
    this.checkWritable('compact');
    if (this.state.active.deadBytes > 0) {
      // Close the active segment so its deleted bytes can go too: a flush with nothing to write.
      this.forceRollover = true;
      await new Promise<AppendResult | undefined>((resolve, reject) => {
        this.group.waiters.push({ result: undefined, resolve, reject });
        this.scheduleFlush();
      });
    }
    await this.maintain(async () => {
      for (const segment of [...this.state.segments]) {
        if (segment !== this.state.active && segment.deadBytes > 0) await this.compactSegment(segment);
      }
      await this.writeCheckpointNow();
    }, true);
  }

  private scheduleCompaction(segment: Segment): void {
    if (this.compactionQueued.has(segment.segmentNumber)) return;
    this.compactionQueued.add(segment.segmentNumber);
    void this.maintain(async () => {
      this.compactionQueued.delete(segment.segmentNumber);
      const current = this.state.segments.find((s) => s.segmentNumber === segment.segmentNumber);
      if (current && current !== this.state.active && current.deadBytes > 0) {
        await this.compactSegment(current);
        await this.writeCheckpointNow();
      }
    }, false);
  }

  /**
   * Runs `task` after earlier maintenance. Background failures are recorded (and, when they may
   * have left the directory in doubt, fence the store); explicit calls see the error.
   */
  private maintain(task: () => Promise<void>, explicit: boolean): Promise<void> {
    const run = this.maintenanceChain.then(async () => {
      if (this.failure || (this.closed && !explicit)) return;
      await task();
    });
    this.maintenanceChain = run.catch((error: unknown) => {
      this.lastMaintenanceError = errorMessage(error);
    });
    return explicit ? run : this.maintenanceChain;
  }

  /**
   * Removes a closed segment's deleted records from disk (`compaction.ts`), then swaps the
   * in-memory entries in one synchronous step: readers see either the old entries and file or the
   * new ones. A segment with nothing live left is deleted.
   */
  private async compactSegment(segment: Segment): Promise<void> {
    const instances = this.state.instances;
    const keep: number[] = [];
    const dropped: number[] = [];
    for (let i = 0; i < segment.count; i++) {
      const instance = instances.get(segment.instances.get(i));
      (instance && !instance.deleted ? keep : dropped).push(i);
    }
    if (dropped.length === 0) return;
    if (keep.length === 0) {
      this.state.segments = this.state.segments.filter((s) => s !== segment);
      this.forgetEntries(segment, dropped);
      try {
        await this.io.unlink(path.join(this.dir, segment.fileName));
        await syncDirectory(this.io, this.dir);
      } catch (error) {
        this.fail(error); // the directory's state is in doubt: stop acknowledging
        throw error;
      } finally {
        segment.retire();
      }
      return;
    }
    segment.pin();
    try {
      const replacement = await rewriteSegment(this.io, this.dir, segment, keep);
      const index = this.state.segments.indexOf(segment);
      if (index < 0) throw new Error(`segment ${segment.fileName} vanished during compaction`);
      this.state.segments[index] = replacement;
      // Streams deleted while the copy ran are dead in the new file too.
      this.state.recountSegmentDeadBytes(replacement);
      this.forgetEntries(segment, dropped);
      segment.retire();
    } catch (error) {
      if (error instanceof SegmentSwapError) this.fail(error.cause);
      throw error;
    } finally {
      segment.unpin();
    }
  }

  /** Entries gone from disk: a deleted stream life with none left is forgotten. */
  private forgetEntries(segment: Segment, entries: number[]): void {
    for (const entry of entries) {
      const instance = this.state.instances.get(segment.instances.get(entry));
      if (!instance) continue;
      instance.entriesOnDisk--;
      if (instance.deleted && instance.entriesOnDisk <= 0) this.state.instances.delete(instance.instance);
    }
  }

  // ---------------------------------------------------------------- checkpoints

  checkpoint(): Promise<void> {
    try {
      this.checkWritable('checkpoint');
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return this.maintain(() => this.writeCheckpointNow(), true);
  }

  private scheduleCheckpoint(): void {
    void this.maintain(() => this.writeCheckpointNow(), false);
  }

  private async writeCheckpointNow(): Promise<void> {
    const data = serializeCheckpoint(this.state);
    // The checkpoint may only claim bytes that are durable.
    if (this.options.durability !== 'always') await this.io.fdatasync(this.state.active.fd);
    await writeCheckpoint(this.io, this.dir, data);
  }

  // ---------------------------------------------------------------- closing

  stats(): FileStoreStats {
    return {
      dir: this.dir,
      segments: this.state.segments.map((s) => ({
        file: s.fileName,
        bytes: s.size,
        events: s.count,
        deadBytes: s.deadBytes,
      })),
      recovery: { ...this.recovery },
      lastMaintenanceError: this.lastMaintenanceError,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Queued appends still complete; then maintenance drains.
    while (this.flushActive || this.flushScheduled || !this.group.empty) {
      if (this.flushActive) await this.flushing;
      else await new Promise((resolve) => setImmediate(resolve));
    }
    if (this.batchSyncTimer) clearTimeout(this.batchSyncTimer);
    this.batchSyncTimer = undefined;
    await this.maintenanceChain;
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    this.listeners.clear();
    let closeError: unknown;
    if (!this.failure) {
      try {
        await this.trimPreallocation(this.state.active);
        await this.writeCheckpointNow();
      } catch (error) {
        closeError = error;
      }
    }
    for (const segment of this.state.segments) segment.retire();
    this.state = new JournalState();
    this.tentative.clear();
    this.cache.clear();
    await this.lock.release();
    if (closeError !== undefined) throw new StoreFailedError(this.dir, closeError);
  }
}

/** Opens (creating if needed) a file-backed event store in `options.dir`, recovering what is on disk. */
export async function openFileEventStore(options: FileEventStoreOptions): Promise<FileEventStore> {
  const compiled = compileFileOptions(options);
  await compiled.io.mkdir(compiled.dir);
  const lock = await acquireDirectoryLock(compiled.io, compiled.dir);
  const store = new FileStore(compiled, lock);
  try {
    await store.recover();
  } catch (error) {
    await lock.release();
    throw error;
  }
  return store;
}
