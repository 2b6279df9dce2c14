/** Liveness (`/health`) and readiness (`/ready`): open, no token, not rate limited. */
import { Type } from 'typebox';
import { ApiError } from '../errors.js';
import type { RouteGroup } from '../route-group.js';
import { ErrorBody } from '../schemas/common.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** False once the server starts closing (readiness fails, so balancers stop sending). */
    whiskerReady: { ready: boolean };
  }
}

export const healthRoutes: RouteGroup = {
  name: 'health',
  description: 'Liveness and readiness probes (open)',
  prefix: '',
  plugin: (app, { engine }, done) => {
    const tags = ['health'];
    app.get(
      '/health',
      {
        schema: {
          tags,
          summary: 'Liveness: the process serves requests',
          security: [],
          response: { 200: Type.Object({ status: Type.Literal('ok') }) },
        },
      },
      () => ({ status: 'ok' as const }),
    );

    app.get(
      '/ready',
      {
        schema: {
          tags,
          summary: 'Readiness: the engine is open and the server is not closing',
          security: [],
          response: {
            200: Type.Object({
              status: Type.Literal('ready'),
              sessions: Type.Record(Type.String(), Type.Integer()),
            }),
            503: ErrorBody,
          },
        },
      },
      () => {
        if (!app.whiskerReady.ready) {
          throw new ApiError('NOT_READY', 'the server is shutting down; send requests to another instance');
        }
        if (!engine.isOpen) {
          throw new ApiError(
            'NOT_READY',
            'the engine is shut down (or its journal failed: see the server log)',
          );
        }
        return { status: 'ready' as const, sessions: engine.metrics().sessions };
      },
    );
    done();
  },
};
