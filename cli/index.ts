// Public API of the command line: run it in-process (tests, embedding), its command groups, its errors.
export { run, createProgram, EXIT_OK, EXIT_FAILURE, EXIT_USAGE } from './program.js';
export { commandGroups } from './commands/index.js';
export type { CommandGroup } from './commands/index.js';
export type { CliContext } from './context.js';
export type { Io } from './output.js';
export { CliError } from './errors.js';
export { packProject } from './pack.js';
export { resolveUpConfig, UP_SETTINGS } from './up-config.js';
export type { UpConfig } from './up-config.js';
