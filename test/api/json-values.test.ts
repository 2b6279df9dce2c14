/** The JSON mapping of user values, and project archives read in memory. */
import { describe, expect, it } from 'vitest';
import { fromJsonValue, JsonValueError, MAX_VALUE_DEPTH, readTarball, toJsonValue } from '../../api/index.js';
import { parseJsonBody } from '../../api/json-body.js';

describe('toJsonValue', () => {
  it('maps what JSON cannot carry to tagged objects', () => {
    expect(
      toJsonValue({
        bytes: new Uint8Array([0, 1, 255]),
        buffer: Buffer.from('hi'),
        floats: new Float64Array([1.5]),
        raw: new Uint8Array([7]).buffer,
        date: new Date('2024-01-02T03:04:05.006Z'),
        invalidDate: new Date(NaN),
        map: new Map<unknown, unknown>([
          [1, 'one'],
          ['k', new Set(['v'])],
        ]),
        big: -12345678901234567890n,
        nan: NaN,
        inf: -Infinity,
        negativeZero: -0,
        missing: undefined,
        list: [undefined, 1],
        nested: { ok: true, nothing: null },
      }),
    ).toEqual({
      bytes: { $base64: 'AAH/' },
      buffer: { $base64: 'aGk=' },
      floats: { $base64: 'AAAAAAAA+D8=', $type: 'Float64Array' },
      raw: { $base64: 'Bw==' },
      date: '2024-01-02T03:04:05.006Z',
      invalidDate: null,
      map: {
        $map: [
          [1, 'one'],
          ['k', { $set: ['v'] }],
        ],
      },
      big: { $bigint: '-12345678901234567890' },
      nan: { $number: 'NaN' },
      inf: { $number: '-Infinity' },
      negativeZero: 0,
      list: [null, 1],
      nested: { ok: true, nothing: null },
    });
    expect(toJsonValue(undefined)).toBeNull();
  });

  it('escapes user objects that look like tags, so every value comes back exactly', () => {
    const value = { $base64: 'not bytes', other: { $map: 1 }, plain: { $money: 5 } };
    const json = toJsonValue(value);
    expect(json).toEqual({ $base64: 'not bytes', other: { $object: { $map: 1 } }, plain: { $money: 5 } });
    expect(fromJsonValue(json)).toEqual(value);
    expect(toJsonValue({ $base64: 'x' })).toEqual({ $object: { $base64: 'x' } });
  });

  it('cuts values nested deeper than the limit', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < MAX_VALUE_DEPTH + 5; i++) deep = [deep];
    let json = toJsonValue(deep);
    let depth = 0;
    while (Array.isArray(json)) {
      json = json[0];
      depth++;
    }
    expect(depth).toBe(MAX_VALUE_DEPTH);
    expect(json).toEqual({ $truncated: true });
  });
});

