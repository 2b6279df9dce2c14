/**
 * A small typed client of the HTTP API (`/api/v1`). Every call sends the bearer token and turns
 * the API's error body into an `ApiRequestError`; a 401 also tells `onUnauthorized` (the app signs
 * out and says why). Nothing here is specific to React.
 */
import { ApiRequestError } from './errors.js';
import type {
  DispatchResult,
  EventDetail,
  EventPage,
  HistoryEvent,
  ListEventsQuery,
  ListSessionsQuery,
  ProjectDetail,
  ProjectSummary,
  SessionInfo,
  SessionLogEntry,
  SessionPage,
  SessionStats,
  StatsQuery,
  StopRequest,
  DeploymentRecord,
} from './types.js';

export interface ApiClientOptions {
  /** The server's origin; '' for the page's own (the UI is served by `whisker up`). */
  baseUrl?: string;
  token: string;
  onUnauthorized?: (error: ApiRequestError) => void;
  fetch?: typeof fetch;
}

type Query = Record<string, string | number | boolean | undefined>;

export const API_PREFIX = '/api/v1';

function queryString(query: Query | undefined): string {
  if (query === undefined) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

const enc = encodeURIComponent;

export function createApiClient(options: ApiClientOptions) {
  const baseUrl = options.baseUrl ?? '';
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);

  async function request<T>(
    method: string,
    path: string,
    init: { query?: Query; body?: unknown } = {},
  ): Promise<T> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${options.token}`,
      accept: 'application/json',
    };
    let body: string | undefined;
    if (init.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.body);
    }
    let response: Response;
    try {
      response = await doFetch(`${baseUrl}${API_PREFIX}${path}${queryString(init.query)}`, {
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
      });
    } catch (cause) {
      throw new ApiRequestError(
        0,
        'NETWORK_ERROR',
        `Could not reach the Whisker server (${cause instanceof Error ? cause.message : String(cause)}). Is \`whisker up\` running?`,
      );
    }
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    let payload: unknown;
    try {
      payload = text === '' ? undefined : JSON.parse(text);
    } catch {
      throw new ApiRequestError(
        response.status,
        'BAD_RESPONSE',
        `The server answered ${response.status} with a body that is not JSON.`,
      );
    }
    if (!response.ok) {
      const error = toApiError(response.status, payload);
      if (error.isAuthError) options.onUnauthorized?.(error);
      throw error;
    }
    return payload as T;
  }

  return {
    token: options.token,

    // ---- projects, builds, deployments ----------------------------------------------------------
    listProjects: () => request<{ projects: ProjectSummary[] }>('GET', '/projects').then((r) => r.projects),
    getProject: (project: string) => request<ProjectDetail>('GET', `/projects/${enc(project)}`),
    /** The sources last applied to the project: path → base64 content. */
    projectSources: (project: string) =>
      request<{ files: Record<string, string> }>('GET', `/projects/${enc(project)}/sources`).then(
        (r) => r.files,
      ),
    listDeployments: (project: string) =>
      request<{ deployments: DeploymentRecord[] }>('GET', '/deployments', { query: { project } }).then(
        (r) => r.deployments,
      ),
    activateDeployment: (deploymentId: string) =>
      request<DeploymentRecord>('POST', `/deployments/${enc(deploymentId)}/activate`),
    deactivateDeployment: (deploymentId: string) =>
      request<DeploymentRecord>('POST', `/deployments/${enc(deploymentId)}/deactivate`),
    deleteDeployment: (deploymentId: string) =>
      request<undefined>('DELETE', `/deployments/${enc(deploymentId)}`),

    // ---- sessions --------------------------------------------------------------------------------
    listSessions: (query: ListSessionsQuery) =>
      request<SessionPage>('GET', '/sessions', { query: { ...query } }),
    getSession: (sessionId: string) => request<SessionInfo>('GET', `/sessions/${enc(sessionId)}`),
    sessionHistory: (sessionId: string) =>
      request<{ events: HistoryEvent[] }>('GET', `/sessions/${enc(sessionId)}/history`).then((r) => r.events),
    sessionLog: (sessionId: string) =>
      request<{ entries: SessionLogEntry[] }>('GET', `/sessions/${enc(sessionId)}/log`).then(
        (r) => r.entries,
      ),
    stopSession: (sessionId: string, stop: StopRequest = {}) =>
      request<SessionInfo>('POST', `/sessions/${enc(sessionId)}/stop`, { body: stop }),
    restartSession: (sessionId: string) =>
      request<SessionInfo>('POST', `/sessions/${enc(sessionId)}/restart`),
    deleteSession: (sessionId: string) => request<undefined>('DELETE', `/sessions/${enc(sessionId)}`),
    signalSession: (sessionId: string, name: string, payload: unknown) =>
      request<{ sessionId: string; name: string }>('POST', `/sessions/${enc(sessionId)}/signals`, {
        body: { name, ...(payload !== undefined ? { payload } : {}) },
      }),
    /** The journal in the replay format, as a Blob to save (`whisker replay <file>` reads it). */
    async downloadJournal(sessionId: string): Promise<{ blob: Blob; filename: string }> {
      let response: Response;
      try {
        response = await doFetch(`${baseUrl}${API_PREFIX}/sessions/${enc(sessionId)}/journal`, {
          headers: { authorization: `Bearer ${options.token}` },
        });
      } catch (cause) {
        throw new ApiRequestError(
          0,
          'NETWORK_ERROR',
          `Could not reach the Whisker server (${String(cause)}).`,
        );
      }
      if (!response.ok) {
        const text = await response.text();
        let payload: unknown;
        try {
          payload = JSON.parse(text);
        } catch {
          payload = undefined;
        }
        throw toApiError(response.status, payload);
      }
      const disposition = response.headers.get('content-disposition') ?? '';
      const match = /filename="?([^";]+)"?/i.exec(disposition);
      return { blob: await response.blob(), filename: match?.[1] ?? `${sessionId}.journal` };
    },

    // ---- events ------------------------------------------------------------------------------
    listEvents: (query: ListEventsQuery) => request<EventPage>('GET', '/events', { query: { ...query } }),
    getEvent: (eventId: string) => request<EventDetail>('GET', `/events/${enc(eventId)}`),
    redispatchEvent: (eventId: string) =>
      request<DispatchResult>('POST', `/events/${enc(eventId)}/redispatch`, { body: {} }),

    // ---- statistics --------------------------------------------------------------------------
    stats: (query: StatsQuery) => request<SessionStats>('GET', '/stats', { query: { ...query } }),

    // ---- live streams (EventSource cannot send headers: the token goes in the query) ---------
    sessionEventsUrl: (sessionId: string) =>
      `${baseUrl}${API_PREFIX}/sessions/${enc(sessionId)}/events${queryString({ token: options.token })}`,
    sessionChangesUrl: (project?: string) =>
      `${baseUrl}${API_PREFIX}/sessions/stream${queryString({ token: options.token, project })}`,
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;

function toApiError(status: number, payload: unknown): ApiRequestError {
  if (typeof payload === 'object' && payload !== null) {
    const body = payload as { code?: unknown; message?: unknown; details?: unknown };
    if (typeof body.code === 'string' && typeof body.message === 'string') {
      const details =
        typeof body.details === 'object' && body.details !== null
          ? (body.details as Record<string, unknown>)
          : {};
      return new ApiRequestError(status, body.code, body.message, details);
    }
  }
  return new ApiRequestError(status, 'BAD_RESPONSE', `The server answered ${status} without an error body.`);
}
