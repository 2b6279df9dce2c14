// Public API of the sandbox module: the contracts (protocol, artifact, sandbox types), the runtime
// half (runner pool, replay matching, errors) and the build half (`build/index.ts`).
export type * from './protocol.js';
export { MATCHED_COMMAND_KINDS, FETCH_ACTIVITY_NAME } from './protocol.js';
export type * from './artifact.js';
export type * from './sandbox-types.js';

export { createSandbox } from './host/create-sandbox.js';
export type { RunnerSandbox } from './host/create-sandbox.js';
export { compileSandboxOptions, InvalidSandboxOptionError } from './host/sandbox-options.js';
export type { CompiledSandboxOptions } from './host/sandbox-options.js';
export { RunnerStartError } from './host/runner-pool.js';
export { compareCommands } from './guest/compare-commands.js';
export { HistoryColumnsBuilder, commandCount, lastJobTime } from './guest/history-columns.js';
export type { HistoryColumns } from './guest/history-columns.js';
export {
  ApplicationFailure,
  CancelledFailure,
  DeterminismViolationError,
  CANCELLED_CODE,
  isCancellation,
} from './guest/failures.js';

export * from './build/index.js';
