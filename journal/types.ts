/**
 * The journal's contract: an append-only store of streams of immutable events,
 * with one global order (`$all`). Every backend implements `EventStore` and passes
 * `describeEventStoreConformance`.
 */

/**
 * The optimistic-concurrency check of an append.
 * - a number: the stream's current (last) revision must be exactly this;
 * - `'no-stream'`: the stream must not exist (or have been deleted);
 * - `'exists'`: the stream must exist;
 * - `'any'`: no check.
 */
export type ExpectedRevision = number | 'no-stream' | 'exists' | 'any';

/** An event as the caller proposes it. */
export interface EventInput<T = unknown> {
  /** ULID. Generated when absent. Retrying a batch with the same ids at the same position is idempotent. */
  id?: string;
  type: string;
  /** Any structured-clone-safe value (Date, Map, Set, typed arrays, bigint, undefined round-trip). */
  data: T;
  metadata?: Record<string, unknown>;
}

/** An event as stored. */
export interface RecordedEvent<T = unknown> {
  id: string;
  stream: string;
  type: string;
  data: T;
  metadata: Record<string, unknown> | undefined;
  /** 0-based position within its stream. */
  revision: number;
  /** Position in the global `$all` order; strictly increasing, never reused, may have gaps. */
  position: number;
  /** When the store recorded the event (ms since epoch). */
  recordedAt: number;
}

export interface AppendOptions {
  /** Default `'any'`. */
  expectedRevision?: ExpectedRevision;
}

export interface AppendResult {
  /** Revision of the last event of the batch (the next append expects this). */
  nextExpectedRevision: number;
  /** Global position of the last event of the batch. */
  position: number;
}

export interface ReadStreamOptions {
  /** Inclusive start revision. Default: 0 forwards, the last revision backwards. */
  fromRevision?: number;
  /** Default `'forwards'`. */
  direction?: 'forwards' | 'backwards';
  /** Default: no limit. */
  maxCount?: number;
}

export interface ReadAllOptions {
  /** Exclusive: events with `position > after` are returned. Default: from the beginning. */
  after?: number;
  /** Default: no limit. */
  maxCount?: number;
}

export interface SubscribeOptions {
  /** Exclusive resume point: deliver events with `position > after`. Default: from the beginning. */
  after?: number;
  /**
   * Only streams whose name starts with one of these prefixes (e.g. `['session-']`). Default: all.
   * A `$stream-deleted` event passes when the stream it deletes (or `$streams`) matches.
   */
  streamPrefixes?: string[];
}

/**
 * A catch-up subscription: first every stored event after the start point, then live ones,
 * in `$all` order, without gaps or duplicates across the switch.
 */
export interface Subscription extends AsyncIterable<RecordedEvent> {
  /**
   * Ends the iteration; pending `next()` calls resolve with `done: true`. (Catch-up reads happen
   * when the consumer pulls: events deleted before they were read are not delivered.)
   */
  close(): Promise<void>;
}

export interface DeleteStreamOptions {
  /** Default `'any'`. */
  expectedRevision?: ExpectedRevision;
}

/**
 * Deleting a stream appends a `$stream-deleted` event (data: `StreamDeletedData`) to the
 * system stream `$streams` so live subscribers and projections learn of it, then removes
 * the stream's events (they vanish from stream reads and from `$all`), and reclaims space.
 * After deletion the stream does not exist: `streamRevision` returns `undefined`, an append
 * with `'no-stream'` succeeds and starts again at revision 0.
 */
export interface StreamDeletedData {
  stream: string;
  /** The last revision the stream had when it was deleted. */
  lastRevision: number;
}

export const STREAM_DELETED_EVENT_TYPE = '$stream-deleted';
export const SYSTEM_STREAMS_STREAM = '$streams';

export interface EventStore {
  /**
   * Atomic for the whole batch (which must hold at least one event). Throws
   * `WrongExpectedRevisionError` when the check fails. A batch whose ids were all given and are
   * already stored where it would go (for `'any'`/`'exists'`: among the stream's last 1024 events)
   * returns the original result without appending.
   */
  append(stream: string, events: readonly EventInput[], options?: AppendOptions): Promise<AppendResult>;
  /** Events of one stream. A stream that does not exist reads as `[]`. */
  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /** Events of every stream in global order. */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** The stream's last revision, or `undefined` when it does not exist. Does not read its events. */
  streamRevision(stream: string): Promise<number | undefined>;
  /** Position of the last stored event, or -1 when the store is empty. */
  headPosition(): Promise<number>;
  subscribe(options?: SubscribeOptions): Subscription;
  /** A stream that does not exist is a no-op with `'any'`/`'no-stream'`, a conflict otherwise. */
  deleteStream(stream: string, options?: DeleteStreamOptions): Promise<void>;
  /** Flushes and releases resources (file handles, locks). Later calls throw `StoreClosedError`. */
  close(): Promise<void>;
}
