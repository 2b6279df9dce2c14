import fs from 'node:fs';
import path from 'node:path';
import { Unpackr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { crc32c } from '../../journal/crc32c.js';
import { newEventId, readEventId, writeEventId } from '../../journal/event-id.js';
import { EAGER_FLUSH_APPENDS } from '../../journal/file/file-store.js';
import {
  encodeValue,
  nodeIo,
  openFileEventStore,
  type FileEventStore,
  type JournalIo,
  type RecordedEvent,
} from '../../journal/index.js';
import { recordOffsets, segmentFiles, tempDir } from './helpers.js';

/** The stream name of every record in a segment file, read straight from the bytes. */
function recordStreams(file: string): string[] {
  const bytes = fs.readFileSync(file);
  return recordOffsets(file).map((at) =>
    bytes.toString('utf8', at + 8 + 56, at + 8 + 56 + bytes.readUInt16LE(at + 8 + 2)),
  );
}

const summary = (events: RecordedEvent[]): string[] =>
  events.map((e) => `${e.stream}@${e.revision}#${e.position}:${JSON.stringify(e.data)}:${e.id}`);

async function fill(store: FileEventStore, streams: number, perStream: number, tag = 's'): Promise<void> {
  for (let i = 0; i < perStream; i++) {
    await Promise.all(
      Array.from({ length: streams }, (_, s) =>
        store.append(`${tag}-${s}`, [{ type: 'E', data: { s, i, pad: 'x'.repeat(50) } }]),
      ),
    );
  }
}

describe('file journal building blocks', () => {
  it('computes CRC-32C per the standard check values', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(32, 0))).toBe(0x8a9136aa);
    expect(crc32c(Buffer.alloc(32, 0xff))).toBe(0x62a8ab43);
    expect(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => i)))).toBe(0x46dd794e);
    expect(crc32c(Buffer.from(''))).toBe(0);
    const whole = crc32c(Buffer.from('hello, journal'));
    expect(crc32c(Buffer.from('journal'), 0, 7, crc32c(Buffer.from('hello, ')))).toBe(whole);
  });

  it('stores ULIDs as 16 bytes and back', () => {
    const bytes = new Uint8Array(16);
    for (const id of [
      '00000000000000000000000000',
      '7ZZZZZZZZZZZZZZZZZZZZZZZZZ',
      '01ARZ3NDEKTSV4RRFFQ69G5FAV',
    ]) {
      writeEventId(id, bytes, 0);
      expect(readEventId(bytes, 0)).toBe(id);
    }
    writeEventId('7ZZZZZZZZZZZZZZZZZZZZZZZZZ', bytes, 0);
    expect([...bytes]).toEqual(new Array(16).fill(255));
  });

  it('encodes values any fresh decoder can read (no shared msgpack structures)', () => {
    const values = [{ a: 1, b: 'x' }, { a: 2, b: 'y' }, { nested: { a: 3 } }];
    for (const value of values) {
      const decoder = new Unpackr({
        structuredClone: true,
        moreTypes: true,
        int64AsType: 'bigint',
        useBigIntExtension: true,
      });
      expect(decoder.unpack(encodeValue(value))).toEqual(value);
    }
  });
});

