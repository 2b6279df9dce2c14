/**
 * What the server's log may say about a request. A webhook's slug is its secret (whoever knows it
 * can start sessions) and `?token=` carries an API token, so neither is ever logged.
 */
import type { FastifyRequest } from 'fastify';

/** `/webhooks/<slug>…` → `/webhooks/[redacted]`; `token=…` query values → `token=[redacted]`. */
export function redactUrl(url: string): string {
  if (url.startsWith('/webhooks/')) return '/webhooks/[redacted]';
  return url.replace(/([?&]token=)[^&#]*/gi, '$1[redacted]');
}

/** Pino serializer of requests (replaces Fastify's, which logs the raw URL). */
export function serializeRequest(request: FastifyRequest): Record<string, unknown> {
  return {
    method: request.method,
    url: redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
  };
}
