/**
 * Bearer-token authentication of the REST API (`/api/…`). Tokens are checked with the engine
 * (stored hashed, compared in constant time) on every request, so a revoked token stops working
 * at once. Everything outside `/api/` is open: webhooks (they carry their own secrets), health,
 * readiness, the OpenAPI document, the docs page and the UI's static files.
 *
 * Routes flagged `queryToken` (server-sent event streams: `EventSource` cannot set headers) also
 * take `?token=`; a URL can end up in proxy logs and browser history, so prefer the header.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Engine } from '../engine/index.js';
import { ApiError } from './errors.js';
import type { WhiskerRouteConfig } from './route-group.js';

export interface RequestAuth {
  tokenId: string;
  tokenName: string;
  /** The token itself, kept so long-lived streams can re-check it. */
  token: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    auth?: RequestAuth;
  }
}

const BEARER = /^Bearer[ ]+(\S+)\s*$/i;

/** True for paths that need a token. */
export function isProtectedPath(url: string): boolean {
  return url === '/api' || url.startsWith('/api/') || url.startsWith('/api?');
}

/** The bearer token of a request: the header, or `?token=` where the route allows it. */
export function presentedToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header === 'string' && header !== '') {
    const match = BEARER.exec(header);
    return match?.[1] ?? '';
  }
  const config = request.routeOptions.config as WhiskerRouteConfig | undefined;
  if (config?.queryToken === true) {
    const query = request.query as Record<string, unknown> | undefined;
    const token = query?.['token'];
    if (typeof token === 'string') return token;
  }
  return undefined;
}

export function registerAuth(app: FastifyInstance, engine: Engine): void {
  app.addHook('onRequest', (request, _reply, done) => {
    try {
      authenticate(request, engine);
      done();
    } catch (error) {
      done(error as Error);
    }
  });
}

function authenticate(request: FastifyRequest, engine: Engine): void {
  {
    if (!isProtectedPath(request.url)) return;
    const token = presentedToken(request);
    if (token === undefined) {
      throw new ApiError(
        'UNAUTHENTICATED',
        'this route needs an API token: send "Authorization: Bearer <token>" (create one with `whisker token create`)',
      );
    }
    const info = token === '' ? undefined : engine.tokens.verify(token);
    if (info === undefined) {
      throw new ApiError(
        'INVALID_TOKEN',
        'the API token is malformed, unknown or revoked; use a valid token (`whisker token list` shows them)',
      );
    }
    request.auth = { tokenId: info.tokenId, tokenName: info.name, token };
  }
}
