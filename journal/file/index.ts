export { openFileEventStore } from './file-store.js';
export type { FileEventStore, FileStoreStats, RecoveryReport } from './file-store.js';
export type { Durability, FileEventStoreOptions } from './options.js';
export type { JournalIo } from './io.js';
export { nodeIo } from './io.js';
