import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeEventStoreConformance } from '../../journal/conformance/index.js';
import { openFileEventStore, type Durability } from '../../journal/index.js';

for (const durability of ['none', 'always'] as Durability[]) {
  describeEventStoreConformance(`file (durability ${durability})`, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'whisker-journal-'));
    const store = await openFileEventStore({ dir, durability, segmentSizeBytes: 64 * 1024 });
    return { store, cleanup: () => rm(dir, { recursive: true, force: true }) };
  });
}
