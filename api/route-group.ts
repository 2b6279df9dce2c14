/**
 * What a route group is: one file under `api/routes/` per group, listed once in
 * `api/routes/index.ts`. A group is a Fastify plugin typed with the TypeBox provider; it receives
 * the engine and the compiled options.
 */
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import type { Engine } from '../engine/index.js';
import type { CompiledApiOptions } from './options.js';
import type { StreamRegistry } from './sse.js';

export interface RouteContext {
  engine: Engine;
  options: CompiledApiOptions;
  /** Open server-sent event streams, ended when the server closes. */
  streams: StreamRegistry;
}

export interface RouteGroup {
  /** Names the group (and its OpenAPI tag). */
  name: string;
  description: string;
  /** Where its routes live: `/api/v1` for the REST API (authenticated), `''` for open ones. */
  prefix: string;
  /** Registers the group's routes (synchronously; call `done()` at the end). */
  plugin: FastifyPluginCallbackTypebox<RouteContext>;
}

/** Route config flags read by the API's hooks. */
export interface WhiskerRouteConfig {
  /** Also accept the token as `?token=` (EventSource cannot set headers). */
  queryToken?: boolean;
}
