import { useEffect, useRef, useState } from 'react';
import type { ApiClient, JournalMessage, SessionInfo } from '../api/index.js';
import type { JournalEvent } from '../lib/index.js';

export type StreamStatus = 'connecting' | 'live' | 'ended' | 'reconnecting';

export interface SessionStream {
  events: JournalEvent[];
  /** The latest session snapshot the stream sent (first message), updated by each event's status. */
  snapshot: SessionInfo | undefined;
  status: StreamStatus;
}

/**
 * A session's journal, live: `GET /sessions/:id/events` sends the journal from the start, then
 * each new event, and `end` when the session ended. EventSource reconnects by itself after a
 * dropped connection, resuming after the last revision it saw (`Last-Event-ID`), so nothing is
 * lost or doubled. Events arriving in a burst are applied together once per animation frame.
 */
export function useSessionStream(client: ApiClient, sessionId: string, onEnd?: () => void): SessionStream {
  const [events, setEvents] = useState<JournalEvent[]>([]);
  const [snapshot, setSnapshot] = useState<SessionInfo | undefined>(undefined);
  const [status, setStatus] = useState<StreamStatus>('connecting');
  const onEndRef = useRef(onEnd);
  onEndRef.current = onEnd;

  useEffect(() => {
    setEvents([]);
    setSnapshot(undefined);
    setStatus('connecting');
    const source = new EventSource(client.sessionEventsUrl(sessionId));
    let pending: JournalEvent[] = [];
    let frame: number | undefined;
    let ended = false;

    const flush = () => {
      frame = undefined;
      if (pending.length === 0) return;
      const batch = pending;
      pending = [];
      setEvents((list) => {
        const last = list.length > 0 ? (list[list.length - 1]?.revision ?? -1) : -1;
        const fresh = batch.filter((e) => e.revision > last);
        return fresh.length === 0 ? list : [...list, ...fresh];
      });
    };

    source.addEventListener('open', () => setStatus('live'));
    source.addEventListener('session', (message: MessageEvent<string>) => {
      setSnapshot(JSON.parse(message.data) as SessionInfo);
    });
    source.addEventListener('journal', (message: MessageEvent<string>) => {
      const event = JSON.parse(message.data) as JournalMessage;
      pending.push({ revision: event.revision, type: event.type, data: event.data });
      if (event.status !== undefined) {
        const next = event.status;
        setSnapshot((s) => (s === undefined ? s : { ...s, status: next, revision: event.revision }));
      }
      frame ??= requestAnimationFrame(flush);
    });
    source.addEventListener('end', () => {
      ended = true;
      source.close();
      if (frame !== undefined) cancelAnimationFrame(frame);
      flush();
      setStatus('ended');
      onEndRef.current?.();
    });
    source.addEventListener('error', () => {
      if (ended) return;
      // CLOSED: the server refused (unknown session, bad token); CONNECTING: it will retry.
      setStatus(source.readyState === EventSource.CLOSED ? 'ended' : 'reconnecting');
    });
    return () => {
      source.close();
      if (frame !== undefined) cancelAnimationFrame(frame);
    };
  }, [client, sessionId]);

  return { events, snapshot, status };
}
