/**
 * The manifest's JSON Schema, defined once with TypeBox. It is the published schema
 * (`whisker.schema.json`, written by `write-schema.ts`), the validator the parser uses, and the
 * source of the raw document types. Every property has a `description`: editors show it, and
 * docs/manifest.md documents the same fields (a test checks both agree).
 *
 * The schema checks structure: types, required and unknown fields, names, enums, duration format.
 * What needs more than one field or the project's code (calls, cron, filters, references) is lint.
 */
import Type from 'typebox';
import type { Static } from 'typebox';

export const PROJECT_NAME_PATTERN = '^[a-z][a-z0-9-]{0,62}$';
export const RESOURCE_NAME_PATTERN = '^[a-z][a-z0-9_-]{0,62}$';
export const VARIABLE_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]{0,127}$';
export const INTEGRATION_PATTERN = '^[a-z][a-z0-9_-]{0,62}$';
/** A duration with a unit: `500ms`, `30s`, `1.5m`, `2h`. */
export const DURATION_PATTERN = '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$';

const strict = { additionalProperties: false } as const;

const TriggerName = Type.String({
  pattern: RESOURCE_NAME_PATTERN,
  description:
    'Trigger name, unique in the project: lowercase letters, digits, `-` and `_`, starting with a letter, at most 63 characters.',
});
const Call = Type.String({
  minLength: 1,
  description:
    'The entry point the trigger starts, as `file:function`: a project-relative source file and a function it exports (e.g. `handlers.ts:onHello`).',
});
const Filter = Type.String({
  minLength: 1,
  description:
    'Optional CEL expression over `event` ({ type, trigger, data }); the trigger starts a session only when it is true.',
});
const TriggerDescription = Type.String({ description: 'Optional free text shown in listings.' });

function triggerType<const Name extends string>(name: Name, description: string) {
  return Type.Literal(name, { description });
}

const GithubSignature = Type.Object(
  {
    type: triggerType('github', 'GitHub `X-Hub-Signature-256` (HMAC-SHA256 of the body).'),
    secret: Type.String({
      pattern: VARIABLE_NAME_PATTERN,
      description:
        'Name of a secret variable (declared under `vars` with `secret: true`) holding the signing key.',
    }),
  },
  strict,
);
const SlackSignature = Type.Object(
  {
    type: triggerType(
      'slack',
      'Slack signing secret (`X-Slack-Signature` with `X-Slack-Request-Timestamp`).',
    ),
    secret: GithubSignature.properties.secret,
  },
  strict,
);
const HmacSignature = Type.Object(
  {
    type: triggerType('hmac', 'A generic HMAC of the raw body, sent in a header of your choice.'),
    secret: GithubSignature.properties.secret,
    header: Type.String({
      pattern: '^[A-Za-z0-9-]{1,128}$',
      description: 'HTTP header that carries the signature, e.g. `X-Signature`.',
    }),
    algorithm: Type.Optional(
      Type.Enum(['sha1', 'sha256', 'sha512'], { description: 'Hash function; default `sha256`.' }),
    ),
    encoding: Type.Optional(
      Type.Enum(['hex', 'base64'], {
        description: 'How the signature is encoded in the header; default `hex`.',
      }),
    ),
    prefix: Type.Optional(
      Type.String({
        maxLength: 64,
        description: 'Text before the signature in the header, e.g. `sha256=`; default none.',
      }),
    ),
  },
  strict,
);

const WebhookOptions = Type.Object(
  {
    sync: Type.Optional(
      Type.Boolean({
        description:
          'When true, the HTTP caller waits for the response the session sets (up to `timeout`); default false (202 Accepted at once).',
      }),
    ),
    timeout: Type.Optional(
      Type.String({
        pattern: DURATION_PATTERN,
        description: 'How long a synchronous caller waits, e.g. `30s`; default `30s`, at most `5m`.',
      }),
    ),
    signature: Type.Optional(
      Type.Union([GithubSignature, SlackSignature, HmacSignature], {
        description:
          'Verify that requests come from the sender; requests with a bad signature are rejected (401).',
      }),
    ),
  },
  { ...strict, description: 'Options of a webhook trigger.' },
);

const WebhookTrigger = Type.Object(
  {
    name: TriggerName,
    type: triggerType('webhook', 'Started by an HTTP request to the trigger’s generated URL.'),
    call: Call,
    filter: Type.Optional(Filter),
    description: Type.Optional(TriggerDescription),
    webhook: Type.Optional(WebhookOptions),
  },
  strict,
);

