export { WhiskerError, hasErrorCode, toErrorData } from './errors.js';
export type { ErrorData, SourceLocation } from './errors.js';
export { parseDuration, InvalidDurationError } from './duration.js';
export type { Duration } from './duration.js';
