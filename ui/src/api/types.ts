/**
 * The shapes the HTTP API returns (`/openapi.json` is the source of truth; these mirror its
 * schemas for the routes the UI uses). Times are ms since the epoch. User values (inputs, results,
 * payloads, event data) come in the API's JSON mapping (`{ "$base64": … }` for bytes and so on),
 * typed `unknown` and shown as JSON.
 */
import type { ErrorInfo } from '../lib/index.js';

export type SessionStatus = 'created' | 'running' | 'waiting' | 'completed' | 'failed' | 'stopped' | 'parked';

export interface SessionCounts {
  total: number;
  open: number;
  byStatus: Partial<Record<string, number>>;
}

export interface ProjectSummary {
  projectId: string;
  name: string;
  description?: string;
  createdAt: number;
  updatedAt: number;
  activeDeploymentId?: string;
  sessions: SessionCounts;
}

export interface TriggerInfo {
  triggerId: string;
  projectId: string;
  name: string;
  type: string;
  call: string;
  filter?: string;
  webhookPath?: string;
  schedule?: string;
  timezone?: string;
  connection?: string;
  eventType?: string;
  sync?: boolean;
  signature?: string;
}

export interface VariableInfo {
  name: string;
  secret: boolean;
  value?: string;
  isSet: boolean;
  declared: boolean;
  description?: string;
  updatedAt?: number;
}

export interface ConnectionInfo {
  name: string;
  integration: string;
  description?: string;
  config?: Record<string, unknown>;
}

export interface Diagnostic {
  code: string;
  severity: string;
  message: string;
  file?: string;
  line?: number;
  column?: number;
  path?: string;
  excerpt?: string;
  hint?: string;
}

export interface BuildRecord {
  buildId: string;
  projectId: string;
  status: string;
  hash?: string;
  sourcesHash: string;
  diagnostics: Diagnostic[];
  createdAt: number;
  durationMs: number;
}

export interface DeploymentRecord {
  deploymentId: string;
  projectId: string;
  buildId: string;
  state: string;
  triggers: Record<string, unknown>[];
  createdAt: number;
  updatedAt: number;
  reason: string;
  sessions?: SessionCounts;
}

export interface ProjectDetail extends ProjectSummary {
  triggers: TriggerInfo[];
  variables: VariableInfo[];
  connections: ConnectionInfo[];
  builds: BuildRecord[];
  deployments: DeploymentRecord[];
  sourcesHash?: string;
}

export interface DeployResult {
  project: ProjectDetail;
  build: BuildRecord;
  deployment: DeploymentRecord;
}

export interface SessionTrigger {
  kind: string;
  triggerId?: string;
  eventId?: string;
  sessionId?: string;
}

export interface SessionInfo {
  sessionId: string;
  status: SessionStatus;
  entry: string;
  buildId: string;
  startBuildId?: string;
  input?: unknown;
  projectId?: string;
  deploymentId?: string;
  trigger?: SessionTrigger;
  parentSessionId?: string;
  labels?: Record<string, string>;
  startedAt: number;
  updatedAt: number;
  endedAt?: number;
  durationMs?: number;
  result?: unknown;
  error?: ErrorInfo;
  stopReason?: string;
  parked?: {
    code: string;
    message: string;
    divergence?: { message?: string; step?: number };
    error?: ErrorInfo;
  };
  response?: { status: number; headers?: Record<string, string>; body?: unknown };
  waitingFor?: { activities: number; timers: number; children: number };
  counts?: { activities: number; timers: number; signals: number; logs: number; children: number };
  revision: number;
}

export interface SessionPage {
  sessions: SessionInfo[];
  total: number;
  nextCursor?: string;
}

export interface ListSessionsQuery {
  /** Project id or name. */
  project?: string;
  deploymentId?: string;
  /** One status or several, comma-separated. */
  status?: string;
  entry?: string;
  startedAfter?: number;
  startedBefore?: number;
  limit?: number;
  cursor?: string;
}

export interface HistoryEvent {
  revision: number;
  type: string;
  data: unknown;
  recordedAt: number;
}

export interface SessionLogEntry {
  time: number;
  revision: number;
  kind: string;
  level: string;
  text: string;
}

export type EventStatus = 'received' | 'dispatched' | 'filtered' | 'not-dispatched';

export interface EventSummary {
  eventId: string;
  projectId: string;
  type: string;
  triggerId?: string;
  triggerName?: string;
  deploymentId?: string;
  entry?: string;
  redispatchOf?: string;
  time: number;
  status: EventStatus;
  sessionId?: string;
  reason?: string;
}

export interface EventDetail extends EventSummary {
  data: unknown;
}

export interface EventPage {
  events: EventSummary[];
  total: number;
  nextCursor?: string;
}

export interface ListEventsQuery {
  project?: string;
  triggerId?: string;
  type?: string;
  status?: string;
  limit?: number;
  cursor?: string;
}

export interface DispatchResult {
  eventId: string;
  status: EventStatus;
  sessionId?: string;
  reason?: string;
}

export interface Percentiles {
  count: number;
  p50?: number;
  p95?: number;
  max?: number;
}

export interface StatsBucket {
  start: number;
  started: number;
  completed: number;
  failed: number;
  stopped: number;
}

export interface SessionStats {
  total: number;
  byStatus: Partial<Record<string, number>>;
  successRate?: number;
  failureRate?: number;
  durationMs: Percentiles;
  startDelayMs: Percentiles;
  series: StatsBucket[];
}

export interface StatsQuery {
  project?: string;
  deploymentId?: string;
  since?: number;
  bucketMs?: number;
}

export interface StopRequest {
  reason?: string;
  force?: boolean;
}

/** A `journal` message of a session's live stream: one journal event. */
export interface JournalMessage {
  sessionId: string;
  revision: number;
  type: string;
  data: unknown;
  status?: SessionStatus;
  log?: SessionLogEntry[];
}
