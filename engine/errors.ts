/**
 * Errors the engine raises. Each has a stable `code` (the HTTP API maps codes to statuses) and
 * says which ids are involved and what to do.
 */
import { WhiskerError } from '../common/index.js';
import type { ErrorData } from '../common/index.js';
import type { Divergence } from '../sandbox/index.js';
import type { SessionStatus } from './session/state.js';

export class SessionNotFoundError extends WhiskerError {
  constructor(readonly sessionId: string) {
    super('SESSION_NOT_FOUND', `session ${sessionId} does not exist (list sessions to see the ids)`);
  }
}

export class BuildNotFoundError extends WhiskerError {
  constructor(readonly buildId: string) {
    super('BUILD_NOT_FOUND', `build ${buildId} does not exist; load the project or artifact first`);
  }
}

export class EntryPointNotFoundError extends WhiskerError {
  constructor(
    readonly buildId: string,
    readonly entry: string,
    readonly available: string[],
  ) {
    super(
      'ENTRY_POINT_NOT_FOUND',
      `build ${buildId} has no exported function ${JSON.stringify(entry)}; entry points are ${
        available.length > 0 ? available.join(', ') : '(none)'
      }`,
    );
  }
}

/** An argument of an engine call is missing or malformed; `field` names it. */
export class InvalidArgumentError extends WhiskerError {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super('INVALID_ARGUMENT', `${field}: ${problem}`);
  }
}

/** The operation is not possible in the session's current state. */
export class InvalidSessionStateError extends WhiskerError {
  constructor(
    readonly sessionId: string,
    readonly status: SessionStatus,
    readonly operation: string,
    hint = '',
  ) {
    super(
      'INVALID_SESSION_STATE',
      `cannot ${operation} session ${sessionId}: it is ${status}${hint === '' ? '' : `; ${hint}`}`,
    );
  }
}

/** What awaiting the result of a failed session throws. */
export class SessionFailedError extends WhiskerError {
  constructor(
    readonly sessionId: string,
    readonly error: ErrorData,
  ) {
    super('SESSION_FAILED', `session ${sessionId} failed: ${error.name}: ${error.message}`);
  }
}

/** What awaiting the result of a stopped session throws. */
export class SessionStoppedError extends WhiskerError {
  constructor(
    readonly sessionId: string,
    readonly reason: string,
  ) {
    super('SESSION_STOPPED', `session ${sessionId} was stopped: ${reason}`);
  }
}

/**
 * The code no longer matches the session's journal. The session is parked (not failed): fix the
 * code and resume it on the fixed build, or fail it.
 */
export class NondeterminismError extends WhiskerError {
  constructor(
    readonly sessionId: string,
    readonly divergence: Divergence,
  ) {
    super('NONDETERMINISM', `session ${sessionId}: ${divergence.message}`);
  }
}

export class EngineClosedError extends WhiskerError {
  constructor(operation: string) {
    super('ENGINE_CLOSED', `cannot ${operation}: the engine is shut down`);
  }
}

export class TimeoutError extends WhiskerError {
  constructor(
    readonly sessionId: string,
    readonly waitedMs: number,
  ) {
    super('WAIT_TIMEOUT', `session ${sessionId} did not finish within ${waitedMs} ms (it is still running)`);
  }
}
