/** Events: every trigger occurrence, recorded before dispatch; list, get, redispatch. */
import { Type } from 'typebox';
import type { RouteGroup } from '../route-group.js';
import { errorResponses } from '../schemas/common.js';
import { DispatchResult, EventDetail, EventPage, ListEventsQuery } from '../schemas/events.js';

const EventParams = Type.Object({ eventId: Type.String({ minLength: 1, maxLength: 100 }) });

export const eventRoutes: RouteGroup = {
  name: 'events',
  description: 'Events: trigger occurrences (webhook calls, schedule ticks, manual runs, connection events)',
  prefix: '/api/v1',
  plugin: (app, { engine }, done) => {
    const tags = ['events'];

    app.get(
      '/events',
      {
        schema: {
          tags,
          summary: 'List events, newest first, with filters and pagination',
          querystring: ListEventsQuery,
          response: { 200: EventPage, ...errorResponses },
        },
      },
      (request) => {
        const { project, triggerId, type, status, limit, cursor } = request.query;
        return engine.events.list({
          ...(project !== undefined ? { projectId: engine.projects.get(project).projectId } : {}),
          ...(triggerId !== undefined ? { triggerId } : {}),
          ...(type !== undefined ? { type } : {}),
          ...(status !== undefined ? { status } : {}),
          ...(limit !== undefined ? { limit } : {}),
          ...(cursor !== undefined ? { cursor } : {}),
        });
      },
    );

    app.get(
      '/events/:eventId',
      {
        schema: {
          tags,
          summary: 'Get an event with its data',
          params: EventParams,
          response: { 200: EventDetail, ...errorResponses },
        },
      },
      async (request) => engine.events.get(request.params.eventId),
    );

    app.post(
      '/events/:eventId/redispatch',
      {
        schema: {
          tags,
          summary: 'Record a new event with the same data and dispatch it',
          params: EventParams,
          body: Type.Optional(
            Type.Object(
              { deploymentId: Type.Optional(Type.String({ maxLength: 100 })) },
              { additionalProperties: false },
            ),
          ),
          response: { 202: DispatchResult, ...errorResponses },
        },
      },
      async (request, reply) => {
        const deploymentId = request.body?.deploymentId;
        const result = await engine.events.redispatch(
          request.params.eventId,
          deploymentId !== undefined ? { deploymentId } : {},
        );
        return reply.code(202).send(result);
      },
    );
    done();
  },
};
