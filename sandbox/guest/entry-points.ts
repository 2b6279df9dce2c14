/**
 * The calls the runner makes into a context's runtime (one `dispatch` function per context, so
 * one `Reference` per context). Shared by the guest runtime and the runner; no imports.
 */

/** Filenames scripts are compiled under: stack frames show these, and the runner maps them. */
export const WORKFLOW_RUNTIME_FILE = 'whisker:///runtime/workflow.js';
export const ACTIVITY_RUNTIME_FILE = 'whisker:///runtime/activity.js';
export const WORKFLOW_BUNDLE_FILE = 'whisker:///bundle/workflow.js';
export const ACTIVITY_BUNDLE_FILE = 'whisker:///bundle/activity.js';

/**
 * Calls into a workflow context: `dispatch(op, arg, session)`, where `session` is the number the
 * runner gave the session in that context (contexts are shared by the sessions of a shard).
 */
export const WorkflowOp = {
  /** arg: the bundle's factory function, once per context (no session). */
  bundle: 0,
  /** arg: a Job. → DELIVERED | RETRY | STOPPED */
  job: 1,
  /** → DELIVERED | RETRY | STOPPED */
  endReplay: 2,
  /** → Conclusion | RETRY */
  conclude: 3,
  /** arg: `{ name, args }`. → QueryResult */
  query: 4,
  /** Delivers the next recorded job held in the context (`setup.jobs`). → DELIVERED | RETRY | STOPPED | UNTIL | EXHAUSTED */
  replayNext: 5,
  /** → RawStateSnapshot (replay debugging) */
  snapshot: 6,
  /** arg: WorkflowRuntimeSetup. Creates the session and runs the bundle for it. → BundleAnswer */
  create: 7,
  /** Forgets the session (its context was evicted). */
  release: 8,
  /**
   * arg: `[previous, job]`: concludes session `previous` (whose jobs were delivered by earlier
   * calls), then delivers `job` to this call's session: one call where two would be, for runs of
   * activations in one shard. → `[Conclusion, DELIVERED | RETRY | STOPPED]`, or NOT_PAIRED (nothing
   * done) when `previous` waits on conditions: its conclude runs user code (the predicates), which
   * must not share a call, and so a CPU limit, with another session's code.
   */
  concludeThenJob: 9,
} as const;

/** Answer of `concludeThenJob` when the two cannot share a call. */
export const NOT_PAIRED = -1;

export const ActivityOp = {
  /** arg: the bundle's factory function. → `{ ok: true } | { ok: false, error, code }` */
  bundle: 0,
  /** arg: `{ setup, args }`: the attempt. The outcome comes back through the `done` callback. */
  start: 1,
  /** arg: `[id, ok, value]`: a host operation finished. */
  resolve: 2,
  /** arg: reason. Fires the activity's AbortSignal. */
  abort: 3,
} as const;

/** Status answers of `job` / `endReplay` (mirrors `workflow-runtime.ts`). */
export const DeliverStatus = { delivered: 0, retry: 1, stopped: 2, until: 3, exhausted: 4 } as const;
