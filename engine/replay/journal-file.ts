/**
 * The journal file: one session's journal, self-contained and versioned (docs/journal-format.md).
 *
 * Binary form (`.journal`): magic, format version, then sections, each framed as
 * `tag (4 ASCII bytes) | payload length (u32 LE) | payload | CRC-32C of tag+length+payload (u32 LE)`:
 * `HEAD` (msgpack: the session's identity), `EVTS` (msgpack: the events), `BILD` (optional: the
 * serialized build artifact), `END!` (empty: the file is whole). Values are encoded with the
 * journal's own codec, so Date, Map, Set, typed arrays and bigint survive. A truncated or damaged
 * file is a `JournalFileError` naming the byte offset and section.
 *
 * JSON form (`--format json`): the same content, readable, with values in the tagged encoding of
 * `tagged-json.ts`. The reader takes either (a JSON file starts with `{`).
 */
import { readFile, writeFile } from 'node:fs/promises';

import { crc32c, decodeValue, encodeValue } from '../../journal/index.js';
import type { BuildArtifact } from '../../sandbox/index.js';
import { deserializeArtifact, serializeArtifact } from '../../sandbox/index.js';
import { SESSION_EVENT_TYPES } from '../session/events.js';
import type { SessionStartedData } from '../session/events.js';
import { JournalFileError } from './errors.js';
import { TaggedJsonError, fromTaggedJson, toTaggedJson } from './tagged-json.js';

/** The version this code writes; it reads every version up to it. */
export const JOURNAL_FILE_VERSION = 1;
export const JOURNAL_FILE_FORMAT = 'whisker-journal';
/** `\x89WJRNL\r\n`: a non-ASCII first byte (never text), then line endings that text transfers would mangle. */
export const JOURNAL_FILE_MAGIC = Uint8Array.from([0x89, 0x57, 0x4a, 0x52, 0x4e, 0x4c, 0x0d, 0x0a]);

export interface JournalFileEvent {
  revision: number;
  type: string;
  data: unknown;
  /** When the journal stored the event (ms since epoch). */
  recordedAt: number;
}

/** One session's journal as a file holds it. */
export interface JournalFile {
  version: number;
  sessionId: string;
  /** `file.ts:function`. */
  entry: string;
  /** The build the session's code runs on (after any resume on another build). */
  buildId: string;
  /** Content hash of that build (`sha256-…`). */
  buildHash: string;
  /** The build the session started on, when it differs. */
  startBuildId?: string;
  /** The session's status when exported. */
  status?: string;
  /** ms since epoch. */
  exportedAt: number;
  events: JournalFileEvent[];
  /** The build itself (`--with-build`), validated and hash-checked on read. */
  build?: BuildArtifact;
}

/** The file's first record: the journal's fields but its events and build, and how many events follow. */
type Header = Omit<JournalFile, 'events' | 'build'> & { format: string; eventCount: number };

export type JournalFileFormat = 'binary' | 'json';

const TAG_HEAD = 'HEAD';
const TAG_EVENTS = 'EVTS';
const TAG_BUILD = 'BILD';
const TAG_END = 'END!';
const PREAMBLE_BYTES = 12;
const SECTION_HEADER_BYTES = 8;
const CRC_BYTES = 4;

// ---------------------------------------------------------------------------------------------
// Encoding.

export function encodeJournalFile(
  file: JournalFile,
  options: { format?: JournalFileFormat } = {},
): Uint8Array {
  return options.format === 'json' ? Buffer.from(encodeJournalFileJson(file), 'utf8') : encodeBinary(file);
}

function headerOf(file: JournalFile): Header {
  const header: Header = {
    format: JOURNAL_FILE_FORMAT,
    version: JOURNAL_FILE_VERSION,
    sessionId: file.sessionId,
    entry: file.entry,
    buildId: file.buildId,
    buildHash: file.buildHash,
    exportedAt: file.exportedAt,
    eventCount: file.events.length,
  };
  if (file.startBuildId !== undefined) header.startBuildId = file.startBuildId;
  if (file.status !== undefined) header.status = file.status;
  return header;
}

