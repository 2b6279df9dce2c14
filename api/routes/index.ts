/**
 * Every route group of the API, in ONE list: add a group by adding its file under `api/routes/`
 * and one line here.
 */
import type { RouteGroup } from '../route-group.js';
import { buildRoutes } from './builds.js';
import { deploymentRoutes } from './deployments.js';
import { eventRoutes } from './events.js';
import { healthRoutes } from './health.js';
import { journalRoutes } from './journal.js';
import { projectRoutes } from './projects.js';
import { sessionRoutes } from './sessions.js';
import { statsRoutes } from './stats.js';
import { tokenRoutes } from './tokens.js';
import { triggerRoutes } from './triggers.js';
import { variableRoutes } from './variables.js';
import { webhookRoutes } from './webhooks.js';

export const routeGroups: readonly RouteGroup[] = [
  healthRoutes,
  projectRoutes,
  buildRoutes,
  deploymentRoutes,
  triggerRoutes,
  eventRoutes,
  variableRoutes,
  sessionRoutes,
  journalRoutes,
  statsRoutes,
  tokenRoutes,
  webhookRoutes,
];
