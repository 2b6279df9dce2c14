/**
 * The content hash of an artifact: SHA-256 over a canonical encoding of everything in it but the
 * hash. Canonical: fixed field order, length-prefixed values, lists and resources sorted, so the
 * same content always gives the same bytes whatever the order it was assembled in.
 */
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';

import type { BuildArtifact, ExportedFunction } from '../artifact.js';

const DOMAIN = 'whisker-artifact\n';

export function computeArtifactHash(artifact: Omit<BuildArtifact, 'hash'>): string {
  const hash = createHash('sha256');
  hash.update(DOMAIN);
  writeUint(hash, artifact.formatVersion);
  for (const bundle of [artifact.workflowBundle, artifact.activityBundle]) {
    writeText(hash, bundle.code);
    writeText(hash, bundle.sourceMap);
  }
  for (const list of [artifact.entryPoints, artifact.activities]) {
    const sorted = [...list].sort(compareFunctions);
    writeUint(hash, sorted.length);
    for (const fn of sorted) {
      writeText(hash, fn.file);
      writeText(hash, fn.name);
    }
  }
  const keys = Object.keys(artifact.resources).sort(compare);
  writeUint(hash, keys.length);
  for (const key of keys) {
    writeText(hash, key);
    writeBytes(hash, artifact.resources[key] ?? new Uint8Array());
  }
  const sources = [...artifact.sources].sort(compare);
  writeUint(hash, sources.length);
  for (const source of sources) writeText(hash, source);
  return `sha256-${hash.digest('hex')}`;
}

function writeUint(hash: Hash, value: number): void {
  const buffer = Buffer.alloc(8);
  buffer.writeBigUInt64BE(BigInt(value));
  hash.update(buffer);
}

function writeBytes(hash: Hash, bytes: Uint8Array): void {
  writeUint(hash, bytes.byteLength);
  hash.update(bytes);
}

function writeText(hash: Hash, text: string): void {
  writeBytes(hash, Buffer.from(text, 'utf8'));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareFunctions(a: ExportedFunction, b: ExportedFunction): number {
  return compare(a.file, b.file) || compare(a.name, b.name);
}
