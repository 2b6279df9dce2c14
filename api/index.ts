// Public API of the HTTP API module: the Fastify app, its options, the error registry and the JSON mapping.
export { buildApp } from './app.js';
export type { BuildAppOptions, WhiskerApp } from './app.js';
export {
  compileApiOptions,
  InvalidApiOptionError,
  DEFAULT_BODY_LIMIT,
  DEFAULT_RATE_LIMIT,
} from './options.js';
export type { ApiOptions, CompiledApiOptions, RateLimitOptions } from './options.js';
export { API_ERROR_CODES, ApiError, isApiErrorCode } from './errors.js';
export type { ApiErrorCode, ErrorBody, ErrorCodeInfo } from './errors.js';
export { toJsonValue, fromJsonValue, JsonValueError, MAX_VALUE_DEPTH } from './json-values.js';
export { readTarball } from './tarball.js';
export { routeGroups } from './routes/index.js';
export type { RouteGroup, RouteContext } from './route-group.js';
export { startServer } from './server.js';
export type { ServerOptions, RunningServer } from './server.js';
export type {
  ApiErrorJson,
  ApiProjectSummary,
  ApiProject,
  ApiTrigger,
  ApiVariable,
  ApiBuild,
  ApiDeployment,
  ApiPlan,
  ApiDeployResult,
  ApiLintResult,
  ApiDispatchResult,
  ApiEvent,
  ApiEventDetail,
  ApiEventPage,
  ApiSession,
  ApiSessionPage,
  ApiLogEntry,
  ApiHistoryEvent,
  ApiStats,
  ApiToken,
  ApiCreatedToken,
} from './types.js';
