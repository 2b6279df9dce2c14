/**
 * The journal file format: both forms round-trip every journal value; a truncated or damaged
 * binary file (cut at every byte, every byte flipped) is a clear error naming the offset, never a
 * crash or a silently wrong journal; the tagged JSON encoding is lossless.
 */
import { describe, expect, it } from 'vitest';

import type { JournalFile } from '../../engine/index.js';
import {
  JournalFileError,
  decodeJournalFile,
  encodeJournalFile,
  fromTaggedJson,
  toTaggedJson,
} from '../../engine/index.js';

const T = 1_700_000_000_000;

/** Values the journal keeps (msgpackr structured clone) that JSON alone does not. */
const TRICKY = {
  date: new Date(T),
  bytes: new Uint8Array([0, 1, 255]),
  floats: new Float64Array([1.5, -2]),
  big: 12345678901234567890n,
  map: new Map<unknown, unknown>([
    ['a', 1],
    [2, { b: [true, null] }],
  ]),
  set: new Set(['x', 'y']),
  nothing: undefined,
  nan: NaN,
  inf: -Infinity,
  regexp: /a+b/gi,
  dollar: { $date: 'not a tag', $plain: 1 },
  nested: [{ deep: [new Date(0)] }],
};

function sample(extra: Partial<JournalFile> = {}): JournalFile {
  return {
    version: 1,
    sessionId: 'ses_01TEST',
    entry: 'workflows.ts:flow',
    buildId: 'bld_01TEST',
    buildHash: 'sha256-0000',
    status: 'waiting',
    exportedAt: T + 10_000,
    events: [
      {
        revision: 0,
        type: 'SessionStarted',
        recordedAt: T,
        data: {
          sessionId: 'ses_01TEST',
          entry: 'workflows.ts:flow',
          buildId: 'bld_01TEST',
          input: TRICKY,
          seed: 'ab',
          time: T,
          variables: {},
        },
      },
      {
        revision: 1,
        type: 'ActivityScheduled',
        recordedAt: T + 1,
        data: { seq: 1, name: 'a', args: [TRICKY.map, TRICKY.big], options: {}, time: T + 1 },
      },
      {
        revision: 2,
        type: 'ActivityCompleted',
        recordedAt: T + 2,
        data: { seq: 1, result: TRICKY.bytes, attempt: 1, time: T + 2 },
      },
    ],
    ...extra,
  };
}

function errorOf(fn: () => unknown): JournalFileError {
  try {
    fn();
  } catch (error) {
    if (error instanceof JournalFileError) return error;
    throw new Error(`expected a JournalFileError, got ${String(error)}`);
  }
  throw new Error('expected a JournalFileError, but decoding succeeded');
}

describe('journal file round trips', () => {
  it.each(['binary', 'json'] as const)('%s form keeps every value', (format) => {
    const file = sample();
    const decoded = decodeJournalFile(encodeJournalFile(file, { format }));
    expect(decoded).toEqual(file);
    const input = (decoded.events[0]?.data as { input: typeof TRICKY }).input;
    expect(input.big).toBe(12345678901234567890n);
    expect(input.map.get(2)).toEqual({ b: [true, null] });
    expect(input.date).toBeInstanceOf(Date);
    expect(input.floats).toBeInstanceOf(Float64Array);
    expect(Object.prototype.hasOwnProperty.call(input, 'nothing')).toBe(true);
  });

  it('the JSON form is readable: plain values stay plain, others are tagged', () => {
    const text = Buffer.from(encodeJournalFile(sample(), { format: 'json' })).toString('utf8');
    const doc = JSON.parse(text) as {
      format: string;
      events: { type: string; data: { input: Record<string, unknown> } }[];
    };
    expect(doc.format).toBe('whisker-journal');
    const input = doc.events[0]?.data.input;
    expect(input?.date).toEqual({ $date: '2023-11-14T22:13:20.000Z' });
    expect(input?.big).toEqual({ $bigint: '12345678901234567890' });
    expect(input?.bytes).toEqual({ $bytes: 'AAH/' });
    expect(input?.set).toEqual({ $set: ['x', 'y'] });
    expect(input?.dollar).toEqual({ $object: { $date: 'not a tag', $plain: 1 } });
    expect(input?.nested).toEqual([{ deep: [{ $date: '1970-01-01T00:00:00.000Z' }] }]);
  });

  it('tagged JSON rejects cycles and unknown tags with the path', () => {
    const cycle: Record<string, unknown> = { a: 1 };
    cycle.self = cycle;
    expect(() => toTaggedJson({ x: cycle })).toThrow(/\$\.x\.self.*cycle/);
    expect(() => fromTaggedJson({ list: [{ $mystery: 1 }] })).toThrow(
      /\$\.list\[0\]\.\$mystery: unknown tag/,
    );
    expect(fromTaggedJson(toTaggedJson(-0))).toBe(-0);
  });
});

