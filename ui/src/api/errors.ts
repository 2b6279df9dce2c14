/** What a failed API call gives the UI: the API's `{ code, message, details }` plus the status. */
export class ApiRequestError extends Error {
  override readonly name = 'ApiRequestError';

  constructor(
    /** HTTP status; 0 when the server could not be reached. */
    readonly status: number,
    /** The API's stable error code (docs/api-errors.md), or `NETWORK_ERROR` / `BAD_RESPONSE`. */
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }

  /** The token is missing, wrong or revoked. */
  get isAuthError(): boolean {
    return this.status === 401 && (this.code === 'INVALID_TOKEN' || this.code === 'UNAUTHENTICATED');
  }

  get isNotFound(): boolean {
    return this.status === 404;
  }
}

/** A readable one-line description of any error, for error states and toasts. */
export function describeError(error: unknown): string {
  if (error instanceof ApiRequestError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
