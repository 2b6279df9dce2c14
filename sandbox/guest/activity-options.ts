/**
 * `proxyActivities(options)`: the user's options (durations as `'5s'` or ms, Temporal's names)
 * checked and compiled into the command's `ActivityOptions` (ms). Only the fields the user set are
 * present; the engine fills in its defaults.
 */
import { parseDuration } from '../../common/index.js';
import type { Duration } from '../../common/index.js';
import type { ActivityOptions as CompiledActivityOptions, RetryPolicy } from '../protocol.js';
import { InvalidArgumentError } from './failures.js';

export interface RetryOptions {
  /** Delay before the first retry. Engine default 1 s. */
  initialInterval?: Duration;
  /** Each retry waits this many times longer than the previous one (≥ 1). Engine default 2. */
  backoffCoefficient?: number;
  /** Cap of the delay between attempts. Engine default 100 × the initial interval. */
  maximumInterval?: Duration;
  /** Attempts in all, the first included; 0 means unlimited. Engine default 5. */
  maximumAttempts?: number;
  /** Error names or codes (`ApplicationFailure` types) that are never retried. */
  nonRetryableErrorTypes?: string[];
}

export interface ActivityOptions {
  /** Limit of one attempt, enforced by wall clock (the attempt's context is discarded). Engine default 5 min. */
  startToCloseTimeout?: Duration;
  /** Limit of all attempts together, from scheduling. Default: none. */
  scheduleToCloseTimeout?: Duration;
  /** An attempt that does not call `heartbeat()` within this is timed out. Default: none. */
  heartbeatTimeout?: Duration;
  retry?: RetryOptions;
  /**
   * What cancelling the calling scope does: `try-cancel` (default) asks the engine to cancel and
   * rejects at once; `wait-cancellation-completed` waits for the attempt to end; `abandon` rejects at
   * once without telling the engine.
   */
  cancellationType?: 'try-cancel' | 'wait-cancellation-completed' | 'abandon';
}

const API = 'proxyActivities';
const OPTION_KEYS = [
  'startToCloseTimeout',
  'scheduleToCloseTimeout',
  'heartbeatTimeout',
  'retry',
  'cancellationType',
];
const RETRY_KEYS = [
  'initialInterval',
  'backoffCoefficient',
  'maximumInterval',
  'maximumAttempts',
  'nonRetryableErrorTypes',
];
const CANCELLATION_TYPES = ['try-cancel', 'wait-cancellation-completed', 'abandon'];

function duration(value: Duration, option: string): number {
  try {
    return parseDuration(value, option);
  } catch {
    throw new InvalidArgumentError(
      API,
      `option ${option}`,
      value,
      "a duration: milliseconds or a string such as '30s', '5m', '1h'",
    );
  }
}

function checkKeys(value: object, known: readonly string[], where: string): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw new InvalidArgumentError(
        API,
        `${where}${key}`,
        (value as Record<string, unknown>)[key],
        `no such option (known: ${known.join(', ')})`,
      );
    }
  }
}

export function compileActivityOptions(options: ActivityOptions = {}): CompiledActivityOptions {
  if (typeof options !== 'object' || options === null)
    throw new InvalidArgumentError(API, 'options', options, 'an object');
  checkKeys(options, OPTION_KEYS, 'option ');
  const compiled: CompiledActivityOptions = {};
  if (options.startToCloseTimeout !== undefined) {
    compiled.startToCloseTimeoutMs = duration(options.startToCloseTimeout, 'startToCloseTimeout');
    if (compiled.startToCloseTimeoutMs === 0) {
      throw new InvalidArgumentError(
        API,
        'option startToCloseTimeout',
        options.startToCloseTimeout,
        'a duration above zero',
      );
    }
  }
  if (options.scheduleToCloseTimeout !== undefined) {
    compiled.scheduleToCloseTimeoutMs = duration(options.scheduleToCloseTimeout, 'scheduleToCloseTimeout');
  }
  if (options.heartbeatTimeout !== undefined) {
    compiled.heartbeatTimeoutMs = duration(options.heartbeatTimeout, 'heartbeatTimeout');
  }
  if (options.cancellationType !== undefined) {
    if (!CANCELLATION_TYPES.includes(options.cancellationType)) {
      throw new InvalidArgumentError(
        API,
        'option cancellationType',
        options.cancellationType,
        `one of ${CANCELLATION_TYPES.join(', ')}`,
      );
    }
    compiled.cancellationType = options.cancellationType;
  }
  if (options.retry !== undefined) compiled.retry = compileRetry(options.retry);
  return compiled;
}

function compileRetry(retry: RetryOptions): RetryPolicy {
  if (typeof retry !== 'object' || retry === null)
    throw new InvalidArgumentError(API, 'option retry', retry, 'an object');
  checkKeys(retry, RETRY_KEYS, 'option retry.');
  const policy: RetryPolicy = {};
  if (retry.initialInterval !== undefined)
    policy.initialIntervalMs = duration(retry.initialInterval, 'retry.initialInterval');
  if (retry.maximumInterval !== undefined)
    policy.maximumIntervalMs = duration(retry.maximumInterval, 'retry.maximumInterval');
  if (retry.backoffCoefficient !== undefined) {
    if (
      typeof retry.backoffCoefficient !== 'number' ||
      !(retry.backoffCoefficient >= 1) ||
      !Number.isFinite(retry.backoffCoefficient)
    ) {
      throw new InvalidArgumentError(
        API,
        'option retry.backoffCoefficient',
        retry.backoffCoefficient,
        'a number ≥ 1',
      );
    }
    policy.backoffCoefficient = retry.backoffCoefficient;
  }
  if (retry.maximumAttempts !== undefined) {
    if (!Number.isSafeInteger(retry.maximumAttempts) || retry.maximumAttempts < 0) {
      throw new InvalidArgumentError(
        API,
        'option retry.maximumAttempts',
        retry.maximumAttempts,
        'a whole number ≥ 0 (0: unlimited)',
      );
    }
    policy.maximumAttempts = retry.maximumAttempts;
  }
  if (retry.nonRetryableErrorTypes !== undefined) {
    const types = retry.nonRetryableErrorTypes;
    if (!Array.isArray(types) || types.some((t) => typeof t !== 'string')) {
      throw new InvalidArgumentError(
        API,
        'option retry.nonRetryableErrorTypes',
        types,
        'an array of error names or codes',
      );
    }
    policy.nonRetryableErrorNames = [...types];
  }
  if (
    policy.initialIntervalMs !== undefined &&
    policy.maximumIntervalMs !== undefined &&
    policy.maximumIntervalMs < policy.initialIntervalMs
  ) {
    throw new InvalidArgumentError(
      API,
      'option retry.maximumInterval',
      retry.maximumInterval,
      `at least retry.initialInterval (${policy.initialIntervalMs} ms)`,
    );
  }
  return policy;
}