describe('fromJsonValue', () => {
  it('reads every tagged form back, round-tripping what toJsonValue wrote', () => {
    const value = {
      bytes: new Uint8Array([1, 2, 3]),
      ints: new Int16Array([-2, 300]),
      big: 99n,
      map: new Map([['a', new Set([1n])]]),
      n: [NaN, Infinity, -Infinity],
    };
    const back = fromJsonValue(JSON.parse(JSON.stringify(toJsonValue(value))));
    expect(back).toEqual(value);
    expect((back as { bytes: unknown }).bytes).toBeInstanceOf(Uint8Array);
    expect(fromJsonValue({ $date: '2024-05-06T07:08:09Z' })).toEqual(new Date('2024-05-06T07:08:09Z'));
  });

  it('names the path of a malformed tag', () => {
    const cases: [unknown, string][] = [
      [{ a: [{ $base64: 'a' }] }, 'value.a[0].$base64: must be a base64 string'],
      [{ $bigint: '1.5' }, 'value.$bigint: must be a string of decimal digits'],
      [{ $number: 'Zero' }, 'value.$number: must be "NaN", "Infinity" or "-Infinity"'],
      [{ $date: 'soon' }, 'value.$date: must be an ISO 8601 date string'],
      [{ $map: [[1]] }, 'value.$map[0]: must be a [key, value] pair'],
      [{ $map: {} }, 'value.$map: must be an array of [key, value]'],
      [{ $set: 'x' }, 'value.$set: must be an array'],
      [{ $object: [] }, 'value.$object: must be an object'],
      [
        { $base64: 'AAA=', $type: 'Int32Array' },
        'value.$base64: 2 bytes is not a whole number of Int32Array elements',
      ],
      [
        { $base64: 'AAA=', $type: 'Window' },
        'value.$type: must be a typed array name such as "Float64Array"',
      ],
    ];
    for (const [input, message] of cases) {
      expect(() => fromJsonValue(input), message).toThrow(message);
      expect(() => fromJsonValue(input)).toThrowError(JsonValueError);
    }
  });

  it('keeps a "__proto__" key as plain data, never as a prototype', () => {
    const value = fromJsonValue(JSON.parse('{"__proto__": {"polluted": true}}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.keys(value)).toEqual(['__proto__']);
  });

  it('refuses values nested deeper than the limit', () => {
    const deep = JSON.parse('['.repeat(MAX_VALUE_DEPTH + 1) + ']'.repeat(MAX_VALUE_DEPTH + 1)) as unknown;
    expect(() => fromJsonValue(deep, 'body.input')).toThrow(
      /^body\.input(\[0\]){100}: nested deeper than 100 levels$/,
    );
  });
});

describe('parseJsonBody', () => {
  it('checks poisoned keys at any depth without recursion', () => {
    const nested = '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000);
    expect(parseJsonBody(nested)).toBeTypeOf('object');
    expect(() => parseJsonBody('[[[{"x":{"__proto__":1}}]]]')).toThrow(/"__proto__" key/);
    expect(() => parseJsonBody('{"constructor":{"prototype":{"x":1}}}')).toThrow(
      /"constructor.prototype" key/,
    );
    expect(parseJsonBody('{"constructor":"fine"}')).toEqual({ constructor: 'fine' });
  });
});

describe('readTarball', () => {
  // Built by hand: tar headers are 512-byte blocks (name, mode, size in octal, checksum, type).
  function tar(entries: { name: string; type?: string; body?: string; link?: string }[]): Buffer {
    const blocks: Buffer[] = [];
    for (const entry of entries) {
      const body = Buffer.from(entry.body ?? '');
      const header = Buffer.alloc(512);
      header.write(entry.name, 0, 100, 'utf8');
      header.write('0000644\0', 100);
      header.write('0000000\0', 108);
      header.write('0000000\0', 116);
      header.write(body.length.toString(8).padStart(11, '0') + '\0', 124);
      header.write('00000000000\0', 136);
      header.write(entry.type ?? '0', 156);
      if (entry.link !== undefined) header.write(entry.link, 157, 100, 'utf8');
      header.write('ustar\0', 257);
      header.write('00', 263);
      header.fill(' ', 148, 156);
      let sum = 0;
      for (const byte of header) sum += byte;
      header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
      blocks.push(header, body, Buffer.alloc((512 - (body.length % 512)) % 512));
    }
    blocks.push(Buffer.alloc(1024));
    return Buffer.concat(blocks);
  }

  it('reads regular files, and takes a single top directory holding whisker.yaml as the root', async () => {
    const files = await readTarball(
      tar([
        { name: 'proj/', type: '5' },
        { name: 'proj/whisker.yaml', body: 'version: 1' },
        { name: 'proj/src/main.ts', body: 'export {}' },
      ]),
    );
    expect(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, Buffer.from(v).toString()]))).toEqual(
      {
        'whisker.yaml': 'version: 1',
        'src/main.ts': 'export {}',
      },
    );
  });

  it('refuses links, paths out of the project, and archives over the limits', async () => {
    await expect(readTarball(tar([{ name: '../evil.ts', body: 'x' }]))).rejects.toMatchObject({
      code: 'INVALID_TARBALL',
      message: 'archive entry "../evil.ts" is not a relative path inside the project',
    });
    await expect(readTarball(tar([{ name: '/etc/passwd', body: 'x' }]))).rejects.toMatchObject({
      code: 'INVALID_TARBALL',
    });
    await expect(
      readTarball(tar([{ name: 'link.ts', type: '2', link: '/etc/passwd' }])),
    ).rejects.toMatchObject({
      code: 'INVALID_TARBALL',
      message: 'archive entry "link.ts" is a SymbolicLink; only regular files are accepted',
    });
    await expect(
      readTarball(tar([{ name: 'a.ts', body: 'x'.repeat(2000) }]), { maxFiles: 10, maxTotalBytes: 1000 }),
    ).rejects.toMatchObject({
      code: 'INVALID_TARBALL',
      message: 'the archive holds more than 1000 bytes of files',
    });
    await expect(
      readTarball(tar([{ name: 'a.ts' }, { name: 'b.ts' }]), { maxFiles: 1, maxTotalBytes: 1000 }),
    ).rejects.toMatchObject({ code: 'INVALID_TARBALL', message: 'the archive has more than 1 files' });
    await expect(readTarball(tar([{ name: 'dir/', type: '5' }]))).rejects.toMatchObject({
      message: 'the archive contains no files',
    });
  });
});
