/**
 * The engine-facing side of the sandbox: a pool of runner processes that host isolates.
 * The engine process never runs user code; it talks to runners only through this interface.
 */
import type { BuildArtifact } from './artifact.js';
import type {
  ActivationOutcome,
  ActivityOutcome,
  ActivityTask,
  LogLevel,
  QueryOutcome,
  ReplayCallbacks,
  ReplayOutcome,
  ReplayRequest,
  WorkflowActivation,
  WorkflowQuery,
} from './protocol.js';

/** Outbound HTTP policy for `fetch` in activities (and the built-in `whisker.fetch` activity). */
export interface FetchPolicy {
  /** Allow loopback, private (RFC 1918, ULA), link-local and other non-public addresses. Default false. */
  allowPrivateNetwork?: boolean;
  /** Hosts (`name` or `name:port`) allowed even when private; checked after DNS resolution too. */
  allowedPrivateHosts?: string[];
  /** Per request, including redirects. Default 30 s. */
  timeoutMs?: number;
  /** Response bodies larger than this fail the request. Default 10 MiB. */
  maxResponseBytes?: number;
  /** Default 5. Each redirect target is checked against the policy again. */
  maxRedirects?: number;
}

export interface SandboxOptions {
  /** Number of runner processes. Default: one per core (`os.availableParallelism()`). */
  runners?: number;
  /**
   * Time one activation job may run before it is stopped (the job's synchronous calls into the
   * isolate, microtasks included), so how jobs are grouped into activations never matters.
   * Also bounds the module code of a bundle when a context is created. Default 1000 ms.
   */
  activationCpuLimitMs?: number;
  /**
   * Heap limit of each isolate, in MiB (a workflow isolate holds up to 256 sessions of one build;
   * an activity attempt has one of its own). Default 512.
   */
  isolateMemoryLimitMb?: number;
  fetch?: FetchPolicy;
  /** Interval of runner health checks; an unresponsive runner is killed and replaced. Default 5 s. */
  healthCheckIntervalMs?: number;
  /**
   * A runner with nothing in it (no context, no call in flight) for this long is let go: every idle
   * runner but one stops (it starts again when work arrives while the others are busy), and the one
   * left is replaced by a fresh process if it ran anything since it started, which returns the
   * memory a process keeps after its isolates are gone. Checked at each health check. Default
   * 30,000 ms; 0 keeps every runner for the pool's whole life.
   */
  runnerIdleMs?: number;
}

/**
 * Chaining: the engine asks that, when the attempt succeeds, the runner holding the session's
 * context activate it with the result right away (`resolveActivity`), so a step costs one round
 * trip to the runner instead of two. The engine still journals the completion together with the
 * commands before acting on them, exactly as for an activation it sent. `onActivated` is called
 * synchronously, before the attempt's promise settles; a chain the sandbox cannot make (no context
 * there) is simply not made. `Sandbox.revokeChain` ends the offer before the engine activates the
 * session for anything else, so the context sees facts in the order they are journaled.
 */
export interface ActivityChain {
  onActivated(result: unknown, activation: ActivationOutcome, time: number): void;
}

export interface ActivityCallbacks {
  /** Called for each `heartbeat(details)` of the activity. */
  onHeartbeat?: (details: unknown) => void;
  /** Called for each log line of the activity (`log.*`, `console.*`). */
  onLog?: (level: LogLevel, text: string) => void;
  /** Aborting cancels the attempt: the activity's `AbortSignal` fires, and the outcome is a cancellation error. */
  signal?: AbortSignal;
  chain?: ActivityChain;
}

export interface SandboxStats {
  /** Runner processes up and serving. */
  runners: number;
  /** Runner processes that died and were replaced since start. */
  runnerRestarts: number;
  /** Runners stopped for being idle (`runnerIdleMs`), not counting recycled ones; started again on demand. */
  runnersIdle: number;
  /** Idle runners replaced by a fresh process (to return the memory it kept) since start. */
  runnerRecycles: number;
  /** Workflow contexts currently held across runners. */
  contexts: number;
  activationsInFlight: number;
  activitiesInFlight: number;
}

export interface Sandbox {
  /** Makes a build available to runners (sent lazily, once per runner). Idempotent per hash. */
  registerBuild(artifact: BuildArtifact): void;
  /**
   * Runs one activation on the runner holding the session's context (or a new one).
   * Calls made in the same tick are batched into one message per runner.
   */
  activate(activation: WorkflowActivation): Promise<ActivationOutcome>;
  query(query: WorkflowQuery): Promise<QueryOutcome>;
  /**
   * Replays a recorded history offline in a throwaway context (replay debugging): nothing is
   * kept, journaled or run outside the workflow code. See `ReplayRequest`.
   */
  replay(request: ReplayRequest, callbacks?: ReplayCallbacks): Promise<ReplayOutcome>;
  /** Drops the session's context (the engine owns the cache policy). */
  evict(sessionId: string): void;
  runActivity(task: ActivityTask, callbacks?: ActivityCallbacks): Promise<ActivityOutcome>;
  /**
   * Cancels the attempt `taskId` if it is in flight, as aborting its `signal` would: the activity's
   * `AbortSignal` fires and the outcome is a cancellation error. For callers that keep no
   * `AbortController` per attempt (the engine: one costs ~7 µs per step); a no-op once it settled.
   */
  cancelActivity(taskId: string, reason: string): void;
  /**
   * Withdraws the chain of the attempt `taskId` (see `ActivityChain`). Resolves once no chained
   * activation can follow: either its `onActivated` has already been called, or it never will be.
   */
  revokeChain(taskId: string): Promise<void>;
  stats(): SandboxStats;
  /** Stops the runners; in-flight calls settle with `context-lost` / a cancellation error. */
  close(): Promise<void>;
}
