/**
 * The catch-up subscription every backend shares. It starts listening for live commits BEFORE its
 * first read, so nothing committed after a read's snapshot can slip between catch-up and live:
 * - catch-up: read pages of committed events after the cursor; live events are buffered meanwhile;
 * - when a page comes back short, everything up to that read's snapshot head was seen: buffered live
 *   events after the head follow, and from then on live events are delivered as they commit;
 * - a buffer that grows past `maxBuffered` (slow consumer) is dropped and the subscription returns to
 *   catch-up reads from its cursor, so memory stays bounded and nothing is lost.
 * Duplicates are impossible: an event is delivered only when its position is above the cursor.
 */
import { decodeValue } from './codec.js';
import { InvalidArgumentError } from './errors.js';
import { checkOptionalInteger } from './validation.js';
import {
  STREAM_DELETED_EVENT_TYPE,
  SYSTEM_STREAMS_STREAM,
  type RecordedEvent,
  type StreamDeletedData,
  type SubscribeOptions,
  type Subscription,
} from './types.js';

/** A committed event as announced to live listeners; decoded only when a subscriber takes it. */
export interface LiveEvent {
  readonly position: number;
  readonly stream: string;
  /** A fresh decoded copy (each subscriber gets its own objects). */
  decode(): RecordedEvent;
}

export type StreamFilter = (stream: string) => boolean;

export interface CommittedPage {
  /** Events after the requested position, in order, at most `maxCount`. */
  events: RecordedEvent[];
  /** The last committed position when the read took its snapshot. */
  head: number;
  /** True when `maxCount` events were returned (more may follow). */
  full: boolean;
}

/** What a backend provides for subscriptions. */
export interface SubscriptionSource {
  /**
   * Committed events after `after` whose stream passes `filter` (when a filter is given, every
   * `$streams` event is included too: the subscription filters those by the stream they name).
   * The snapshot (and `head`) must be taken synchronously, when the call is made.
   */
  readCommitted(after: number, maxCount: number, filter: StreamFilter | undefined): Promise<CommittedPage>;
  /** Calls `listener` synchronously with every batch of newly committed events, in order. Returns an unsubscribe. */
  listen(listener: (events: readonly LiveEvent[]) => void): () => void;
}

export interface SubscriptionLimits {
  pageSize: number;
  maxBuffered: number;
}

const DEFAULT_LIMITS: SubscriptionLimits = { pageSize: 512, maxBuffered: 10_000 };

/** A filter for `streamPrefixes`, or undefined for "all streams". */
export function prefixFilter(prefixes: unknown): StreamFilter | undefined {
  if (prefixes === undefined) return undefined;
  if (!Array.isArray(prefixes) || prefixes.some((p) => typeof p !== 'string')) {
    throw new InvalidArgumentError('subscribe(options.streamPrefixes)', 'must be an array of strings');
  }
  const list = [...(prefixes as string[])];
  return (stream) => {
    for (const prefix of list) if (stream.startsWith(prefix)) return true;
    return false;
  };
}

/** A `$stream-deleted` event passes a prefix filter when the stream it deletes does. */
function passes(event: RecordedEvent, filter: StreamFilter | undefined): boolean {
  if (filter === undefined) return true;
  if (event.stream === SYSTEM_STREAMS_STREAM && event.type === STREAM_DELETED_EVENT_TYPE) {
    const data = event.data as StreamDeletedData | undefined;
    return filter(SYSTEM_STREAMS_STREAM) || (typeof data?.stream === 'string' && filter(data.stream));
  }
  return filter(event.stream);
}

export function createSubscription(
  source: SubscriptionSource,
  options: SubscribeOptions | undefined,
  limits: SubscriptionLimits = DEFAULT_LIMITS,
): Subscription {
  const after = checkOptionalInteger('subscribe(options.after)', options?.after, -1) ?? -1;
  const filter = prefixFilter(options?.streamPrefixes);
  return new CatchUpSubscription(source, after, filter, limits);
}

class CatchUpSubscription implements Subscription {
  private cursor: number;
  private live = false;
  private closed = false;
  /** Buffered live events (possibly including some at or below the cursor: skipped on delivery). */
  private buffered: LiveEvent[] = [];
  private overflowed = false;
  private ready: RecordedEvent[] = [];
  private wake: (() => void) | undefined;
  private readonly unlisten: () => void;
  /** Serialises `next()` calls. */
  private turn: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly source: SubscriptionSource,
    after: number,
    private readonly filter: StreamFilter | undefined,
    private readonly limits: SubscriptionLimits,
  ) {
    this.cursor = after;
    this.unlisten = source.listen((events) => this.onCommit(events));
  }

  private onCommit(events: readonly LiveEvent[]): void {
    if (this.closed) return;
    for (const event of events) {
      if (this.filter && event.stream !== SYSTEM_STREAMS_STREAM && !this.filter(event.stream)) continue;
      this.buffered.push(event);
    }
    if (this.buffered.length > this.limits.maxBuffered) {
      this.buffered = [];
      this.overflowed = true;
    }
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  next(): Promise<IteratorResult<RecordedEvent>> {
    const result = this.turn.then(() => this.pull());
    this.turn = result.catch(() => undefined);
    return result;
  }

  private async pull(): Promise<IteratorResult<RecordedEvent>> {
    for (;;) {
      if (this.closed) return { done: true, value: undefined };
      const ready = this.ready.shift();
      if (ready) return { done: false, value: ready };
      if (this.overflowed && this.live) {
        this.live = false;
        this.buffered = [];
      }
      if (!this.live) {
        await this.catchUp();
        continue;
      }
      const event = this.buffered.shift();
      if (event === undefined) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      if (event.position <= this.cursor) continue;
      this.cursor = event.position;
      const decoded = event.decode();
      if (passes(decoded, this.filter)) return { done: false, value: decoded };
    }
  }

  private async catchUp(): Promise<void> {
    this.overflowed = false;
    const page = await this.source.readCommitted(this.cursor, this.limits.pageSize, this.filter);
    if (this.closed) return;
    for (const event of page.events) {
      if (event.position <= this.cursor) continue;
      this.cursor = event.position;
      if (passes(event, this.filter)) this.ready.push(event);
    }
    if (page.full) return;
    // Everything committed up to the snapshot head has been read.
    if (page.head > this.cursor) this.cursor = page.head;
    if (!this.overflowed) this.live = true;
  }

  return(): Promise<IteratorResult<RecordedEvent>> {
    return this.close().then(() => ({ done: true, value: undefined }));
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.buffered = [];
      this.ready = [];
      this.unlisten();
      this.notify();
    }
    return Promise.resolve();
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    return this;
  }
}

/** Builds the data of a `$stream-deleted` event. */
export function streamDeletedData(stream: string, lastRevision: number): StreamDeletedData {
  return { stream, lastRevision };
}

/** For stores: the deleted stream named by a `$stream-deleted` payload. */
export function deletedStreamOf(encodedData: Uint8Array): string {
  return (decodeValue(encodedData) as StreamDeletedData).stream;
}
