import { WhiskerError } from './errors.js';

/** A duration as users write it: milliseconds, or a string such as `'500ms'`, `'5s'`, `'1.5m'`, `'2h'`, `'1d'`. */
export type Duration = number | string;

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  sec: 1_000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const DURATION_PATTERN = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h|d)?\s*$/;

export class InvalidDurationError extends WhiskerError {
  constructor(
    readonly field: string,
    readonly value: unknown,
  ) {
    super(
      'INVALID_DURATION',
      `${field}: ${JSON.stringify(value)} is not a duration; use milliseconds (a non-negative number) or a string such as '500ms', '5s', '10m', '2h', '1d'`,
    );
  }
}

/**
 * Parses a user duration into whole milliseconds.
 * @param field names the option in the error message, e.g. `startToCloseTimeout`.
 */
export function parseDuration(value: Duration, field = 'duration'): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new InvalidDurationError(field, value);
    return Math.round(value);
  }
  if (typeof value !== 'string') throw new InvalidDurationError(field, value);
  const match = DURATION_PATTERN.exec(value);
  if (!match) throw new InvalidDurationError(field, value);
  const unit = UNIT_MS[match[2] ?? 'ms'] ?? 1;
  return Math.round(Number(match[1]) * unit);
}
