/**
 * Uniform random numbers in [0, 1) for ULIDs, drawn from the OS in 4 KiB refills. The `ulid`
 * package's default source asks the OS once per character (16 calls per id), which showed up as a
 * first-rank cost of appends and of session starts. One byte per character: `byte / 256` maps
 * evenly onto the 32 symbols of Crockford base32 (each gets 8 byte values).
 *
 * Host only (it needs `node:crypto`), so it stays out of `common/index.ts`, which the guest
 * runtime bundles.
 */
import { randomFillSync } from 'node:crypto';

const pool = new Uint8Array(4096);
let poolIndex = pool.length;

export function pooledRandom(): number {
  if (poolIndex === pool.length) {
    randomFillSync(pool);
    poolIndex = 0;
  }
  return pool[poolIndex++]! / 256;
}
