/**
 * The build steps that use the TypeScript compiler. `buildProject` imports this module on its first
 * build, not at start-up: loading TypeScript costs ~80 MB of RSS, which an engine that only runs
 * sessions (or a CLI command that never builds) should not pay.
 */
export { listExportedFunctions } from './exported-functions.js';
export { readProjectConfig } from './project-config.js';
export { typecheckProject } from './typecheck.js';
