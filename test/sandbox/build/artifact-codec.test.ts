import { Packr } from 'msgpackr';
import { beforeAll, describe, expect, it } from 'vitest';

import type { BuildArtifact } from '../../../sandbox/index.js';
import {
  ArtifactHashMismatchError,
  ArtifactInvalidError,
  computeArtifactHash,
  deserializeArtifact,
  serializeArtifact,
} from '../../../sandbox/build/index.js';
import { buildOk, fixture } from './helpers.js';

const packr = new Packr({ useRecords: false });

/** Re-encodes an altered artifact as an attacker would, without fixing the hash. */
function encode(value: unknown): Uint8Array {
  return packr.pack(value);
}

describe('serializeArtifact / deserializeArtifact', () => {
  let artifact: BuildArtifact;
  let bytes: Uint8Array;

  beforeAll(async () => {
    ({ artifact } = await buildOk(fixture('basic'), { typecheck: false }));
    bytes = serializeArtifact(artifact);
  });

  it('round-trips every field, with resources as plain Uint8Arrays', () => {
    const back = deserializeArtifact(bytes);
    expect(back).toEqual(artifact);
    expect(Object.getPrototypeOf(back.resources['assets/logo.png'])).toBe(Uint8Array.prototype);
    expect(serializeArtifact(back)).toEqual(bytes);
  });

  it('detects a flipped byte in the code', () => {
    const tampered = new Uint8Array(bytes);
    const at = Buffer.from(tampered).indexOf('failLoudly was called');
    expect(at).toBeGreaterThan(0);
    tampered[at] = 'F'.charCodeAt(0);
    expect(() => deserializeArtifact(tampered)).toThrow(ArtifactHashMismatchError);
    expect(() => deserializeArtifact(tampered)).toThrow(
      /claims sha256-[0-9a-f]{64} but its content hashes to sha256-/,
    );
  });

  it('detects changed resources, entry points and a forged hash', () => {
    const resources = {
      ...artifact.resources,
      'templates/mail.txt': new TextEncoder().encode('Pay here: evil.example'),
    };
    expect(() => deserializeArtifact(encode({ ...artifact, resources }))).toThrow(ArtifactHashMismatchError);
    const entryPoints = [...artifact.entryPoints, { file: 'workflows/order.ts', name: 'extra' }];
    expect(() => deserializeArtifact(encode({ ...artifact, entryPoints }))).toThrow(
      ArtifactHashMismatchError,
    );
    const forged = { ...artifact, hash: `sha256-${'0'.repeat(64)}` };
    let thrown: unknown;
    try {
      deserializeArtifact(encode(forged));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({
      code: 'ARTIFACT_HASH_MISMATCH',
      expectedHash: forged.hash,
      actualHash: artifact.hash,
    });
  });

  it('rejects truncated and foreign bytes', () => {
    expect(() => deserializeArtifact(bytes.subarray(0, bytes.length - 10))).toThrow(ArtifactInvalidError);
    expect(() => deserializeArtifact(new Uint8Array([0xc1]))).toThrow(ArtifactInvalidError);
    expect(() => deserializeArtifact(encode('text'))).toThrow(
      /Invalid build artifact: expected an object, found string/,
    );
    expect(() => deserializeArtifact(encode(['not', 'an', 'artifact']))).toThrow(ArtifactInvalidError);
    expect(() => deserializeArtifact(new Uint8Array())).toThrow(ArtifactInvalidError);
  });

  it('never accepts compiled code (V8 cachedData, snapshots) or any unknown field', () => {
    const withCache = { ...artifact, cachedData: new Uint8Array([1, 2, 3]) };
    expect(() => deserializeArtifact(encode(withCache))).toThrow(
      /unexpected field "cachedData": compiled code \(V8 cachedData, snapshots\) is never accepted/,
    );
    const inBundle = {
      ...artifact,
      workflowBundle: { ...artifact.workflowBundle, snapshot: new Uint8Array(4) },
    };
    expect(() => deserializeArtifact(encode(inBundle))).toThrow(
      /at workflowBundle: unexpected field "snapshot"/,
    );
    expect(() => deserializeArtifact(encode({ ...artifact, extra: 1 }))).toThrow(/unexpected field "extra"/);
  });

  it('checks every field', () => {
    const cases: [string, unknown, RegExp][] = [
      ['formatVersion', { ...artifact, formatVersion: 2 }, /unsupported format version 2/],
      ['hash', { ...artifact, hash: 'md5-abc' }, /at hash: expected "sha256-"/],
      [
        'code',
        { ...artifact, activityBundle: { code: 42, sourceMap: '' } },
        /at activityBundle\.code: expected a string/,
      ],
      [
        'entry',
        { ...artifact, entryPoints: [{ file: 'a.ts' }] },
        /at entryPoints\[0\]\.name: expected a string/,
      ],
      [
        'path',
        { ...artifact, sources: ['../etc/passwd'] },
        /at sources\[0\]: "\.\.\/etc\/passwd" is not a project-relative path/,
      ],
      [
        'absolute',
        { ...artifact, activities: [{ file: '/abs.ts', name: 'x' }] },
        /is not a project-relative path/,
      ],
      [
        'resource',
        { ...artifact, resources: { 'a.txt': 'text' } },
        /at resources\["a\.txt"\]: expected bytes, found string/,
      ],
      ['missing', { ...artifact, sources: undefined }, /at sources: missing|expected an array/],
    ];
    for (const [, value, message] of cases) {
      expect(() => deserializeArtifact(encode(value))).toThrow(message);
    }
  });

  it('refuses to serialize an artifact changed after it was built', () => {
    const changed = {
      ...artifact,
      workflowBundle: { ...artifact.workflowBundle, code: 'globalThis.evil = 1' },
    };
    expect(() => serializeArtifact(changed)).toThrow(ArtifactHashMismatchError);
  });

  it('hashes content, not the order it was assembled in', () => {
    const { hash, ...content } = artifact;
    const reordered = {
      ...content,
      entryPoints: [...content.entryPoints].reverse(),
      resources: Object.fromEntries(Object.entries(content.resources).reverse()),
      sources: [...content.sources].reverse(),
    };
    expect(computeArtifactHash(reordered)).toBe(hash);
  });
});
