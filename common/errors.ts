/**
 * The base of every error Whisker raises on purpose.
 *
 * Errors cross process and isolate boundaries and are stored in journals, so they are
 * recognised by their stable string `code`, never by `instanceof` (see `hasErrorCode`).
 * Subclasses carry the facts as fields (KurrentDB's `WrongExpectedVersionError` is the model)
 * and a message that says what happened, which ids, and what to do.
 */
export class WhiskerError extends Error {
  /** Stable machine-readable code, e.g. `WRONG_EXPECTED_REVISION`. Never changes once published. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** True when `error` is an object with the given stable `code` (works across realms and processes). */
export function hasErrorCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

/**
 * An error as data: what is journaled and what crosses the sandbox boundary.
 * `stack` is already mapped to the user's sources when the error came from user code.
 */
export interface ErrorData {
  name: string;
  message: string;
  /** Stable code when the error is a Whisker error (or a user `ApplicationFailure` with a type). */
  code?: string;
  stack?: string;
  /** Where in the user's source the error was raised, when known. */
  source?: SourceLocation;
  /** false: never retried (a terminal failure). Absent: the retry policy decides. */
  retryable?: boolean;
  /** A retryable error may ask to be retried no sooner than this many ms from now. */
  retryAfterMs?: number;
  /** Structured details attached by the thrower (must be structured-clone safe). */
  details?: unknown;
  cause?: ErrorData;
}

export interface SourceLocation {
  /** Project-relative path, e.g. `handlers.ts`. */
  file: string;
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  column: number;
}

/** Converts anything thrown into `ErrorData` without losing the fields above. */
export function toErrorData(error: unknown): ErrorData {
  if (error instanceof Error) {
    const data: ErrorData = { name: error.name, message: error.message };
    const fields = error as Error & Partial<ErrorData>;
    if (typeof fields.code === 'string') data.code = fields.code;
    if (typeof error.stack === 'string') data.stack = error.stack;
    if (typeof fields.retryable === 'boolean') data.retryable = fields.retryable;
    if (typeof fields.retryAfterMs === 'number') data.retryAfterMs = fields.retryAfterMs;
    if (fields.details !== undefined) data.details = fields.details;
    if (fields.source !== undefined) data.source = fields.source;
    if (error.cause !== undefined) data.cause = toErrorData(error.cause);
    return data;
  }
  if (typeof error === 'object' && error !== null && 'message' in error) {
    const raw = error as { name?: unknown; message?: unknown };
    const name = typeof raw.name === 'string' ? raw.name : 'Error';
    return { name, message: typeof raw.message === 'string' ? raw.message : JSON.stringify(raw.message) };
  }
  return { name: 'Error', message: String(error) };
}
