/**
 * A lossless JSON form of structured-clone values (the journal's value model), for the readable
 * journal file. JSON's own values stand for themselves; everything else is an object with ONE key
 * starting with `$` (documented in docs/journal-format.md):
 *
 *   {"$undefined": true}   {"$number": "NaN" | "Infinity" | "-Infinity" | "-0"}   {"$bigint": "123"}
 *   {"$date": "2024-01-01T00:00:00.000Z"} (null: an invalid date)   {"$bytes": "<base64>"} (Uint8Array)
 *   {"$typedArray": {"type": "Float64Array", "bytes": "<base64>"}}   {"$arrayBuffer": "<base64>"}
 *   {"$map": [[key, value], ...]}   {"$set": [value, ...]}   {"$regexp": {"source": "a+", "flags": "g"}}
 *   {"$error": {"name": ..., "message": ..., "stack"?: ..., "cause"?: ...}}
 *   {"$object": {...}}: a plain object with a key starting with `$` (its keys are taken literally)
 *
 * Cycles cannot be written (the binary form keeps them).
 */
import { JournalJsonEncodingError } from './errors.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const TYPED_ARRAYS = {
  Int8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
} as const;
type TypedArrayName = keyof typeof TYPED_ARRAYS;

export function toTaggedJson(value: unknown, path = '$', seen: Set<object> = new Set()): Json {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (Number.isNaN(value)) return { $number: 'NaN' };
      if (value === Infinity) return { $number: 'Infinity' };
      if (value === -Infinity) return { $number: '-Infinity' };
      if (Object.is(value, -0)) return { $number: '-0' };
      return value;
    case 'bigint':
      return { $bigint: value.toString() };
    case 'undefined':
      return { $undefined: true };
    case 'object':
      break;
    default:
      throw new JournalJsonEncodingError(path, `a ${typeof value} is not a journal value`);
  }
  if (value === null) return null;
  if (seen.has(value)) throw new JournalJsonEncodingError(path, 'the value refers to itself (a cycle)');
  seen.add(value);
  try {
    return objectToJson(value, path, seen);
  } finally {
    seen.delete(value);
  }
}

function objectToJson(value: object, path: string, seen: Set<object>): Json {
  if (value instanceof Date) {
    const time = value.getTime();
    return { $date: Number.isNaN(time) ? null : value.toISOString() };
  }
  if (value instanceof Uint8Array && value.constructor === Uint8Array) return { $bytes: base64(value) };
  if (ArrayBuffer.isView(value)) {
    const type = value.constructor.name;
    if (!(type in TYPED_ARRAYS)) throw new JournalJsonEncodingError(path, `a ${type} is not a journal value`);
    return {
      $typedArray: { type, bytes: base64(new Uint8Array(value.buffer, value.byteOffset, value.byteLength)) },
    };
  }
  if (value instanceof ArrayBuffer) return { $arrayBuffer: base64(new Uint8Array(value)) };
  if (Array.isArray(value)) {
    const out: Json[] = [];
    for (let i = 0; i < value.length; i++) out.push(toTaggedJson(value[i], `${path}[${i}]`, seen));
    return out;
  }
  if (value instanceof Map) {
    return {
      $map: [...value].map(([k, v], i) => [
        toTaggedJson(k, `${path}.keys()[${i}]`, seen),
        toTaggedJson(v, `${path}.values()[${i}]`, seen),
      ]),
    };
  }
  if (value instanceof Set)
    return { $set: [...value].map((v, i) => toTaggedJson(v, `${path}.values()[${i}]`, seen)) };
  if (value instanceof RegExp) return { $regexp: { source: value.source, flags: value.flags } };
  if (value instanceof Error) {
    const error: { [key: string]: Json } = { name: value.name, message: value.message };
    if (typeof value.stack === 'string') error.stack = value.stack;
    if (value.cause !== undefined) error.cause = toTaggedJson(value.cause, `${path}.cause`, seen);
    return { $error: error };
  }
  const out: { [key: string]: Json } = {};
  let escaped = false;
  for (const [key, item] of Object.entries(value)) {
    if (key.startsWith('$')) escaped = true;
    out[key] = toTaggedJson(item, `${path}.${key}`, seen);
  }
  return escaped ? { $object: out } : out;
}

/** Thrown by `fromTaggedJson` with the path of the malformed value. */
export class TaggedJsonError extends Error {
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(`${path}: ${problem}`);
  }
}

