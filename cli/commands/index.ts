/**
 * Every command group of the `whisker` program, in ONE list: add a group by adding its file under
 * `cli/commands/` and one line here.
 */
import { buildCommands } from './build.js';
import type { CommandGroup } from './command-group.js';
import { deployCommand } from './deploy.js';
import { deploymentCommands } from './deployment.js';
import { eventCommands } from './event.js';
import { journalCommands } from './journal.js';
import { loginCommand } from './login.js';
import { projectCommands } from './project.js';
import { replayCommand } from './replay.js';
import { sessionCommands } from './session.js';
import { statsCommand } from './stats.js';
import { tokenCommands } from './token.js';
import { triggerCommands } from './trigger.js';
import { upCommand } from './up.js';
import { variableCommands } from './variable.js';

export type { CommandGroup } from './command-group.js';

export const commandGroups: readonly CommandGroup[] = [
  upCommand,
  deployCommand,
  projectCommands,
  buildCommands,
  deploymentCommands,
  triggerCommands,
  eventCommands,
  variableCommands,
  sessionCommands,
  journalCommands,
  replayCommand,
  tokenCommands,
  statsCommand,
  loginCommand,
];
