/**
 * Live sessions over server-sent events.
 *
 * `streamSession`: one session's journal from the start (or after `Last-Event-ID`, a revision),
 * then its live events, each with `id: <revision>`; it ends after the session's last event. The
 * engine subscription is opened BEFORE the journal is read and buffered until the read is sent,
 * and events are sent by increasing revision only: no gap, no duplicate.
 *
 * `streamSessions`: state changes of every session (of one project), for live tables.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Engine, SessionEventNotice, SessionInfo, SessionStatus } from '../engine/index.js';
import { isFinalStatus, logEntriesOf } from '../engine/index.js';
import type { RequestAuth } from './auth.js';
import { toJsonValue } from './json-values.js';
import type { CompiledApiOptions } from './options.js';
import type { StreamRegistry } from './sse.js';
import { SseStream } from './sse.js';

const END_TYPES = new Set(['SessionCompleted', 'SessionFailed', 'SessionStopped']);

interface StreamDeps {
  engine: Engine;
  options: CompiledApiOptions;
  streams: StreamRegistry;
}

/** A session without its potentially large values: what live tables show. */
export function sessionSummary(info: SessionInfo): Omit<SessionInfo, 'input' | 'result' | 'response'> {
  const { input: _input, result: _result, response: _response, ...summary } = info;
  return summary;
}

function stillAuthorized(engine: Engine, auth: RequestAuth | undefined): () => boolean {
  return () => auth === undefined || engine.tokens.verify(auth.token) !== undefined;
}

export async function streamSession(
  deps: StreamDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  sessionId: string,
  after: number,
): Promise<void> {
  const { engine } = deps;
  const snapshot = engine.getSession(sessionId); // 404 before the stream opens
  const authorized = stillAuthorized(engine, request.auth);
  let lastSent = after;
  let live = false;
  const buffered: SessionEventNotice[] = [];

  const stream = new SseStream(
    reply,
    request,
    {
      keepAliveMs: deps.options.sseKeepAliveMs,
      maxBufferedBytes: deps.options.sseMaxBufferedBytes,
      stillAllowed: () => authorized() && engine.hasSession(sessionId),
    },
    deps.streams,
  );

  const sendEvent = (event: {
    revision: number;
    type: string;
    data: unknown;
    time: number;
    status?: SessionStatus;
  }): void => {
    if (event.revision <= lastSent || stream.closed) return;
    lastSent = event.revision;
    const log = logEntriesOf({
      revision: event.revision,
      type: event.type,
      data: event.data,
      recordedAt: event.time,
    });
    stream.send({
      id: event.revision,
      event: 'journal',
      data: toJsonValue({
        sessionId,
        revision: event.revision,
        type: event.type,
        data: event.data,
        ...(event.status !== undefined ? { status: event.status } : {}),
        log,
      }),
    });
    if (END_TYPES.has(event.type)) finish();
  };

  const finish = (): void => {
    if (stream.closed) return;
    const status = engine.hasSession(sessionId) ? engine.getSession(sessionId).status : undefined;
    stream.send({ event: 'end', data: { sessionId, ...(status !== undefined ? { status } : {}) } });
    stream.end();
  };

  const onNotice = (notice: SessionEventNotice): void => {
    if (!live) {
      buffered.push(notice);
      return;
    }
    sendEvent({ ...notice, time: Date.now() });
  };
  const unsubscribe = engine.subscribe(onNotice, { sessionId });
  stream.onEnd(unsubscribe);

  stream.send({ event: 'session', data: toJsonValue(sessionSummary(snapshot)) });
  try {
    for (const event of await engine.history(sessionId)) {
      sendEvent({ revision: event.revision, type: event.type, data: event.data, time: event.recordedAt });
    }
  } catch {
    // Deleted while being read: nothing more will come.
    stream.end();
    return;
  }
  live = true;
  for (const notice of buffered.splice(0)) sendEvent({ ...notice, time: Date.now() });
  // Resumed after the end (or the session ended with nothing new to send): say so and close.
  if (!stream.closed && engine.hasSession(sessionId) && isFinalStatus(engine.getSession(sessionId).status)) {
    finish();
  }
}

export function streamSessions(
  deps: StreamDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  projectId: string | undefined,
): void {
  const { engine } = deps;
  const stream = new SseStream(
    reply,
    request,
    {
      keepAliveMs: deps.options.sseKeepAliveMs,
      maxBufferedBytes: deps.options.sseMaxBufferedBytes,
      stillAllowed: stillAuthorized(engine, request.auth),
    },
    deps.streams,
  );
  // Last status sent per open session (ended sessions are forgotten).
  const statuses = new Map<string, SessionStatus>();
  const unsubscribe = engine.subscribe((notice) => {
    if (notice.type !== 'SessionStarted' && statuses.get(notice.sessionId) === notice.status) return;
    if (isFinalStatus(notice.status)) statuses.delete(notice.sessionId);
    else statuses.set(notice.sessionId, notice.status);
    if (!engine.hasSession(notice.sessionId)) return;
    const info = engine.getSession(notice.sessionId);
    if (projectId !== undefined && info.projectId !== projectId) return;
    stream.send({ event: 'session', data: toJsonValue(sessionSummary({ ...info, status: notice.status })) });
  });
  stream.onEnd(unsubscribe);
  stream.send({ event: 'ready', data: { ...(projectId !== undefined ? { projectId } : {}) } });
}
