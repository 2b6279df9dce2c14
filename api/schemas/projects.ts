/** Schemas of projects, builds, deployments, triggers and variables. */
import { Type } from 'typebox';
import { Diagnostic, OpenObject, Timestamp } from './common.js';

export const SessionCounts = Type.Object({
  total: Type.Integer(),
  open: Type.Integer({ description: 'Sessions not yet ended' }),
  byStatus: Type.Record(Type.String(), Type.Integer()),
});

export const ProjectSummary = Type.Object({
  projectId: Type.String(),
  name: Type.String(),
  description: Type.Optional(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  activeDeploymentId: Type.Optional(Type.String()),
  sessions: SessionCounts,
});

export const TriggerInfo = Type.Object({
  triggerId: Type.String(),
  projectId: Type.String(),
  name: Type.String(),
  type: Type.String({ description: 'webhook, schedule, manual or connection' }),
  call: Type.String({ description: 'The entry point, file.ts:function' }),
  filter: Type.Optional(Type.String()),
  webhookPath: Type.Optional(Type.String({ description: 'Webhooks: the path to call, /webhooks/<slug>' })),
  schedule: Type.Optional(Type.String()),
  timezone: Type.Optional(Type.String()),
  connection: Type.Optional(Type.String()),
  eventType: Type.Optional(Type.String()),
  sync: Type.Optional(Type.Boolean()),
  signature: Type.Optional(Type.String({ description: 'Signature type checked (github, slack, hmac)' })),
});

export const VariableInfo = Type.Object({
  name: Type.String(),
  secret: Type.Boolean(),
  value: Type.Optional(Type.String({ description: 'Never present for secrets' })),
  isSet: Type.Boolean(),
  declared: Type.Boolean({ description: 'Declared in whisker.yaml' }),
  description: Type.Optional(Type.String()),
  updatedAt: Type.Optional(Timestamp),
});

export const BuildRecord = Type.Object({
  buildId: Type.String(),
  projectId: Type.String(),
  status: Type.String({ description: 'succeeded or failed' }),
  hash: Type.Optional(Type.String()),
  sourcesHash: Type.String(),
  config: Type.Optional(OpenObject),
  diagnostics: Type.Array(Diagnostic, { description: 'Errors of a failed build, warnings of a good one' }),
  createdAt: Timestamp,
  durationMs: Type.Number(),
});

export const DeploymentRecord = Type.Object({
  deploymentId: Type.String(),
  projectId: Type.String(),
  buildId: Type.String(),
  state: Type.String({ description: 'active, draining, inactive or testing' }),
  triggers: Type.Array(OpenObject),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  reason: Type.String({ description: 'Why it is in its state' }),
  sessions: Type.Optional(SessionCounts),
});

export const ProjectDetail = Type.Object({
  ...ProjectSummary.properties,
  config: Type.Optional(OpenObject),
  triggers: Type.Array(TriggerInfo),
  variables: Type.Array(VariableInfo),
  connections: Type.Array(OpenObject),
  builds: Type.Array(BuildRecord),
  deployments: Type.Array(DeploymentRecord),
  sourcesHash: Type.Optional(Type.String()),
});

export const PlanResult = Type.Object({
  plan: Type.Object(
    {
      project: Type.String(),
      newProject: Type.Boolean(),
      changes: Type.Array(OpenObject),
      summary: Type.Record(Type.String(), Type.Integer()),
      desired: OpenObject,
    },
    { additionalProperties: true },
  ),
  text: Type.String({ description: 'The plan as text (+ create, ~ change, -/+ replace, - remove)' }),
  diagnostics: Type.Array(Diagnostic),
});

export const DeployResult = Type.Object({
  project: ProjectDetail,
  plan: PlanResult,
  build: BuildRecord,
  deployment: DeploymentRecord,
});

export const LintResult = Type.Object({
  ok: Type.Boolean({ description: 'No errors (warnings allowed)' }),
  diagnostics: Type.Array(Diagnostic),
});

/** Project files as JSON: path → base64 content. */
export const FilesField = Type.Record(
  Type.String({ minLength: 1, maxLength: 1024 }),
  Type.String({ description: 'File content, base64' }),
  { description: 'Project files: project-relative path → base64 content (whisker.yaml included)' },
);

export const SourcesBody = Type.Object({ files: FilesField }, { additionalProperties: false });

export const CreateProjectBody = Type.Object(
  {
    name: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9-]{0,62}$' })),
    description: Type.Optional(Type.String({ maxLength: 1000 })),
    files: Type.Optional(FilesField),
  },
  { additionalProperties: false },
);

export const DeployBody = Type.Object(
  {
    name: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9-]{0,62}$' })),
    activate: Type.Optional(Type.Boolean({ description: 'Default true' })),
    files: FilesField,
  },
  { additionalProperties: false },
);

/** Query of tarball uploads (the JSON forms carry these in the body). */
export const UploadQuery = Type.Object({
  name: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9-]{0,62}$' })),
  description: Type.Optional(Type.String({ maxLength: 1000 })),
  activate: Type.Optional(Type.Boolean({ description: 'deploy: activate the deployment (default true)' })),
});

export const ProjectParams = Type.Object({
  project: Type.String({ minLength: 1, maxLength: 200, description: 'Project id (prj_…) or name' }),
});
