// Public API of project manifests (whisker.yaml): schema, parsing, lint, schedules, filters, plans.
export { parseManifest, DEFAULT_MANIFEST_FILE } from './parse.js';
export type { ParseManifestOptions, ParseManifestResult } from './parse.js';
export { loadProjectManifest } from './load.js';
export { lintManifest } from './lint.js';
export type { LintContext, ProjectFunction } from './lint.js';
export { checkManifest } from './check.js';
export { MANIFEST_DIAGNOSTIC_CODES, formatDiagnostic, hasErrors, sortDiagnostics } from './diagnostics.js';
export type {
  ManifestDiagnostic,
  ManifestDiagnosticCode,
  DiagnosticSeverity,
  DiagnosticStage,
  DiagnosticCodeInfo,
} from './diagnostics.js';
export { ManifestSourceMap } from './source-map.js';
export type { SourcePosition } from './source-map.js';
export { manifestSchema, manifestSchemaJson } from './schema.js';
export type { ManifestDocument } from './schema.js';
export { compileFilter, MAX_FILTER_LENGTH } from './filter.js';
export type {
  CompiledFilter,
  CompileFilterResult,
  FilterDiagnostic,
  FilterEvent,
  FilterMatch,
} from './filter.js';
export {
  nextScheduleTime,
  validateCron,
  validateTimezone,
  InvalidScheduleError,
  CRON_NICKNAMES,
} from './cron.js';
export type { CronCheck } from './cron.js';
export { parseCall, callProblem } from './call.js';
export type { CallTarget } from './call.js';
export { planManifest, isPlanEmpty, isPlanEmpty as isEmpty } from './plan.js';
export type {
  Plan,
  PlanAction,
  PlanChange,
  PlanResourceKind,
  FieldChange,
  ProjectChange,
  VariableChange,
  ConnectionChange,
  TriggerChange,
} from './plan.js';
export { formatPlan } from './format-plan.js';
export { formatDuration } from './describe.js';
export {
  WEBHOOK_DEFAULT_TIMEOUT_MS,
  WEBHOOK_MAX_TIMEOUT_MS,
  DEFAULT_TIMEZONE,
  MAX_MANIFEST_BYTES,
} from './types.js';
export type {
  Manifest,
  ProjectConfig,
  ProjectInfo,
  VariableConfig,
  ConnectionConfig,
  TriggerConfig,
  TriggerType,
  TriggerBase,
  WebhookTriggerConfig,
  WebhookOptions,
  WebhookSignature,
  HmacSignature,
  ProviderSignature,
  SignatureAlgorithm,
  SignatureEncoding,
  ScheduleTriggerConfig,
  ManualTriggerConfig,
  ConnectionTriggerConfig,
} from './types.js';
