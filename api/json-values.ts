/**
 * The one mapping between the values Whisker stores (structured-clone values: bytes, dates, maps,
 * sets, bigints…) and JSON. Used for everything that carries user values: session inputs and
 * results, signal payloads, event data, journal events, error details.
 *
 * To JSON:
 * - `Uint8Array` (and `Buffer`, `ArrayBuffer`) → `{ "$base64": "…" }`; other typed arrays add
 *   `"$type": "Float64Array"` (the bytes are their memory, little-endian on every platform we run);
 * - `Date` → ISO 8601 string (an invalid date → `null`);
 * - `Map` → `{ "$map": [[key, value], …] }`, `Set` → `{ "$set": [value, …] }`;
 * - `bigint` → `{ "$bigint": "123" }`;
 * - `NaN`, `Infinity`, `-Infinity` → `{ "$number": "NaN" }` (JSON has no such numbers);
 * - `undefined` → left out of objects, `null` in arrays and at the top;
 * - a value nested deeper than `MAX_VALUE_DEPTH` → `{ "$truncated": true }`;
 * - an object whose only key is one of these tags is wrapped as `{ "$object": { … } }`, so any
 *   value comes back exactly.
 *
 * From JSON (inputs), the same tags are read back, plus `{ "$date": "<ISO>" }` → `Date`.
 * Anything malformed is a `JsonValueError` naming the path.
 */
import { WhiskerError } from '../common/index.js';

/** Deepest nesting of objects and arrays: deeper inputs are refused, deeper stored values cut. */
export const MAX_VALUE_DEPTH = 100;

const TAGS = new Set([
  '$base64',
  '$type',
  '$map',
  '$set',
  '$bigint',
  '$number',
  '$date',
  '$object',
  '$truncated',
]);

export class JsonValueError extends WhiskerError {
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super('INVALID_JSON_VALUE', `${path}: ${problem}`);
  }
}

type TypedArrayName =
  | 'Int8Array'
  | 'Uint8ClampedArray'
  | 'Int16Array'
  | 'Uint16Array'
  | 'Int32Array'
  | 'Uint32Array'
  | 'Float32Array'
  | 'Float64Array'
  | 'BigInt64Array'
  | 'BigUint64Array';

const TYPED_ARRAYS: Record<TypedArrayName, new (buffer: ArrayBuffer) => ArrayBufferView> = {
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
};

function bytesOf(view: ArrayBufferView): Buffer {
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}

/** A stored value as JSON (see the module comment). */
export function toJsonValue(value: unknown): unknown {
  return encode(value, 0);
}

function encode(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (Number.isFinite(value)) return Object.is(value, -0) ? 0 : value;
      return { $number: String(value) };
    case 'bigint':
      return { $bigint: value.toString() };
    case 'undefined':
      return null;
    case 'function':
    case 'symbol':
      // Never stored by the engine; shown rather than dropped silently.
      return null;
    default:
      break;
  }
  if (value === null) return null;
  if (depth >= MAX_VALUE_DEPTH) return { $truncated: true };
  if (value instanceof Uint8Array) return { $base64: bytesOf(value).toString('base64') };
  if (ArrayBuffer.isView(value)) {
    return { $base64: bytesOf(value).toString('base64'), $type: value.constructor.name };
  }
  if (value instanceof ArrayBuffer) return { $base64: Buffer.from(value).toString('base64') };
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Map) {
    return { $map: [...value].map(([k, v]) => [encode(k, depth + 1), encode(v, depth + 1)]) };
  }
  if (value instanceof Set) return { $set: [...value].map((v) => encode(v, depth + 1)) };
  if (Array.isArray(value)) return value.map((v) => encode(v, depth + 1));
  const out: Record<string, unknown> = {};
  const entries = Object.entries(value as Record<string, unknown>);
  for (const [key, item] of entries) {
    if (item === undefined) continue;
    out[key] = encode(item, depth + 1);
  }
  if (value instanceof Error) {
    out['name'] ??= value.name;
    out['message'] ??= value.message;
  }
  const keys = Object.keys(out);
  if (keys.length > 0 && keys.length <= 2 && keys.every((k) => TAGS.has(k))) return { $object: out };
  return out;
}

/**
 * A JSON input as a stored value (see the module comment). `path` names the value in errors,
 * e.g. `body.input`.
 */
