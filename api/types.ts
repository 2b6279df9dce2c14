/** The JSON shapes of the API's answers, as TypeScript types (from the route schemas). */
import type { Static } from 'typebox';
import type { ErrorBody } from './schemas/common.js';
import type { DispatchResult, EventDetail, EventPage, EventSummary } from './schemas/events.js';
import type {
  BuildRecord,
  DeploymentRecord,
  DeployResult,
  LintResult,
  PlanResult,
  ProjectDetail,
  ProjectSummary,
  TriggerInfo,
  VariableInfo,
} from './schemas/projects.js';
import type { HistoryEvent, LogEntry, SessionInfo, SessionPage } from './schemas/sessions.js';
import type { SessionStats } from './schemas/stats.js';
import type { CreatedToken, TokenInfo } from './schemas/tokens.js';

export type ApiErrorJson = Static<typeof ErrorBody>;
export type ApiProjectSummary = Static<typeof ProjectSummary>;
export type ApiProject = Static<typeof ProjectDetail>;
export type ApiTrigger = Static<typeof TriggerInfo>;
export type ApiVariable = Static<typeof VariableInfo>;
export type ApiBuild = Static<typeof BuildRecord>;
export type ApiDeployment = Static<typeof DeploymentRecord>;
export type ApiPlan = Static<typeof PlanResult>;
export type ApiDeployResult = Static<typeof DeployResult>;
export type ApiLintResult = Static<typeof LintResult>;
export type ApiDispatchResult = Static<typeof DispatchResult>;
export type ApiEvent = Static<typeof EventSummary>;
export type ApiEventDetail = Static<typeof EventDetail>;
export type ApiEventPage = Static<typeof EventPage>;
export type ApiSession = Static<typeof SessionInfo>;
export type ApiSessionPage = Static<typeof SessionPage>;
export type ApiLogEntry = Static<typeof LogEntry>;
export type ApiHistoryEvent = Static<typeof HistoryEvent>;
export type ApiStats = Static<typeof SessionStats>;
export type ApiToken = Static<typeof TokenInfo>;
export type ApiCreatedToken = Static<typeof CreatedToken>;
