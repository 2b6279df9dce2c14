/**
 * Projects: create (from JSON files or a `.tar.gz`), list, get, delete, lint, plan, apply, the
 * one-go deploy, and the sources last applied.
 */
import { Type } from 'typebox';
import type { RouteGroup } from '../route-group.js';
import { errorResponses, NoContent } from '../schemas/common.js';
import {
  CreateProjectBody,
  DeployBody,
  DeployResult,
  FilesField,
  LintResult,
  PlanResult,
  ProjectDetail,
  ProjectParams,
  ProjectSummary,
  SourcesBody,
  UploadQuery,
} from '../schemas/projects.js';
import { acceptArchives, ARCHIVE_CONTENT_TYPES, decodeFiles, filesOfBody } from '../sources.js';

const Archive = Type.Unknown({ description: 'A .tar.gz (or .tar) of the project directory' });

/** A body that is either JSON (`json`) or an archive. */
function jsonOrArchive(json: object) {
  const content: Record<string, { schema: object }> = { 'application/json': { schema: json } };
  for (const type of ARCHIVE_CONTENT_TYPES) content[type] = { schema: Archive };
  return { content };
}

export const projectRoutes: RouteGroup = {
  name: 'projects',
  description: 'Projects, their sources (JSON or .tar.gz), lint, plan, apply and the one-go deploy',
  prefix: '/api/v1',
  plugin: (app, { engine, options }, done) => {
    acceptArchives(app);
    const tags = ['projects'];
    const upload = { bodyLimit: options.uploadBodyLimit };

    app.post(
      '/projects',
      {
        ...upload,
        schema: {
          tags,
          summary: 'Create a project, with or without sources',
          description:
            "JSON body `{ name?, description?, files? }`, or a .tar.gz body with `?name=&description=`. With sources, the manifest is checked and applied at once; the name defaults to the manifest's.",
          querystring: UploadQuery,
          body: jsonOrArchive(CreateProjectBody),
          response: { 201: ProjectDetail, ...errorResponses },
        },
      },
      async (request, reply) => {
        const body = request.body as
          { name?: string; description?: string; files?: Record<string, string> } | Buffer;
        const isArchive = Buffer.isBuffer(body);
        const name = isArchive ? request.query.name : (body.name ?? request.query.name);
        const description = isArchive
          ? request.query.description
          : (body.description ?? request.query.description);
        const files = isArchive
          ? await filesOfBody(body)
          : body.files === undefined
            ? undefined
            : decodeFiles(body.files);
        const project = await engine.projects.create({
          ...(name !== undefined ? { name } : {}),
          ...(description !== undefined ? { description } : {}),
          ...(files !== undefined ? { sources: { files } } : {}),
        });
        return reply.code(201).send(project);
      },
    );

    app.get(
      '/projects',
      {
        schema: {
          tags,
          summary: 'List projects',
          response: { 200: Type.Object({ projects: Type.Array(ProjectSummary) }), ...errorResponses },
        },
      },
      () => ({ projects: engine.projects.list() }),
    );

    app.get(
      '/projects/:project',
      {
        schema: {
          tags,
          summary: 'Get a project (by id or name): configuration, triggers, variables, builds, deployments',
          params: ProjectParams,
          response: { 200: ProjectDetail, ...errorResponses },
        },
      },
      (request) => engine.projects.get(request.params.project),
    );

    app.delete(
      '/projects/:project',
      {
        schema: {
          tags,
          summary: 'Delete a project (it must have no active or draining deployment)',
          params: ProjectParams,
          response: { 204: NoContent, ...errorResponses },
        },
      },
      async (request, reply) => {
        await engine.projects.delete(request.params.project);
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/projects/:project/sources',
      {
        schema: {
          tags,
          summary: 'The sources last applied to the project',
          params: ProjectParams,
          response: { 200: Type.Object({ files: FilesField }), ...errorResponses },
        },
      },
      async (request) => {
        const files = await engine.projects.sources(request.params.project);
        const out: Record<string, string> = {};
        for (const [path, content] of Object.entries(files))
          out[path] = Buffer.from(content).toString('base64');
        return { files: out };
      },
    );

    for (const action of ['plan', 'apply'] as const) {
      app.post(
        `/projects/:project/${action}`,
        {
          ...upload,
          schema: {
            tags,
            summary:
              action === 'plan'
                ? 'What applying these sources would change (nothing is changed)'
                : 'Apply sources: check the manifest, store the sources, record the configuration',
            params: ProjectParams,
            body: jsonOrArchive(SourcesBody),
            response: { 200: PlanResult, ...errorResponses },
          },
        },
        async (request) => {
          const files = await filesOfBody(request.body);
          return engine.projects[action](request.params.project, { files });
        },
      );
    }

    app.post(
      '/lint',
      {
        ...upload,
        schema: {
          tags,
          summary: 'Check sources (manifest and code) without changing anything',
          body: jsonOrArchive(SourcesBody),
          response: { 200: LintResult, ...errorResponses },
        },
      },
      async (request) => {
        const files = await filesOfBody(request.body);
        const diagnostics = await engine.projects.lint({ files });
        return { ok: !diagnostics.some((d) => d.severity === 'error'), diagnostics };
      },
    );

    app.post(
      '/deploy',
      {
        ...upload,
        schema: {
          tags,
          summary: 'Create or apply, build, deploy and activate, in one go',
          description:
            'JSON body `{ name?, activate?, files }`, or a .tar.gz body with `?name=&activate=`. Fails with PROJECT_INVALID (422, every diagnostic) when the manifest or the build has errors.',
          querystring: UploadQuery,
          body: jsonOrArchive(DeployBody),
          response: { 201: DeployResult, ...errorResponses },
        },
      },
      async (request, reply) => {
        const body = request.body as { name?: string; activate?: boolean } | Buffer;
        const isArchive = Buffer.isBuffer(body);
        const files = await filesOfBody(body);
        const name = isArchive ? request.query.name : (body.name ?? request.query.name);
        const activate = isArchive ? request.query.activate : (body.activate ?? request.query.activate);
        const result = await engine.projects.deploy(
          { files },
          { ...(name !== undefined ? { name } : {}), ...(activate !== undefined ? { activate } : {}) },
        );
        const deployment = {
          ...result.deployment,
          sessions: engine.deployments.sessionCounts(result.deployment.deploymentId),
        };
        return reply.code(201).send({ ...result, deployment });
      },
    );
    done();
  },
};