function encodeBinary(file: JournalFile): Uint8Array {
  const sections: [string, Uint8Array][] = [
    [TAG_HEAD, encodeValue(headerOf(file))],
    [TAG_EVENTS, encodeValue(file.events.map((e) => [e.revision, e.type, e.recordedAt, e.data]))],
  ];
  if (file.build !== undefined) sections.push([TAG_BUILD, serializeArtifact(file.build)]);
  sections.push([TAG_END, new Uint8Array(0)]);
  const size = sections.reduce(
    (n, [, payload]) => n + SECTION_HEADER_BYTES + payload.length + CRC_BYTES,
    PREAMBLE_BYTES,
  );
  const out = Buffer.alloc(size);
  out.set(JOURNAL_FILE_MAGIC, 0);
  out.writeUInt16LE(JOURNAL_FILE_VERSION, 8);
  out.writeUInt16LE(0, 10);
  let offset = PREAMBLE_BYTES;
  for (const [tag, payload] of sections) {
    const start = offset;
    out.write(tag, offset, 'latin1');
    out.writeUInt32LE(payload.length, offset + 4);
    out.set(payload, offset + SECTION_HEADER_BYTES);
    offset += SECTION_HEADER_BYTES + payload.length;
    out.writeUInt32LE(crc32c(out, start, offset), offset);
    offset += CRC_BYTES;
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** The readable form: header fields as JSON, event data in the tagged encoding, the build in base64. */
export function encodeJournalFileJson(file: JournalFile): string {
  const doc: Record<string, unknown> = {
    ...headerOf(file),
    events: file.events.map((e, i) => ({
      revision: e.revision,
      type: e.type,
      recordedAt: e.recordedAt,
      data: toTaggedJson(e.data, `events[${i}].data`),
    })),
  };
  delete doc.eventCount;
  if (file.build !== undefined) doc.build = Buffer.from(serializeArtifact(file.build)).toString('base64');
  return `${JSON.stringify(doc, null, 2)}\n`;
}

// ---------------------------------------------------------------------------------------------
// Decoding.

/** Reads either form; a damaged file is a `JournalFileError` naming the offset. */
export function decodeJournalFile(bytes: Uint8Array): JournalFile {
  let first = 0;
  while (
    first < bytes.length &&
    (bytes[first] === 0x20 || bytes[first] === 0x0a || bytes[first] === 0x0d || bytes[first] === 0x09)
  )
    first++;
  if (bytes[first] === 0x7b /* { */)
    return decodeJson(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  return decodeBinary(bytes);
}

export async function readJournalFile(path: string): Promise<JournalFile> {
  const bytes = await readFile(path);
  try {
    return decodeJournalFile(bytes);
  } catch (error) {
    if (error instanceof JournalFileError) throw error.inFile(path);
    throw error;
  }
}

export async function writeJournalFile(
  path: string,
  file: JournalFile,
  options: { format?: JournalFileFormat } = {},
): Promise<void> {
  await writeFile(path, encodeJournalFile(file, options));
}

function decodeBinary(bytes: Uint8Array): JournalFile {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.length < JOURNAL_FILE_MAGIC.length) {
    if (buffer.length === 0 || JOURNAL_FILE_MAGIC.subarray(0, buffer.length).every((b, i) => b === buffer[i]))
      throw new JournalFileError(
        'JOURNAL_FILE_TRUNCATED',
        `the file has only ${buffer.length} bytes, not even its 8-byte magic number`,
        {
          offset: buffer.length,
        },
      );
  }
  if (!JOURNAL_FILE_MAGIC.every((b, i) => b === buffer[i])) {
    throw new JournalFileError(
      'JOURNAL_FILE_INVALID',
      `it does not start with the journal file magic number (\\x89WJRNL\\r\\n) nor with "{" (the JSON form); found ${buffer.subarray(0, 8).toString('hex')}`,
      { offset: 0 },
    );
  }
  if (buffer.length < PREAMBLE_BYTES) {
    throw new JournalFileError(
      'JOURNAL_FILE_TRUNCATED',
      `the file ends after ${buffer.length} bytes, inside its 12-byte preamble`,
      {
        offset: buffer.length,
      },
    );
  }
  const version = buffer.readUInt16LE(8);
  if (version === 0 || version > JOURNAL_FILE_VERSION) {
    throw new JournalFileError(
      'JOURNAL_FILE_UNSUPPORTED',
      `format version ${version}; this Whisker reads versions 1 to ${JOURNAL_FILE_VERSION} (upgrade Whisker to read newer files)`,
      { offset: 8 },
    );
  }
  if (buffer.readUInt16LE(10) !== 0) {
    throw new JournalFileError('JOURNAL_FILE_CORRUPTED', `the reserved preamble bytes 10-11 are not zero`, {
      offset: 10,
    });
  }
  const sections = new Map<string, { payload: Buffer; offset: number }>();
  let offset = PREAMBLE_BYTES;
  let ended = false;
  while (offset < buffer.length) {
    if (ended) {
      throw new JournalFileError(
        'JOURNAL_FILE_CORRUPTED',
        `${buffer.length - offset} unexpected bytes after the END! section`,
        {
          offset,
        },
      );
    }
    if (buffer.length - offset < SECTION_HEADER_BYTES) {
      throw new JournalFileError(
        'JOURNAL_FILE_TRUNCATED',
        `the file ends ${buffer.length - offset} bytes into a section header (8 bytes), before its END! section`,
        { offset: buffer.length },
      );
    }
    const tag = buffer.toString('latin1', offset, offset + 4);
    const length = buffer.readUInt32LE(offset + 4);
    if (!/^[A-Z!]{4}$/.test(tag)) {
      throw new JournalFileError(
        'JOURNAL_FILE_CORRUPTED',
        `the section header holds no valid tag (found bytes ${buffer.subarray(offset, offset + 4).toString('hex')})`,
        {
          offset,
        },
      );
    }
    const end = offset + SECTION_HEADER_BYTES + length;
    if (end + CRC_BYTES > buffer.length) {
      throw new JournalFileError(
        'JOURNAL_FILE_TRUNCATED',
        `section ${tag} starting here declares ${length} bytes of payload plus a 4-byte checksum, but the file ends at byte ${buffer.length} (${end + CRC_BYTES - buffer.length} bytes missing)`,
        { offset, section: tag },
      );
    }
    const stored = buffer.readUInt32LE(end);
    const computed = crc32c(buffer, offset, end);
    if (stored !== computed) {
      throw new JournalFileError(
        'JOURNAL_FILE_CORRUPTED',
        `section ${tag} starting here (payload bytes ${offset + SECTION_HEADER_BYTES} to ${end - 1}) fails its CRC-32C check (stored ${hex(stored)}, computed ${hex(computed)})`,
        { offset, section: tag },
      );
    }
    if (tag === TAG_END) ended = true;
    else if (!sections.has(tag))
      sections.set(tag, { payload: buffer.subarray(offset + SECTION_HEADER_BYTES, end), offset });
    // Unknown sections are skipped: later versions may add optional ones.
    offset = end + CRC_BYTES;
  }
  if (!ended) {
    throw new JournalFileError(
      'JOURNAL_FILE_TRUNCATED',
      `the file ends at byte ${buffer.length} without its END! section`,
      {
        offset: buffer.length,
      },
    );
  }
  const head = sections.get(TAG_HEAD);
  const events = sections.get(TAG_EVENTS);
  if (head === undefined || events === undefined) {
    throw new JournalFileError(
      'JOURNAL_FILE_INVALID',
      `the ${head === undefined ? TAG_HEAD : TAG_EVENTS} section is missing`,
    );
  }
  const header = validateHeader(decodeSection(head.payload, TAG_HEAD, head.offset), head.offset);
  const rawEvents = decodeSection(events.payload, TAG_EVENTS, events.offset);
  if (!Array.isArray(rawEvents)) {
    throw new JournalFileError('JOURNAL_FILE_INVALID', 'the EVTS section does not hold a list of events', {
      offset: events.offset,
      section: TAG_EVENTS,
    });
  }
  const list: JournalFileEvent[] = rawEvents.map((raw: unknown, i) => {
    if (!Array.isArray(raw) || raw.length !== 4) {
      throw new JournalFileError(
        'JOURNAL_FILE_INVALID',
        `event ${i} is not [revision, type, recordedAt, data]`,
        {
          offset: events.offset,
          section: TAG_EVENTS,
        },
      );
    }
    const [revision, type, recordedAt, data] = raw as [unknown, unknown, unknown, unknown];
    return { revision, type, recordedAt, data } as JournalFileEvent;
  });
  const file = assemble(header, list, { offset: events.offset, section: TAG_EVENTS });
  const build = sections.get(TAG_BUILD);
  if (build !== undefined)
    file.build = decodeBuild(build.payload, { offset: build.offset, section: TAG_BUILD });
  return file;
}

function decodeSection(payload: Uint8Array, tag: string, offset: number): unknown {
  try {
    return decodeValue(payload);
  } catch (error) {
    throw new JournalFileError(
      'JOURNAL_FILE_INVALID',
      `section ${tag} passes its checksum but cannot be decoded (${error instanceof Error ? error.message : String(error)})`,
      { offset, section: tag },
    );
  }
}

function decodeBuild(bytes: Uint8Array, where: { offset?: number; section?: string }): BuildArtifact {
  try {
    return deserializeArtifact(bytes);
  } catch (error) {
    throw new JournalFileError(
      'JOURNAL_FILE_INVALID',
      `its build is not a valid artifact (${error instanceof Error ? error.message : String(error)})`,
      where,
    );
  }
}

function decodeJson(text: string): JournalFile {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /position (\d+)/.exec(message);
    const where =
      position === null
        ? { offset: Buffer.byteLength(text) }
        : { offset: Buffer.byteLength(text.slice(0, Number(position[1]))) };
    // A parse error at the very end of the text: the file was cut.
    const truncated =
      /Unexpected end of JSON input/.test(message) ||
      (position !== null && Number(position[1]) >= text.trimEnd().length);
    throw new JournalFileError(
      truncated ? 'JOURNAL_FILE_TRUNCATED' : 'JOURNAL_FILE_CORRUPTED',
      `the JSON form cannot be parsed (${message})`,
      where,
    );
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new JournalFileError('JOURNAL_FILE_INVALID', 'the JSON form must be an object', { offset: 0 });
  }
  const record = doc as Record<string, unknown>;
  if (record.format !== JOURNAL_FILE_FORMAT) {
    throw new JournalFileError(
      'JOURNAL_FILE_INVALID',
      `"format" must be "${JOURNAL_FILE_FORMAT}", got ${JSON.stringify(record.format)}`,
    );
  }
  if (!Array.isArray(record.events))
    throw new JournalFileError('JOURNAL_FILE_INVALID', '"events" must be a list');
  const header = validateHeader({ ...record, eventCount: record.events.length });
  const events: JournalFileEvent[] = (record.events as unknown[]).map((raw, i) => {
    const e = (raw ?? {}) as Record<string, unknown>;
    let data: unknown;
    try {
      data = fromTaggedJson(e.data, `events[${i}].data`);
    } catch (error) {
      if (error instanceof TaggedJsonError) throw new JournalFileError('JOURNAL_FILE_INVALID', error.message);
      throw error;
    }
    return { revision: e.revision, type: e.type, recordedAt: e.recordedAt, data } as JournalFileEvent;
  });
  const file = assemble(header, events, {});
  if (record.build !== undefined && record.build !== null) {
    if (typeof record.build !== 'string')
      throw new JournalFileError('JOURNAL_FILE_INVALID', '"build" must be a base64 string');
    file.build = decodeBuild(new Uint8Array(Buffer.from(record.build, 'base64')), {});
  }
  return file;
}

function validateHeader(value: unknown, offset?: number): Header {
  const where = offset === undefined ? {} : { offset, section: TAG_HEAD };
  const h = (value ?? {}) as Record<string, unknown>;
  const fail = (problem: string): never => {
    throw new JournalFileError('JOURNAL_FILE_INVALID', `the header ${problem}`, where);
  };
  if (h.format !== JOURNAL_FILE_FORMAT)
    fail(`names format ${JSON.stringify(h.format)}, not "${JOURNAL_FILE_FORMAT}"`);
  if (typeof h.version !== 'number' || !Number.isInteger(h.version) || h.version < 1)
    fail('has no valid version');
  if ((h.version as number) > JOURNAL_FILE_VERSION) {
    throw new JournalFileError(
      'JOURNAL_FILE_UNSUPPORTED',
      `format version ${String(h.version)}; this Whisker reads versions 1 to ${JOURNAL_FILE_VERSION} (upgrade Whisker to read newer files)`,
      where,
    );
  }
  for (const field of ['sessionId', 'entry', 'buildId', 'buildHash'] as const) {
    if (typeof h[field] !== 'string' || h[field] === '') fail(`has no ${field}`);
  }
  if (typeof h.exportedAt !== 'number') fail('has no exportedAt time');
  if (typeof h.eventCount !== 'number') fail('has no event count');
  return h as unknown as Header;
}

/** Checks the events against the header and each other (revisions 0, 1, 2..., known types, SessionStarted first). */
function assemble(
  header: Header,
  events: JournalFileEvent[],
  where: { offset?: number; section?: string },
): JournalFile {
  const fail = (problem: string): never => {
    throw new JournalFileError('JOURNAL_FILE_INVALID', problem, where);
  };
  if (events.length !== header.eventCount)
    fail(`the header announces ${header.eventCount} events, the file holds ${events.length}`);
  if (events.length === 0) fail('it holds no events');
  for (const [i, event] of events.entries()) {
    if (event.revision !== i)
      fail(`event ${i} has revision ${String(event.revision)} (revisions run 0, 1, 2, ...)`);
    if (typeof event.type !== 'string' || !SESSION_EVENT_TYPES.has(event.type)) {
      fail(
        `event at revision ${i} has unknown type ${JSON.stringify(event.type)} (written by a newer Whisker?)`,
      );
    }
    if (typeof event.recordedAt !== 'number') fail(`event at revision ${i} has no recordedAt time`);
    if (event.data === null || typeof event.data !== 'object')
      fail(`event at revision ${i} (${event.type}) has no data`);
  }
  const first = events[0] as JournalFileEvent;
  if (first.type !== 'SessionStarted') fail(`the first event is ${first.type}, not SessionStarted`);
  const started = first.data as SessionStartedData;
  if (started.sessionId !== header.sessionId) {
    fail(
      `the header names session ${header.sessionId} but its SessionStarted event names ${String(started.sessionId)}`,
    );
  }
  const file: JournalFile = {
    version: header.version,
    sessionId: header.sessionId,
    entry: header.entry,
    buildId: header.buildId,
    buildHash: header.buildHash,
    exportedAt: header.exportedAt,
    events,
  };
  if (header.startBuildId !== undefined) file.startBuildId = header.startBuildId;
  if (header.status !== undefined) file.status = header.status;
  return file;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
