/** Triggers (list, get), manual runs of a trigger, and events of connections. */
import { Type } from 'typebox';
import { fromJsonValue } from '../json-values.js';
import type { RouteGroup } from '../route-group.js';
import { errorResponses, JsonValue, ProjectRef } from '../schemas/common.js';
import { DispatchResult } from '../schemas/events.js';
import { ProjectParams, TriggerInfo } from '../schemas/projects.js';

const TriggerParams = Type.Object({ triggerId: Type.String({ minLength: 1, maxLength: 100 }) });

export const triggerRoutes: RouteGroup = {
  name: 'triggers',
  description: 'Triggers of deployed projects, manual runs, and connection events',
  prefix: '/api/v1',
  plugin: (app, { engine }, done) => {
    const tags = ['triggers'];

    app.get(
      '/triggers',
      {
        schema: {
          tags,
          summary: 'List triggers (of one project, or all)',
          querystring: Type.Object({ project: Type.Optional(ProjectRef) }),
          response: { 200: Type.Object({ triggers: Type.Array(TriggerInfo) }), ...errorResponses },
        },
      },
      (request) => {
        const project = request.query.project;
        return { triggers: engine.triggers.list(project === undefined ? {} : { projectId: project }) };
      },
    );

    app.get(
      '/triggers/:triggerId',
      {
        schema: {
          tags,
          summary: 'Get a trigger',
          params: TriggerParams,
          response: { 200: TriggerInfo, ...errorResponses },
        },
      },
      (request) => engine.triggers.get(request.params.triggerId),
    );

    app.post(
      '/triggers/:triggerId/run',
      {
        schema: {
          tags,
          summary: 'Run a manual trigger: records an event and starts a session on the active deployment',
          params: TriggerParams,
          body: Type.Optional(
            Type.Object(
              {
                input: Type.Optional(JsonValue),
                deploymentId: Type.Optional(Type.String({ maxLength: 100 })),
              },
              { additionalProperties: false },
            ),
          ),
          response: { 202: DispatchResult, ...errorResponses },
        },
      },
      async (request, reply) => {
        const trigger = engine.triggers.get(request.params.triggerId);
        const body = request.body ?? {};
        const result = await engine.triggers.run(trigger.projectId, {
          trigger: trigger.name,
          ...(body.input !== undefined ? { input: fromJsonValue(body.input, 'body.input') } : {}),
          ...(body.deploymentId !== undefined ? { deploymentId: body.deploymentId } : {}),
        });
        return reply.code(202).send(result);
      },
    );

    app.post(
      '/projects/:project/connections/:connection/events',
      {
        schema: {
          tags,
          summary: 'Deliver an event of a connection: one event per matching connection trigger',
          params: Type.Object({
            ...ProjectParams.properties,
            connection: Type.String({ minLength: 1, maxLength: 100 }),
          }),
          body: Type.Object(
            { eventType: Type.String({ minLength: 1, maxLength: 200 }), data: Type.Optional(JsonValue) },
            { additionalProperties: false },
          ),
          response: { 202: Type.Object({ results: Type.Array(DispatchResult) }), ...errorResponses },
        },
      },
      async (request, reply) => {
        const { project, connection } = request.params;
        const results = await engine.connections.deliver(
          project,
          connection,
          request.body.eventType,
          fromJsonValue(request.body.data ?? null, 'body.data'),
        );
        return reply.code(202).send({ results });
      },
    );
    done();
  },
};
