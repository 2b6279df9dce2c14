/**
 * The platform's journal: projects, their configuration, variables, builds and deployments live in
 * one stream per project (`project-<id>`), so the rule "at most one active deployment" is enforced
 * by the stream's expected revision. Project sources live in `sources-<id>` (large, rarely read),
 * every incoming trigger occurrence in its own `event-<id>` stream, schedule ticks in
 * `schedule-<triggerId>`. Read models (lists, counts, statistics) are projections of these.
 */
import type { ErrorData } from '../../common/index.js';
import type { BuildDiagnostic } from '../../sandbox/index.js';
import type { ManifestDiagnostic, ProjectConfig, TriggerConfig } from './manifest/index.js';
import type { EncryptedSecret } from './secret-box.js';

export const PROJECT_STREAM_PREFIX = 'project-';
export const SOURCES_STREAM_PREFIX = 'sources-';
export const EVENT_STREAM_PREFIX = 'event-';
export const SCHEDULE_STREAM_PREFIX = 'schedule-';

export const projectStream = (projectId: string): string => `${PROJECT_STREAM_PREFIX}${projectId}`;
export const sourcesStream = (projectId: string): string => `${SOURCES_STREAM_PREFIX}${projectId}`;
export const eventStream = (eventId: string): string => `${EVENT_STREAM_PREFIX}${eventId}`;
export const scheduleStream = (triggerId: string): string => `${SCHEDULE_STREAM_PREFIX}${triggerId}`;

/** A trigger as deployed: its configuration plus the identity the project gave it. */
export type DeployedTrigger = TriggerConfig & {
  triggerId: string;
  /** Webhooks only: the unguessable path segment of `/webhooks/<slug>`. */
  slug?: string;
};

export type DeploymentState = 'active' | 'draining' | 'inactive' | 'testing';

// ---- project stream ---------------------------------------------------------------------------

export interface ProjectCreatedData {
  projectId: string;
  name: string;
  description?: string;
  time: number;
}

export interface ConfigAppliedData {
  /** The applied configuration (secret variables carry no value). */
  config: ProjectConfig;
  /** Trigger identities by trigger name: kept while the name stays, new for new names. */
  triggers: Record<string, { triggerId: string; slug?: string }>;
  /** Content hash of the sources stored with this apply (`sources-<id>`). */
  sourcesHash: string;
  time: number;
}

export interface VariableSetData {
  name: string;
  secret: boolean;
  /** Non-secret value. */
  value?: string;
  /** Secret value, encrypted (AES-256-GCM). */
  encrypted?: EncryptedSecret;
  time: number;
}

export interface VariableDeletedData {
  name: string;
  time: number;
}

export interface BuildSucceededData {
  buildId: string;
  hash: string;
  sourcesHash: string;
  /** The manifest the build was made with (secret values never present). */
  config: ProjectConfig;
  warnings: (BuildDiagnostic | ManifestDiagnostic)[];
  durationMs: number;
  time: number;
}

export interface BuildFailedData {
  buildId: string;
  sourcesHash: string;
  diagnostics: (BuildDiagnostic | ManifestDiagnostic)[];
  durationMs: number;
  time: number;
}

export interface DeploymentCreatedData {
  deploymentId: string;
  buildId: string;
  triggers: DeployedTrigger[];
  /** `testing`: receives only events explicitly addressed to it. Otherwise created `inactive`. */
  state: 'inactive' | 'testing';
  time: number;
}

export interface DeploymentStateChangedData {
  deploymentId: string;
  state: DeploymentState;
  /** Why: `activated`, `replaced by dep_…`, `deactivated`, `drained`. */
  reason: string;
  time: number;
}

export interface DeploymentDeletedData {
  deploymentId: string;
  time: number;
}

export interface ProjectDeletedData {
  time: number;
}

export interface ProjectEventMap {
  ProjectCreated: ProjectCreatedData;
  ConfigApplied: ConfigAppliedData;
  VariableSet: VariableSetData;
  VariableDeleted: VariableDeletedData;
  BuildSucceeded: BuildSucceededData;
  BuildFailed: BuildFailedData;
  DeploymentCreated: DeploymentCreatedData;
  DeploymentStateChanged: DeploymentStateChangedData;
  DeploymentDeleted: DeploymentDeletedData;
  ProjectDeleted: ProjectDeletedData;
}

export type ProjectEvent = {
  [K in keyof ProjectEventMap]: { type: K; data: ProjectEventMap[K] };
}[keyof ProjectEventMap];

// ---- sources stream ---------------------------------------------------------------------------

export interface SourcesStoredData {
  /** `sha256-<hex>` over the sorted (path, content) pairs. */
  hash: string;
  files: Record<string, Uint8Array>;
  time: number;
}

// ---- event streams ----------------------------------------------------------------------------

export type TriggerEventType = 'webhook' | 'schedule' | 'manual' | 'connection';

/** An incoming occurrence of a trigger, journaled before anything is dispatched. */
export interface EventReceivedData {
  eventId: string;
  projectId: string;
  type: TriggerEventType;
  /** Absent for a manual run of an entry point without a declared trigger. */
  triggerId?: string;
  triggerName?: string;
  /** Explicitly addressed deployment (required for a `testing` deployment). */
  deploymentId?: string;
  /** For a manual run of an entry point without a trigger. */
  entry?: string;
  data: unknown;
  /** The event this one redispatches. */
  redispatchOf?: string;
  time: number;
}

export interface EventDispatchedData {
  deploymentId: string;
  sessionId: string;
  time: number;
}

export interface EventFilteredData {
  deploymentId: string;
  reason: string;
  time: number;
}

/** Nothing was started: no active deployment, trigger gone, bad entry point... */
export interface EventNotDispatchedData {
  code: string;
  reason: string;
  error?: ErrorData;
  time: number;
}

export interface EventStreamMap {
  EventReceived: EventReceivedData;
  EventDispatched: EventDispatchedData;
  EventFiltered: EventFilteredData;
  EventNotDispatched: EventNotDispatchedData;
}

// ---- schedule streams -------------------------------------------------------------------------

export interface ScheduleTickedData {
  triggerId: string;
  projectId: string;
  /** The scheduled time of the tick (not when it ran). */
  tickAt: number;
  eventId: string;
  time: number;
}
