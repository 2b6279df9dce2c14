/**
 * Real crashes: a child process appends (or compacts) with durability `always` and is killed with
 * SIGKILL at a random moment. Everything it reported as acknowledged before the kill must be there
 * after reopening, in order, with nothing invented.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openFileEventStore } from '../../journal/index.js';
import { kill9, startChild, tempDir } from './helpers.js';

function lastAcked(lines: readonly string[]): Map<string, number> {
  const acked = new Map<string, number>();
  for (const line of lines) {
    const [word, stream, counter] = line.split(' ');
    if (word === 'ack') acked.set(stream!, Math.max(acked.get(stream!) ?? -1, Number(counter)));
  }
  return acked;
}

describe('file journal under kill -9', () => {
  it('keeps every acknowledged append across 30 random kills, invents nothing, and keeps working', async () => {
    const dir = await tempDir();
    const everAcked = new Map<string, number>();
    for (let round = 0; round < 30; round++) {
      const child = startChild('append', dir);
      await child.waitFor(/^ready$/);
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 60));
      await kill9(child);
      for (const [stream, counter] of lastAcked(child.lines)) {
        everAcked.set(stream, Math.max(everAcked.get(stream) ?? -1, counter));
      }
      const store = await openFileEventStore({ dir, durability: 'always', segmentSizeBytes: 16 * 1024 });
      for (const [stream, acked] of everAcked) {
        const events = await store.readStream(stream);
        expect(events.length).toBeGreaterThan(acked);
        // In order, consecutive, exactly what the child wrote: event at revision r carries counter r.
        events.forEach((event, revision) => {
          expect(event.revision).toBe(revision);
          expect((event.data as { n: number }).n).toBe(revision);
        });
      }
      const all = await store.readAll();
      expect(all.every((e, i) => i === 0 || e.position > all[i - 1]!.position)).toBe(true);
      // The next append works (the child will continue from here).
      const probe = await store.append(`probe-${round}`, [{ type: 'Probe', data: round }], {
        expectedRevision: 'no-stream',
      });
      expect(probe.nextExpectedRevision).toBe(0);
      await store.close();
    }
    expect([...everAcked.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(100);
  }, 90_000);

  it('loses nothing live when killed during deletes and compaction', async () => {
    const dir = await tempDir();
    const kept = new Set<string>();
    const deleted = new Set<string>();
    for (let round = 0; round < 12; round++) {
      const child = startChild('compact', dir);
      await child.waitFor(/^ready$/);
      // Kill right before a compaction renames its new segment into place, right after, or anywhere.
      const aim = [/^before-rename$/, /^after-rename$/, undefined][round % 3];
      if (aim) await child.waitFor(aim);
      else await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 150));
      await kill9(child);
      // Killed before the rename: the half-done copy is still there (and must be ignored).
      if (round % 3 === 0) expect(fs.readdirSync(dir).some((f) => f.endsWith('.compact'))).toBe(true);
      for (const line of child.lines) {
        const [word, name] = line.split(' ');
        if (word === 'ack') kept.add(name!);
        if (word === 'deleted') deleted.add(name!);
      }
      const store = await openFileEventStore({ dir, durability: 'always', segmentSizeBytes: 16 * 1024 });
      for (const stream of kept) {
        const events = await store.readStream(stream);
        expect(events.map((e) => e.type)).toEqual(['Kept']);
      }
      for (const stream of deleted) expect(await store.readStream(stream)).toEqual([]);
      // Every remaining doomed stream is whole (5 events) or gone: never half-deleted.
      for (const event of await store.readAll()) {
        if (event.stream.startsWith('doomed-')) expect((await store.readStream(event.stream)).length).toBe(5);
      }
      await store.compact();
      for (const stream of kept) expect(await store.readStream(stream)).toHaveLength(1);
      await store.close();
    }
    expect(kept.size).toBeGreaterThan(10);
    expect(deleted.size).toBeGreaterThan(10);
  }, 90_000);

  it('lets only one process open a directory, naming the holder, and takes over from a dead one', async () => {
    const dir = await tempDir();
    const holder = startChild('hold', dir);
    await holder.waitFor(/^ready$/);
    await expect(openFileEventStore({ dir })).rejects.toMatchObject({
      code: 'STORE_LOCKED',
      dir,
      pid: holder.process.pid,
      message: expect.stringContaining(String(holder.process.pid)) as unknown,
    });
    await kill9(holder);
    const store = await openFileEventStore({ dir });
    // The same process cannot open it twice either.
    await expect(openFileEventStore({ dir })).rejects.toMatchObject({
      code: 'STORE_LOCKED',
      pid: process.pid,
    });
    await store.close();
    const again = await openFileEventStore({ dir });
    await again.close();
  }, 30_000);
});
