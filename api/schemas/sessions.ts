/** Schemas of sessions, their logs and journals. */
import { Type } from 'typebox';
import { ErrorData, JsonValue, OpenObject, PageQuery, ProjectRef, Timestamp } from './common.js';

export const SESSION_STATUSES = [
  'created',
  'running',
  'waiting',
  'completed',
  'failed',
  'stopped',
  'parked',
] as const;

export const SessionInfo = Type.Object({
  sessionId: Type.String(),
  status: Type.String({ description: SESSION_STATUSES.join(', ') }),
  entry: Type.String({ description: 'file.ts:function' }),
  buildId: Type.String({ description: 'The build the code runs on now' }),
  startBuildId: Type.String(),
  input: JsonValue,
  projectId: Type.Optional(Type.String()),
  deploymentId: Type.Optional(Type.String()),
  trigger: Type.Optional(
    Type.Object({
      kind: Type.String({ description: 'manual, webhook, schedule, connection, child, restart or api' }),
      triggerId: Type.Optional(Type.String()),
      eventId: Type.Optional(Type.String()),
      sessionId: Type.Optional(Type.String()),
    }),
  ),
  parentSessionId: Type.Optional(Type.String()),
  labels: Type.Optional(Type.Record(Type.String(), Type.String())),
  startedAt: Timestamp,
  updatedAt: Timestamp,
  endedAt: Type.Optional(Timestamp),
  durationMs: Type.Optional(Type.Number()),
  result: Type.Optional(JsonValue),
  error: Type.Optional(ErrorData),
  stopReason: Type.Optional(Type.String()),
  parked: Type.Optional(
    Type.Object(
      {
        code: Type.String(),
        message: Type.String(),
        divergence: Type.Optional(OpenObject),
        error: Type.Optional(ErrorData),
      },
      { description: 'Why the session is parked (nondeterminism or an infrastructure error)' },
    ),
  ),
  response: Type.Optional(
    Type.Object(
      {
        status: Type.Integer(),
        headers: Type.Optional(Type.Record(Type.String(), Type.String())),
        body: Type.Optional(JsonValue),
      },
      { description: 'The response the session set for a synchronous webhook' },
    ),
  ),
  waitingFor: Type.Optional(
    Type.Object({ activities: Type.Integer(), timers: Type.Integer(), children: Type.Integer() }),
  ),
  counts: Type.Object({
    activities: Type.Integer(),
    timers: Type.Integer(),
    signals: Type.Integer(),
    logs: Type.Integer(),
    children: Type.Integer(),
  }),
  revision: Type.Integer({ description: "Revision of the session's last journal event" }),
});

export const SessionPage = Type.Object({
  sessions: Type.Array(SessionInfo),
  total: Type.Integer({ description: 'Matches across all pages' }),
  nextCursor: Type.Optional(Type.String()),
});

export const ListSessionsQuery = Type.Object({
  project: Type.Optional(ProjectRef),
  deploymentId: Type.Optional(Type.String({ maxLength: 100 })),
  buildId: Type.Optional(Type.String({ maxLength: 100 })),
  status: Type.Optional(
    Type.String({
      pattern: `^(${SESSION_STATUSES.join('|')})(,(${SESSION_STATUSES.join('|')}))*$`,
      description: 'One status or several, comma-separated',
    }),
  ),
  entry: Type.Optional(Type.String({ maxLength: 300 })),
  startedAfter: Type.Optional(
    Type.String({ description: 'ms since the epoch, or an ISO 8601 date (inclusive)' }),
  ),
  startedBefore: Type.Optional(
    Type.String({ description: 'ms since the epoch, or an ISO 8601 date (exclusive)' }),
  ),
  ...PageQuery,
});

export const SessionParams = Type.Object({ sessionId: Type.String({ minLength: 1, maxLength: 100 }) });

export const LogEntry = Type.Object({
  time: Timestamp,
  revision: Type.Integer(),
  kind: Type.String({ description: "print (the code's own lines) or lifecycle" }),
  level: Type.String({ description: 'debug, info, warn or error' }),
  text: Type.String(),
});

export const HistoryEvent = Type.Object({
  revision: Type.Integer(),
  type: Type.String(),
  data: JsonValue,
  recordedAt: Timestamp,
});

export const StartSessionBody = Type.Object(
  {
    project: ProjectRef,
    trigger: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, description: 'A manual trigger name' }),
    ),
    entry: Type.Optional(
      Type.String({
        minLength: 3,
        maxLength: 300,
        description: 'Any entry point of the deployed build, file.ts:function',
      }),
    ),
    input: Type.Optional(JsonValue),
    deploymentId: Type.Optional(
      Type.String({ maxLength: 100, description: 'Default: the active deployment' }),
    ),
  },
  { additionalProperties: false },
);
