/**
 * The API's error codes, in ONE registry: every error a client can receive has one of these codes,
 * a fixed HTTP status and a one-line summary; `docs/api-errors.md` documents each (a test checks
 * that every code is documented and that every code the engine can throw is mapped here).
 *
 * Rules: bad input 400/422, unknown ids 404, state conflicts 409, signatures and tokens 401, body
 * too large 413, rate limit 429, engine shut down or not ready 503. Nothing a client sends ever
 * gives a 5xx: 500 is kept for faults of the server itself (a corrupted journal, a bug).
 */
import { WhiskerError } from '../common/index.js';

export interface ErrorCodeInfo {
  status: number;
  summary: string;
}

export const API_ERROR_CODES = {
  // ---- the API's own codes --------------------------------------------------------------------
  BAD_REQUEST: { status: 400, summary: 'The request is malformed (URL, header or framing).' },
  VALIDATION_FAILED: {
    status: 400,
    summary: 'A parameter, query field or body field does not match the schema; `details.errors` names each.',
  },
  INVALID_JSON: {
    status: 400,
    summary: 'The body is not valid JSON, is empty, or has a `__proto__`/`constructor` key.',
  },
  INVALID_JSON_VALUE: {
    status: 400,
    summary: 'A tagged value (`$base64`, `$bigint`, …) is malformed, or a value is nested too deeply.',
  },
  INVALID_TARBALL: { status: 400, summary: 'The uploaded project archive is not a usable `.tar.gz`.' },
  UNAUTHENTICATED: { status: 401, summary: 'No bearer token was given.' },
  INVALID_TOKEN: { status: 401, summary: 'The bearer token is unknown, malformed or revoked.' },
  NOT_FOUND: { status: 404, summary: 'No route answers this method and path.' },
  REQUEST_TIMEOUT: { status: 408, summary: 'The request was not received in time.' },
  BODY_TOO_LARGE: { status: 413, summary: 'The body is larger than the limit.' },
  URI_TOO_LONG: { status: 414, summary: 'A path parameter is longer than the limit.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, summary: 'The body has a content type this route does not take.' },
  RATE_LIMITED: { status: 429, summary: 'Too many requests; retry after `Retry-After` seconds.' },
  HEADERS_TOO_LARGE: { status: 431, summary: 'The request headers are larger than the limit.' },
  INTERNAL_ERROR: { status: 500, summary: 'A fault of the server; the log has the details (by request id).' },
  NOT_READY: { status: 503, summary: 'The server is starting or shutting down.' },

  // ---- engine and platform codes -------------------------------------------------------------
  INVALID_ARGUMENT: {
    status: 400,
    summary: 'An argument is missing or malformed; `details.field` names it.',
  },
  INVALID_DURATION: { status: 400, summary: 'A duration is not a number of ms or a string such as `5s`.' },
  INVALID_SCHEDULE: { status: 400, summary: 'A cron expression or time zone is invalid.' },
  VALUE_NOT_SERIALIZABLE: {
    status: 400,
    summary: 'A value cannot be stored (a function, a symbol, a cycle…).',
  },
  WEBHOOK_SIGNATURE_INVALID: {
    status: 401,
    summary: 'A webhook request has a missing or wrong signature, or a stale Slack timestamp.',
  },
  PROJECT_NOT_FOUND: { status: 404, summary: 'No project has this id or name.' },
  BUILD_NOT_FOUND: { status: 404, summary: 'No build has this id.' },
  DEPLOYMENT_NOT_FOUND: { status: 404, summary: 'No deployment has this id.' },
  TRIGGER_NOT_FOUND: { status: 404, summary: 'No trigger has this id (or name, in the project).' },
  WEBHOOK_NOT_FOUND: { status: 404, summary: 'No webhook trigger is at this address.' },
  EVENT_NOT_FOUND: { status: 404, summary: 'No event has this id.' },
  VARIABLE_NOT_FOUND: { status: 404, summary: 'The project has no variable of this name.' },
  SESSION_NOT_FOUND: { status: 404, summary: 'No session has this id.' },
  TOKEN_NOT_FOUND: { status: 404, summary: 'No API token has this id.' },
  RESOURCE_NOT_FOUND: { status: 404, summary: 'A project resource file does not exist.' },
  PROJECT_EXISTS: { status: 409, summary: 'A project with this name exists already.' },
  INVALID_DEPLOYMENT_STATE: {
    status: 409,
    summary: 'The deployment is not in a state that allows this (e.g. deleting an active one).',
  },
  BUILD_NOT_DEPLOYABLE: { status: 409, summary: 'The build failed, so it cannot be deployed.' },
  NO_ACTIVE_DEPLOYMENT: { status: 409, summary: 'The project has no active deployment to run on.' },
  INVALID_SESSION_STATE: {
    status: 409,
    summary: 'The session is not in a state that allows this (signal an ended one, delete a running one).',
  },
  SESSION_FAILED: { status: 409, summary: 'The session failed (when its result was asked for).' },
  SESSION_STOPPED: { status: 409, summary: 'The session was stopped (when its result was asked for).' },
  NONDETERMINISM: { status: 409, summary: 'The code no longer matches the session journal; it is parked.' },
  WRONG_EXPECTED_REVISION: { status: 409, summary: 'A concurrent change won; retry the request.' },
  PROJECT_INVALID: {
    status: 422,
    summary: 'The manifest or the code has errors; `details.diagnostics` lists each with file:line:col.',
  },
  BUILD_FAILED: { status: 422, summary: 'The project did not build; `details.diagnostics` lists why.' },
  ENTRY_POINT_NOT_FOUND: { status: 422, summary: 'The build has no such `file.ts:function` entry point.' },
  QUERY_ISSUED_COMMAND: { status: 422, summary: 'A query handler tried to do something durable.' },
  DETERMINISM_VIOLATION: { status: 422, summary: 'Workflow code used a forbidden non-deterministic API.' },
  WRONG_CONTEXT: { status: 422, summary: 'Code called a workflow API from an activity or the reverse.' },
  MALFORMED_SESSION_JOURNAL: { status: 500, summary: "A session's journal is damaged." },
  JOURNAL_CORRUPTED: { status: 500, summary: 'The journal on disk is damaged.' },
  INVALID_APPEND: { status: 500, summary: 'The server tried to write an invalid journal entry (a bug).' },
  ARTIFACT_INVALID: { status: 500, summary: 'A stored build artifact cannot be read.' },
  ARTIFACT_HASH_MISMATCH: { status: 500, summary: 'A stored build artifact does not match its hash.' },
  SECRET_KEY_INVALID: { status: 500, summary: 'The server has no usable key for secrets.' },
  SECRET_UNREADABLE: { status: 500, summary: 'A stored secret cannot be decrypted with the key.' },
  INVALID_BUILD_OPTION: { status: 500, summary: 'The server is configured with an invalid build option.' },
  INVALID_SANDBOX_OPTION: {
    status: 500,
    summary: 'The server is configured with an invalid sandbox option.',
  },
  ENGINE_CLOSED: { status: 503, summary: 'The engine is shut down.' },
  STORE_CLOSED: { status: 503, summary: 'The journal is closed.' },
  STORE_LOCKED: { status: 503, summary: 'Another process holds the journal.' },
  STORE_FAILED: {
    status: 503,
    summary: 'The journal failed an I/O operation and is fenced; restart the server.',
  },
  RUNNER_START_FAILED: { status: 503, summary: 'A sandbox runner process could not start.' },
  BUILD_WORKER_FAILED: {
    status: 503,
    summary:
      'The build worker ended before the build finished (it crashed, or the server is shutting down); build again.',
  },
  WAIT_TIMEOUT: { status: 504, summary: 'A session did not reach the awaited state in time.' },

  // ---- replay debugging (engine/replay) ---------------------------------------------------------
  INVALID_REPLAY_OPTION: {
    status: 400,
    summary: 'An option of a replay is malformed; `details.field` names it.',
  },
  JOURNAL_FILE_TRUNCATED: { status: 422, summary: 'A journal file ends early; `details` gives the offset.' },
  JOURNAL_FILE_CORRUPTED: { status: 422, summary: 'A journal file is damaged; `details` gives the offset.' },
  JOURNAL_FILE_INVALID: { status: 422, summary: 'The data is not a journal file.' },
  JOURNAL_FILE_UNSUPPORTED: {
    status: 422,
    summary: 'The journal file is of a format this version cannot read.',
  },
  JOURNAL_JSON_UNENCODABLE: {
    status: 422,
    summary: 'A journal value cannot be written as JSON (a cycle); use the binary form.',
  },
  REPLAY_BUILD_MISSING: { status: 422, summary: 'A replay has no build to run: give one.' },
} as const satisfies Record<string, ErrorCodeInfo>;

export type ApiErrorCode = keyof typeof API_ERROR_CODES;

export function isApiErrorCode(code: unknown): code is ApiErrorCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(API_ERROR_CODES, code);
}

/** An error raised by the API layer itself (auth, validation, limits). */
export class ApiError extends WhiskerError {
  readonly statusCode: number;

  constructor(
    code: ApiErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(code, message);
    this.statusCode = API_ERROR_CODES[code].status;
  }
}

/** The one error shape of every error response. */
export interface ErrorBody {
  code: string;
  message: string;
  details: Record<string, unknown>;
}
