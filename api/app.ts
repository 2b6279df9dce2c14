/**
 * `buildApp({ engine, ...options })`: the Fastify application of the HTTP API, ready for
 * `inject()` in tests or `listen()` in `whisker up`. A thin translation layer over the engine:
 * schemas (TypeBox) on every route give validation, serialisation, types and the OpenAPI document;
 * errors leave in one shape from one registry; values leave through one JSON mapping.
 */
import type { Socket } from 'node:net';
import Fastify from 'fastify';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Engine } from '../engine/index.js';
import { isProtectedPath, presentedToken, registerAuth } from './auth.js';
import { ApiError, API_ERROR_CODES } from './errors.js';
import type { ApiErrorCode } from './errors.js';
import { errorResponse } from './error-response.js';
import { useJsonBodyParser } from './json-body.js';
import { toJsonValue } from './json-values.js';
import { redactUrl, serializeRequest } from './log-redaction.js';
import type { ApiOptions, CompiledApiOptions } from './options.js';
import { compileApiOptions } from './options.js';
import type { RouteGroup } from './route-group.js';
import { routeGroups } from './routes/index.js';
import { StreamRegistry } from './sse.js';

export interface BuildAppOptions extends ApiOptions {
  engine: Engine;
  /** Route groups (default: every group of `routes/index.ts`). */
  routes?: readonly RouteGroup[];
}

export type WhiskerApp = FastifyInstance & { readonly whiskerOptions: CompiledApiOptions };

const API_VERSION = '1.0.0';
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

export async function buildApp(options: BuildAppOptions): Promise<WhiskerApp> {
  const { engine } = options;
  const compiled = compileApiOptions(options);
  const app = Fastify({
    logger:
      compiled.logger === false
        ? false
        : {
            ...(typeof compiled.logger === 'object' ? compiled.logger : {}),
            serializers: { req: serializeRequest },
          },
    bodyLimit: compiled.bodyLimit,
    requestTimeout: compiled.requestTimeoutMs,
    // Node checks request timeouts every 30 s by default: far too late for a 30 s timeout.
    http: { connectionsCheckingInterval: Math.min(1000, compiled.requestTimeoutMs) },
    trustProxy: compiled.trustProxy,
    // Closing ends idle keep-alive connections at once (streams are ended in preClose).
    forceCloseConnections: 'idle',
    frameworkErrors: (error, _request, reply) => sendError(reply, error),
    clientErrorHandler: answerClientError,
  }).withTypeProvider<TypeBoxTypeProvider>();
  // TypeBox's own validator: bodies are checked as sent (no coercion: a number is not a string),
  // query, params and headers converted (`?limit=5` is a number); unknown body fields are refused
  // (the schemas say additionalProperties: false); every problem is reported.
  app.setValidatorCompiler(TypeBoxValidatorCompiler);

  // Node enforces requestTimeout only when headersTimeout (default 60 s) is not longer than it;
  // Fastify sets requestTimeout after creating the server, leaving the two inconsistent.
  app.server.headersTimeout = Math.min(app.server.headersTimeout, compiled.requestTimeoutMs);

  const streams = new StreamRegistry();
  app.decorate('whiskerReady', { ready: true });
  app.decorate('whiskerOptions', compiled);

  // Bodies: JSON only (archive uploads and webhooks add their own parsers in their scopes).
  app.removeContentTypeParser('text/plain');
  useJsonBodyParser(app);

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const response = errorResponse(error, request.headers['content-type']);
    if (response.internal) request.log.error({ err: error, url: redactUrl(request.url) }, 'request failed');
    void reply.code(response.status).send(response.body);
  });

  app.setNotFoundHandler((request, reply) => notFound(request, reply, compiled));

  // A POST without a body validates as `{}`: "body.name: is required" says more than "body: must be object".
  app.addHook('preValidation', (request, _reply, done) => {
    if (request.body === undefined && BODY_METHODS.has(request.method)) request.body = {};
    done();
  });

  // Every payload leaves through the one JSON mapping (bytes, maps, bigints… of user values).
  app.addHook('preSerialization', (_request, _reply, payload, done) => done(null, toJsonValue(payload)));

  app.addHook('preClose', (done) => {
    app.whiskerReady.ready = false;
    streams.endAll();
    done();
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Whisker API',
        version: API_VERSION,
        description:
          'The HTTP API of Whisker, a durable automation platform. Errors have one shape `{ code, message, details }` (docs/api-errors.md); user values use the JSON mapping of docs/api.md.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
      tags: (options.routes ?? routeGroups).map((g) => ({ name: g.name, description: g.description })),
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: true } });

  if (compiled.rateLimit !== false) {
    const limit = compiled.rateLimit;
    await app.register(rateLimit, {
      max: limit.max,
      timeWindow: limit.windowMs,
      allowList: (request) => request.url === '/health' || request.url === '/ready',
      // Per token when the request carries a valid one (so one busy client does not starve the
      // others behind the same address), else per address.
      keyGenerator: (request) => {
        const token = isProtectedPath(request.url) ? presentedToken(request) : undefined;
        const info = token === undefined || token === '' ? undefined : engine.tokens.verify(token);
        return info === undefined ? `ip:${request.ip}` : `token:${info.tokenId}`;
      },
      errorResponseBuilder: (_request, context) =>
        new ApiError(
          'RATE_LIMITED',
          `too many requests: the limit is ${context.max} per window for this token or address; retry in ${context.after}`,
          { limit: context.max, retryAfter: context.after },
        ),
    });
  }

  registerAuth(app, engine);

  for (const group of options.routes ?? routeGroups) {
    await app.register(group.plugin, { prefix: group.prefix, engine, options: compiled, streams });
  }

  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());

  if (compiled.uiDir !== undefined) {
    const root = compiled.uiDir;
    await app.register(async (ui) => {
      await ui.register(fastifyStatic, { root, prefix: '/', wildcard: true, index: ['index.html'] });
    });
  }

  await app.ready();
  return app as unknown as WhiskerApp;
}

function sendError(reply: FastifyReply, error: unknown): void {
  const response = errorResponse(error);
  void reply.code(response.status).send(response.body);
}

function notFound(request: FastifyRequest, reply: FastifyReply, options: CompiledApiOptions): void {
  // The web UI routes in the browser: a page address that is not a file gets its index.html.
  const accept = request.headers.accept ?? '';
  if (
    options.uiDir !== undefined &&
    request.method === 'GET' &&
    accept.includes('text/html') &&
    !isProtectedPath(request.url) &&
    !request.url.startsWith('/webhooks/')
  ) {
    void (reply as FastifyReply & { sendFile(path: string): FastifyReply }).sendFile('index.html');
    return;
  }
  const path = redactUrl(request.url.split('?')[0] ?? '');
  void reply.code(404).send({
    code: 'NOT_FOUND',
    message: `no route ${request.method} ${path}; the API lives under /api/v1 (see /docs)`,
    details: { method: request.method, path },
  });
}

/** Errors Node's HTTP parser reports before Fastify sees a request, in the same error shape. */
function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  let code: ApiErrorCode = 'BAD_REQUEST';
  let message = 'the request could not be parsed as HTTP';
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    code = 'REQUEST_TIMEOUT';
    message = 'the request was not received in time';
  } else if (error.code === 'HPE_HEADER_OVERFLOW') {
    code = 'HEADERS_TOO_LARGE';
    message = 'the request headers are larger than the limit (16 KiB); send fewer or shorter headers';
  }
  const status = API_ERROR_CODES[code].status;
  const body = JSON.stringify({ code, message, details: {} });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${code}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
