/** Deployments: create from a build, list, get, activate, deactivate, delete. */
import { Type } from 'typebox';
import type { RouteGroup } from '../route-group.js';
import { errorResponses, NoContent, ProjectRef } from '../schemas/common.js';
import { DeploymentRecord } from '../schemas/projects.js';

const DeploymentParams = Type.Object({ deploymentId: Type.String({ minLength: 1, maxLength: 100 }) });

export const deploymentRoutes: RouteGroup = {
  name: 'deployments',
  description: 'Deployments: a build plus configuration; at most one active per project',
  prefix: '/api/v1',
  plugin: (app, { engine }, done) => {
    const tags = ['deployments'];
    const withCounts = <T extends { deploymentId: string }>(deployment: T) => ({
      ...deployment,
      sessions: engine.deployments.sessionCounts(deployment.deploymentId),
    });

    app.post(
      '/deployments',
      {
        schema: {
          tags,
          summary: 'Deploy a build (and activate it unless told otherwise)',
          body: Type.Object(
            {
              buildId: Type.String({ minLength: 1, maxLength: 100 }),
              activate: Type.Optional(Type.Boolean({ description: 'Default true' })),
              testing: Type.Optional(
                Type.Boolean({ description: 'A testing deployment receives only events addressed to it' }),
              ),
            },
            { additionalProperties: false },
          ),
          response: { 201: DeploymentRecord, ...errorResponses },
        },
      },
      async (request, reply) => {
        const { buildId, activate, testing } = request.body;
        const deployment = await engine.deployments.create(buildId, {
          ...(activate !== undefined ? { activate } : {}),
          ...(testing !== undefined ? { testing } : {}),
        });
        return reply.code(201).send(withCounts(deployment));
      },
    );

    app.get(
      '/deployments',
      {
        schema: {
          tags,
          summary: 'List deployments, newest first',
          querystring: Type.Object({ project: Type.Optional(ProjectRef) }),
          response: { 200: Type.Object({ deployments: Type.Array(DeploymentRecord) }), ...errorResponses },
        },
      },
      (request) => {
        const project = request.query.project;
        const list = engine.deployments.list(project === undefined ? {} : { projectId: project });
        return { deployments: list.map(withCounts) };
      },
    );

    app.get(
      '/deployments/:deploymentId',
      {
        schema: {
          tags,
          summary: 'Get a deployment with its session counts',
          params: DeploymentParams,
          response: { 200: DeploymentRecord, ...errorResponses },
        },
      },
      (request) => withCounts(engine.deployments.get(request.params.deploymentId)),
    );

    for (const action of ['activate', 'deactivate'] as const) {
      app.post(
        `/deployments/:deploymentId/${action}`,
        {
          schema: {
            tags,
            summary:
              action === 'activate'
                ? 'Make it the active deployment (the previous one drains)'
                : 'Stop it receiving events (its running sessions finish: draining)',
            params: DeploymentParams,
            response: { 200: DeploymentRecord, ...errorResponses },
          },
        },
        async (request) => withCounts(await engine.deployments[action](request.params.deploymentId)),
      );
    }

    app.delete(
      '/deployments/:deploymentId',
      {
        schema: {
          tags,
          summary: 'Delete an inactive deployment (its sessions stay listed)',
          params: DeploymentParams,
          response: { 204: NoContent, ...errorResponses },
        },
      },
      async (request, reply) => {
        await engine.deployments.delete(request.params.deploymentId);
        return reply.code(204).send(null);
      },
    );
    done();
  },
};
