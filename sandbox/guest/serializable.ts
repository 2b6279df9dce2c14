/**
 * Checks, where the user's code hands a value to Whisker, that it can leave the sandbox (the host
 * copies it with the structured clone algorithm and journals it with msgpackr). Failing here gives
 * an error at the user's call site naming the offending path, instead of a failed copy later.
 */
import { NotSerializableError } from './failures.js';

const MAX_DEPTH = 200;

/** Throws `NotSerializableError` naming `what` and the path of the first value that cannot be copied. */
export function assertSerializable(value: unknown, what: string, root = 'value'): void {
  if (isFlat(value)) return;
  check(value, what, root, 0, new Set());
}

/** Fast path for the common case: a primitive, or an array or plain object of primitives. */
function isFlat(value: unknown): boolean {
  if (typeof value !== 'object' || value === null)
    return typeof value !== 'function' && typeof value !== 'symbol';
  let items: unknown[];
  if (Array.isArray(value)) items = value;
  else if (Object.getPrototypeOf(value) === Object.prototype) items = Object.values(value);
  else return false;
  for (const item of items) {
    const type = typeof item;
    if (type === 'object' ? item !== null : type === 'function' || type === 'symbol') return false;
  }
  return true;
}

function check(value: unknown, what: string, path: string, depth: number, seen: Set<object>): void {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'undefined':
      return;
    case 'symbol':
      throw new NotSerializableError(what, path, 'is a symbol');
    case 'function':
      throw new NotSerializableError(what, path, `is a function (${value.name || 'anonymous'})`);
  }
  if (value === null) return;
  const object = value as object;
  if (seen.has(object)) return; // cycles survive a structured clone
  if (depth > MAX_DEPTH)
    throw new NotSerializableError(what, path, `is nested deeper than ${MAX_DEPTH} levels`);
  seen.add(object);
  if (
    object instanceof Date ||
    object instanceof RegExp ||
    object instanceof ArrayBuffer ||
    ArrayBuffer.isView(object) ||
    object instanceof Boolean ||
    object instanceof Number ||
    object instanceof String
  ) {
    return;
  }
  if (object instanceof Promise)
    throw new NotSerializableError(what, path, 'is a Promise (did you forget `await`?)');
  if (object instanceof WeakMap || object instanceof WeakSet) {
    throw new NotSerializableError(what, path, `is a ${object instanceof WeakMap ? 'WeakMap' : 'WeakSet'}`);
  }
  if (object instanceof Error) {
    check(object.message, what, `${path}.message`, depth + 1, seen);
    return;
  }
  if (Array.isArray(object)) {
    for (let i = 0; i < object.length; i++) check(object[i], what, `${path}[${i}]`, depth + 1, seen);
    return;
  }
  if (object instanceof Map) {
    let i = 0;
    for (const [key, entry] of object) {
      check(key, what, `${path}.keys()[${i}]`, depth + 1, seen);
      check(entry, what, `${path}.get(${describeKey(key)})`, depth + 1, seen);
      i++;
    }
    return;
  }
  if (object instanceof Set) {
    let i = 0;
    for (const entry of object) check(entry, what, `${path}.values()[${i++}]`, depth + 1, seen);
    return;
  }
  for (const key of Object.keys(object)) {
    check((object as Record<string, unknown>)[key], what, childPath(path, key), depth + 1, seen);
  }
}

export function childPath(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function describeKey(key: unknown): string {
  if (typeof key === 'string') return JSON.stringify(key);
  if (typeof key === 'number' || typeof key === 'bigint' || typeof key === 'boolean') return String(key);
  return typeof key === 'object' && key !== null ? '{…}' : typeof key;
}
