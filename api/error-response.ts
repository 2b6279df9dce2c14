/**
 * Turns anything thrown while serving a request into the one error shape `{ code, message,
 * details }` with the status of its code in the registry (`errors.ts`): engine errors by their
 * stable code, Fastify's own errors (validation, body parsing, limits) by theirs.
 */
import type { FastifyError } from 'fastify';
import { API_ERROR_CODES, isApiErrorCode } from './errors.js';
import type { ApiErrorCode, ErrorBody } from './errors.js';
import { fieldSuffix, toJsonValue } from './json-values.js';

export interface ErrorResponse {
  status: number;
  body: ErrorBody;
  /** A fault of the server: log it. */
  internal: boolean;
}

/** Fields every error has that are not facts of the error. */
const NOT_DETAILS = new Set(['name', 'message', 'stack', 'code', 'cause', 'statusCode', 'details']);

interface ValidationIssue {
  instancePath?: string;
  message?: string;
  keyword?: string;
  params?: Record<string, unknown>;
}

function make(code: ApiErrorCode, message: string, details: Record<string, unknown> = {}): ErrorResponse {
  const status = API_ERROR_CODES[code].status;
  return { status, body: { code, message, details }, internal: status >= 500 };
}

/** `contentType`: the request's, named when it is refused. */
export function errorResponse(error: unknown, contentType?: string): ErrorResponse {
  if (typeof error !== 'object' || error === null) {
    return make('INTERNAL_ERROR', 'internal error: something that is not an error was thrown');
  }
  const e = error as FastifyError & { validation?: ValidationIssue[]; validationContext?: string };
  if (Array.isArray(e.validation)) return validationResponse(e.validation, e.validationContext ?? 'body');
  const code = typeof e.code === 'string' ? e.code : undefined;
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return make('BODY_TOO_LARGE', 'request body is larger than the limit of this route; send less', {});
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return make(
        'UNSUPPORTED_MEDIA_TYPE',
        `this route does not take a body of content type ${JSON.stringify((contentType ?? '').slice(0, 200))}; send application/json${contentType === undefined ? ' (and say so in Content-Type)' : ''}`,
        contentType !== undefined ? { contentType: contentType.slice(0, 200) } : {},
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return make(
        'INVALID_JSON',
        'the body is empty but the content type is application/json; send a JSON value',
      );
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return make('INVALID_JSON', `the body is not valid JSON: ${e.message}`);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return make('BAD_REQUEST', 'the Content-Length header does not match the body');
    case 'FST_ERR_BAD_URL':
      return make('BAD_REQUEST', 'the URL is not valid (a malformed %-escape or bad UTF-8 in the path)');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return make('URI_TOO_LONG', 'a path parameter is longer than the limit');
    default:
      break;
  }
  if (code !== undefined && isApiErrorCode(code) && !code.startsWith('FST_')) {
    const details =
      'details' in e && typeof e.details === 'object' && e.details !== null
        ? (e.details as Record<string, unknown>)
        : detailsOf(e);
    return make(code, e.message, toJsonValue(details) as Record<string, unknown>);
  }
  if (error instanceof SyntaxError && e.statusCode === 400) {
    // JSON.parse and secure-json-parse (a "__proto__" or "constructor.prototype" key).
    return make('INVALID_JSON', `the body is not valid JSON: ${e.message}`);
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    if (e.statusCode === 429) return make('RATE_LIMITED', e.message);
    if (e.statusCode === 413) return make('BODY_TOO_LARGE', e.message);
    if (e.statusCode === 415) return make('UNSUPPORTED_MEDIA_TYPE', e.message);
    return make('BAD_REQUEST', e.message);
  }
  return make(
    'INTERNAL_ERROR',
    'internal error; the server log has the details (look for this request id)',
    code !== undefined ? { code } : {},
  );
}

/** The facts of an engine error: its own fields (`field`, `diagnostics`, `divergence`, ids). */
function detailsOf(error: object): Record<string, unknown> {
  const details: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) {
    if (!NOT_DETAILS.has(key) && value !== undefined) details[key] = value;
  }
  return details;
}

/** At most this many validation errors are listed (an invalid body can have one per value). */
const MAX_LISTED_ERRORS = 20;

function validationResponse(issues: ValidationIssue[], context: string): ErrorResponse {
  const part = context === 'querystring' ? 'query' : context;
  const errors: { field: string; message: string }[] = [];
  for (const issue of issues) {
    const at = part + pointerToPath(issue.instancePath ?? '');
    const params = issue.params ?? {};
    const names = (value: unknown): string[] =>
      Array.isArray(value)
        ? value.filter((v): v is string => typeof v === 'string')
        : typeof value === 'string'
          ? [value]
          : [];
    if (issue.keyword === 'required') {
      for (const name of names(params['requiredProperties'] ?? params['missingProperty'])) {
        errors.push({ field: at + fieldSuffix(name), message: 'is required' });
      }
    } else if (issue.keyword === 'additionalProperties') {
      for (const name of names(params['additionalProperties'] ?? params['additionalProperty'])) {
        errors.push({ field: at + fieldSuffix(name), message: 'is not a known field' });
      }
    } else if (issue.keyword === 'boolean') {
      // The `false` schema behind additionalProperties: reported above, by name.
      continue;
    } else if (issue.keyword === 'enum' && Array.isArray(params['allowedValues'])) {
      errors.push({
        field: at,
        message: `must be one of ${params['allowedValues'].map((v) => JSON.stringify(v)).join(', ')}`,
      });
    } else {
      errors.push({ field: at, message: issue.message ?? 'is invalid' });
    }
  }
  const first = errors[0] ?? { field: part, message: 'is invalid' };
  return make('VALIDATION_FAILED', `${first.field}: ${first.message}`, {
    errors: errors.slice(0, MAX_LISTED_ERRORS),
  });
}

/** `/files/a.ts/0` → `.files["a.ts"][0]`. */
function pointerToPath(pointer: string): string {
  if (pointer === '') return '';
  return pointer
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((segment) => (/^\d+$/.test(segment) ? `[${segment}]` : fieldSuffix(segment)))
    .join('');
}
