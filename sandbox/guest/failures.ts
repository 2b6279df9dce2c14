/**
 * Errors user code throws and catches, in workflows and activities alike (Temporal's names).
 *
 * They cross the isolate boundary as `ErrorData` (see `error-data.ts`): `ApplicationFailure.type`
 * becomes `code`, `nonRetryable` becomes `retryable: false`, `details` stay. On the other side they
 * are rebuilt as `ApplicationFailure` (or `CancelledFailure`) with the original `name`, so code
 * recognises them by `code`/`type`, as every Whisker error is recognised.
 */
import { WhiskerError, parseDuration } from '../../common/index.js';
import type { Duration } from '../../common/index.js';

export interface ApplicationFailureOptions {
  message?: string;
  /** A stable name for the failure (becomes the error's `code`); retry policies can list it. */
  type?: string;
  /** true: never retried, whatever the retry policy says. Default false. */
  nonRetryable?: boolean;
  /** Structured details (structured-clone safe). */
  details?: unknown[];
  cause?: unknown;
  /** Ask the retry policy to wait at least this long before the next attempt. */
  nextRetryDelay?: Duration;
}

/** A failure raised on purpose by user code: the one error type whose fields Whisker keeps as given. */
export class ApplicationFailure extends Error {
  readonly type: string | undefined;
  readonly nonRetryable: boolean;
  readonly details: unknown[] | undefined;
  /** From `nextRetryDelay`, in ms. */
  readonly nextRetryDelayMs: number | undefined;

  constructor(
    message?: string,
    type?: string,
    nonRetryable = false,
    details?: unknown[],
    cause?: unknown,
    nextRetryDelayMs?: number,
  ) {
    super(message ?? '', cause === undefined ? undefined : { cause });
    this.name = 'ApplicationFailure';
    this.type = type;
    this.nonRetryable = nonRetryable;
    this.details = details;
    this.nextRetryDelayMs = nextRetryDelayMs;
  }

  /** The failure's `type`, under the name every Whisker error uses for it. */
  get code(): string | undefined {
    return this.type;
  }

  static create(options: ApplicationFailureOptions): ApplicationFailure {
    const delay =
      options.nextRetryDelay === undefined
        ? undefined
        : parseDuration(options.nextRetryDelay, 'nextRetryDelay');
    return new ApplicationFailure(
      options.message,
      options.type,
      options.nonRetryable ?? false,
      options.details,
      options.cause,
      delay,
    );
  }

  /** A failure the retry policy may retry. */
  static retryable(message?: string, type?: string, ...details: unknown[]): ApplicationFailure {
    return new ApplicationFailure(message, type, false, details.length > 0 ? details : undefined);
  }

  /** A terminal failure: never retried. */
  static nonRetryable(message?: string, type?: string, ...details: unknown[]): ApplicationFailure {
    return new ApplicationFailure(message, type, true, details.length > 0 ? details : undefined);
  }
}

/** Stable code of every cancellation (`ErrorData.code`). */
export const CANCELLED_CODE = 'CANCELLED';

/** The error a cancelled operation rejects with (cancellation scope, stop request, cancelled activity). */
export class CancelledFailure extends Error {
  readonly code = CANCELLED_CODE;
  readonly details: unknown[] | undefined;

  constructor(message = 'cancelled', details?: unknown[]) {
    super(message);
    this.name = 'CancelledFailure';
    this.details = details;
  }
}

/** True for a cancellation: a `CancelledFailure`, anything with code `CANCELLED`, or an error caused by one. */
export function isCancellation(error: unknown): boolean {
  for (let current = error, depth = 0; current !== undefined && current !== null && depth < 20; depth++) {
    if (current instanceof CancelledFailure) return true;
    if (typeof current !== 'object') return false;
    if ((current as { code?: unknown }).code === CANCELLED_CODE) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Thrown where workflow code does something that cannot be replayed identically (`WeakRef`,
 * `setInterval`...). The activation fails with this code even if the code catches it.
 */
export class DeterminismViolationError extends WhiskerError {
  constructor(readonly reason: string) {
    super('DETERMINISM_VIOLATION', `Workflow code is not deterministic: ${reason}`);
  }
}

/** A workflow API used outside a running workflow, or an activity API outside an activity. */
export class WrongContextError extends WhiskerError {
  constructor(
    readonly api: string,
    readonly where: string,
  ) {
    super('WRONG_CONTEXT', `${api} can only be used ${where}.`);
  }
}

/** An argument of a guest API call is invalid; the message names the function, the argument and the value. */
export class InvalidArgumentError extends WhiskerError {
  constructor(
    readonly api: string,
    readonly argument: string,
    readonly value: unknown,
    expected: string,
  ) {
    super('INVALID_ARGUMENT', `${api}: ${argument} is ${describeValue(value)}; expected ${expected}.`);
  }
}

/** `readResource(path)` of a path the build did not ship. */
export class ResourceNotFoundError extends WhiskerError {
  constructor(
    readonly path: string,
    available: readonly string[],
  ) {
    const listed = available.slice(0, 20).join(', ');
    super(
      'RESOURCE_NOT_FOUND',
      `Resource "${path}" is not part of this build. ${available.length === 0 ? 'The build has no resources' : `Resources: ${listed}${available.length > 20 ? ', ...' : ''}`}; paths are project-relative, e.g. "templates/mail.html".`,
    );
  }
}

/** A value that cannot leave the sandbox (functions, symbols, promises...), with where it sits. */
export class NotSerializableError extends WhiskerError {
  constructor(
    readonly what: string,
    readonly path: string,
    readonly reason: string,
  ) {
    super(
      'VALUE_NOT_SERIALIZABLE',
      `${what}: ${path} ${reason}; values that leave a workflow or activity must be structured-clone safe (plain objects, arrays, primitives, Date, Map, Set, typed arrays, bigint).`,
    );
  }
}

/** A rejected promise carrying exactly what was thrown (user code may throw anything). */
export function rejection<T = never>(error: unknown): Promise<T> {
  // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- rethrows the user's value unchanged
  return Promise.reject(error);
}

export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return value.toString();
  if (value === null || typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return 'an array';
  try {
    return JSON.stringify(value).slice(0, 80);
  } catch {
    return 'an object';
  }
}
