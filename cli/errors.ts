/** Errors of the command line: its own (bad usage, no server) and the API's, by stable code. */
import { WhiskerError } from '../common/index.js';

export class CliError extends WhiskerError {
  constructor(
    code: string,
    message: string,
    /** The API's error details (diagnostics of an invalid project, validation errors…). */
    readonly details: Record<string, unknown> = {},
    /** The HTTP status when the error came from the server. */
    readonly status?: number,
  ) {
    super(code, message);
  }
}
