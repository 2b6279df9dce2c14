import { useEffect, useRef, useState } from 'react';
import type { ApiClient, SessionInfo } from '../api/index.js';

export type ChangesStatus = 'connecting' | 'live' | 'reconnecting';

/**
 * Live state changes of every session (of one project): `GET /sessions/stream`. Calls `onChange`
 * with each changed session (without its input and result). Used by tables to refresh the page
 * they show (the server keeps the paging and filtering).
 */
export function useSessionChanges(
  client: ApiClient,
  project: string | undefined,
  onChange: (session: SessionInfo) => void,
): ChangesStatus {
  const [status, setStatus] = useState<ChangesStatus>('connecting');
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;

  useEffect(() => {
    setStatus('connecting');
    const source = new EventSource(client.sessionChangesUrl(project));
    source.addEventListener('ready', () => setStatus('live'));
    source.addEventListener('session', (message: MessageEvent<string>) => {
      onChangeRef.current(JSON.parse(message.data) as SessionInfo);
    });
    source.addEventListener('error', () => setStatus('reconnecting'));
    return () => source.close();
  }, [client, project]);

  return status;
}
