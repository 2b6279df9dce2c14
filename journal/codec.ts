/**
 * The value codec every journal backend (and any module that stores values) uses: msgpackr with
 * structured-clone semantics.
 *
 * Options, and why:
 * - `structuredClone`: cycles and shared references survive, as do Error and RegExp.
 * - `moreTypes`: Map, Set, typed arrays, ArrayBuffer, Date survive.
 * - `int64AsType: 'bigint'` + `useBigIntExtension`: a bigint decodes as a bigint whatever its size,
 *   while numbers stay numbers (msgpackr writes them as int32 or float64, never int64).
 * - records stay on, but no `structures` are shared: every encoded value carries its own record
 *   definitions, so any process can decode any stored value with no state beyond this file.
 * Known differences from structured clone: `-0` decodes as `0`; functions encode as `undefined`
 * (structured clone would throw); symbols throw.
 */
import { Packr } from 'msgpackr';

const packr = new Packr({
  structuredClone: true,
  moreTypes: true,
  int64AsType: 'bigint',
  useBigIntExtension: true,
});

/** Encodes a structured-clone-safe value. The result is a fresh buffer the caller may keep. */
export function encodeValue(value: unknown): Uint8Array {
  return packr.pack(value);
}

/** Decodes bytes from `encodeValue` into a new value (every call returns fresh objects). */
export function decodeValue(bytes: Uint8Array): unknown {
  return packr.unpack(bytes);
}
