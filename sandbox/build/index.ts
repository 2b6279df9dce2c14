// Public API of the sandbox's build half: bundling, checking and packaging user projects.
export { buildProject, buildProjectOrThrow } from './build-project.js';
export type { BuildResult, BuildSuccess } from './build-project.js';
export {
  BuildWorker,
  BuildWorkerFailedError,
  compileBuildWorkerOptions,
  DEFAULT_BUILD_WORKER_IDLE_MS,
} from './build-worker.js';
export type { BuildWorkerOptions, BuildWorkerFailure, CompiledBuildWorkerOptions } from './build-worker.js';
export { compileBuildOptions, DEFAULT_BUILD_LIMITS, InvalidBuildOptionError } from './build-options.js';
export type { BuildOptions, BuildLimits, CompiledBuildOptions, GuestApiTypes } from './build-options.js';
export { formatDiagnostic, BuildFailedError } from './diagnostics.js';
export type { BuildDiagnostic } from './diagnostics.js';
export {
  serializeArtifact,
  deserializeArtifact,
  validateArtifact,
  ArtifactInvalidError,
  ArtifactHashMismatchError,
} from './artifact-codec.js';
export { computeArtifactHash } from './artifact-hash.js';
export { isActivityModulePath, isSourcePath, classifyFile, SOURCE_EXTENSIONS } from './file-kinds.js';
export type { FileKind } from './file-kinds.js';
export { clearTypecheckCache } from './typecheck-cache.js';
