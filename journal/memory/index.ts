export { createMemoryEventStore } from './memory-store.js';