describe('file journal', () => {
  it('decides appends and deletes queued before they commit against each other, in order', async () => {
    const dir = await tempDir();
    const store = await openFileEventStore({ dir, durability: 'always' });
    const e = (type: string): { type: string; data: null } => ({ type, data: null });
    // None awaited: every call is decided while the ones before it are still queued for one write.
    const calls = [
      store.append('q', [e('A0'), e('A1')], { expectedRevision: 'no-stream' }),
      store.append('q', [e('A2')], { expectedRevision: 1 }),
      store.deleteStream('q', { expectedRevision: 2 }),
      store.append('q', [e('B0')], { expectedRevision: 'no-stream' }),
      store.append('q', [e('B1')], { expectedRevision: 0 }),
      store.deleteStream('gone-before-it-was', { expectedRevision: 'no-stream' }),
    ];
    const conflicts = Promise.allSettled([
      store.append('q', [e('X')], { expectedRevision: 2 }), // the life that was deleted
      store.deleteStream('q', { expectedRevision: 0 }),
    ]);
    await Promise.all(calls);
    for (const conflict of await conflicts)
      expect(conflict).toMatchObject({ status: 'rejected', reason: { code: 'WRONG_EXPECTED_REVISION' } });
    const check = async (reader: FileEventStore): Promise<void> => {
      expect((await reader.readStream('q')).map((event) => [event.revision, event.type])).toEqual([
        [0, 'B0'],
        [1, 'B1'],
      ]);
      expect(await reader.streamRevision('q')).toBe(1);
    };
    await check(store);
    // A decision made after one write committed while the next (a delete and a new life) is queued.
    // (A group, so its sync runs in the thread pool and the write is still in flight meanwhile.)
    const first = store.append('r', [e('A0')], { expectedRevision: 'no-stream' });
    const others = [1, 2, 3].map((i) => store.append(`pad-${i}`, [e('P')]));
    await new Promise((resolve) => setImmediate(resolve)); // its write has started: what follows waits
    const queued = [
      store.deleteStream('r', { expectedRevision: 0 }),
      store.append('r', [e('B0')], { expectedRevision: 'no-stream' }),
    ];
    await first;
    await store.append('r', [e('B1')], { expectedRevision: 0 });
    await Promise.all([...queued, ...others]);
    expect((await store.readStream('r')).map((event) => [event.revision, event.type])).toEqual([
      [0, 'B0'],
      [1, 'B1'],
    ]);
    // Once everything committed, decisions see the committed streams.
    await store.append('q', [e('B2')], { expectedRevision: 1 });
    await expect(store.append('q', [e('Y')], { expectedRevision: 'no-stream' })).rejects.toMatchObject({
      code: 'WRONG_EXPECTED_REVISION',
    });
    await store.deleteStream('q', { expectedRevision: 2 });
    await store.append('q', [e('B0')], { expectedRevision: 'no-stream' });
    await store.append('q', [e('B1')], { expectedRevision: 0 });
    await store.close();
    const reopened = await openFileEventStore({ dir });
    await check(reopened);
    await reopened.close();
  });

  it('rolls over segments and reads everything back after reopening', async () => {
    const dir = await tempDir();
    const store = await openFileEventStore({ dir, durability: 'none', segmentSizeBytes: 4096 });
    await fill(store, 5, 40);
    const before = summary(await store.readAll());
    expect(segmentFiles(dir).length).toBeGreaterThan(5);
    await store.close();
    const reopened = await openFileEventStore({ dir, durability: 'none', segmentSizeBytes: 4096 });
    expect(summary(await reopened.readAll())).toEqual(before);
    expect((await reopened.readStream('s-3')).map((e) => (e.data as { i: number }).i)).toEqual(
      Array.from({ length: 40 }, (_, i) => i),
    );
    await reopened.close();
  });

  it("keeps every stream's positions and event ids through a checkpoint: retries after reopening are recognised", async () => {
    const dir = await tempDir();
    const options = { dir, durability: 'none' as const };
    const store = await openFileEventStore(options);
    const ids = Array.from({ length: 6 }, () => newEventId());
    await store.append('a', [{ type: 'S', data: 0 }]);
    const original = await store.append(
      'a',
      ids.slice(0, 3).map((id, i) => ({ id, type: 'E', data: i })),
      { expectedRevision: 0 },
    );
    await store.append('b', [{ id: ids[3], type: 'E', data: 'b' }], { expectedRevision: 'no-stream' });
    await store.close(); // writes the checkpoint

    const reopened = await openFileEventStore(options);
    expect(reopened.stats().recovery).toMatchObject({ checkpoint: 'used', scannedBytes: 0 });
    // The same batch again: found by its ids at the same revisions, same answer, nothing written.
    const retried = await reopened.append(
      'a',
      ids.slice(0, 3).map((id, i) => ({ id, type: 'E', data: i })),
      { expectedRevision: 0 },
    );
    expect(retried).toEqual(original);
    // The same revisions with another id are a conflict, not a duplicate.
    await expect(
      reopened.append('a', [{ id: ids[4], type: 'E', data: 'x' }], { expectedRevision: 0 }),
    ).rejects.toMatchObject({ code: 'WRONG_EXPECTED_REVISION' });
    await expect(
      reopened.append('b', [{ id: ids[3], type: 'E', data: 'b' }], { expectedRevision: 'no-stream' }),
    ).resolves.toMatchObject({ nextExpectedRevision: 0 });
    const a = await reopened.readStream('a');
    expect(a.map((e) => [e.revision, e.id])).toEqual([
      [0, a[0]!.id],
      [1, ids[0]],
      [2, ids[1]],
      [3, ids[2]],
    ]);
    expect(a.map((e) => e.position)).toEqual([...a.map((e) => e.position)].sort((x, y) => x - y));
    await reopened.close();
  });

  it('opens with the checkpoint present, missing or stale to identical contents', async () => {
    const dir = await tempDir();
    const options = { dir, durability: 'none' as const, segmentSizeBytes: 8192 };
    const store = await openFileEventStore(options);
    await fill(store, 4, 30);
    await store.deleteStream('s-1');
    await store.close();

    const present = await openFileEventStore(options);
    expect(present.stats().recovery).toMatchObject({ checkpoint: 'used', scannedBytes: 0 });
    const expected = summary(await present.readAll());
    // Stale: events appended after the checkpoint; only those bytes are scanned on open.
    await present.checkpoint();
    await fill(present, 2, 3, 'late');
    const withLate = summary(await present.readAll());
    const staleCopy = await tempDir();
    fs.cpSync(dir, staleCopy, { recursive: true });
    await present.close();
    for (const name of fs.readdirSync(staleCopy))
      if (name.startsWith('lock.')) fs.rmSync(path.join(staleCopy, name));

    const stale = await openFileEventStore({ ...options, dir: staleCopy });
    const report = stale.stats().recovery;
    expect(report.checkpoint).toBe('used');
    expect(report.scannedBytes).toBeGreaterThan(0);
    expect(report.scannedBytes).toBeLessThan(2000);
    expect(summary(await stale.readAll())).toEqual(withLate);
    await stale.close();

    fs.rmSync(path.join(dir, 'index.wcp'));
    const missing = await openFileEventStore(options);
    expect(missing.stats().recovery.checkpoint).toBe('missing');
    expect(summary(await missing.readAll())).toEqual(withLate);
    expect(summary(await missing.readAll()).slice(0, expected.length)).toEqual(expected);
    expect(await missing.readStream('s-1')).toEqual([]);
    await missing.close();

    // A damaged checkpoint is ignored (full scan), not trusted.
    const file = path.join(dir, 'index.wcp');
    const bytes = fs.readFileSync(file);
    bytes[100] = bytes[100]! ^ 0xff;
    fs.writeFileSync(file, bytes);
    const damaged = await openFileEventStore(options);
    expect(damaged.stats().recovery.checkpoint).toBe('stale');
    expect(summary(await damaged.readAll())).toEqual(withLate);
    await damaged.close();
  });

  it.each([
    ['a group commit (thread-pool sync)', 5],
    ['a lone append (inline sync)', 1],
  ])(
    'fences the store after an fsync EIO in %s: pending and later appends reject, nothing more is acknowledged',
    async (_path, concurrent) => {
      const dir = await tempDir();
      let failSyncs = false;
      const eio = (): Error => Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
      const io: JournalIo = {
        ...nodeIo,
        fdatasync: (fd) => (failSyncs ? Promise.reject(eio()) : nodeIo.fdatasync(fd)),
        fdatasyncSync: (fd) => {
          if (failSyncs) throw eio();
          nodeIo.fdatasyncSync(fd);
        },
      };
      const store = await openFileEventStore({ dir, durability: 'always', io });
      await store.append('s', [{ type: 'Before', data: 1 }]);
      failSyncs = true;
      const pending = Array.from({ length: concurrent }, (_, i) =>
        store.append(`p-${i}`, [{ type: 'During', data: i }]),
      );
      for (const attempt of pending)
        await expect(attempt).rejects.toMatchObject({ code: 'STORE_FAILED', name: 'StoreFailedError' });
      failSyncs = false; // even when the disk "recovers", the store stays fenced
      await expect(store.append('s', [{ type: 'After', data: 2 }])).rejects.toMatchObject({
        code: 'STORE_FAILED',
      });
      await expect(store.deleteStream('s')).rejects.toMatchObject({ code: 'STORE_FAILED' });
      expect((await store.readStream('s')).map((e) => e.type)).toEqual(['Before']);
      await store.close();
      // Reopening recovers from what is on disk.
      const reopened = await openFileEventStore({ dir });
      expect((await reopened.readStream('s')).map((e) => e.type)).toEqual(['Before']);
      await reopened.append('s', [{ type: 'After', data: 2 }], { expectedRevision: 0 });
      await reopened.close();
    },
  );

  it('syncs a lone append inline and a group in the thread pool; slow syncs all go to the pool', async () => {
    const dir = await tempDir();
    let delayMs = 0;
    const calls = { inline: 0, pool: 0 };
    const pause = (): void => {
      if (delayMs > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, delayMs);
    };
    const io: JournalIo = {
      ...nodeIo,
      fdatasync: async (fd) => {
        calls.pool++;
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        return nodeIo.fdatasync(fd);
      },
      fdatasyncSync: (fd) => {
        calls.inline++;
        pause();
        nodeIo.fdatasyncSync(fd);
      },
    };
    const store = await openFileEventStore({ dir, durability: 'always', io, preallocate: false });
    await store.checkpoint();
    const reset = (): void => {
      calls.inline = 0;
      calls.pool = 0;
    };
    reset();
    for (let i = 0; i < 5; i++) await store.append('lone', [{ type: 'E', data: i }]);
    expect(calls).toEqual({ inline: 5, pool: 0 });
    reset();
    await Promise.all(Array.from({ length: 8 }, (_, i) => store.append(`g-${i}`, [{ type: 'E', data: i }])));
    expect(calls).toEqual({ inline: 0, pool: 1 });
    // A slow disk (10 ms a sync): after a few syncs the average passes the bound and lone appends
    // stop holding the event loop.
    delayMs = 10;
    for (let i = 0; i < 20; i++) await store.append('slow', [{ type: 'E', data: i }]);
    expect(calls.inline).toBeGreaterThan(0);
    expect(calls.inline).toBeLessThan(20);
    reset();
    await store.append('slow', [{ type: 'E', data: 20 }]);
    expect(calls).toEqual({ inline: 0, pool: 1 });
    expect((await store.readStream('slow')).map((e) => e.data)).toEqual(
      Array.from({ length: 21 }, (_, i) => i),
    );
    await store.close();
  });

  it('shares one fdatasync among concurrent appends (group commit)', async () => {
    const dir = await tempDir();
    let syncs = 0;
    let writes = 0;
    const io: JournalIo = {
      ...nodeIo,
      fdatasync: (fd) => (syncs++, nodeIo.fdatasync(fd)),
      writeSync: (...args) => (writes++, nodeIo.writeSync(...args)),
    };
    const store = await openFileEventStore({ dir, durability: 'always', io, preallocate: false });
    await store.checkpoint();
    const appendConcurrently = (count: number, tag: string): Promise<unknown> =>
      Promise.all(
        Array.from({ length: count }, (_, i) => store.append(`${tag}-${i}`, [{ type: 'E', data: i }])),
      );

    // Fewer than EAGER_FLUSH_APPENDS in one tick: one write and one fdatasync for all of them.
    syncs = 0;
    writes = 0;
    await appendConcurrently(EAGER_FLUSH_APPENDS - 1, 'a');
    expect([writes, syncs]).toEqual([1, 1]);

    // Twice as many: the first EAGER_FLUSH_APPENDS are written at once (their fdatasync overlaps
    // the encoding of the rest), the rest share the next commit.
    syncs = 0;
    writes = 0;
    await appendConcurrently(2 * EAGER_FLUSH_APPENDS, 'b');
    expect([writes, syncs]).toEqual([2, 2]);
    expect((await store.readAll()).filter((e) => e.stream.startsWith('b-')).length).toBe(
      2 * EAGER_FLUSH_APPENDS,
    );
    await store.close();
  });

  it('syncs at most every batchIntervalMs with durability batch', async () => {
    const dir = await tempDir();
    let syncs = 0;
    const io: JournalIo = {
      ...nodeIo,
      fdatasync: (fd) => (syncs++, nodeIo.fdatasync(fd)),
      fdatasyncSync: (fd) => (syncs++, nodeIo.fdatasyncSync(fd)),
    };
    const store = await openFileEventStore({
      dir,
      durability: 'batch',
      batchIntervalMs: 1000,
      io,
      preallocate: false,
    });
    await store.checkpoint(); // the checkpoint written after opening syncs too
    syncs = 0;
    for (let i = 0; i < 20; i++) await store.append('b', [{ type: 'E', data: i }]);
    expect(syncs).toBe(0); // acknowledged without a sync
    for (let waited = 0; syncs === 0 && waited < 5000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(syncs).toBe(1); // one sync for all of them, at most an interval later
    await store.close();
    const reopened = await openFileEventStore({ dir });
    expect(await reopened.streamRevision('b')).toBe(19);
    await reopened.close();
  });

  it('reclaims the space of deleted streams, keeping positions, under concurrent reads, appends and a subscription', async () => {
    const dir = await tempDir();
    const store = await openFileEventStore({
      dir,
      durability: 'always',
      segmentSizeBytes: 8192,
      autoCompact: false,
    });
    await fill(store, 10, 30);
    const diskBytes = (): number =>
      segmentFiles(dir).reduce((sum, f) => sum + fs.statSync(path.join(dir, f)).size, 0);
    const subscription = store.subscribe();
    const received: RecordedEvent[] = [];
    const consuming = (async () => {
      for await (const event of subscription) received.push(event);
    })();
    const survivors = Array.from({ length: 10 }, (_, s) => s).filter((s) => s % 2 === 1);
    const before = new Map<number, string[]>();
    for (const s of survivors) before.set(s, summary(await store.readStream(`s-${s}`)));
    const sizeBefore = diskBytes();

    for (let s = 0; s < 10; s += 2) await store.deleteStream(`s-${s}`);
    let stop = false;
    const readers = (async () => {
      let reads = 0;
      while (!stop) {
        for (const s of survivors) expect(summary(await store.readStream(`s-${s}`))).toEqual(before.get(s));
        expect(await store.readStream('s-0')).toEqual([]);
        reads++;
        // Cached reads complete in microtasks: let the appends' flushes (macrotasks) run.
        await new Promise((resolve) => setImmediate(resolve));
      }
      return reads;
    })();
    const writers = (async () => {
      for (let i = 0; i < 20; i++) await store.append('during', [{ type: 'During', data: i }]);
    })();
    await store.compact();
    await writers;
    stop = true;
    expect(await readers).toBeGreaterThan(0);

    expect(diskBytes()).toBeLessThan(sizeBefore * 0.65);
    expect(store.stats().segments.every((s) => s.deadBytes === 0)).toBe(true);
    const afterCompaction = summary(await store.readAll());
    // Nothing of the deleted streams is left in the files.
    const streamsOnDisk = new Set(segmentFiles(dir).flatMap((file) => recordStreams(path.join(dir, file))));
    for (let s = 0; s < 10; s += 2) expect(streamsOnDisk.has(`s-${s}`)).toBe(false);
    for (const s of survivors) expect(streamsOnDisk.has(`s-${s}`)).toBe(true);
    await store.close();
    await consuming;
    // The subscription saw every event of $all once, in order, including the ones deleted later.
    const positions = received.map((e) => e.position);
    expect(positions).toEqual([...new Set(positions)].sort((a, b) => a - b));
    expect(received.filter((e) => e.type === '$stream-deleted')).toHaveLength(5);

    const reopened = await openFileEventStore({ dir });
    expect(summary(await reopened.readAll())).toEqual(afterCompaction);
    for (const s of survivors) expect(summary(await reopened.readStream(`s-${s}`))).toEqual(before.get(s));
    const recreated = await reopened.append('s-0', [{ type: 'Again', data: 0 }], {
      expectedRevision: 'no-stream',
    });
    expect(recreated.nextExpectedRevision).toBe(0);
    await reopened.close();
  });

  it('rebuilds from a full scan after only some segments of a deleted stream were compacted', async () => {
    const dir = await tempDir();
    const options = { dir, durability: 'none' as const, segmentSizeBytes: 4096 };
    const store = await openFileEventStore(options);
    // Segment 1 holds only "big" (removed when big is deleted); later segments are mostly "other".
    await store.append(
      'big',
      Array.from({ length: 30 }, (_, i) => ({ type: 'E', data: 'b'.repeat(120) + i })),
    );
    for (let i = 0; i < 40; i++) {
      await store.append('other', [{ type: 'E', data: 'o'.repeat(200) + i }]);
      if (i % 10 === 0) await store.append('big', [{ type: 'E', data: i }]);
    }
    const first = path.join(dir, 'segment-000000000001.wlog');
    expect(fs.existsSync(first)).toBe(true);
    await store.deleteStream('big');
    for (let i = 0; i < 200 && fs.existsSync(first); i++) await new Promise((r) => setTimeout(r, 10));
    expect(fs.existsSync(first)).toBe(false);
    expect(store.stats().segments.some((s) => s.deadBytes > 0)).toBe(true); // big's later events remain
    const expected = summary(await store.readAll());
    await store.close();

    fs.rmSync(path.join(dir, 'index.wcp'));
    const rebuilt = await openFileEventStore(options);
    expect(rebuilt.stats().recovery.checkpoint).toBe('missing');
    expect(summary(await rebuilt.readAll())).toEqual(expected);
    expect(await rebuilt.readStream('big')).toEqual([]);
    expect(rebuilt.stats().segments.some((s) => s.deadBytes > 0)).toBe(true);
    await rebuilt.compact();
    expect(rebuilt.stats().segments.every((s) => s.deadBytes === 0)).toBe(true);
    expect(
      (await rebuilt.append('big', [{ type: 'New', data: 0 }], { expectedRevision: 'no-stream' }))
        .nextExpectedRevision,
    ).toBe(0);
    await rebuilt.close();
  });

  it('compacts automatically once a closed segment is mostly deleted', async () => {
    const dir = await tempDir();
    const store = await openFileEventStore({ dir, durability: 'none', segmentSizeBytes: 4096 });
    await store.append(
      'big',
      Array.from({ length: 60 }, (_, i) => ({ type: 'E', data: 'x'.repeat(100) + i })),
    );
    await store.append('small', [{ type: 'E', data: 1 }]);
    const files = segmentFiles(dir).length;
    await store.deleteStream('big');
    for (let i = 0; i < 100 && segmentFiles(dir).length >= files; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(segmentFiles(dir).length).toBeLessThan(files);
    expect((await store.readAll()).map((e) => e.stream)).toEqual(['small', '$streams']);
    await store.close();
  });
});
