/**
 * The optimistic-concurrency and idempotency rule every backend applies to an append:
 * - the expected revision must match the stream's current one, unless
 * - the batch is a retry: every id was supplied by the caller and the same ids are already stored
 *   where this batch would have gone (for a number: right after it; for `'no-stream'`: at revision 0;
 *   for `'any'`/`'exists'`: consecutively among the stream's last `IDEMPOTENCY_WINDOW` events).
 *   Then the original result is returned and nothing is appended.
 * - A batch whose ids only partly match stored ones is a conflict, never a silent duplicate.
 */
import { EVENT_ID_BYTES } from './event-id.js';
import { WrongExpectedRevisionError } from './errors.js';
import type { StreamIndex } from './stream-index.js';
import type { PreparedBatch } from './validation.js';
import type { ExpectedRevision } from './types.js';

/** How far back `'any'`/`'exists'` appends look for an already stored copy of the batch. */
export const IDEMPOTENCY_WINDOW = 1024;

export type AppendDecision =
  | { kind: 'append' }
  /** Already stored; `lastRevision` is the revision of the batch's last event. */
  | { kind: 'duplicate'; lastRevision: number };

const APPEND: AppendDecision = { kind: 'append' };

function matchesAt(index: StreamIndex, from: number, batch: PreparedBatch): boolean {
  const n = batch.events.length;
  if (from < 0 || from + n > index.count) return false;
  for (let k = 0; k < n; k++) if (!index.idEquals(from + k, batch.idBytes, k * EVENT_ID_BYTES)) return false;
  return true;
}

function anyIdInWindow(index: StreamIndex, start: number, batch: PreparedBatch): boolean {
  for (let k = 0; k < batch.events.length; k++) {
    for (let revision = start; revision < index.count; revision++) {
      if (index.idEquals(revision, batch.idBytes, k * EVENT_ID_BYTES)) return true;
    }
  }
  return false;
}

/**
 * Decides an append against the stream's current state (`index` undefined or empty: no stream).
 * Throws `WrongExpectedRevisionError` on a conflict.
 */
export function decideAppend(
  expected: ExpectedRevision,
  index: StreamIndex | undefined,
  batch: PreparedBatch,
): AppendDecision {
  const exists = index !== undefined && index.count > 0;
  const last = exists ? index.count - 1 : -1;
  const n = batch.events.length;
  const conflict = (): never => {
    throw new WrongExpectedRevisionError(batch.stream, expected, exists ? last : 'no-stream');
  };
  if (typeof expected === 'number') {
    if (exists && last === expected) return APPEND;
    if (exists && batch.allIdsSupplied && matchesAt(index, expected + 1, batch)) {
      return { kind: 'duplicate', lastRevision: expected + n };
    }
    return conflict();
  }
  if (expected === 'no-stream') {
    if (!exists) return APPEND;
    if (batch.allIdsSupplied && matchesAt(index, 0, batch)) return { kind: 'duplicate', lastRevision: n - 1 };
    return conflict();
  }
  if (!exists) return expected === 'exists' ? conflict() : APPEND;
  if (!batch.allIdsSupplied) return APPEND;
  const start = Math.max(0, index.count - IDEMPOTENCY_WINDOW);
  for (let revision = index.count - 1; revision >= start; revision--) {
    if (index.idEquals(revision, batch.idBytes, 0)) {
      return matchesAt(index, revision, batch)
        ? { kind: 'duplicate', lastRevision: revision + n - 1 }
        : conflict();
    }
  }
  return anyIdInWindow(index, start, batch) ? conflict() : APPEND;
}

/**
 * Decides a delete: `'delete'`, or `'nothing'` when the stream does not exist and the expectation
 * allows that (`'any'`, `'no-stream'`). Throws `WrongExpectedRevisionError` on a conflict.
 */
export function decideDelete(
  stream: string,
  expected: ExpectedRevision,
  index: StreamIndex | undefined,
): 'delete' | 'nothing' {
  const exists = index !== undefined && index.count > 0;
  const actual = exists ? index.count - 1 : 'no-stream';
  if (typeof expected === 'number' ? actual !== expected : expected === 'exists' ? !exists : false) {
    throw new WrongExpectedRevisionError(stream, expected, actual);
  }
  if (expected === 'no-stream' && exists) throw new WrongExpectedRevisionError(stream, expected, actual);
  return exists ? 'delete' : 'nothing';
}
