/** Parsing of query values that schemas alone cannot express. */
import { ApiError } from './errors.js';

/** A time as ms since the epoch or an ISO 8601 date → ms since the epoch. */
export function parseTime(text: string, field: string): number {
  const ms = /^\d{1,15}$/.test(text) ? Number(text) : Date.parse(text);
  if (Number.isNaN(ms)) {
    throw new ApiError('VALIDATION_FAILED', `${field}: must be ms since the epoch or an ISO 8601 date`, {
      errors: [{ field, message: 'must be ms since the epoch or an ISO 8601 date' }],
    });
  }
  return ms;
}
