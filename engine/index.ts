// Public API of the engine: the embedding API host apps, the HTTP API and the CLI use.
export { createEngine, Engine, logEntriesOf } from './runtime/engine.js';
export type {
  EngineOptions,
  StartSessionOptions,
  SessionInfo,
  SessionHistoryEvent,
  ListSessionsOptions,
  SessionPage,
  StopOptions,
  SessionEventNotice,
  SessionListener,
  EngineMetrics,
  SessionLogEntry,
} from './runtime/engine.js';
export { activityContext } from './runtime/activity-executor.js';
export type {
  ActivityContext,
  ActivityEnvironment,
  HostActivityFunction,
} from './runtime/activity-executor.js';
export type { BuildInfo } from './runtime/builds.js';
export type { SessionStatus } from './session/state.js';
export { isFinalStatus } from './session/state.js';
export type * from './session/events.js';
export {
  SessionNotFoundError,
  BuildNotFoundError,
  EntryPointNotFoundError,
  InvalidArgumentError,
  InvalidSessionStateError,
  SessionFailedError,
  SessionStoppedError,
  NondeterminismError,
  EngineClosedError,
  TimeoutError,
} from './errors.js';
export { newId, isId } from './ids.js';
export type { IdKind } from './ids.js';
export * from './replay/index.js';
