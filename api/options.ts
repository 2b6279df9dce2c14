/**
 * Options of the HTTP API: what a caller may give (`ApiOptions`, durations as `'30s'`), with
 * defaults, compiled to numbers (`CompiledApiOptions`). Every default is documented where declared
 * and in docs/api.md.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyServerOptions } from 'fastify';
import type { Duration } from '../common/index.js';
import { parseDuration, WhiskerError } from '../common/index.js';

export interface RateLimitOptions {
  /** Requests allowed per window, per token (or per IP address without a valid token). Default 3000. */
  max?: number;
  /** The window. Default `'1m'`. */
  window?: Duration;
}

export interface ApiOptions {
  /** Largest request body in bytes (413 beyond). Default 1 MiB. */
  bodyLimit?: number;
  /** Largest project upload (JSON files or `.tar.gz`) in bytes. Default 16 MiB. */
  uploadBodyLimit?: number;
  /** Time to receive a whole request (headers and body). Default `'30s'`. */
  requestTimeout?: Duration;
  /** Rate limit, or `false` for none. Default 3000 requests a minute per token or IP. */
  rateLimit?: RateLimitOptions | false;
  /** Interval of keep-alive comments on server-sent event streams. Default `'15s'`. */
  sseKeepAlive?: Duration;
  /**
   * Bytes a slow server-sent events client may leave unread before its stream is closed (it can
   * resume with `Last-Event-ID`). Default 4 MiB.
   */
  sseMaxBufferedBytes?: number;
  /** Directory of the web UI's static files, served at `/` when it exists. Default `<package>/ui/dist`. */
  uiDir?: string;
  /** Fastify's logger: `false` (default), `true`, or pino options. URLs are redacted (see `log-redaction.ts`). */
  logger?: FastifyServerOptions['logger'];
  /** Trust `X-Forwarded-*` headers (behind a reverse proxy). Default false. */
  trustProxy?: boolean;
}

export interface CompiledApiOptions {
  bodyLimit: number;
  uploadBodyLimit: number;
  requestTimeoutMs: number;
  rateLimit: { max: number; windowMs: number } | false;
  sseKeepAliveMs: number;
  sseMaxBufferedBytes: number;
  uiDir: string | undefined;
  logger: FastifyServerOptions['logger'];
  trustProxy: boolean;
}

export class InvalidApiOptionError extends WhiskerError {
  constructor(
    readonly option: string,
    readonly value: unknown,
    expected: string,
  ) {
    super('INVALID_API_OPTION', `API option ${option}: ${JSON.stringify(value)} is not ${expected}`);
  }
}

export const DEFAULT_BODY_LIMIT = 1024 * 1024;
export const DEFAULT_UPLOAD_BODY_LIMIT = 16 * 1024 * 1024;
export const DEFAULT_RATE_LIMIT = { max: 3000, windowMs: 60_000 };

/** `ui/dist` of this package (from `api/` in sources, `dist/api/` when compiled). */
function defaultUiDir(): string {
  const relative = import.meta.url.endsWith('.ts') ? '../ui/dist' : '../../ui/dist';
  return fileURLToPath(new URL(relative, import.meta.url));
}

function positiveInteger(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidApiOptionError(option, value, 'a positive integer');
  }
  return value;
}

function duration(option: string, value: Duration | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const ms = parseDuration(value, option);
  if (ms < 1) throw new InvalidApiOptionError(option, value, 'a duration of at least 1 ms');
  return ms;
}

export function compileApiOptions(options: ApiOptions = {}): CompiledApiOptions {
  const rate = options.rateLimit;
  const uiDir = options.uiDir ?? defaultUiDir();
  return {
    bodyLimit: positiveInteger('bodyLimit', options.bodyLimit, DEFAULT_BODY_LIMIT),
    uploadBodyLimit: positiveInteger('uploadBodyLimit', options.uploadBodyLimit, DEFAULT_UPLOAD_BODY_LIMIT),
    requestTimeoutMs: duration('requestTimeout', options.requestTimeout, 30_000),
    rateLimit:
      rate === false
        ? false
        : {
            max: positiveInteger('rateLimit.max', rate?.max, DEFAULT_RATE_LIMIT.max),
            windowMs: duration('rateLimit.window', rate?.window, DEFAULT_RATE_LIMIT.windowMs),
          },
    sseKeepAliveMs: duration('sseKeepAlive', options.sseKeepAlive, 15_000),
    sseMaxBufferedBytes: positiveInteger('sseMaxBufferedBytes', options.sseMaxBufferedBytes, 4 * 1024 * 1024),
    uiDir: existsSync(uiDir) ? uiDir : undefined,
    logger: options.logger ?? false,
    trustProxy: options.trustProxy ?? false,
  };
}
