/**
 * Replay matching: what differs between a recorded command and the one the code issues now.
 * Pure and shared: the guest runs it while replaying, the engine and tools may run it too.
 *
 * Compared: the kind, then every field but `options` (activity and child options may change
 * between deployments without changing what happened). For `fail`, only the error's name,
 * message and code: its stack and source move whenever the file is edited.
 * Values are compared deeply and structured-clone aware (Date, Map, Set, typed arrays,
 * ArrayBuffer, bigint, RegExp, Error); `-0` equals `0` and a missing key equals `undefined`,
 * because the journal's encoding does not keep those apart.
 */
import type { Command, FieldDifference } from '../protocol.js';
import { childPath } from './serializable.js';

/** At most this many differences are reported per command. */
export const MAX_DIFFERENCES = 20;

export function compareCommands(recorded: Command, issued: Command): FieldDifference[] {
  const out: FieldDifference[] = [];
  if (recorded.kind !== issued.kind) {
    out.push({ path: 'kind', recorded: recorded.kind, issued: issued.kind });
    return out;
  }
  if (recorded.kind === 'fail' && issued.kind === 'fail') {
    const a = recorded.error;
    const b = issued.error;
    diff(a.name, b.name, 'error.name', out);
    diff(a.message, b.message, 'error.message', out);
    diff(a.code, b.code, 'error.code', out);
    return out;
  }
  // Field by field, without copies: this runs for every command of every replay.
  const a = recorded as unknown as Record<string, unknown>;
  const b = issued as unknown as Record<string, unknown>;
  const keys = Object.keys(a);
  for (const key of keys) {
    if (key === 'kind' || key === 'options') continue;
    diff(a[key], b[key], key, out);
  }
  for (const key of Object.keys(b)) {
    if (key === 'kind' || key === 'options' || Object.prototype.hasOwnProperty.call(a, key)) continue;
    diff(undefined, b[key], key, out);
  }
  return out;
}

function tagOf(value: unknown): string {
  return Object.prototype.toString.call(value).slice(8, -1);
}

function same(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b));
}

function diff(recorded: unknown, issued: unknown, path: string, out: FieldDifference[]): void {
  if (out.length >= MAX_DIFFERENCES || same(recorded, issued)) return;
  const add = (): void => {
    out.push({ path, recorded, issued });
  };
  if (typeof recorded !== 'object' || typeof issued !== 'object' || recorded === null || issued === null) {
    add();
    return;
  }
  // Fast paths for what commands mostly hold: plain arrays and plain objects.
  const recordedArray = Array.isArray(recorded);
  if (recordedArray && Array.isArray(issued)) {
    diffArrays(recorded as unknown[], issued as unknown[], path, out);
    return;
  }
  if (!recordedArray && isPlainObject(recorded) && isPlainObject(issued)) {
    diffObjects(recorded, issued, path, out);
    return;
  }
  const tag = tagOf(recorded);
  if (tag !== tagOf(issued) || Array.isArray(recorded) !== Array.isArray(issued)) {
    add();
    return;
  }
  if (recorded instanceof Date && issued instanceof Date) {
    if (!same(recorded.getTime(), issued.getTime())) add();
    return;
  }
  if (recorded instanceof RegExp && issued instanceof RegExp) {
    if (recorded.source !== issued.source || recorded.flags !== issued.flags) add();
    return;
  }
  if (ArrayBuffer.isView(recorded) || recorded instanceof ArrayBuffer) {
    if (!sameBytes(recorded, issued as ArrayBuffer | ArrayBufferView)) add();
    return;
  }
  if (recorded instanceof Error && issued instanceof Error) {
    diff(recorded.name, issued.name, `${path}.name`, out);
    diff(recorded.message, issued.message, `${path}.message`, out);
    return;
  }
  if (Array.isArray(recorded) && Array.isArray(issued)) {
    diffArrays(recorded, issued, path, out);
    return;
  }
  if (recorded instanceof Map && issued instanceof Map) {
    if (recorded.size !== issued.size)
      out.push({ path: `${path}.size`, recorded: recorded.size, issued: issued.size });
    const a = [...recorded];
    const b = [...issued];
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const [ka, va] = a[i] as [unknown, unknown];
      const [kb, vb] = b[i] as [unknown, unknown];
      const keyDifferences: FieldDifference[] = [];
      diff(ka, kb, `${path}.keys()[${i}]`, keyDifferences);
      if (keyDifferences.length > 0) out.push(...keyDifferences.slice(0, MAX_DIFFERENCES - out.length));
      else diff(va, vb, `${path}.get(${typeof ka === 'string' ? JSON.stringify(ka) : String(ka)})`, out);
    }
    return;
  }
  if (recorded instanceof Set && issued instanceof Set) {
    if (recorded.size !== issued.size)
      out.push({ path: `${path}.size`, recorded: recorded.size, issued: issued.size });
    const a = [...recorded];
    const b = [...issued];
    for (let i = 0; i < Math.min(a.length, b.length); i++) diff(a[i], b[i], `${path}.values()[${i}]`, out);
    return;
  }
  if (tag === 'Number' || tag === 'String' || tag === 'Boolean' || tag === 'BigInt') {
    if (!same((recorded as { valueOf(): unknown }).valueOf(), (issued as { valueOf(): unknown }).valueOf()))
      add();
    return;
  }
  diffObjects(recorded as Record<string, unknown>, issued as Record<string, unknown>, path, out);
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function diffArrays(recorded: unknown[], issued: unknown[], path: string, out: FieldDifference[]): void {
  if (recorded.length !== issued.length)
    out.push({ path: `${path}.length`, recorded: recorded.length, issued: issued.length });
  const n = Math.min(recorded.length, issued.length);
  for (let i = 0; i < n; i++) {
    const a = recorded[i];
    const b = issued[i];
    // Paths are only built for values that differ.
    if (a !== b) diff(a, b, `${path}[${i}]`, out);
  }
}

function diffObjects(
  recorded: Record<string, unknown>,
  issued: Record<string, unknown>,
  path: string,
  out: FieldDifference[],
): void {
  for (const key of Object.keys(recorded)) {
    const a = recorded[key];
    const b = issued[key];
    if (a !== b) diff(a, b, childPath(path, key), out);
  }
  for (const key of Object.keys(issued)) {
    if (Object.prototype.hasOwnProperty.call(recorded, key)) continue;
    diff(undefined, issued[key], childPath(path, key), out);
  }
}

function sameBytes(a: ArrayBuffer | ArrayBufferView, b: ArrayBuffer | ArrayBufferView): boolean {
  const x =
    a instanceof ArrayBuffer ? new Uint8Array(a) : new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y =
    b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
