/**
 * UTF-8 for the guest: isolates have no `TextEncoder`/`TextDecoder` (they are Web APIs the
 * embedder provides), so the sandbox ships this small UTF-8-only pair.
 */

export function utf8Encode(text: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    let code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
        i++;
      }
    }
    if (code >= 0xd800 && code <= 0xdfff) code = 0xfffd; // lone surrogate
    if (code < 0x80) out.push(code);
    else if (code < 0x800) out.push(0xc0 | (code >> 6), 0x80 | (code & 0x3f));
    else if (code < 0x10000) out.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
    else
      out.push(
        0xf0 | (code >> 18),
        0x80 | ((code >> 12) & 0x3f),
        0x80 | ((code >> 6) & 0x3f),
        0x80 | (code & 0x3f),
      );
  }
  return new Uint8Array(out);
}

/** Decodes UTF-8; malformed sequences become U+FFFD unless `fatal`, which throws a `TypeError`. */
export function utf8Decode(bytes: Uint8Array, fatal = false): string {
  let out = '';
  let chunk: number[] = [];
  const flush = (): void => {
    out += String.fromCharCode(...chunk);
    chunk = [];
  };
  const bad = (): number => {
    if (fatal) throw new TypeError('The encoded data was not valid UTF-8');
    return 0xfffd;
  };
  for (let i = 0; i < bytes.length;) {
    const byte = bytes[i] ?? 0;
    let code: number;
    let need = 0;
    let min = 0;
    if (byte < 0x80) code = byte;
    else if (byte >= 0xc2 && byte <= 0xdf) [code, need, min] = [byte & 0x1f, 1, 0x80];
    else if (byte >= 0xe0 && byte <= 0xef) [code, need, min] = [byte & 0x0f, 2, 0x800];
    else if (byte >= 0xf0 && byte <= 0xf4) [code, need, min] = [byte & 0x07, 3, 0x10000];
    else {
      chunk.push(bad());
      i++;
      continue;
    }
    let j = 1;
    for (; j <= need; j++) {
      const next = bytes[i + j];
      if (next === undefined || (next & 0xc0) !== 0x80) break;
      code = (code << 6) | (next & 0x3f);
    }
    if (j <= need || code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
      chunk.push(bad());
      i += Math.max(1, j);
      continue;
    }
    i += need + 1;
    if (code >= 0x10000) {
      code -= 0x10000;
      chunk.push(0xd800 + (code >> 10), 0xdc00 + (code & 0x3ff));
    } else chunk.push(code);
    if (chunk.length > 8192) flush();
  }
  flush();
  return out;
}

/** Bytes of an `ArrayBuffer` or any view, without copying. */
export function bytesOf(data: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** `TextEncoder` (UTF-8, as the standard defines it). */
export class TextEncoder {
  readonly encoding = 'utf-8';

  encode(input = ''): Uint8Array {
    return utf8Encode(String(input));
  }

  encodeInto(source: string, destination: Uint8Array): { read: number; written: number } {
    const bytes = utf8Encode(source);
    // Only whole characters: cut at the last boundary that fits.
    let written = Math.min(bytes.length, destination.length);
    while (written > 0 && written < bytes.length && ((bytes[written] ?? 0) & 0xc0) === 0x80) written--;
    destination.set(bytes.subarray(0, written));
    return { read: utf8Decode(bytes.subarray(0, written)).length, written };
  }
}

/** `TextDecoder` for UTF-8 only (the one encoding sandboxed code needs). */
export class TextDecoder {
  readonly encoding = 'utf-8';
  readonly fatal: boolean;
  readonly ignoreBOM: boolean;

  constructor(label = 'utf-8', options: { fatal?: boolean; ignoreBOM?: boolean } = {}) {
    const normalized = String(label).trim().toLowerCase();
    if (normalized !== 'utf-8' && normalized !== 'utf8' && normalized !== 'unicode-1-1-utf-8') {
      throw new RangeError(
        `TextDecoder: the encoding "${label}" is not supported in the sandbox; only utf-8 is`,
      );
    }
    this.fatal = options.fatal === true;
    this.ignoreBOM = options.ignoreBOM === true;
  }

  decode(input?: ArrayBuffer | ArrayBufferView): string {
    if (input === undefined) return '';
    let bytes = bytesOf(input);
    if (!this.ignoreBOM && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)
      bytes = bytes.subarray(3);
    return utf8Decode(bytes, this.fatal);
  }
}
