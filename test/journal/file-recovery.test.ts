import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { JournalCorruptedError, openFileEventStore, type EventStore } from '../../journal/index.js';
import { recordOffsets, segmentFiles, tempDir } from './helpers.js';

async function writeJournal(dir: string, count: number, segmentSizeBytes = 1024 * 1024): Promise<void> {
  const store = await openFileEventStore({ dir, durability: 'none', segmentSizeBytes });
  for (let i = 0; i < count; i++)
    await store.append(`s-${i % 3}`, [{ type: 'E', data: { i, text: `event ${i}` } }]);
  await store.close();
}

async function contents(store: EventStore): Promise<unknown[]> {
  return (await store.readAll()).map((e) => (e.data as { i: number }).i);
}

function copyDir(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true });
  for (const name of fs.readdirSync(to)) if (name.startsWith('lock.')) fs.rmSync(path.join(to, name));
}

describe('file journal recovery', () => {
  it('recovers every earlier record when the last record is cut at any byte, and appends after', async () => {
    const original = await tempDir();
    await writeJournal(original, 12);
    const [segment] = segmentFiles(original);
    const file = path.join(original, segment!);
    const offsets = recordOffsets(file);
    const lastStart = offsets[offsets.length - 1]!;
    const end = fs.statSync(file).size;
    const expected = Array.from({ length: 11 }, (_, i) => i);
    for (let cut = lastStart; cut < end; cut++) {
      const dir = await tempDir();
      copyDir(original, dir);
      fs.truncateSync(path.join(dir, segment!), cut);
      const store = await openFileEventStore({ dir, durability: 'none' });
      expect(await contents(store)).toEqual(expected);
      expect(store.stats().recovery.truncatedBytes).toBe(cut - lastStart);
      const next = await store.append('s-2', [{ type: 'E', data: { i: 99 } }], { expectedRevision: 2 });
      expect(next.nextExpectedRevision).toBe(3);
      await store.close();
      const reopened = await openFileEventStore({ dir, durability: 'none' });
      expect(await contents(reopened)).toEqual([...expected, 99]);
      await reopened.close();
    }
  });

  it('detects a flipped byte anywhere in the last record and never returns it', async () => {
    const original = await tempDir();
    await writeJournal(original, 12);
    const [segment] = segmentFiles(original);
    const offsets = recordOffsets(path.join(original, segment!));
    const lastStart = offsets[offsets.length - 1]!;
    const end = fs.statSync(path.join(original, segment!)).size;
    for (let at = lastStart; at < end; at++) {
      const dir = await tempDir();
      copyDir(original, dir);
      const file = path.join(dir, segment!);
      const bytes = fs.readFileSync(file);
      bytes[at] = bytes[at]! ^ 0xff;
      fs.writeFileSync(file, bytes);
      // As after a crash: the checkpoint predates the last record, so recovery scans it.
      fs.rmSync(path.join(dir, 'index.wcp'));
      const store = await openFileEventStore({ dir, durability: 'none' });
      expect(await contents(store)).toEqual(Array.from({ length: 11 }, (_, i) => i));
      expect(store.stats().recovery.truncatedBytes).toBe(end - lastStart);
      await store.append('s-0', [{ type: 'E', data: { i: 100 } }]);
      await store.close();
    }
  });

  it('reports a flipped byte in checkpointed data when it is read, never returning it', async () => {
    const dir = await tempDir();
    await writeJournal(dir, 12);
    const [segment] = segmentFiles(dir);
    const file = path.join(dir, segment!);
    const offsets = recordOffsets(file);
    const bytes = fs.readFileSync(file);
    bytes[offsets[11]! + 70] = bytes[offsets[11]! + 70]! ^ 0x10;
    fs.writeFileSync(file, bytes);
    const store = await openFileEventStore({ dir, durability: 'none' });
    expect(store.stats().recovery.checkpoint).toBe('used');
    expect((await store.readStream('s-0')).length).toBe(4);
    await expect(store.readAll()).rejects.toMatchObject({
      code: 'JOURNAL_CORRUPTED',
      segment,
      offset: offsets[11],
    });
    await expect(store.readStream('s-2')).rejects.toMatchObject({ code: 'JOURNAL_CORRUPTED' });
    await store.close();
  });

  it('refuses to open when a record before the tail is damaged, naming the segment and offset', async () => {
    const dir = await tempDir();
    await writeJournal(dir, 12);
    const [segment] = segmentFiles(dir);
    const file = path.join(dir, segment!);
    const offsets = recordOffsets(file);
    const bytes = fs.readFileSync(file);
    bytes[offsets[5]! + 40] = bytes[offsets[5]! + 40]! ^ 0x01;
    fs.writeFileSync(file, bytes);
    fs.rmSync(path.join(dir, 'index.wcp')); // force a scan of the whole segment
    const sizeBefore = fs.statSync(file).size;
    const attempt = openFileEventStore({ dir, durability: 'none' });
    await expect(attempt).rejects.toBeInstanceOf(JournalCorruptedError);
    await expect(attempt).rejects.toMatchObject({ code: 'JOURNAL_CORRUPTED', segment, offset: offsets[5] });
    expect(fs.statSync(file).size).toBe(sizeBefore);
    // The lock was released: after a repair the directory opens.
    bytes[offsets[5]! + 40] = bytes[offsets[5]! + 40]! ^ 0x01;
    fs.writeFileSync(file, bytes);
    const store = await openFileEventStore({ dir, durability: 'none' });
    expect(await contents(store)).toHaveLength(12);
    await store.close();
  });

  it('refuses damage at the end of an earlier (closed) segment', async () => {
    const dir = await tempDir();
    await writeJournal(dir, 150, 4096);
    const segments = segmentFiles(dir);
    expect(segments.length).toBeGreaterThan(2);
    const file = path.join(dir, segments[0]!);
    const offsets = recordOffsets(file);
    fs.truncateSync(file, offsets[offsets.length - 1]! + 10);
    fs.rmSync(path.join(dir, 'index.wcp'));
    await expect(openFileEventStore({ dir, durability: 'none' })).rejects.toMatchObject({
      code: 'JOURNAL_CORRUPTED',
      segment: segments[0],
      offset: offsets[offsets.length - 1],
    });
  });

  it('drops a batch whose last record is missing (batches are atomic)', async () => {
    const dir = await tempDir();
    const store = await openFileEventStore({ dir, durability: 'none' });
    await store.append('a', [{ type: 'One', data: 1 }]);
    await store.append(
      'b',
      [1, 2, 3].map((n) => ({ type: 'Batch', data: n })),
    );
    await store.close();
    const [segment] = segmentFiles(dir);
    const file = path.join(dir, segment!);
    const offsets = recordOffsets(file);
    fs.truncateSync(file, offsets[3]); // keep 2 of the batch's 3 records
    const reopened = await openFileEventStore({ dir, durability: 'none' });
    expect((await reopened.readAll()).map((e) => e.type)).toEqual(['One']);
    expect(await reopened.streamRevision('b')).toBeUndefined();
    await reopened.close();
  });

  it('treats zeros after the last record as preallocated space, even after a cut record', async () => {
    const dir = await tempDir();
    await writeJournal(dir, 6);
    const [segment] = segmentFiles(dir);
    const file = path.join(dir, segment!);
    const offsets = recordOffsets(file);
    fs.rmSync(path.join(dir, 'index.wcp'));
    fs.appendFileSync(file, Buffer.alloc(5000));
    const store = await openFileEventStore({ dir, durability: 'none' });
    expect(await contents(store)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(store.stats().recovery.truncatedBytes).toBe(0);
    await store.close();
    // The last record half written, the rest of its page still zeros.
    const bytes = fs.readFileSync(file);
    bytes.fill(0, offsets[5]! + 30);
    fs.writeFileSync(file, Buffer.concat([bytes, Buffer.alloc(3000)]));
    fs.rmSync(path.join(dir, 'index.wcp'));
    const torn = await openFileEventStore({ dir, durability: 'none' });
    expect(await contents(torn)).toEqual([0, 1, 2, 3, 4]);
    await torn.close();
    expect(fs.statSync(file).size).toBe(offsets[5]);
  });

  it('restarts a last segment whose header was cut short', async () => {
    const dir = await tempDir();
    await writeJournal(dir, 5);
    fs.writeFileSync(path.join(dir, 'segment-000000000002.wlog'), Buffer.from('WHSKSE'));
    const store = await openFileEventStore({ dir, durability: 'none' });
    expect(await contents(store)).toEqual([0, 1, 2, 3, 4]);
    await store.append('s-0', [{ type: 'E', data: { i: 5 } }]);
    await store.close();
    const reopened = await openFileEventStore({ dir, durability: 'none' });
    expect(await contents(reopened)).toEqual([0, 1, 2, 3, 4, 5]);
    await reopened.close();
  });
});
