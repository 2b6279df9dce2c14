/** Test support: the shared EventStore conformance suite (imports vitest; never imported by production code). */
export { describeEventStoreConformance } from './conformance.js';
export type { ConformanceFactory, ConformanceSubject } from './conformance.js';
