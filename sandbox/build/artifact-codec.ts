/**
 * Artifacts as bytes (msgpackr), for storing and shipping to runners. Reading validates the
 * structure field by field and recomputes the content hash: a corrupted or tampered artifact is a
 * clear error, never a half-loaded build. Nothing but the known fields is accepted, in particular
 * no V8 `cachedData` or snapshots (CVE-2022-39266).
 */
import { Packr, Unpackr } from 'msgpackr';

import { WhiskerError } from '../../common/index.js';
import type { BuildArtifact, BundleCode, ExportedFunction } from '../artifact.js';
import { computeArtifactHash } from './artifact-hash.js';

export class ArtifactInvalidError extends WhiskerError {
  constructor(
    /** Where in the artifact, e.g. `entryPoints[2].name`; `''` for the whole. */
    readonly field: string,
    readonly reason: string,
  ) {
    super(
      'ARTIFACT_INVALID',
      `Invalid build artifact${field === '' ? '' : ` at ${field}`}: ${reason}. The artifact is corrupted or was not written by this Whisker version; build the project again.`,
    );
  }
}

export class ArtifactHashMismatchError extends WhiskerError {
  constructor(
    readonly expectedHash: string,
    readonly actualHash: string,
  ) {
    super(
      'ARTIFACT_HASH_MISMATCH',
      `Build artifact content does not match its hash: it claims ${expectedHash} but its content hashes to ${actualHash}. The artifact was corrupted or altered; build the project again.`,
    );
  }
}

