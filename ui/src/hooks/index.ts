export { useSessionStream } from './use-session-stream.js';
export type { SessionStream, StreamStatus } from './use-session-stream.js';
export { useSessionChanges } from './use-session-changes.js';
export type { ChangesStatus } from './use-session-changes.js';
export { useThrottled } from './use-throttled.js';
export { useAction } from './use-action.js';
export { useProjects } from './use-project-names.js';
