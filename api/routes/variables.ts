/** Variables and secrets of a project. Secret values go in and are never returned (`isSet` only). */
import { Type } from 'typebox';
import type { RouteGroup } from '../route-group.js';
import { errorResponses, NoContent } from '../schemas/common.js';
import { ProjectParams, VariableInfo } from '../schemas/projects.js';

const VariableParams = Type.Object({
  ...ProjectParams.properties,
  name: Type.String({ minLength: 1, maxLength: 128, description: 'Letters, digits and _' }),
});

export const variableRoutes: RouteGroup = {
  name: 'variables',
  description: 'Project variables and secrets (secret values are write-only)',
  prefix: '/api/v1',
  plugin: (app, { engine }, done) => {
    const tags = ['variables'];

    app.get(
      '/projects/:project/variables',
      {
        schema: {
          tags,
          summary: 'List the variables of a project (declared and set)',
          params: ProjectParams,
          response: { 200: Type.Object({ variables: Type.Array(VariableInfo) }), ...errorResponses },
        },
      },
      (request) => ({ variables: engine.variables.list(request.params.project) }),
    );

    app.get(
      '/projects/:project/variables/:name',
      {
        schema: {
          tags,
          summary: 'Get a variable (a secret shows only whether it is set)',
          params: VariableParams,
          response: { 200: VariableInfo, ...errorResponses },
        },
      },
      (request) => engine.variables.get(request.params.project, request.params.name),
    );

    app.put(
      '/projects/:project/variables/:name',
      {
        schema: {
          tags,
          summary: 'Set a variable or a secret',
          description:
            'A variable declared secret in whisker.yaml is always stored as a secret (encrypted at rest).',
          params: VariableParams,
          body: Type.Object(
            {
              value: Type.String({ maxLength: 65_536 }),
              secret: Type.Optional(
                Type.Boolean({ description: 'Store as a secret (default: as declared)' }),
              ),
            },
            { additionalProperties: false },
          ),
          response: { 200: VariableInfo, ...errorResponses },
        },
      },
      async (request) => {
        const { value, secret } = request.body;
        return engine.variables.set(
          request.params.project,
          request.params.name,
          value,
          secret !== undefined ? { secret } : {},
        );
      },
    );

    app.delete(
      '/projects/:project/variables/:name',
      {
        schema: {
          tags,
          summary: 'Delete a variable and its value',
          params: VariableParams,
          response: { 204: NoContent, ...errorResponses },
        },
      },
      async (request, reply) => {
        await engine.variables.delete(request.params.project, request.params.name);
        return reply.code(204).send(null);
      },
    );
    done();
  },
};
