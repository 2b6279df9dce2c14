/**
 * Webhooks: `ANY /webhooks/:slug`, open (the slug is unguessable; triggers may also check a
 * signature). The body is kept as raw bytes whatever its content type, because signatures are
 * computed over exactly what was sent. Answers 202 `{ eventId, status, sessionId? }` at once, or,
 * for a synchronous webhook, the response the session set. The slug is never logged
 * (`log-redaction.ts`) nor echoed in errors.
 */
import { Type } from 'typebox';
import type { FastifyReply } from 'fastify';
import { toJsonValue } from '../json-values.js';
import type { RouteGroup } from '../route-group.js';
import { errorResponses } from '../schemas/common.js';

/** Headers a session's response may not set: framing belongs to the server. */
const FRAMING_HEADERS = new Set([
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
]);

interface SessionResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

function sendSessionResponse(reply: FastifyReply, response: SessionResponse): FastifyReply {
  reply.code(response.status);
  let contentType: string | undefined;
  for (const [name, value] of Object.entries(response.headers ?? {})) {
    const lower = name.toLowerCase();
    if (FRAMING_HEADERS.has(lower)) continue;
    if (lower === 'content-type') contentType = value;
    else reply.header(name, value);
  }
  const body = response.body;
  // Sent pre-serialised: the session decides the body, not the route's schema.
  if (body === undefined) return reply.send('');
  if (body instanceof Uint8Array) {
    reply.type(contentType ?? 'application/octet-stream');
    return reply.send(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  }
  if (typeof body === 'string') {
    reply.type(contentType ?? 'text/plain; charset=utf-8');
    return reply.send(body);
  }
  reply.type(contentType ?? 'application/json; charset=utf-8');
  return reply.send(JSON.stringify(toJsonValue(body)));
}

export const webhookRoutes: RouteGroup = {
  name: 'webhooks',
  description: 'Webhook triggers (open; per-trigger signatures)',
  prefix: '/webhooks',
  plugin: (app, { engine }, done) => {
    // Any content type, kept as the exact bytes received.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

    app.route({
      method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      url: '/:slug',
      schema: {
        tags: ['webhooks'],
        summary: 'Call a webhook trigger',
        description:
          'The body is verified (when the trigger has a signature) and recorded as raw bytes. Asynchronous webhooks answer 202 at once; synchronous ones answer with the response the session sets with respond() (or its result as JSON), 504 when it sets none in time.',
        security: [],
        params: Type.Object({ slug: Type.String({ minLength: 1, maxLength: 100 }) }),
        response: {
          202: Type.Object({
            eventId: Type.String(),
            status: Type.String({ description: 'dispatched, filtered or not-dispatched' }),
            sessionId: Type.Optional(Type.String()),
          }),
          ...errorResponses,
        },
      },
      handler: async (request, reply) => {
        const raw = request.body;
        const body = Buffer.isBuffer(raw)
          ? new Uint8Array(raw.buffer, raw.byteOffset, raw.length)
          : new Uint8Array();
        const result = await engine.webhooks.receive(request.params.slug, {
          method: request.method,
          url: request.url,
          headers: request.headers,
          body,
        });
        if (result.response !== undefined) return sendSessionResponse(reply, result.response);
        return reply.code(202).send({
          eventId: result.eventId,
          status: result.status,
          ...(result.sessionId !== undefined ? { sessionId: result.sessionId } : {}),
        });
      },
    });
    done();
  },
};