describe('damaged files give a clear error naming the offset', () => {
  const bytes = encodeJournalFile(sample());

  it('a file cut at any byte is truncated, at the offset where it ends', () => {
    for (let cut = 0; cut < bytes.length; cut++) {
      const error = errorOf(() => decodeJournalFile(bytes.subarray(0, cut)));
      expect(error.code, `cut at ${cut}`).toBe('JOURNAL_FILE_TRUNCATED');
      expect(error.offset, `cut at ${cut}`).toBeLessThanOrEqual(cut);
      expect(error.message).toMatch(/is truncated at byte offset \d+/);
    }
  });

  it('any flipped byte is caught (checksum, magic, version or framing), naming where', () => {
    for (let at = 0; at < bytes.length; at++) {
      const damaged = Uint8Array.from(bytes);
      damaged[at] = (damaged[at] as number) ^ 0x40;
      const error = errorOf(() => decodeJournalFile(damaged));
      expect(
        [
          'JOURNAL_FILE_CORRUPTED',
          'JOURNAL_FILE_INVALID',
          'JOURNAL_FILE_UNSUPPORTED',
          'JOURNAL_FILE_TRUNCATED',
        ],
        `byte ${at}`,
      ).toContain(error.code);
      expect(error.offset, `byte ${at}`).toBeDefined();
    }
  });

  it('a flipped byte inside the events names the EVTS section and its offset', () => {
    const damaged = Uint8Array.from(bytes);
    const evts = Buffer.from(damaged).indexOf('EVTS');
    damaged[evts + 20] = (damaged[evts + 20] as number) ^ 1;
    const error = errorOf(() => decodeJournalFile(damaged));
    expect(error).toMatchObject({ code: 'JOURNAL_FILE_CORRUPTED', offset: evts, section: 'EVTS' });
    expect(error.message).toMatch(
      new RegExp(`is corrupted at byte offset ${evts}: section EVTS .* fails its CRC-32C check`),
    );
  });

  it('not a journal, a newer version, and a truncated JSON file', () => {
    expect(errorOf(() => decodeJournalFile(Buffer.from('hello world'))).code).toBe('JOURNAL_FILE_INVALID');
    const newer = Uint8Array.from(bytes);
    newer[8] = 2;
    expect(errorOf(() => decodeJournalFile(newer))).toMatchObject({
      code: 'JOURNAL_FILE_UNSUPPORTED',
      offset: 8,
    });
    const json = encodeJournalFile(sample(), { format: 'json' });
    const cut = errorOf(() => decodeJournalFile(json.subarray(0, 200)));
    expect(cut.code).toBe('JOURNAL_FILE_TRUNCATED');
    const wrongRevision = Buffer.from(json).toString('utf8').replace('"revision": 2', '"revision": 5');
    expect(errorOf(() => decodeJournalFile(Buffer.from(wrongRevision))).message).toContain(
      'event 2 has revision 5',
    );
  });
});