export function fromJsonValue(value: unknown, path = 'value'): unknown {
  return decode(value, path, 0);
}

function decode(value: unknown, path: string, depth: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_VALUE_DEPTH) {
    throw new JsonValueError(path, `nested deeper than ${MAX_VALUE_DEPTH} levels`);
  }
  if (Array.isArray(value)) return value.map((v, i) => decode(v, `${path}[${i}]`, depth + 1));
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object);
  const tag =
    keys.length > 0 && keys.every((k) => TAGS.has(k)) ? taggedValue(object, keys, path, depth) : NOT_TAGGED;
  if (tag !== NOT_TAGGED) return tag;
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    // Plain data only: a "__proto__" key becomes an own property, never the prototype.
    Object.defineProperty(out, key, {
      value: decode(object[key], `${path}${fieldSuffix(key)}`, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

const NOT_TAGGED = Symbol('not tagged');

function taggedValue(object: Record<string, unknown>, keys: string[], path: string, depth: number): unknown {
  const only = keys.length === 1 ? keys[0] : undefined;
  if ('$base64' in object && (only !== undefined || (keys.length === 2 && '$type' in object))) {
    const text = object['$base64'];
    if (typeof text !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 === 1) {
      throw new JsonValueError(`${path}.$base64`, 'must be a base64 string');
    }
    const bytes = Buffer.from(text, 'base64');
    const type = object['$type'];
    if (type === undefined) return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
    if (typeof type !== 'string' || !(type in TYPED_ARRAYS)) {
      throw new JsonValueError(`${path}.$type`, `must be a typed array name such as "Float64Array"`);
    }
    const Constructor = TYPED_ARRAYS[type as TypedArrayName];
    const element = (Constructor as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
    if (bytes.length % element !== 0) {
      throw new JsonValueError(
        `${path}.$base64`,
        `${bytes.length} bytes is not a whole number of ${type} elements`,
      );
    }
    const copy = new ArrayBuffer(bytes.length);
    new Uint8Array(copy).set(bytes);
    return new Constructor(copy);
  }
  switch (only) {
    case '$bigint': {
      const text = object['$bigint'];
      if (typeof text !== 'string' || !/^-?\d{1,4096}$/.test(text)) {
        throw new JsonValueError(`${path}.$bigint`, 'must be a string of decimal digits');
      }
      return BigInt(text);
    }
    case '$number': {
      const text = object['$number'];
      if (text === 'NaN') return NaN;
      if (text === 'Infinity') return Infinity;
      if (text === '-Infinity') return -Infinity;
      throw new JsonValueError(`${path}.$number`, 'must be "NaN", "Infinity" or "-Infinity"');
    }
    case '$date': {
      const text = object['$date'];
      const time = typeof text === 'string' ? Date.parse(text) : NaN;
      if (Number.isNaN(time)) throw new JsonValueError(`${path}.$date`, 'must be an ISO 8601 date string');
      return new Date(time);
    }
    case '$map': {
      const entries = object['$map'];
      if (!Array.isArray(entries))
        throw new JsonValueError(`${path}.$map`, 'must be an array of [key, value]');
      return new Map(
        entries.map((entry, i) => {
          if (!Array.isArray(entry) || entry.length !== 2) {
            throw new JsonValueError(`${path}.$map[${i}]`, 'must be a [key, value] pair');
          }
          return [
            decode(entry[0], `${path}.$map[${i}][0]`, depth + 1),
            decode(entry[1], `${path}.$map[${i}][1]`, depth + 1),
          ] as const;
        }),
      );
    }
    case '$set': {
      const values = object['$set'];
      if (!Array.isArray(values)) throw new JsonValueError(`${path}.$set`, 'must be an array');
      return new Set(values.map((v, i) => decode(v, `${path}.$set[${i}]`, depth + 1)));
    }
    case '$object': {
      const inner = object['$object'];
      if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) {
        throw new JsonValueError(`${path}.$object`, 'must be an object');
      }
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(inner as Record<string, unknown>)) {
        out[key] = decode(item, `${path}.$object${fieldSuffix(key)}`, depth + 1);
      }
      return out;
    }
    default:
      return NOT_TAGGED;
  }
}

/** `.name` for identifiers, `["a.ts"]` otherwise. */
export function fieldSuffix(key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}
