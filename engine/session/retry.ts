/**
 * Activity options pipeline: what the code gave (ms, partial) → with defaults → compiled, and the
 * retry decision after a failed attempt. Pure.
 */
import type { ErrorData } from '../../common/index.js';
import type { ActivityOptions } from '../../sandbox/index.js';

export interface CompiledRetryPolicy {
  /** Delay before the first retry. Default 1 s. */
  initialIntervalMs: number;
  /** Each retry waits this many times longer than the previous one. Default 2. */
  backoffCoefficient: number;
  /** Cap of the delay between attempts. Default 100 × the initial interval. */
  maximumIntervalMs: number;
  /**
   * Attempts in all (the first included); 0 means unlimited. Default 5 — unlike Temporal's
   * unlimited default, so an automation calling a broken API fails visibly instead of retrying forever.
   */
  maximumAttempts: number;
  /** Error names or codes that are never retried. Default none. */
  nonRetryableErrorNames: string[];
}

export interface CompiledActivityOptions {
  /** Limit of one attempt. Default 5 min. */
  startToCloseTimeoutMs: number;
  /** Limit of all attempts together, from scheduling. Default: none (0). */
  scheduleToCloseTimeoutMs: number;
  /** An attempt that does not heartbeat within this is timed out. Default: none (0). */
  heartbeatTimeoutMs: number;
  retry: CompiledRetryPolicy;
  cancellationType: NonNullable<ActivityOptions['cancellationType']>;
}

export const DEFAULT_START_TO_CLOSE_MS = 5 * 60_000;

export function compileActivityOptions(options: ActivityOptions): CompiledActivityOptions {
  const retry = options.retry ?? {};
  const initialIntervalMs = retry.initialIntervalMs ?? 1_000;
  return {
    startToCloseTimeoutMs: options.startToCloseTimeoutMs ?? DEFAULT_START_TO_CLOSE_MS,
    scheduleToCloseTimeoutMs: options.scheduleToCloseTimeoutMs ?? 0,
    heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? 0,
    retry: {
      initialIntervalMs,
      backoffCoefficient: retry.backoffCoefficient ?? 2,
      maximumIntervalMs: retry.maximumIntervalMs ?? initialIntervalMs * 100,
      maximumAttempts: retry.maximumAttempts ?? 5,
      nonRetryableErrorNames: retry.nonRetryableErrorNames ?? [],
    },
    cancellationType: options.cancellationType ?? 'try-cancel',
  };
}

export type RetryDecision = { retry: true; delayMs: number } | { retry: false; reason: string };

/**
 * After attempt `attempt` (1-based) failed with `error` at `now`: retry, and when?
 * `scheduledAt` is when the activity was scheduled (for the schedule-to-close limit).
 */
export function decideRetry(
  options: CompiledActivityOptions,
  attempt: number,
  error: ErrorData,
  now: number,
  scheduledAt: number,
): RetryDecision {
  const policy = options.retry;
  if (error.retryable === false) return { retry: false, reason: 'the error is not retryable' };
  const names = policy.nonRetryableErrorNames;
  if (names.includes(error.name) || (error.code !== undefined && names.includes(error.code))) {
    return { retry: false, reason: `${error.code ?? error.name} is listed in nonRetryableErrorNames` };
  }
  if (policy.maximumAttempts > 0 && attempt >= policy.maximumAttempts) {
    return { retry: false, reason: `maximum attempts (${policy.maximumAttempts}) reached` };
  }
  const backoff = policy.initialIntervalMs * policy.backoffCoefficient ** (attempt - 1);
  let delayMs = Math.min(backoff, policy.maximumIntervalMs);
  if (error.retryAfterMs !== undefined && error.retryAfterMs > delayMs) delayMs = error.retryAfterMs;
  delayMs = Math.max(0, Math.round(delayMs));
  if (
    options.scheduleToCloseTimeoutMs > 0 &&
    now + delayMs >= scheduledAt + options.scheduleToCloseTimeoutMs
  ) {
    return { retry: false, reason: 'the schedule-to-close timeout leaves no time for another attempt' };
  }
  return { retry: true, delayMs };
}
