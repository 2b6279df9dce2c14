/**
 * The memory backend: for unit tests and ephemeral embedding. Values are stored encoded (the same
 * codec as on disk), so callers can never mutate stored events and every read returns fresh objects.
 */
import { decideAppend, decideDelete } from '../append-decision.js';
import { StoreClosedError } from '../errors.js';
import { readAllBounds, streamRange } from '../read-options.js';
import { toRecordedEvent } from '../recorded-event.js';
import { StreamIndex } from '../stream-index.js';
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

interface MemoryRecord {
  readonly id: string;
  readonly stream: string;
  readonly type: string;
  readonly revision: number;
  readonly position: number;
  readonly recordedAt: number;
  readonly data: Uint8Array;
  readonly metadata: Uint8Array | undefined;
}

interface MemoryStream {
  index: StreamIndex;
  records: MemoryRecord[];
}

function decode(record: MemoryRecord): RecordedEvent {
  return toRecordedEvent(record, record.data, record.metadata);
}

/** First index in `log` whose position is > `after`. */
function firstAfter(log: readonly MemoryRecord[], after: number): number {
  let low = 0;
  let high = log.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (log[mid]!.position <= after) low = mid + 1;
    else high = mid;
  }
  return low;
}

class MemoryEventStore implements EventStore {
  private readonly streams = new Map<string, MemoryStream>();
  /** Live records in position order. */
  private log: MemoryRecord[] = [];
  private nextPosition = 0;
  private instances = 0;
  private closed = false;
  private readonly listeners = new Set<(events: readonly LiveEvent[]) => void>();
  private readonly subscriptions = new Set<Subscription>();

  private checkOpen(operation: string): void {
    if (this.closed) throw new StoreClosedError(operation);
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- the contract is async
  async append(
    stream: string,
    events: readonly EventInput[],
    options?: AppendOptions,
  ): Promise<AppendResult> {
    this.checkOpen('append');
    const batch = prepareBatch(stream, events);
    const expected = checkExpectedRevision('append', stream, options?.expectedRevision);
    return this.appendPrepared(batch, expected);
  }

  private appendPrepared(
    batch: PreparedBatch,
    expected: AppendOptions['expectedRevision'] = 'any',
  ): AppendResult {
    let target = this.streams.get(batch.stream);
    const decision = decideAppend(expected, target?.index, batch);
    if (decision.kind === 'duplicate') {
      return {
        nextExpectedRevision: decision.lastRevision,
        position: target!.index.position(decision.lastRevision),
      };
    }
    if (!target) {
      target = { index: new StreamIndex(batch.stream, this.instances++), records: [] };
      this.streams.set(batch.stream, target);
    }
    const recordedAt = Date.now();
    const added: MemoryRecord[] = [];
    for (let i = 0; i < batch.events.length; i++) {
      const event = batch.events[i]!;
      const record: MemoryRecord = {
        id: event.id,
        stream: batch.stream,
        type: event.type,
        revision: target.index.count,
        position: this.nextPosition++,
        recordedAt,
        data: event.data,
        metadata: event.metadata,
      };
      target.index.push(record.position, batch.idBytes, i * 16);
      target.records.push(record);
      this.log.push(record);
      added.push(record);
    }
    const last = added[added.length - 1]!;
    this.announce(added);
    return { nextExpectedRevision: last.revision, position: last.position };
  }

  private announce(records: readonly MemoryRecord[]): void {
    if (this.listeners.size === 0) return;
    const live: LiveEvent[] = records.map((record) => ({
      position: record.position,
      stream: record.stream,
      decode: () => decode(record),
    }));
    for (const listener of this.listeners) listener(live);
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- the contract is async
  async readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    this.checkOpen('readStream');
    checkStreamName('readStream', stream, false);
    const target = this.streams.get(stream);
    const range = streamRange(stream, options, target?.records.length ?? 0);
    const events: RecordedEvent[] = [];
    for (let k = 0; k < range.count; k++) {
      const revision = range.backwards ? range.from - k : range.from + k;
      events.push(decode(target!.records[revision]!));
    }
    return events;
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- the contract is async
  async readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    this.checkOpen('readAll');
    const { after, maxCount } = readAllBounds(options);
    return this.readCommitted(after, maxCount, undefined).events;
  }

  private readCommitted(after: number, maxCount: number, filter: StreamFilter | undefined): CommittedPage {
    const events: RecordedEvent[] = [];
    for (let i = firstAfter(this.log, after); i < this.log.length && events.length < maxCount; i++) {
      const record = this.log[i]!;
      if (filter && record.stream !== SYSTEM_STREAMS_STREAM && !filter(record.stream)) continue;
      events.push(decode(record));
    }
    return { events, head: this.nextPosition - 1, full: events.length === maxCount };
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- the contract is async
  async streamRevision(stream: string): Promise<number | undefined> {
    this.checkOpen('streamRevision');
    checkStreamName('streamRevision', stream, false);
    const count = this.streams.get(stream)?.records.length ?? 0;
    return count === 0 ? undefined : count - 1;
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- the contract is async
  async headPosition(): Promise<number> {
    this.checkOpen('headPosition');
    return this.log.length === 0 ? -1 : this.log[this.log.length - 1]!.position;
  }

  subscribe(options?: SubscribeOptions): Subscription {
    this.checkOpen('subscribe');
    const subscription = createSubscription(
      {
        readCommitted: (after, maxCount, filter) =>
          Promise.resolve(this.readCommitted(after, maxCount, filter)),
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

  // eslint-disable-next-line @typescript-eslint/require-await -- the contract is async
  async deleteStream(stream: string, options?: DeleteStreamOptions): Promise<void> {
    this.checkOpen('deleteStream');
    checkStreamName('deleteStream', stream, true);
    const expected = checkExpectedRevision('deleteStream', stream, options?.expectedRevision);
    const target = this.streams.get(stream);
    if (decideDelete(stream, expected, target?.index) === 'nothing') return;
    const lastRevision = target!.records.length - 1;
    // The tombstone first (live subscribers learn of the deletion), then the data goes.
    this.appendPrepared(
      prepareSystemBatch(
        SYSTEM_STREAMS_STREAM,
        STREAM_DELETED_EVENT_TYPE,
        streamDeletedData(stream, lastRevision),
      ),
    );
    this.streams.delete(stream);
    const lastPosition = target!.index.position(lastRevision);
    this.log = this.log.filter((record) => record.stream !== stream || record.position > lastPosition);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    this.streams.clear();
    this.log = [];
  }
}

export function createMemoryEventStore(): EventStore {
  return new MemoryEventStore();
}
