export { openFileEventStore } from './file-store.js';
export type { FileEventStore, FileStoreStats } from './file-store.js';
export type { RecoveryReport } from './recovery.js';
export type { Durability, FileEventStoreOptions } from './options.js';
export type { JournalIo } from './io.js';
export { nodeIo } from './io.js';
