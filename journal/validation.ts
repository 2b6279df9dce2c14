/**
 * Input checks shared by every backend, and the encoding of an append batch. Messages name the
 * call and the field, e.g. `append("session-1", events[2].type): must be a non-empty string`.
 */
import { encodeValue } from './codec.js';
import { InvalidAppendError, InvalidArgumentError } from './errors.js';
import { EVENT_ID_BYTES, isEventId, newEventId, writeEventId } from './event-id.js';
import type { EventInput, ExpectedRevision } from './types.js';

/** Longest stream name or event type, in UTF-8 bytes (they are stored with a 16-bit length). */
export const MAX_NAME_BYTES = 1024;

/** An event ready to store: id settled, values encoded. */
export interface PreparedEvent {
  id: string;
  type: string;
  data: Uint8Array;
  /** Absent when the caller gave no metadata. */
  metadata: Uint8Array | undefined;
}

export interface PreparedBatch {
  stream: string;
  events: PreparedEvent[];
  /** The events' ids, 16 bytes each, in batch order. */
  idBytes: Uint8Array;
  /** True when the caller supplied every id: only then can the batch be a retry of a stored one. */
  allIdsSupplied: boolean;
}

function describeString(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'undefined';
  return typeof value;
}

function describeValue(value: unknown): string {
  return typeof value === 'number' || typeof value === 'string' ? JSON.stringify(value) : typeof value;
}

/** Throws unless `stream` is a usable stream name; `reserved` rejects system (`$`) names. */
export function checkStreamName(call: string, stream: unknown, reserved: boolean): asserts stream is string {
  if (typeof stream !== 'string' || stream.length === 0) {
    throw new InvalidAppendError(
      `${call}(${describeString(stream)})`,
      'the stream name must be a non-empty string',
    );
  }
  if (Buffer.byteLength(stream) > MAX_NAME_BYTES) {
    throw new InvalidAppendError(`${call}(stream)`, `the stream name is longer than ${MAX_NAME_BYTES} bytes`);
  }
  if (reserved && stream.startsWith('$')) {
    throw new InvalidAppendError(
      `${call}(${JSON.stringify(stream)})`,
      'stream names starting with "$" are reserved for the system; choose a name without the "$" prefix',
    );
  }
}

/** Throws unless `expected` is a valid `ExpectedRevision`. */
export function checkExpectedRevision(call: string, stream: string, expected: unknown): ExpectedRevision {
  if (expected === undefined) return 'any';
  if (expected === 'any' || expected === 'no-stream' || expected === 'exists') return expected;
  if (typeof expected === 'number' && Number.isSafeInteger(expected) && expected >= 0) return expected;
  throw new InvalidAppendError(
    `${call}(${JSON.stringify(stream)}).expectedRevision`,
    `must be a revision (an integer >= 0), 'no-stream', 'exists' or 'any'; got ${describeValue(expected)}`,
  );
}

function encodeField(field: string, value: unknown): Uint8Array {
  try {
    return encodeValue(value);
  } catch (error) {
    throw new InvalidAppendError(
      field,
      `cannot be encoded (${error instanceof Error ? error.message : String(error)}); use structured-clone-safe values`,
    );
  }
}

/** Validates and encodes one append batch. */
export function prepareBatch(stream: unknown, events: unknown): PreparedBatch {
  checkStreamName('append', stream, true);
  const call = `append(${JSON.stringify(stream)}`;
  if (!Array.isArray(events) || events.length === 0) {
    throw new InvalidAppendError(`${call}, events)`, 'must be a non-empty array of events');
  }
  const idBytes = new Uint8Array(events.length * EVENT_ID_BYTES);
  const prepared: PreparedEvent[] = [];
  let allIdsSupplied = true;
  for (let i = 0; i < events.length; i++) {
    const field = `${call}, events[${i}]`;
    const input = events[i] as EventInput | null | undefined;
    if (typeof input !== 'object' || input === null) {
      throw new InvalidAppendError(`${field})`, 'must be an event object { type, data, id?, metadata? }');
    }
    const { type, id, metadata } = input;
    if (typeof type !== 'string' || type.length === 0) {
      throw new InvalidAppendError(`${field}.type)`, 'must be a non-empty string');
    }
    if (Buffer.byteLength(type) > MAX_NAME_BYTES) {
      throw new InvalidAppendError(`${field}.type)`, `is longer than ${MAX_NAME_BYTES} bytes`);
    }
    let eventId: string;
    if (id === undefined) {
      eventId = newEventId();
      allIdsSupplied = false;
    } else if (isEventId(id)) {
      eventId = id;
    } else {
      throw new InvalidAppendError(
        `${field}.id)`,
        `must be a ULID (26 upper-case Crockford base32 characters) or absent; got ${describeString(id)}`,
      );
    }
    writeEventId(eventId, idBytes, i * EVENT_ID_BYTES);
    if (
      metadata !== undefined &&
      (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))
    ) {
      throw new InvalidAppendError(`${field}.metadata)`, 'must be a plain object or absent');
    }
    prepared.push({
      id: eventId,
      type,
      data: encodeField(`${field}.data)`, input.data),
      metadata: metadata === undefined ? undefined : encodeField(`${field}.metadata)`, metadata),
    });
  }
  return { stream, events: prepared, idBytes, allIdsSupplied };
}

/** Throws unless `value` is absent or an integer >= `minimum`. */
export function checkOptionalInteger(field: string, value: unknown, minimum: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= minimum) return value;
  throw new InvalidArgumentError(field, `must be an integer >= ${minimum}; got ${describeValue(value)}`);
}

/** A one-event batch the store itself appends to a system stream (no input checks, new id). */
export function prepareSystemBatch(stream: string, type: string, data: unknown): PreparedBatch {
  const id = newEventId();
  const idBytes = new Uint8Array(EVENT_ID_BYTES);
  writeEventId(id, idBytes, 0);
  return {
    stream,
    events: [{ id, type, data: encodeValue(data), metadata: undefined }],
    idBytes,
    allIdsSupplied: false,
  };
}