const packr = new Packr({ useRecords: false, moreTypes: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

/** Encodes a (valid) artifact; throws `ArtifactInvalidError` / `ArtifactHashMismatchError` otherwise. */
export function serializeArtifact(artifact: BuildArtifact): Uint8Array {
  const valid = validateArtifact(artifact);
  const encoded = packr.pack({
    formatVersion: valid.formatVersion,
    hash: valid.hash,
    workflowBundle: valid.workflowBundle,
    activityBundle: valid.activityBundle,
    entryPoints: valid.entryPoints,
    activities: valid.activities,
    resources: valid.resources,
    sources: valid.sources,
  });
  // A copy with its own memory: msgpackr may hand out views into a buffer it reuses.
  return new Uint8Array(encoded);
}

/** Decodes and validates an artifact (structure and hash). */
export function deserializeArtifact(bytes: Uint8Array): BuildArtifact {
  if (!(bytes instanceof Uint8Array)) throw new ArtifactInvalidError('', 'expected bytes (a Uint8Array)');
  let decoded: unknown;
  try {
    // A fresh view (no copy): msgpackr caches a DataView on the object it reads, not on the caller's.
    decoded = unpackr.unpack(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (error) {
    throw new ArtifactInvalidError(
      '',
      `not decodable (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  return validateArtifact(decoded);
}

const FIELDS = [
  'formatVersion',
  'hash',
  'workflowBundle',
  'activityBundle',
  'entryPoints',
  'activities',
  'resources',
  'sources',
] as const;

/**
 * Checks that `value` is a well-formed artifact whose hash matches its content, and returns it as a
 * fresh object (binary values as plain `Uint8Array`s).
 */
export function validateArtifact(value: unknown): BuildArtifact {
  const record = expectRecord(value, '');
  const unknown = Object.keys(record).filter((key) => !(FIELDS as readonly string[]).includes(key));
  if (unknown.length > 0) {
    const compiled = unknown.find((key) => /cache|snapshot|compiled/i.test(key));
    throw new ArtifactInvalidError(
      '',
      compiled !== undefined
        ? `unexpected field "${compiled}": compiled code (V8 cachedData, snapshots) is never accepted`
        : `unexpected field${unknown.length === 1 ? '' : 's'} ${unknown.map((k) => `"${k}"`).join(', ')}`,
    );
  }
  for (const field of FIELDS) {
    if (!Object.hasOwn(record, field)) throw new ArtifactInvalidError(field, 'missing');
  }
  if (record.formatVersion !== 1) {
    throw new ArtifactInvalidError(
      'formatVersion',
      `unsupported format version ${JSON.stringify(record.formatVersion)} (this Whisker reads version 1)`,
    );
  }
  const hash = record.hash;
  if (typeof hash !== 'string' || !/^sha256-[0-9a-f]{64}$/.test(hash)) {
    throw new ArtifactInvalidError('hash', 'expected "sha256-" followed by 64 lowercase hex digits');
  }
  const content: Omit<BuildArtifact, 'hash'> = {
    formatVersion: 1,
    workflowBundle: expectBundle(record.workflowBundle, 'workflowBundle'),
    activityBundle: expectBundle(record.activityBundle, 'activityBundle'),
    entryPoints: expectFunctions(record.entryPoints, 'entryPoints'),
    activities: expectFunctions(record.activities, 'activities'),
    resources: expectResources(record.resources, 'resources'),
    sources: expectArray(record.sources, 'sources').map((s, i) => expectPath(s, `sources[${i}]`)),
  };
  const actual = computeArtifactHash(content);
  if (actual !== hash) throw new ArtifactHashMismatchError(hash, actual);
  return { ...content, hash };
}

function expectRecord(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
    throw new ArtifactInvalidError(field, `expected an object, found ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

function expectArray(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value))
    throw new ArtifactInvalidError(field, `expected an array, found ${describe(value)}`);
  return value;
}

function expectString(value: unknown, field: string): string {
  if (typeof value !== 'string')
    throw new ArtifactInvalidError(field, `expected a string, found ${describe(value)}`);
  return value;
}

function expectBundle(value: unknown, field: string): BundleCode {
  const record = expectRecord(value, field);
  const extra = Object.keys(record).filter((key) => key !== 'code' && key !== 'sourceMap');
  if (extra.length > 0) {
    throw new ArtifactInvalidError(
      field,
      `unexpected field "${extra[0]}" (a bundle holds source code and its source map only)`,
    );
  }
  return {
    code: expectString(record.code, `${field}.code`),
    sourceMap: expectString(record.sourceMap, `${field}.sourceMap`),
  };
}

function expectFunctions(value: unknown, field: string): ExportedFunction[] {
  return expectArray(value, field).map((item, i) => {
    const record = expectRecord(item, `${field}[${i}]`);
    const name = expectString(record.name, `${field}[${i}].name`);
    if (name === '') throw new ArtifactInvalidError(`${field}[${i}].name`, 'empty name');
    return { file: expectPath(record.file, `${field}[${i}].file`), name };
  });
}

function expectResources(value: unknown, field: string): Record<string, Uint8Array> {
  const record = expectRecord(value, field);
  const entries = Object.keys(record).map((key): [string, Uint8Array] => {
    const path = expectPath(key, `${field} key ${JSON.stringify(key)}`);
    const bytes = record[key];
    if (!(bytes instanceof Uint8Array)) {
      throw new ArtifactInvalidError(
        `${field}[${JSON.stringify(key)}]`,
        `expected bytes, found ${describe(bytes)}`,
      );
    }
    // A copy: decoded binaries may be views into the (possibly pooled) input buffer.
    return [path, new Uint8Array(bytes)];
  });
  return Object.fromEntries(entries);
}

/** A project-relative, `/`-separated path with no `.`/`..`/empty segments. */
function expectPath(value: unknown, field: string): string {
  const path = expectString(value, field);
  const segments = path.split('/');
  if (
    path === '' ||
    path.includes('\\') ||
    path.includes('\u0000') ||
    segments.some((s) => s === '' || s === '.' || s === '..')
  ) {
    throw new ArtifactInvalidError(field, `${JSON.stringify(path)} is not a project-relative path`);
  }
  return path;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return 'bytes';
  return typeof value;
}
