/**
 * Sessions: start (through the project's triggers, so the start is recorded as an event), list
 * with filters and pagination, get, log, history, live events (SSE), stop, restart, delete,
 * signal; and the stream of every session's state changes.
 */
import { Type } from 'typebox';
import type { SessionStatus } from '../../engine/index.js';
import { ApiError } from '../errors.js';
import { fromJsonValue } from '../json-values.js';
import { parseTime } from '../query.js';
import type { RouteGroup, WhiskerRouteConfig } from '../route-group.js';
import { errorResponses, JsonValue, NoContent, ProjectRef } from '../schemas/common.js';
import { DispatchResult } from '../schemas/events.js';
import {
  HistoryEvent,
  ListSessionsQuery,
  LogEntry,
  SessionInfo,
  SessionPage,
  SessionParams,
  StartSessionBody,
} from '../schemas/sessions.js';
import { streamSession, streamSessions } from '../session-stream.js';

const EventStream = Type.String({
  description: 'text/event-stream (see docs/api.md "Live sessions")',
});

const streamConfig: WhiskerRouteConfig = { queryToken: true };

export const sessionRoutes: RouteGroup = {
  name: 'sessions',
  description: 'Sessions: durable runs of workflow code',
  prefix: '/api/v1',
  plugin: (app, { engine, options, streams }, done) => {
    const tags = ['sessions'];
    const deps = { engine, options, streams };

    app.post(
      '/sessions',
      {
        schema: {
          tags,
          summary: 'Start a session: run a manual trigger, or any entry point of the deployed build',
          description:
            'Give exactly one of `trigger` (a manual trigger name) or `entry` (`file.ts:function`). The start is recorded as an event (listed, redispatchable); the session runs on the active deployment unless `deploymentId` names another.',
          body: StartSessionBody,
          response: { 202: DispatchResult, ...errorResponses },
        },
      },
      async (request, reply) => {
        const { project, trigger, entry, input, deploymentId } = request.body;
        const result = await engine.triggers.run(project, {
          ...(trigger !== undefined ? { trigger } : {}),
          ...(entry !== undefined ? { entry } : {}),
          ...(input !== undefined ? { input: fromJsonValue(input, 'body.input') } : {}),
          ...(deploymentId !== undefined ? { deploymentId } : {}),
        });
        return reply.code(202).send(result);
      },
    );

    app.get(
      '/sessions',
      {
        schema: {
          tags,
          summary: 'List sessions, newest first, with filters and pagination',
          querystring: ListSessionsQuery,
          response: { 200: SessionPage, ...errorResponses },
        },
      },
      (request) => {
        const q = request.query;
        return engine.listSessions({
          ...(q.project !== undefined ? { projectId: engine.projects.get(q.project).projectId } : {}),
          ...(q.deploymentId !== undefined ? { deploymentId: q.deploymentId } : {}),
          ...(q.buildId !== undefined ? { buildId: q.buildId } : {}),
          ...(q.status !== undefined ? { status: q.status.split(',') as SessionStatus[] } : {}),
          ...(q.entry !== undefined ? { entry: q.entry } : {}),
          ...(q.startedAfter !== undefined
            ? { startedAfter: parseTime(q.startedAfter, 'query.startedAfter') }
            : {}),
          ...(q.startedBefore !== undefined
            ? { startedBefore: parseTime(q.startedBefore, 'query.startedBefore') }
            : {}),
          ...(q.limit !== undefined ? { limit: q.limit } : {}),
          ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
        });
      },
    );

    app.get(
      '/sessions/stream',
      {
        config: streamConfig,
        schema: {
          tags,
          summary: 'Live state changes of every session (of one project): server-sent events',
          description:
            '`event: session` messages carry the session (without input, result and response) each time its status changes. Token by header, or `?token=` for EventSource.',
          querystring: Type.Object({
            project: Type.Optional(ProjectRef),
            token: Type.Optional(Type.String({ description: 'The API token, for EventSource clients' })),
          }),
          response: { 200: EventStream, ...errorResponses },
        },
      },
      async (request, reply) => {
        const project = request.query.project;
        const projectId = project === undefined ? undefined : engine.projects.get(project).projectId;
        streamSessions(deps, request, reply, projectId);
        return reply;
      },
    );

    app.get(
      '/sessions/:sessionId',
      {
        schema: {
          tags,
          summary: 'Get a session',
          params: SessionParams,
          response: { 200: SessionInfo, ...errorResponses },
        },
      },
      (request) => engine.getSession(request.params.sessionId),
    );

    app.get(
      '/sessions/:sessionId/log',
      {
        schema: {
          tags,
          summary: "The session's log: what the code printed and its life cycle",
          params: SessionParams,
          response: { 200: Type.Object({ entries: Type.Array(LogEntry) }), ...errorResponses },
        },
      },
      async (request) => ({ entries: await engine.sessionLog(request.params.sessionId) }),
    );

    app.get(
      '/sessions/:sessionId/history',
      {
        schema: {
          tags,
          summary: "The session's journal, as recorded",
          params: SessionParams,
          response: { 200: Type.Object({ events: Type.Array(HistoryEvent) }), ...errorResponses },
        },
      },
      async (request) => ({ events: await engine.history(request.params.sessionId) }),
    );

    app.get(
      '/sessions/:sessionId/events',
      {
        config: streamConfig,
        schema: {
          tags,
          summary: 'Live session: its journal from the start, then live, as server-sent events',
          description:
            'Messages: `session` (a snapshot, first), `journal` (one per journal event, `id: <revision>`, with the log lines it gives), `end` (the session ended; the stream closes). Resume with `Last-Event-ID` (or `?lastEventId=`). Keep-alive comments every 15 s. Token by header, or `?token=` for EventSource.',
          params: SessionParams,
          querystring: Type.Object({
            lastEventId: Type.Optional(
              Type.Integer({ minimum: -1, description: 'Resume after this revision' }),
            ),
            token: Type.Optional(Type.String({ description: 'The API token, for EventSource clients' })),
          }),
          response: { 200: EventStream, ...errorResponses },
        },
      },
      async (request, reply) => {
        const header = request.headers['last-event-id'];
        let after = request.query.lastEventId ?? -1;
        if (typeof header === 'string' && header !== '') {
          if (!/^-?\d{1,10}$/.test(header)) {
            throw new ApiError(
              'VALIDATION_FAILED',
              'headers.last-event-id: must be a revision (an integer)',
              {
                errors: [{ field: 'headers.last-event-id', message: 'must be a revision (an integer)' }],
              },
            );
          }
          after = Number(header);
        }
        await streamSession(deps, request, reply, request.params.sessionId, after);
        return reply;
      },
    );

    app.post(
      '/sessions/:sessionId/stop',
      {
        schema: {
          tags,
          summary: 'Stop a session: the code gets a cancellation and may clean up (or at once with force)',
          params: SessionParams,
          body: Type.Optional(
            Type.Object(
              {
                reason: Type.Optional(Type.String({ maxLength: 1000 })),
                force: Type.Optional(Type.Boolean()),
                gracePeriodMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400_000 })),
              },
              { additionalProperties: false },
            ),
          ),
          response: { 200: SessionInfo, ...errorResponses },
        },
      },
      async (request) => {
        const body = request.body ?? {};
        return engine.stop(request.params.sessionId, {
          ...(body.reason !== undefined ? { reason: body.reason } : {}),
          ...(body.force !== undefined ? { force: body.force } : {}),
          ...(body.gracePeriodMs !== undefined ? { gracePeriodMs: body.gracePeriodMs } : {}),
        });
      },
    );

    app.post(
      '/sessions/:sessionId/restart',
      {
        schema: {
          tags,
          summary: 'Start a new session with the same entry point and input (on the active deployment)',
          params: SessionParams,
          response: { 201: SessionInfo, ...errorResponses },
        },
      },
      async (request, reply) => reply.code(201).send(await engine.restartSession(request.params.sessionId)),
    );

    app.delete(
      '/sessions/:sessionId',
      {
        schema: {
          tags,
          summary: 'Delete an ended session and its journal',
          params: SessionParams,
          response: { 204: NoContent, ...errorResponses },
        },
      },
      async (request, reply) => {
        await engine.deleteSession(request.params.sessionId);
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/sessions/:sessionId/signals',
      {
        schema: {
          tags,
          summary: 'Send a signal to a session',
          params: SessionParams,
          body: Type.Object(
            { name: Type.String({ minLength: 1, maxLength: 200 }), payload: Type.Optional(JsonValue) },
            { additionalProperties: false },
          ),
          response: {
            202: Type.Object({ sessionId: Type.String(), name: Type.String() }),
            ...errorResponses,
          },
        },
      },
      async (request, reply) => {
        const { name, payload } = request.body;
        const sessionId = request.params.sessionId;
        await engine.signal(
          sessionId,
          name,
          payload === undefined ? undefined : fromJsonValue(payload, 'body.payload'),
        );
        return reply.code(202).send({ sessionId, name });
      },
    );
    done();
  },
};
