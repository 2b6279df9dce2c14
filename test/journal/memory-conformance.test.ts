import { describeEventStoreConformance } from '../../journal/conformance/index.js';
import { createMemoryEventStore } from '../../journal/index.js';

describeEventStoreConformance('memory', () => Promise.resolve({ store: createMemoryEventStore() }));
