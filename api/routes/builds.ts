/** Builds: create one from the project's applied sources, list, get. */
import { Type } from 'typebox';
import type { RouteGroup } from '../route-group.js';
import { errorResponses, ProjectRef } from '../schemas/common.js';
import { BuildRecord, ProjectParams } from '../schemas/projects.js';

export const buildRoutes: RouteGroup = {
  name: 'builds',
  description: 'Builds of projects (bundled, type-checked code with a content hash)',
  prefix: '/api/v1',
  plugin: (app, { engine }, done) => {
    const tags = ['builds'];

    app.post(
      '/projects/:project/builds',
      {
        schema: {
          tags,
          summary: 'Build the sources last applied to the project',
          description:
            'A failed build is recorded too: the answer is then `status: "failed"` with its diagnostics (file:line:col).',
          params: ProjectParams,
          response: { 201: BuildRecord, ...errorResponses },
        },
      },
      async (request, reply) => reply.code(201).send(await engine.builds.create(request.params.project)),
    );

    app.get(
      '/builds',
      {
        schema: {
          tags,
          summary: 'List builds, newest first',
          querystring: Type.Object({ project: Type.Optional(ProjectRef) }),
          response: { 200: Type.Object({ builds: Type.Array(BuildRecord) }), ...errorResponses },
        },
      },
      (request) => {
        const project = request.query.project;
        return { builds: engine.builds.list(project === undefined ? {} : { projectId: project }) };
      },
    );

    app.get(
      '/builds/:buildId',
      {
        schema: {
          tags,
          summary: 'Get a build',
          params: Type.Object({ buildId: Type.String({ minLength: 1, maxLength: 100 }) }),
          response: { 200: BuildRecord, ...errorResponses },
        },
      },
      (request) => engine.builds.get(request.params.buildId),
    );
    done();
  },
};
