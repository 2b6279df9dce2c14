import { WhiskerError } from '../common/index.js';
import type { ExpectedRevision } from './types.js';

/** The optimistic check of an append or delete failed: the stream is not where the caller expected. */
export class WrongExpectedRevisionError extends WhiskerError {
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    readonly actual: number | 'no-stream',
  ) {
    super(
      'WRONG_EXPECTED_REVISION',
      `stream "${stream}": expected revision ${String(expected)} but the stream is at ${String(actual)}; ` +
        `another writer moved it on (or the batch's event ids only partly match stored ones): re-read the stream and decide again`,
    );
  }
}

/** The store was closed; nothing more can be done with this instance. */
export class StoreClosedError extends WhiskerError {
  constructor(readonly operation: string) {
    super('STORE_CLOSED', `${operation}: the event store is closed; open a new one`);
  }
}

/** Bytes on disk that are not a valid journal and are not a torn tail: the store refuses to guess. */
export class JournalCorruptedError extends WhiskerError {
  constructor(
    readonly segment: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(
      'JOURNAL_CORRUPTED',
      `journal corrupted in segment ${segment} at byte offset ${offset}: ${reason}. ` +
        `Good data may follow, so nothing was truncated; restore the directory from a backup or inspect that offset`,
    );
  }
}

/** Another live process holds the journal directory's write lock. */
export class StoreLockedError extends WhiskerError {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(
      'STORE_LOCKED',
      `journal directory ${dir} is locked by process ${pid}; only one process may open it for writing: ` +
        `stop that process or use another directory`,
    );
  }
}

/**
 * A write or fsync failed. The store is fenced: after an fsync error the kernel may have dropped the
 * dirty pages, so no later append may be acknowledged. Reopen the store to recover from what is on disk.
 */
export class StoreFailedError extends WhiskerError {
  constructor(
    readonly dir: string,
    cause: unknown,
  ) {
    super(
      'STORE_FAILED',
      `journal ${dir} failed (${cause instanceof Error ? cause.message : String(cause)}) and is fenced: ` +
        `no further append is acknowledged; close it and reopen it to recover from what is on disk`,
      { cause },
    );
  }
}

/** An append (or delete) whose input is malformed; `field` names the offending input. */
export class InvalidAppendError extends WhiskerError {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super('INVALID_APPEND', `${field}: ${problem}`);
  }
}

/** A read, subscribe or option argument that is malformed; `field` names it. */
export class InvalidArgumentError extends WhiskerError {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super('INVALID_ARGUMENT', `${field}: ${problem}`);
  }
}
