/**
 * The workflow's seeded random stream: xoshiro128** 1.1 (Blackman & Vigna,
 * https://prng.di.unimi.it/xoshiro128starstar.c), seeded with SplitMix64
 * (https://prng.di.unimi.it/splitmix64.c) as its authors recommend.
 *
 * Seeding, pinned by golden vectors in `test/sandbox/prng.test.ts`:
 * 1. the seed string's UTF-8 bytes are hashed with 64-bit FNV-1a (offset basis 0xcbf29ce484222325,
 *    prime 0x100000001b3);
 * 2. that hash is SplitMix64's state; its first two outputs `a`, `b` give the xoshiro128** state
 *    `[low32(a), high32(a), low32(b), high32(b)]` (never all zero: SplitMix64 outputs are a bijection
 *    of distinct states, and two consecutive outputs are never both zero).
 *
 * `Math.random()`, `crypto.getRandomValues`, `crypto.randomUUID` and `uuid4()` all draw from one
 * stream, so the values a workflow sees depend only on its seed and the order of its calls.
 */
import { utf8Encode } from './text-encoding.js';

const MASK64 = (1n << 64n) - 1n;

/** SplitMix64 (reference algorithm), over BigInt. */
export class SplitMix64 {
  private state: bigint;

  constructor(seed: bigint) {
    this.state = BigInt.asUintN(64, seed);
  }

  next(): bigint {
    this.state = (this.state + 0x9e3779b97f4a7c15n) & MASK64;
    let z = this.state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
    return z ^ (z >> 31n);
  }
}

/** 64-bit FNV-1a over the UTF-8 bytes of `text`. */
export function fnv1a64(text: string): bigint {
  let hash = 0xcbf29ce484222325n;
  for (const byte of utf8Encode(text)) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & MASK64;
  }
  return hash;
}

/** xoshiro128** 1.1 (reference algorithm) on four 32-bit words. */
export class Xoshiro128StarStar {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(state: readonly [number, number, number, number]) {
    [this.s0, this.s1, this.s2, this.s3] = state.map((word) => word >>> 0) as [
      number,
      number,
      number,
      number,
    ];
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0)
      throw new RangeError('xoshiro128** state must not be all zero');
  }

  /** The next 32-bit output, as an unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A double in [0, 1) with 53 random bits, from two outputs (27 high bits of the first, 26 of the second). */
  nextFloat(): number {
    const high = this.nextUint32() >>> 5;
    const low = this.nextUint32() >>> 6;
    return (high * 67108864 + low) / 9007199254740992;
  }

  /** Fills `bytes` from successive outputs, little-endian, four bytes per output. */
  fillBytes(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i += 4) {
      const word = this.nextUint32();
      for (let j = 0; j < 4 && i + j < bytes.length; j++) bytes[i + j] = (word >>> (8 * j)) & 0xff;
    }
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** The xoshiro128** state derived from a session's seed string (see the header). */
export function stateFromSeed(seed: string): [number, number, number, number] {
  const mixer = new SplitMix64(fnv1a64(seed));
  const a = mixer.next();
  const b = mixer.next();
  return [Number(a & 0xffffffffn), Number(a >> 32n), Number(b & 0xffffffffn), Number(b >> 32n)];
}

export function createSeededRandom(seed: string): Xoshiro128StarStar {
  return new Xoshiro128StarStar(stateFromSeed(seed));
}

/** A version 4 UUID (RFC 9562) from 16 bytes of the stream. */
export function uuid4From(random: Xoshiro128StarStar): string {
  const bytes = new Uint8Array(16);
  random.fillBytes(bytes);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