const ScheduleTrigger = Type.Object(
  {
    name: TriggerName,
    type: triggerType('schedule', 'Started by a clock, following a cron expression.'),
    call: Call,
    filter: Type.Optional(Filter),
    description: Type.Optional(TriggerDescription),
    schedule: Type.String({
      minLength: 1,
      description:
        'Cron expression: 5 fields (minute hour day-of-month month day-of-week), 6 with seconds first, or a nickname (`@hourly`, `@daily`, `@weekly`, `@monthly`, `@yearly`).',
    }),
    timezone: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'IANA time zone the schedule is read in, e.g. `Europe/Paris`; default `UTC`.',
      }),
    ),
  },
  strict,
);

const ManualTrigger = Type.Object(
  {
    name: TriggerName,
    type: triggerType('manual', 'Started on request through the API or CLI, with an input.'),
    call: Call,
    filter: Type.Optional(Filter),
    description: Type.Optional(TriggerDescription),
  },
  strict,
);

const ConnectionTrigger = Type.Object(
  {
    name: TriggerName,
    type: triggerType('connection', 'Started by an event from a declared connection.'),
    call: Call,
    filter: Type.Optional(Filter),
    description: Type.Optional(TriggerDescription),
    connection: Type.String({
      pattern: RESOURCE_NAME_PATTERN,
      description: 'Name of a connection declared under `connections`.',
    }),
    event_type: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'Only events of this type (integration specific, e.g. `issues`); default all events.',
      }),
    ),
  },
  strict,
);

const Variable = Type.Object(
  {
    name: Type.String({
      pattern: VARIABLE_NAME_PATTERN,
      description:
        'Variable name, unique in the project: letters, digits and `_`, not starting with a digit (e.g. `GITHUB_TOKEN`).',
    }),
    value: Type.Optional(
      Type.String({
        description:
          'The value, always a string (quote numbers and booleans). Omit it to set the value through the API or CLI; never give one for a secret.',
      }),
    ),
    secret: Type.Optional(
      Type.Boolean({
        description:
          'When true the value is a secret: encrypted at rest, readable by activity code only, never shown. Default false.',
      }),
    ),
    description: Type.Optional(Type.String({ description: 'Optional free text.' })),
  },
  strict,
);

const Connection = Type.Object(
  {
    name: Type.String({
      pattern: RESOURCE_NAME_PATTERN,
      description: 'Connection name, unique in the project, referenced by connection triggers and code.',
    }),
    integration: Type.String({
      pattern: INTEGRATION_PATTERN,
      description: 'The integration that serves the connection, e.g. `github`.',
    }),
    description: Type.Optional(Type.String({ description: 'Optional free text.' })),
    config: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description:
          'Integration-specific settings (a mapping); default `{}`. Never put secrets here: use secret variables.',
      }),
    ),
  },
  strict,
);

const Project = Type.Object(
  {
    name: Type.String({
      pattern: PROJECT_NAME_PATTERN,
      description:
        'Project name: lowercase letters, digits and `-`, starting with a letter, at most 63 characters.',
    }),
    description: Type.Optional(Type.String({ description: 'Optional free text.' })),
  },
  { ...strict, description: 'The project itself.' },
);

/** The published JSON Schema of `whisker.yaml` (draft 2020-12). */
export const manifestSchema = Type.Object(
  {
    version: Type.Literal(1, { description: 'Manifest format version; must be 1.' }),
    project: Project,
    vars: Type.Optional(Type.Array(Variable, { description: 'Project variables; some may be secret.' })),
    connections: Type.Optional(
      Type.Array(Connection, { description: 'Connections to external services the code and triggers use.' }),
    ),
    triggers: Type.Optional(
      Type.Array(Type.Union([WebhookTrigger, ScheduleTrigger, ManualTrigger, ConnectionTrigger]), {
        description:
          'What starts sessions. Each trigger has a `type`: webhook, schedule, manual or connection.',
      }),
    ),
  },
  {
    ...strict,
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'Whisker project manifest (whisker.yaml)',
  },
);

/** The document as written, once it matches the schema (before normalisation). */
export type ManifestDocument = Static<typeof manifestSchema>;
export type TriggerDocument = NonNullable<ManifestDocument['triggers']>[number];

/** The schema as the JSON text of `whisker.schema.json` (identification keywords first). */
export function manifestSchemaJson(): string {
  const { $schema, title, ...rest } = manifestSchema as unknown as Record<string, unknown>;
  return `${JSON.stringify({ $schema, title, ...rest }, null, 2)}\n`;
}
