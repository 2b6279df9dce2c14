/**
 * The workflow PRNG pinned against the reference algorithms. The expected numbers were printed by
 * the reference C code (xoshiro128starstar.c and splitmix64.c from https://prng.di.unimi.it/,
 * plus 64-bit FNV-1a for the seed string), compiled with gcc:
 *
 *   s = {1,2,3,4}: 8 × next()
 *   splitmix64 x = 0: 4 × next()
 *   seed string → fnv1a64 → splitmix64 → state [lo(a), hi(a), lo(b), hi(b)] → 6 × next()
 */
import { describe, expect, it } from 'vitest';

import {
  SplitMix64,
  Xoshiro128StarStar,
  createSeededRandom,
  fnv1a64,
  stateFromSeed,
  uuid4From,
} from '../../sandbox/guest/prng.js';

describe('xoshiro128** (reference vectors)', () => {
  it('matches the reference output from state {1, 2, 3, 4}', () => {
    const random = new Xoshiro128StarStar([1, 2, 3, 4]);
    const out = Array.from({ length: 8 }, () => random.nextUint32());
    expect(out).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849]);
  });

  it('refuses the all-zero state', () => {
    expect(() => new Xoshiro128StarStar([0, 0, 0, 0])).toThrow(/all zero/);
  });
});

describe('SplitMix64 and FNV-1a (reference vectors)', () => {
  it('matches splitmix64 from seed 0', () => {
    const mixer = new SplitMix64(0n);
    expect([mixer.next(), mixer.next(), mixer.next(), mixer.next()]).toEqual([
      16294208416658607535n,
      7960286522194355700n,
      487617019471545679n,
      17909611376780542444n,
    ]);
  });

  it('hashes seed strings as UTF-8 with 64-bit FNV-1a', () => {
    expect(fnv1a64('')).toBe(14695981039346656037n);
    expect(fnv1a64('seed')).toBe(3241132786411421740n);
    expect(fnv1a64('héllo')).toBe(11772399666002542816n);
  });
});

describe('seeding from a session seed string', () => {
  const vectors: [string, number[], number[]][] = [
    [
      '',
      [1805975344, 3280043009, 3233583894, 269277868],
      [3781564968, 1944808877, 2340108199, 3500316882, 2600368531, 683331608],
    ],
    [
      'seed',
      [193231341, 83652593, 2625304740, 643195059],
      [802598636, 3254464487, 3130508212, 211147503, 880915135, 422725803],
    ],
    [
      'ses_01HZY3K9:0',
      [1662902457, 3832647268, 332108005, 1904737105],
      [4211330067, 3285708811, 1503651635, 3110966378, 3729659229, 89394849],
    ],
    [
      'héllo',
      [4244932857, 1075410719, 1421276122, 2375716995],
      [1022900896, 2291353736, 3680614998, 3903802416, 3500825326, 146281800],
    ],
  ];

  it.each(vectors)('seed %j gives the reference state and outputs', (seed, state, outputs) => {
    expect(stateFromSeed(seed)).toEqual(state);
    const random = createSeededRandom(seed);
    expect(Array.from({ length: 6 }, () => random.nextUint32())).toEqual(outputs);
  });

  it('derives floats in [0, 1) from two outputs (27 + 26 bits) and bytes little-endian', () => {
    const random = createSeededRandom('seed');
    const expected = ((802598636 >>> 5) * 67108864 + (3254464487 >>> 6)) / 9007199254740992;
    expect(random.nextFloat()).toBe(expected);
    const bytes = new Uint8Array(6);
    random.fillBytes(bytes);
    // outputs 3 and 4: 3130508212 = 0xba97c3b4, 211147503 = 0x0c95daef
    expect([...bytes]).toEqual([0xb4, 0xc3, 0x97, 0xba, 0xef, 0xda]);
  });

  it('makes RFC 9562 version 4 UUIDs from the stream', () => {
    const uuid = uuid4From(createSeededRandom('seed'));
    expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuid4From(createSeededRandom('seed'))).toBe(uuid);
    expect(uuid4From(createSeededRandom('other'))).not.toBe(uuid);
  });
});
