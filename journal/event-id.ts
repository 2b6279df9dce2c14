/**
 * Event ids are ULIDs (26 characters of Crockford base32, 128 bits). Stores keep them as 16 bytes.
 */
import { ulid } from 'ulid';

import { pooledRandom } from '../common/random-pool.js';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ULID_PATTERN = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

/** Value of each ASCII code in the alphabet, or 255. */
const DIGIT: Uint8Array = (() => {
  const digits = new Uint8Array(128).fill(255);
  for (let i = 0; i < ALPHABET.length; i++) digits[ALPHABET.charCodeAt(i)] = i;
  return digits;
})();

export const EVENT_ID_BYTES = 16;

/** A new ULID (monotonic within a millisecond is not needed: ids are identities, not order). */
export function newEventId(): string {
  return ulid(undefined, pooledRandom);
}

/** True for a canonical (upper-case) ULID. */
export function isEventId(value: unknown): value is string {
  return typeof value === 'string' && ULID_PATTERN.test(value);
}

/** Writes the 128 bits of a canonical ULID big-endian into `target[offset, offset + 16)`. */
export function writeEventId(id: string, target: Uint8Array, offset: number): void {
  // 26 digits * 5 bits = 130 bits; the first digit carries only 3 (it is 0-7).
  let acc = 0;
  let bits = 0;
  let out = offset;
  for (let i = 0; i < 26; i++) {
    acc = ((acc << 5) | DIGIT[id.charCodeAt(i)]!) & 0xfff;
    bits += 5;
    if (i === 0) bits -= 2; // drop the two always-zero top bits
    if (bits >= 8) {
      bits -= 8;
      target[out++] = (acc >>> bits) & 0xff;
    }
  }
}

/** Reads 16 bytes written by `writeEventId` back into the canonical ULID string. */
export function readEventId(source: Uint8Array, offset: number): string {
  let text = '';
  // Leading 2 zero bits + 128 bits = 130 = 26 * 5.
  let acc = 0;
  let bits = 2;
  let index = offset;
  for (let i = 0; i < 26; i++) {
    if (bits < 5) {
      acc = ((acc << 8) | source[index++]!) & 0xfff;
      bits += 8;
    }
    bits -= 5;
    text += ALPHABET[(acc >>> bits) & 31]!;
  }
  return text;
}

/** True when the 16-byte ids at `a[aOffset]` and `b[bOffset]` are equal. */
export function eventIdsEqual(a: Uint8Array, aOffset: number, b: Uint8Array, bOffset: number): boolean {
  for (let i = 0; i < EVENT_ID_BYTES; i++) if (a[aOffset + i] !== b[bOffset + i]) return false;
  return true;
}
