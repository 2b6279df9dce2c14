/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), table-driven slice-by-8.
 * Pinned by the standard check value crc32c("123456789") = 0xE3069283.
 */

const POLY = 0x82f63b78;

/** TABLES[k][b]: CRC of byte b followed by k zero bytes. */
const TABLES: Uint32Array = (() => {
  const tables = new Uint32Array(8 * 256);
  for (let b = 0; b < 256; b++) {
    let crc = b;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ POLY : crc >>> 1;
    tables[b] = crc >>> 0;
  }
  for (let b = 0; b < 256; b++) {
    let crc = tables[b]!;
    for (let k = 1; k < 8; k++) {
      crc = tables[crc & 0xff]! ^ (crc >>> 8);
      tables[k * 256 + b] = crc >>> 0;
    }
  }
  return tables;
})();

/**
 * CRC-32C of `bytes[start, end)`, continuing from `previous` (the CRC of the bytes before; 0 to start).
 */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length, previous = 0): number {
  const t = TABLES;
  let crc = ~previous >>> 0;
  let i = start;
  const end8 = end - ((end - start) & 7);
  while (i < end8) {
    const lo =
      (crc ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24))) >>> 0;
    crc =
      t[1792 + (lo & 0xff)]! ^
      t[1536 + ((lo >>> 8) & 0xff)]! ^
      t[1280 + ((lo >>> 16) & 0xff)]! ^
      t[1024 + (lo >>> 24)]! ^
      t[768 + bytes[i + 4]!]! ^
      t[512 + bytes[i + 5]!]! ^
      t[256 + bytes[i + 6]!]! ^
      t[bytes[i + 7]!]!;
    i += 8;
  }
  while (i < end) crc = t[(crc ^ bytes[i++]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}
