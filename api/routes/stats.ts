/** Statistics of sessions per project or deployment, and the engine's metrics. */
import { Type } from 'typebox';
import type { RouteGroup } from '../route-group.js';
import { errorResponses, OpenObject, ProjectRef } from '../schemas/common.js';
import { SessionStats } from '../schemas/stats.js';
import { parseTime } from '../query.js';

export const statsRoutes: RouteGroup = {
  name: 'stats',
  description: 'Statistics of sessions and engine metrics',
  prefix: '/api/v1',
  plugin: (app, { engine }, done) => {
    const tags = ['stats'];

    app.get(
      '/stats',
      {
        schema: {
          tags,
          summary: 'Session statistics: counts by state, rates, durations, start delays, a time series',
          querystring: Type.Object({
            project: Type.Optional(ProjectRef),
            deploymentId: Type.Optional(Type.String({ maxLength: 100 })),
            since: Type.Optional(Type.String({ description: 'ms since the epoch, or an ISO 8601 date' })),
            bucketMs: Type.Optional(
              Type.Integer({ minimum: 1000, description: 'Series bucket width (default 1 h)' }),
            ),
          }),
          response: { 200: SessionStats, ...errorResponses },
        },
      },
      (request) => {
        const { project, deploymentId, since, bucketMs } = request.query;
        return engine.stats({
          ...(project !== undefined ? { projectId: engine.projects.get(project).projectId } : {}),
          ...(deploymentId !== undefined ? { deploymentId } : {}),
          ...(since !== undefined ? { since: parseTime(since, 'query.since') } : {}),
          ...(bucketMs !== undefined ? { bucketMs } : {}),
        });
      },
    );

    app.get(
      '/metrics',
      {
        schema: {
          tags,
          summary: 'Engine metrics: sessions by state, context cache, activities, timers, sandbox runners',
          response: { 200: OpenObject, ...errorResponses },
        },
      },
      () => engine.metrics(),
    );
    done();
  },
};