export function fromTaggedJson(value: unknown, path = '$'): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item, i) => fromTaggedJson(item, `${path}[${i}]`));
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  const tag = keys.length === 1 && keys[0]?.startsWith('$') === true ? keys[0] : undefined;
  if (tag === undefined) {
    const out: Record<string, unknown> = {};
    for (const key of keys) out[key] = fromTaggedJson(record[key], `${path}.${key}`);
    return out;
  }
  const body = record[tag];
  const at = `${path}.${tag}`;
  switch (tag) {
    case '$undefined':
      return undefined;
    case '$number':
      if (body === 'NaN') return NaN;
      if (body === 'Infinity') return Infinity;
      if (body === '-Infinity') return -Infinity;
      if (body === '-0') return -0;
      throw new TaggedJsonError(at, 'expected "NaN", "Infinity", "-Infinity" or "-0"');
    case '$bigint':
      if (typeof body !== 'string' || !/^-?\d+$/.test(body))
        throw new TaggedJsonError(at, 'expected a decimal string');
      return BigInt(body);
    case '$date': {
      if (body === null) return new Date(NaN);
      const date = typeof body === 'string' ? new Date(body) : undefined;
      if (date === undefined || Number.isNaN(date.getTime()))
        throw new TaggedJsonError(at, 'expected an ISO date');
      return date;
    }
    case '$bytes':
      return bytesOf(body, at);
    case '$arrayBuffer': {
      const bytes = bytesOf(body, at);
      const buffer = new ArrayBuffer(bytes.byteLength);
      new Uint8Array(buffer).set(bytes);
      return buffer;
    }
    case '$typedArray': {
      const { type, bytes } = (body ?? {}) as { type?: unknown; bytes?: unknown };
      if (typeof type !== 'string' || !(type in TYPED_ARRAYS))
        throw new TaggedJsonError(at, 'unknown typed array type');
      const raw = bytesOf(bytes, `${at}.bytes`);
      const Type = TYPED_ARRAYS[type as TypedArrayName];
      const copy = new ArrayBuffer(raw.byteLength);
      new Uint8Array(copy).set(raw);
      if (copy.byteLength % Type.BYTES_PER_ELEMENT !== 0)
        throw new TaggedJsonError(at, 'byte length does not fit the type');
      return new Type(copy);
    }
    case '$map':
      if (!Array.isArray(body)) throw new TaggedJsonError(at, 'expected an array of [key, value] pairs');
      return new Map(
        body.map((pair, i) => {
          if (!Array.isArray(pair) || pair.length !== 2)
            throw new TaggedJsonError(`${at}[${i}]`, 'expected [key, value]');
          return [fromTaggedJson(pair[0], `${at}[${i}][0]`), fromTaggedJson(pair[1], `${at}[${i}][1]`)];
        }),
      );
    case '$set':
      if (!Array.isArray(body)) throw new TaggedJsonError(at, 'expected an array');
      return new Set(body.map((item, i) => fromTaggedJson(item, `${at}[${i}]`)));
    case '$regexp': {
      const { source, flags } = (body ?? {}) as { source?: unknown; flags?: unknown };
      if (typeof source !== 'string' || typeof flags !== 'string')
        throw new TaggedJsonError(at, 'expected { source, flags }');
      return new RegExp(source, flags);
    }
    case '$error': {
      const fields = (body ?? {}) as { name?: unknown; message?: unknown; stack?: unknown; cause?: unknown };
      const error = new Error(typeof fields.message === 'string' ? fields.message : '');
      if (typeof fields.name === 'string') error.name = fields.name;
      error.stack = typeof fields.stack === 'string' ? fields.stack : undefined;
      if ('cause' in fields) error.cause = fromTaggedJson(fields.cause, `${at}.cause`);
      return error;
    }
    case '$object': {
      if (body === null || typeof body !== 'object' || Array.isArray(body))
        throw new TaggedJsonError(at, 'expected an object');
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(body)) out[key] = fromTaggedJson(item, `${at}.${key}`);
      return out;
    }
    default:
      throw new TaggedJsonError(
        at,
        `unknown tag ${tag} (a plain object with a key starting with $ is written as {"$object": {...}})`,
      );
  }
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function bytesOf(body: unknown, path: string): Uint8Array {
  if (typeof body !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(body))
    throw new TaggedJsonError(path, 'expected base64');
  return new Uint8Array(Buffer.from(body, 'base64'));
}
