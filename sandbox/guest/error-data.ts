/**
 * Errors crossing the isolate boundary: what user code threw → `ErrorData` (stack still in
 * bundle positions; the runner maps it), and `ErrorData` delivered to user code → an error object
 * it can inspect (`ApplicationFailure` or `CancelledFailure`, with the original name and code).
 */
import type { ErrorData } from '../../common/index.js';
import { ApplicationFailure, CANCELLED_CODE, CancelledFailure } from './failures.js';
import { inspect } from './log-format.js';
import { assertSerializable } from './serializable.js';
import { defaultStack } from './stack.js';

export function errorToData(error: unknown, depth = 0): ErrorData {
  if (typeof error !== 'object' || error === null) {
    return { name: 'Error', message: `A non-error value was thrown: ${inspect(error, 2)}` };
  }
  const raw = error as Record<string, unknown>;
  const name = safeString(raw.name, 'Error');
  const message = safeString(raw.message, '');
  const data: ErrorData = { name, message };
  const stack = defaultStack(error);
  if (stack !== undefined) data.stack = stack;
  if (error instanceof ApplicationFailure) {
    if (error.type !== undefined) data.code = error.type;
    if (error.nonRetryable) data.retryable = false;
    if (error.nextRetryDelayMs !== undefined) data.retryAfterMs = error.nextRetryDelayMs;
    if (error.details !== undefined) data.details = serializableOr(error.details);
  } else {
    const code = raw.code;
    if (typeof code === 'string') data.code = code;
    if (typeof raw.retryable === 'boolean') data.retryable = raw.retryable;
    if (raw.details !== undefined) data.details = serializableOr(raw.details);
  }
  if (error instanceof CancelledFailure) data.retryable = false;
  if (raw.cause !== undefined && depth < 5) data.cause = errorToData(raw.cause, depth + 1);
  return data;
}

function safeString(value: unknown, fallback: string): string {
  try {
    if (typeof value === 'string') return value;
    return value === undefined ? fallback : inspect(value, 1);
  } catch {
    return fallback;
  }
}

function serializableOr(details: unknown): unknown {
  try {
    assertSerializable(details, 'error details');
    return details;
  } catch {
    return inspect(details, 3);
  }
}

/** The error user code sees for a failure delivered as data (a failed activity or child). */
export function failureFromData(data: ErrorData): Error {
  if (data.code === CANCELLED_CODE) {
    const cancelled = new CancelledFailure(
      data.message,
      Array.isArray(data.details) ? data.details : undefined,
    );
    if (data.stack !== undefined) cancelled.stack = data.stack;
    return cancelled;
  }
  const failure = new ApplicationFailure(
    data.message,
    data.code,
    data.retryable === false,
    data.details === undefined ? undefined : Array.isArray(data.details) ? data.details : [data.details],
    data.cause === undefined ? undefined : failureFromData(data.cause),
    data.retryAfterMs,
  );
  failure.name = data.name;
  if (data.stack !== undefined) failure.stack = data.stack;
  return failure;
}
