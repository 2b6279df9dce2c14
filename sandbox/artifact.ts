/**
 * A build artifact: everything needed to run a project's code, immutable and content-addressed.
 *
 * Bundle shape (the contract between the builder and the runner):
 * `workflowBundle.code` and `activityBundle.code` are classic scripts (not modules). Evaluating one in a
 * context yields, as the script's completion value, a function
 *
 *     (whisker: { workflow: WorkflowApi; activity: ActivityApi }) => { modules: Record<file, namespace> }
 *
 * where `modules` maps each project-relative source file (`handlers.ts`, `lib/util.ts`) to its
 * module namespace: in the workflow bundle every workflow file, in the activity bundle every
 * activity module (other files are bundled in as they are imported, but not listed). Imports of
 * `whisker/workflow` and `whisker/activity` in user code resolve to `whisker.workflow` and
 * `whisker.activity`; nothing is read from the global object. The API objects' properties (own or
 * inherited) must be in place when the function is called: modules take their bindings then.
 * In the workflow bundle, imports of activity modules are replaced by stubs that schedule the
 * activity by name (`whisker.workflow.proxyActivities()[name]`). The script runs in strict mode.
 *
 * Activity modules are files named `activities.ts` / `activities.js`, `*.activities.ts`, or any file
 * under an `activities/` folder. Their exported functions are the project's activities; names
 * are unique across the project. Every other source file is workflow code.
 *
 * Source maps have project-relative `sources` with `sourcesContent`, so every stack frame can
 * be mapped back to the user's file, line and column. Modules the build generates appear as
 * `whisker:` sources (`whisker:entry/workflow`, `whisker:api/workflow`,
 * `whisker:activity-stub/activities.ts`).
 */
export interface BundleCode {
  code: string;
  /** Source map v3 (JSON text). */
  sourceMap: string;
}

export interface ExportedFunction {
  /** Project-relative path, `/`-separated. */
  file: string;
  name: string;
}

export interface BuildArtifact {
  formatVersion: 1;
  /** `sha256-<hex>` over the canonical content below; same sources give the same hash. */
  hash: string;
  workflowBundle: BundleCode;
  activityBundle: BundleCode;
  /** Exported functions of workflow files: the entry points a trigger or a session may call. */
  entryPoints: ExportedFunction[];
  /** Exported functions of activity modules. */
  activities: ExportedFunction[];
  /** Non-code project files (templates, data), readable by user code. Keys are project-relative. */
  resources: Record<string, Uint8Array>;
  /** Project-relative paths of the source files that went into the bundles. */
  sources: string[];
}
