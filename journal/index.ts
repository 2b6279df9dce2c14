/** The journal: an append-only event store with memory and file backends. */
export type {
  AppendOptions,
  AppendResult,
  DeleteStreamOptions,
  EventInput,
  EventStore,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamDeletedData,
  SubscribeOptions,
  Subscription,
} from './types.js';
export { STREAM_DELETED_EVENT_TYPE, SYSTEM_STREAMS_STREAM } from './types.js';
export {
  InvalidAppendError,
  InvalidArgumentError,
  JournalCorruptedError,
  StoreClosedError,
  StoreFailedError,
  StoreLockedError,
  WrongExpectedRevisionError,
} from './errors.js';
export { encodeValue, decodeValue } from './codec.js';
export { crc32c } from './crc32c.js';
export { createMemoryEventStore } from './memory/index.js';
export { openFileEventStore, nodeIo } from './file/index.js';
export type {
  Durability,
  FileEventStore,
  FileEventStoreOptions,
  FileStoreStats,
  JournalIo,
  RecoveryReport,
} from './file/index.js';
