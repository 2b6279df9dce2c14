/**
 * The durable session engine: owns the journal writer of every session, the timer index, the
 * activity executor and the context cache, and exposes the embedding API.
 */
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { hasErrorCode, toErrorData } from '../../common/index.js';
import type { ErrorData } from '../../common/index.js';
import type { EventStore, RecordedEvent } from '../../journal/index.js';
import {
  createMemoryEventStore,
  openFileEventStore,
  STREAM_DELETED_EVENT_TYPE,
} from '../../journal/index.js';
import type { StreamDeletedData } from '../../journal/index.js';
import type {
  BuildArtifact,
  BuildWorkerOptions,
  Sandbox,
  SandboxOptions,
  SandboxStats,
} from '../../sandbox/index.js';
import {
  BuildFailedError,
  BuildWorker,
  compileBuildWorkerOptions,
  createSandbox,
} from '../../sandbox/index.js';
import {
  EngineClosedError,
  EntryPointNotFoundError,
  InvalidArgumentError,
  InvalidSessionStateError,
  SessionFailedError,
  SessionNotFoundError,
  SessionStoppedError,
  TimeoutError,
} from '../errors.js';
import { isId, newId } from '../ids.js';
import type {
  ChildStartedData,
  SessionEvent,
  SessionStartedData,
  SessionTrigger,
} from '../session/events.js';
import { SESSION_EVENT_TYPES, SESSION_STREAM_PREFIX, sessionStream } from '../session/events.js';
import type { JournaledSessionEvent } from '../session/history.js';
import { jobsOf } from '../session/history.js';
import type { SessionState, SessionStatus } from '../session/state.js';
import { applySessionEvent, initialSessionState, isFinalStatus, zeroStatusCounts } from '../session/state.js';
import type { ActivityEnvironment, HostActivityFunction } from './activity-executor.js';
import { ActivityExecutor, checkStorable } from './activity-executor.js';
import type { BuildCreatedData, BuildInfo } from './builds.js';
import { BUILD_CREATED, BUILD_STREAM_PREFIX, BuildRegistry } from './builds.js';
import type { ContextCacheMetrics } from './context-cache.js';
import { ContextCache } from './context-cache.js';
import { Platform, platformApi } from '../platform/platform.js';
import type { PlatformApi } from '../platform/platform.js';
import { SecretBox, SecretKeyError } from '../platform/secret-box.js';
import { sessionStats } from '../platform/stats.js';
import type { SessionStats, StatsOptions } from '../platform/stats.js';
import type { SessionHost } from './session-runtime.js';
import { SessionRuntime } from './session-runtime.js';
import { TimerQueue } from './timer-queue.js';
import { newestPage } from './newest-page.js';

export interface EngineOptions {
  /**
   * The journal. Default: the file store in `<dataDir>/journal` when `dataDir` is given,
   * otherwise an in-memory store (nothing survives the process).
   */
  store?: EventStore;
  /**
   * Directory of the embedded default: the journal (`journal/`) and, unless a key is given, the
   * generated secret key (`secret.key`, owner-only).
   */
  dataDir?: string;
  /** Key of secrets at rest: 32 bytes or their base64. Default: `WHISKER_SECRET_KEY`, a key file, or generated in `dataDir`. */
  secretKey?: string | Uint8Array;
  /** File holding the base64 key (default `WHISKER_SECRET_KEY_FILE`). */
  secretKeyFile?: string;
  /** Type-check project code in builds. Default true. */
  typecheck?: boolean;
  /**
   * The child process that runs builds (`loadProject`, the platform's builds), so the compiler's
   * memory and esbuild's process are let go when no build ran for `idleMs` (default 30 s).
   */
  buildWorker?: BuildWorkerOptions;
  /** A sandbox to use (shared, or configured elsewhere). Default: one created with `sandboxOptions`. */
  sandbox?: Sandbox;
  sandboxOptions?: SandboxOptions;
  /** Most workflow contexts kept loaded in runners; the least recently used are evicted. Default 1000. */
  maxCachedContexts?: number;
  /**
   * Chain project activities (default true): the runner that holds a session's context runs its
   * activity and, on success, activates the context with the result at once, so a step is one
   * round trip to the runner instead of two (see ARCHITECTURE.md, "Chained steps"). Off only to
   * measure what it brings.
   */
  chainActivities?: boolean;
  /**
   * A session whose only wait is a timer further away than this gives its workflow context back at
   * once (it replays when the timer fires). Default 60 s.
   */
  evictSleepingAfterMs?: number;
  /** Time a stopped session gets to clean up before the stop is forced. Default 10 s. */
  stopGracePeriodMs?: number;
  /** Host activities by name (more can be registered later). */
  activities?: Record<string, HostActivityFunction>;
  /**
   * Variables and decrypted secrets for a session's project activities. Default: the session's
   * project's variables and secrets (with secrets redacted from what the activity returns and logs).
   */
  activityEnvironment?: (session: SessionInfo) => Promise<ActivityEnvironment> | ActivityEnvironment;
}

export interface StartSessionOptions {
  buildId: string;
  /** `file.ts:function`, one of the build's entry points. */
  entry: string;
  input?: unknown;
  /** Starting twice with the same key returns the first session. */
  idempotencyKey?: string;
  projectId?: string;
  deploymentId?: string;
  trigger?: SessionTrigger;
  /** Non-secret variables the code reads with `getVariable`. */
  variables?: Record<string, string>;
  labels?: Record<string, string>;
}

export interface SessionInfo {
  sessionId: string;
  status: SessionStatus;
  entry: string;
  buildId: string;
  startBuildId: string;
  input: unknown;
  projectId?: string;
  deploymentId?: string;
  trigger?: SessionTrigger;
  parentSessionId?: string;
  labels?: Record<string, string>;
  startedAt: number;
  updatedAt: number;
  endedAt?: number;
  durationMs?: number;
  result?: unknown;
  error?: ErrorData;
  stopReason?: string;
  parked?: SessionState['parked'];
  /** The response the session set for a synchronous webhook caller (`respond()`). */
  response?: SessionState['response'];
  /** What an open session waits for. */
  waitingFor?: { activities: number; timers: number; children: number };
  /** How many activities, timers, signals, log lines and children the session had so far. */
  counts: { activities: number; timers: number; signals: number; logs: number; children: number };
  /** Revision of the session's last journal event. */
  revision: number;
}

export interface SessionHistoryEvent {
  revision: number;
  type: string;
  data: unknown;
  recordedAt: number;
}

export interface ListSessionsOptions {
  status?: SessionStatus | SessionStatus[];
  entry?: string;
  buildId?: string;
  projectId?: string;
  deploymentId?: string;
  /** Started at or after (ms since epoch). */
  startedAfter?: number;
  /** Started before (ms since epoch). */
  startedBefore?: number;
  /** Default 50, at most 1000. */
  limit?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
}

export interface SessionPage {
  sessions: SessionInfo[];
  /** Matches across all pages. */
  total: number;
  nextCursor?: string;
}

export interface StopOptions {
  reason?: string;
  /** Stop at once: no more code runs. Default false (the code gets the cancellation and may clean up). */
  force?: boolean;
  /** Override the engine's grace period before a graceful stop is forced. */
  gracePeriodMs?: number;
}

/** An event of a session, as subscribers see it. */
export interface SessionEventNotice {
  sessionId: string;
  revision: number;
  type: string;
  data: unknown;
  /** The session's status after this event. */
  status: SessionStatus;
}

export type SessionListener = (notice: SessionEventNotice) => void;

export interface EngineMetrics {
  sessions: Record<SessionStatus, number>;
  cache: ContextCacheMetrics;
  activities: ReturnType<ActivityExecutor['metrics']>;
  timers: number;
  sandbox: SandboxStats;
}

const DEFAULT_STOP_GRACE_MS = 10_000;
const MAX_LIST_LIMIT = 1000;

export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
  // Checked before anything is opened (the engine creates its build worker itself).
  compileBuildWorkerOptions(options.buildWorker);
  const store =
    options.store ??
    (options.dataDir !== undefined
      ? await openFileEventStore({ dir: join(options.dataDir, 'journal') })
      : createMemoryEventStore());
  const secrets = await resolveSecrets(options, options.store === undefined && options.dataDir === undefined);
  let sandbox: Sandbox;
  try {
    sandbox = options.sandbox ?? (await createSandbox(options.sandboxOptions ?? {}));
  } catch (error) {
    if (options.store === undefined) await store.close();
    throw error;
  }
  const engine = new Engine(store, sandbox, options.sandbox === undefined, options, secrets);
  try {
    await engine.recover();
  } catch (error) {
    await engine.shutdown({ closeStore: options.store === undefined });
    throw error;
  }
  return engine;
}

/**
 * The key of secrets, or a function that explains why there is none (only a secret's use fails:
 * an engine that never stores secrets needs no key).
 */
async function resolveSecrets(options: EngineOptions, ephemeral: boolean): Promise<() => SecretBox> {
  try {
    const box = await SecretBox.resolve({
      ...(options.secretKey !== undefined ? { key: options.secretKey } : {}),
      ...(options.secretKeyFile !== undefined ? { keyFile: options.secretKeyFile } : {}),
      ...(options.dataDir !== undefined ? { defaultKeyFile: join(options.dataDir, 'secret.key') } : {}),
    });
    return () => box;
  } catch (error) {
    if (!(error instanceof SecretKeyError)) throw error;
    if (ephemeral) {
      // In-memory store: secrets live exactly as long as the process, so a process key fits.
      const box = SecretBox.ephemeral();
      return () => box;
    }
    return () => {
      throw error;
    };
  }
}

export class Engine {
  private readonly sessions = new Map<string, SessionRuntime>();
  private readonly buildRegistry: BuildRegistry;
  private readonly cache: ContextCache;
  private readonly timers: TimerQueue;
  private readonly executor: ActivityExecutor;
  private readonly hostActivities = new Map<string, HostActivityFunction>();
  private readonly listeners = new Map<SessionListener, string | undefined>();
  private readonly endWaiters = new Map<string, (() => void)[]>();
  private readonly stopGraceMs: number;
  /** Runs the builds of `loadProject` and of the platform, off this thread. */
  private readonly buildWorker: BuildWorker;
  private closed = false;
  private fatal: unknown;
  private readonly sessionHost: SessionHost;
  /** Projects, builds, deployments, triggers, events, variables: the platform model. */
  readonly platform: Platform;
  readonly projects: PlatformApi['projects'];
  readonly builds: PlatformApi['builds'];
  readonly deployments: PlatformApi['deployments'];
  readonly triggers: PlatformApi['triggers'];
  readonly webhooks: PlatformApi['webhooks'];
  readonly connections: PlatformApi['connections'];
  readonly events: PlatformApi['events'];
  readonly variables: PlatformApi['variables'];
  readonly tokens: PlatformApi['tokens'];

  /** Use `createEngine`. */
  constructor(
    readonly store: EventStore,
    readonly sandbox: Sandbox,
    private readonly ownsSandbox: boolean,
    private readonly options: EngineOptions,
    secrets: () => SecretBox = () => SecretBox.ephemeral(),
  ) {
    this.buildWorker = new BuildWorker(options.buildWorker);
    this.platform = new Platform(this, store, {
      secrets,
      build: (dir, buildOptions) => this.buildWorker.build(dir, buildOptions),
      ...(options.typecheck !== undefined ? { typecheck: options.typecheck } : {}),
    });
    const api = platformApi(this.platform);
    this.projects = api.projects;
    this.builds = api.builds;
    this.deployments = api.deployments;
    this.triggers = api.triggers;
    this.webhooks = api.webhooks;
    this.connections = api.connections;
    this.events = api.events;
    this.variables = api.variables;
    this.tokens = api.tokens;
    this.stopGraceMs = options.stopGracePeriodMs ?? DEFAULT_STOP_GRACE_MS;
    this.buildRegistry = new BuildRegistry(store, sandbox);
    this.cache = new ContextCache(
      options.maxCachedContexts ?? 1000,
      (sessionId) => sandbox.evict(sessionId),
      (sessionId) => this.sessions.get(sessionId)?.activating !== true,
    );
    this.timers = new TimerQueue((key) => this.onTimer(key));
    for (const [name, fn] of Object.entries(options.activities ?? {})) this.registerActivity(name, fn);
    this.executor = new ActivityExecutor({
      sandbox,
      timers: this.timers,
      hostActivities: this.hostActivities,
      chainActivities: options.chainActivities ?? true,
      buildHash: (buildId) => this.buildRegistry.hashFor(buildId),
      environment: async (session) =>
        options.activityEnvironment !== undefined
          ? options.activityEnvironment(this.info(session))
          : this.projectEnvironment(session.state.projectId),
    });
    this.sessionHost = {
      store,
      sandbox,
      cache: this.cache,
      longSleepMs: options.evictSleepingAfterMs ?? 60_000,
      buildHash: (buildId) => this.buildRegistry.hashFor(buildId),
      onAppended: (session, events) => this.onAppended(session, events),
      onEffect: (session, event) => this.onEffect(session, event),
      onStateChanged: (session) => this.notifyWaiters(session),
      onFatal: (error) => this.onFatal(error),
    };
  }

  // ------------------------------------------------------------------------------------------
  // Builds and activities

  /** Builds a project directory (see `buildProject`) and loads the build. Throws `BuildFailedError`. */
  async loadProject(
    dir: string,
    options: { typecheck?: boolean; projectId?: string } = {},
  ): Promise<BuildInfo> {
    this.assertOpen('load a project');
    const result = await this.buildWorker.build(dir, { typecheck: options.typecheck ?? false });
    if (!result.ok) throw new BuildFailedError(result.diagnostics);
    return this.loadBuild(
      result.artifact,
      options.projectId !== undefined ? { projectId: options.projectId } : {},
    );
  }

  /** Journals a build artifact so sessions can run (and be recovered) on it. */
  async loadBuild(artifact: BuildArtifact, meta: { projectId?: string } = {}): Promise<BuildInfo> {
    this.assertOpen('load a build');
    return this.buildRegistry.add(artifact, meta);
  }

  getBuild(buildId: string): BuildInfo | undefined {
    return this.buildRegistry.get(buildId);
  }

  listBuilds(): BuildInfo[] {
    return this.buildRegistry.list();
  }

  buildArtifact(buildId: string): Promise<BuildArtifact> {
    return this.buildRegistry.artifact(buildId);
  }

  /** Registers a host activity: trusted code of the embedding app, called by name from workflows. */
  registerActivity(name: string, fn: HostActivityFunction): void {
    if (typeof name !== 'string' || name.trim() === '') {
      throw new InvalidArgumentError('name', 'an activity name must be a non-empty string');
    }
    if (typeof fn !== 'function') throw new InvalidArgumentError(`activities.${name}`, 'must be a function');
    this.hostActivities.set(name, fn);
  }

  registerActivities(activities: Record<string, HostActivityFunction>): void {
    for (const [name, fn] of Object.entries(activities)) this.registerActivity(name, fn);
  }

  // ------------------------------------------------------------------------------------------
  // Sessions

  async startSession(options: StartSessionOptions): Promise<SessionInfo> {
    this.assertOpen('start a session');
    const build = this.buildRegistry.get(options.buildId);
    if (build === undefined)
      throw new InvalidArgumentError('buildId', `no build ${JSON.stringify(options.buildId)}`);
    if (typeof options.entry !== 'string' || !/^[^:]+:[^:]+$/.test(options.entry)) {
      throw new InvalidArgumentError(
        'entry',
        `must be "file.ts:function", got ${JSON.stringify(options.entry)}`,
      );
    }
    if (!build.entryPoints.includes(options.entry)) {
      throw new EntryPointNotFoundError(build.buildId, options.entry, build.entryPoints);
    }
    const unstorable = checkStorable(options.input, 'the input');
    if (unstorable !== undefined) throw new InvalidArgumentError('input', unstorable.message);
    let sessionId = newId('session');
    if (options.idempotencyKey !== undefined) {
      const claimed = await this.claimIdempotencyKey(options.idempotencyKey, sessionId);
      const existing = this.sessions.get(claimed);
      if (existing !== undefined) return this.info(existing);
      sessionId = claimed;
    }
    return this.createSession(sessionId, options);
  }

  /** Creates the session's journal and starts it. Idempotent for a given id (child sessions). */
  private async createSession(
    sessionId: string,
    options: StartSessionOptions & { parent?: { sessionId: string; seq: number } },
  ): Promise<SessionInfo> {
    const time = Date.now();
    const data: SessionStartedData = {
      sessionId,
      entry: options.entry,
      buildId: options.buildId,
      input: options.input,
      seed: randomBytes(16).toString('hex'),
      time,
      variables: options.variables ?? {},
      ...(options.projectId !== undefined ? { projectId: options.projectId } : {}),
      ...(options.deploymentId !== undefined ? { deploymentId: options.deploymentId } : {}),
      ...(options.trigger !== undefined ? { trigger: options.trigger } : {}),
      ...(options.parent !== undefined ? { parent: options.parent } : {}),
      ...(options.idempotencyKey !== undefined ? { idempotencyKey: options.idempotencyKey } : {}),
      ...(options.labels !== undefined ? { labels: options.labels } : {}),
    };
    const started: JournaledSessionEvent = { type: 'SessionStarted', data, revision: 0 };
    try {
      await this.store.append(sessionStream(sessionId), [{ type: started.type, data }], {
        expectedRevision: 'no-stream',
      });
    } catch (error) {
      if (!hasErrorCode(error, 'WRONG_EXPECTED_REVISION')) throw error;
      // Created before (a retried start, or a child after a crash): use what is journaled.
      const existing = this.sessions.get(sessionId) ?? (await this.loadSession(sessionId));
      if (existing === undefined) throw error;
      return this.info(existing);
    }
    const session = new SessionRuntime(this.sessionHost, initialSessionState(started));
    this.sessions.set(sessionId, session);
    this.onAppended(session, [started]);
    void session.wake().catch(() => undefined);
    return this.info(session);
  }

  private async claimIdempotencyKey(key: string, sessionId: string): Promise<string> {
    if (typeof key !== 'string' || key === '' || key.length > 512) {
      throw new InvalidArgumentError(
        'idempotencyKey',
        'must be a non-empty string of at most 512 characters',
      );
    }
    const stream = `idempotency-${createHash('sha256').update(key).digest('hex')}`;
    try {
      await this.store.append(stream, [{ type: 'IdempotencyKeyClaimed', data: { sessionId } }], {
        expectedRevision: 'no-stream',
      });
      return sessionId;
    } catch (error) {
      if (!hasErrorCode(error, 'WRONG_EXPECTED_REVISION')) throw error;
      const [claim] = await this.store.readStream(stream, { maxCount: 1 });
      return (claim?.data as { sessionId: string }).sessionId;
    }
  }

  async signal(sessionId: string, name: string, payload?: unknown): Promise<void> {
    this.assertOpen('signal a session');
    if (typeof name !== 'string' || name === '')
      throw new InvalidArgumentError('name', 'must be a non-empty string');
    const unstorable = checkStorable(payload, 'the signal payload');
    if (unstorable !== undefined) throw new InvalidArgumentError('payload', unstorable.message);
    const session = this.require(sessionId);
    if (session.final) throw new InvalidSessionStateError(sessionId, session.state.status, 'signal');
    const event: SessionEvent = { type: 'SignalReceived', data: { name, payload, time: Date.now() } };
    await session.deliver({ event, jobs: jobsOf(event) });
  }

  async stop(sessionId: string, options: StopOptions = {}): Promise<SessionInfo> {
    this.assertOpen('stop a session');
    const session = this.require(sessionId);
    const reason = options.reason ?? 'stopped by request';
    if (session.final)
      throw new InvalidSessionStateError(sessionId, session.state.status, 'stop', 'it already ended');
    if (
      options.force === true ||
      session.state.status === 'parked' ||
      session.state.cancelRequested !== undefined
    ) {
      await session.forceStop(reason);
      return this.info(session);
    }
    const gracePeriodMs = options.gracePeriodMs ?? this.stopGraceMs;
    const event: SessionEvent = {
      type: 'CancelRequested',
      data: { reason, gracePeriodMs, time: Date.now() },
    };
    await session.deliver({ event, jobs: jobsOf(event) });
    return this.info(session);
  }

  /**
   * Continues a parked session (after a fix), optionally on another build: the journal is replayed
   * against that build, and a mismatch parks it again.
   */
  async resumeSession(
    sessionId: string,
    options: { buildId?: string; reason?: string } = {},
  ): Promise<SessionInfo> {
    this.assertOpen('resume a session');
    const session = this.require(sessionId);
    if (session.final) throw new InvalidSessionStateError(sessionId, session.state.status, 'resume');
    if (options.buildId !== undefined) this.buildRegistry.require(options.buildId);
    const event: SessionEvent = {
      type: 'SessionResumed',
      data: {
        reason: options.reason ?? 'resumed by operator',
        time: Date.now(),
        ...(options.buildId !== undefined ? { buildId: options.buildId } : {}),
      },
    };
    await session.deliver({ event, jobs: [] });
    await session.wake();
    return this.info(session);
  }

  /** Fails an open session by hand (for example a parked one that will not be fixed). */
  async failSession(sessionId: string, reason: string): Promise<SessionInfo> {
    this.assertOpen('fail a session');
    const session = this.require(sessionId);
    if (session.final) throw new InvalidSessionStateError(sessionId, session.state.status, 'fail');
    const error: ErrorData = { name: 'OperatorFailure', code: 'FAILED_BY_OPERATOR', message: reason };
    await session.forceStopWith({
      type: 'SessionFailed',
      data: { error, origin: 'operator', time: Date.now() },
    });
    return this.info(session);
  }

  /** Deletes an ended session and its journal (the data is removed from the store). */
  async deleteSession(sessionId: string): Promise<void> {
    this.assertOpen('delete a session');
    const session = this.require(sessionId);
    if (!session.final) {
      throw new InvalidSessionStateError(sessionId, session.state.status, 'delete', 'stop it first');
    }
    await this.store.deleteStream(session.stream);
    this.sessions.delete(sessionId);
  }

  getSession(sessionId: string): SessionInfo {
    return this.info(this.require(sessionId));
  }

  hasSession(sessionId: string): boolean {
    return this.sessions.has(sessionId);
  }

  /**
   * Every session's state, unordered, as the engine holds it (read-only; no copy made). For the
   * platform's counts, which must not keep a second record per session.
   * @internal
   */
  *sessionStates(): IterableIterator<Readonly<SessionState>> {
    for (const session of this.sessions.values()) yield session.state;
  }

  /** The state of one session, or undefined (read-only, no copy). @internal */
  sessionState(sessionId: string): Readonly<SessionState> | undefined {
    return this.sessions.get(sessionId)?.state;
  }

  /** Every session, unordered (for projections; use `listSessions` for pages). */
  *allSessions(): IterableIterator<SessionInfo> {
    for (const session of this.sessions.values()) yield this.info(session);
  }

  /** Waits for the session to end; returns its result, or throws `SessionFailedError` / `SessionStoppedError`. */
  async result(sessionId: string, options: { timeoutMs?: number } = {}): Promise<unknown> {
    const info = await this.waitFor(sessionId, (s) => isFinalStatus(s.status), options.timeoutMs);
    if (info.status === 'completed') return info.result;
    if (info.status === 'stopped') throw new SessionStoppedError(sessionId, info.stopReason ?? 'stopped');
    throw new SessionFailedError(sessionId, info.error ?? { name: 'Error', message: 'failed' });
  }

  /** Waits until `predicate` holds for the session (checked after each of its events). */
  waitFor(
    sessionId: string,
    predicate: (info: SessionInfo) => boolean,
    timeoutMs?: number,
  ): Promise<SessionInfo> {
    const session = this.require(sessionId);
    const now = this.info(session);
    if (predicate(now)) return Promise.resolve(now);
    return new Promise<SessionInfo>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const check = (): void => {
        const current = this.sessions.get(sessionId);
        if (current === undefined) {
          cleanup();
          reject(new SessionNotFoundError(sessionId));
          return;
        }
        const info = this.info(current);
        if (predicate(info)) {
          cleanup();
          resolve(info);
        }
      };
      const cleanup = (): void => {
        if (timer) clearTimeout(timer);
        const waiters = this.endWaiters.get(sessionId);
        if (waiters) {
          const index = waiters.indexOf(check);
          if (index >= 0) waiters.splice(index, 1);
          if (waiters.length === 0) this.endWaiters.delete(sessionId);
        }
      };
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          cleanup();
          reject(new TimeoutError(sessionId, timeoutMs));
        }, timeoutMs);
      }
      const waiters = this.endWaiters.get(sessionId) ?? [];
      waiters.push(check);
      this.endWaiters.set(sessionId, waiters);
    });
  }

  /** The session's journal, as recorded. */
  async history(sessionId: string): Promise<SessionHistoryEvent[]> {
    const session = this.require(sessionId);
    const events = await this.store.readStream(session.stream);
    return events.map((e) => ({
      revision: e.revision,
      type: e.type,
      data: e.data,
      recordedAt: e.recordedAt,
    }));
  }

  listSessions(options: ListSessionsOptions = {}): SessionPage {
    const limit = options.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
      throw new InvalidArgumentError(
        'limit',
        `must be an integer from 1 to ${MAX_LIST_LIMIT}, got ${String(limit)}`,
      );
    }
    const statuses =
      options.status === undefined
        ? undefined
        : new Set(Array.isArray(options.status) ? options.status : [options.status]);
    const matches = (session: SessionRuntime): boolean => {
      const s = session.state;
      if (statuses !== undefined && !statuses.has(this.statusOf(session))) return false;
      if (options.entry !== undefined && s.entry !== options.entry) return false;
      if (
        options.buildId !== undefined &&
        s.buildId !== options.buildId &&
        s.startBuildId !== options.buildId
      )
        return false;
      if (options.projectId !== undefined && s.projectId !== options.projectId) return false;
      if (options.deploymentId !== undefined && s.deploymentId !== options.deploymentId) return false;
      if (options.startedAfter !== undefined && s.startedAt < options.startedAfter) return false;
      if (options.startedBefore !== undefined && s.startedAt >= options.startedBefore) return false;
      return true;
    };
    // Newest first; ids are ULIDs, so the id breaks ties in start time.
    const page = newestPage(this.sessions.values(), matches, limit, options.cursor);
    const result: SessionPage = { sessions: page.items.map((s) => this.info(s)), total: page.total };
    if (page.nextCursor !== undefined) result.nextCursor = page.nextCursor;
    return result;
  }

  /** Runs a query handler of the session's code (loading its context if needed). */
  async query(sessionId: string, name: string, args: unknown[] = []): Promise<unknown> {
    this.assertOpen('query a session');
    const session = this.require(sessionId);
    for (let attempt = 0; attempt < 3; attempt++) {
      await session.wake();
      await session.idle();
      const outcome = await this.sandbox.query({ sessionId, name, args });
      if (outcome.kind === 'ok') return outcome.result;
      if (outcome.kind === 'error') throw Object.assign(new Error(outcome.error.message), outcome.error);
      this.cache.forget(sessionId);
    }
    throw new InvalidSessionStateError(
      sessionId,
      session.state.status,
      'query',
      'its context could not be loaded',
    );
  }

  /** Listens to events of one session, or of all sessions. Returns the unsubscribe function. */
  subscribe(listener: SessionListener, options: { sessionId?: string } = {}): () => void {
    this.listeners.set(listener, options.sessionId);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** False once the engine is shut down, or fenced after a journal failure (readiness checks). */
  get isOpen(): boolean {
    return !this.closed;
  }

  metrics(): EngineMetrics {
    const sessions: Record<SessionStatus, number> = zeroStatusCounts();
    for (const session of this.sessions.values()) sessions[this.statusOf(session)]++;
    return {
      sessions,
      cache: this.cache.metrics(),
      activities: this.executor.metrics(),
      timers: this.timers.size,
      sandbox: this.sandbox.stats(),
    };
  }

  /**
   * Stops cleanly: no new work, running activities are abandoned (their outcomes are not journaled,
   * so they run again after a restart), in-flight activations finish and are journaled, then the
   * sandbox (if the engine created it) and the store close.
   */
  async shutdown(options: { closeStore?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.platform.close();
    this.timers.close();
    this.executor.close();
    // A build still running rejects (BUILD_WORKER_FAILED, `closed`); the build process ends.
    await Promise.all([
      this.buildWorker.close(),
      ...[...this.sessions.values()].map((s) => s.idle().catch(() => undefined)),
    ]);
    if (this.ownsSandbox) await this.sandbox.close();
    if (options.closeStore ?? true) await this.store.close();
  }

  /** A project session's activities see its variables and secrets; secrets are redacted from what comes back. */
  private projectEnvironment(projectId: string | undefined): ActivityEnvironment {
    if (projectId === undefined) return { variables: {}, secrets: {} };
    const secrets = this.platform.secretValues(projectId);
    return {
      variables: this.platform.plainVariables(projectId),
      secrets,
      redactor: this.platform.redactorFor(projectId),
    };
  }

  /** Statistics of sessions (per project or deployment): states, rates, durations, start delays, series. */
  stats(options: StatsOptions = {}): SessionStats {
    return sessionStats(
      this.allSessions(),
      (eventId) => this.platform.dispatcher.eventSummary(eventId)?.time,
      options,
    );
  }

  /** The session's log: what the code printed and its life-cycle, with timestamps. */
  async sessionLog(sessionId: string): Promise<SessionLogEntry[]> {
    return (await this.history(sessionId)).flatMap((event) => logEntriesOf(event));
  }

  /**
   * Starts a new session with the same entry point and input as `sessionId`, on the project's
   * active deployment when there is one (else on the same build), recording what it restarts.
   */
  async restartSession(sessionId: string): Promise<SessionInfo> {
    const old = this.getSession(sessionId);
    let buildId = old.startBuildId;
    let deploymentId = old.deploymentId;
    if (old.projectId !== undefined) {
      const active = this.platform.projects.get(old.projectId);
      const deployment =
        active === undefined ? undefined : [...active.deployments.values()].find((d) => d.state === 'active');
      if (deployment !== undefined) {
        buildId = deployment.buildId;
        deploymentId = deployment.deploymentId;
      }
    }
    return this.startSession({
      buildId,
      entry: old.entry,
      input: old.input,
      trigger: { kind: 'restart', sessionId },
      labels: { ...old.labels, restartOf: sessionId },
      ...(old.projectId !== undefined
        ? { projectId: old.projectId, variables: this.platform.plainVariables(old.projectId) }
        : {}),
      ...(deploymentId !== undefined ? { deploymentId } : {}),
    });
  }

  // ------------------------------------------------------------------------------------------
  // Recovery

  /** Rebuilds every session and build from the journal and resumes the open sessions' work. */
  async recover(): Promise<void> {
    const states = new Map<string, SessionState>();
    let after = -1;
    for (;;) {
      const page: RecordedEvent[] = await this.store.readAll({ after, maxCount: 10_000 });
      if (page.length === 0) break;
      for (const event of page) this.recoverEvent(event, states);
      after = (page[page.length - 1] as RecordedEvent).position;
    }
    for (const state of states.values()) {
      this.sessions.set(state.sessionId, new SessionRuntime(this.sessionHost, state));
    }
    for (const session of this.sessions.values()) this.resumeWork(session);
    await this.platform.start();
  }

  private recoverEvent(event: RecordedEvent, states: Map<string, SessionState>): void {
    if (event.stream.startsWith(SESSION_STREAM_PREFIX)) {
      if (!SESSION_EVENT_TYPES.has(event.type)) return;
      const journaled = {
        type: event.type,
        data: event.data,
        revision: event.revision,
      } as JournaledSessionEvent;
      if (journaled.type === 'SessionStarted') {
        states.set(journaled.data.sessionId, initialSessionState(journaled));
        return;
      }
      const state = states.get(event.stream.slice(SESSION_STREAM_PREFIX.length));
      if (state !== undefined) applySessionEvent(state, journaled);
    } else if (event.stream.startsWith(BUILD_STREAM_PREFIX) && event.type === BUILD_CREATED) {
      this.buildRegistry.recover(event.data as BuildCreatedData);
    } else if (event.type === STREAM_DELETED_EVENT_TYPE) {
      const deleted = (event.data as StreamDeletedData).stream;
      if (deleted.startsWith(SESSION_STREAM_PREFIX))
        states.delete(deleted.slice(SESSION_STREAM_PREFIX.length));
    } else {
      this.platform.recoverEvent(event);
    }
  }

  /** Re-arms what an open session was waiting for after a restart. */
  private resumeWork(session: SessionRuntime): void {
    const state = session.state;
    if (isFinalStatus(state.status) || state.status === 'parked') return;
    for (const timer of state.timers.values()) this.timers.set(timerKey(session.id, timer.seq), timer.fireAt);
    for (const activity of state.activities.values()) {
      if (activity.cancelRequested) this.executor.cancel(session, activity.seq);
      else this.executor.start(session, activity);
    }
    for (const child of state.children.values()) void this.reconcileChild(session, child.seq);
    if (state.cancelRequested !== undefined) {
      this.timers.set(stopKey(session.id), state.cancelRequested.time + state.cancelRequested.gracePeriodMs);
    }
    if (state.pendingFacts) void session.wake().catch(() => undefined);
  }

  /** After a restart: make sure a started child exists, and tell the parent if it already ended. */
  private async reconcileChild(parent: SessionRuntime, seq: number): Promise<void> {
    const child = parent.state.children.get(seq);
    if (child === undefined) return;
    let childSession = this.sessions.get(child.sessionId);
    if (childSession === undefined) {
      const events = await this.store.readStream(parent.stream);
      const started = events.find(
        (e) => e.type === 'ChildStarted' && (e.data as { seq: number }).seq === seq,
      );
      if (started === undefined) return;
      await this.startChildSession(parent, started.data as ChildStartedData);
      childSession = this.sessions.get(child.sessionId);
    }
    if (childSession?.final === true) this.notifyParent(childSession);
  }

  private async loadSession(sessionId: string): Promise<SessionRuntime | undefined> {
    const events = await this.store.readStream(sessionStream(sessionId));
    const [first, ...rest] = events;
    if (first === undefined) return undefined;
    const state = initialSessionState({
      type: first.type,
      data: first.data,
      revision: 0,
    } as JournaledSessionEvent);
    for (const e of rest)
      applySessionEvent(state, { type: e.type, data: e.data, revision: e.revision } as JournaledSessionEvent);
    const session = new SessionRuntime(this.sessionHost, state);
    this.sessions.set(sessionId, session);
    this.resumeWork(session);
    return session;
  }

  // ------------------------------------------------------------------------------------------
  // Reacting to journaled events

  private onAppended(session: SessionRuntime, events: JournaledSessionEvent[]): void {
    if (this.listeners.size > 0) {
      const status = this.statusOf(session);
      for (const event of events) {
        const notice: SessionEventNotice = {
          sessionId: session.id,
          revision: event.revision,
          type: event.type,
          data: event.data,
          status,
        };
        for (const [listener, filter] of this.listeners) {
          if (filter !== undefined && filter !== session.id) continue;
          try {
            listener(notice);
          } catch {
            // A listener's failure is its own; the engine goes on.
          }
        }
      }
    }
    this.notifyWaiters(session);
  }

  private notifyWaiters(session: SessionRuntime): void {
    const waiters = this.endWaiters.get(session.id);
    if (waiters !== undefined) for (const check of [...waiters]) check();
  }

  private onEffect(session: SessionRuntime, event: JournaledSessionEvent): void {
    switch (event.type) {
      case 'ActivityScheduled': {
        const activity = session.state.activities.get(event.data.seq);
        if (activity !== undefined) this.executor.start(session, activity);
        break;
      }
      case 'ActivityCancelRequested':
        this.executor.cancel(session, event.data.seq);
        break;
      case 'TimerStarted':
        this.timers.set(timerKey(session.id, event.data.seq), event.data.fireAt);
        break;
      case 'TimerCancelled':
        this.timers.delete(timerKey(session.id, event.data.seq));
        break;
      case 'ChildStarted': {
        // The code learns the child's id in its next activation, before anything that came later.
        void session.deliver({ jobs: jobsOf(event) }, true).catch(() => undefined);
        void this.startChildSession(session, event.data).catch((error: unknown) =>
          this.failChildStart(session, event.data.seq, event.data.sessionId, error),
        );
        break;
      }
      case 'ChildCancelRequested': {
        const child = session.state.children.get(event.data.seq);
        if (child !== undefined) void this.stopQuietly(child.sessionId, 'the parent session cancelled it');
        break;
      }
      case 'CancelRequested':
        this.timers.set(stopKey(session.id), event.data.time + event.data.gracePeriodMs);
        for (const child of session.state.children.values()) {
          void this.stopQuietly(child.sessionId, `the parent session is stopping: ${event.data.reason}`);
        }
        break;
      case 'SessionResumed':
        this.cache.drop(session.id);
        break;
      case 'SessionParked':
        this.cache.drop(session.id);
        break;
      case 'SessionCompleted':
      case 'SessionFailed':
      case 'SessionStopped':
        this.onSessionEnded(session);
        break;
      default:
        break;
    }
  }

  private onSessionEnded(session: SessionRuntime): void {
    this.cache.drop(session.id);
    this.timers.delete(stopKey(session.id));
    this.executor.discardSession(session.id);
    this.notifyParent(session);
  }

  private notifyParent(child: SessionRuntime): void {
    const parentRef = child.state.parent;
    if (parentRef === undefined) return;
    const parent = this.sessions.get(parentRef.sessionId);
    if (parent === undefined || parent.final) return;
    if (!parent.state.children.has(parentRef.seq)) return;
    const s = child.state;
    const time = Date.now();
    const failed = s.status !== 'completed';
    const error: ErrorData | undefined = failed
      ? {
          name: 'ChildSessionFailure',
          code: s.status === 'stopped' ? 'CHILD_STOPPED' : 'CHILD_FAILED',
          message: `child session ${s.sessionId} (${s.entry}) ${s.status === 'stopped' ? `was stopped: ${s.stopReason ?? ''}` : `failed: ${s.error?.message ?? ''}`}`,
          ...(s.error !== undefined ? { cause: s.error } : {}),
        }
      : undefined;
    const event: SessionEvent = {
      type: 'ChildCompleted',
      data: {
        seq: parentRef.seq,
        sessionId: s.sessionId,
        failed,
        time,
        ...(failed ? { error } : { result: s.result }),
      },
    };
    void parent.deliver({ event, jobs: jobsOf(event) }).catch(() => undefined);
  }

  private async startChildSession(
    parent: SessionRuntime,
    data: { seq: number; sessionId: string; entry: string; input: unknown },
  ): Promise<void> {
    const p = parent.state;
    const build = this.buildRegistry.require(p.buildId);
    if (!build.entryPoints.includes(data.entry)) {
      throw new EntryPointNotFoundError(build.buildId, data.entry, build.entryPoints);
    }
    await this.createSession(data.sessionId, {
      buildId: p.buildId,
      entry: data.entry,
      input: data.input,
      variables: p.variables,
      trigger: { kind: 'child', sessionId: p.sessionId },
      parent: { sessionId: p.sessionId, seq: data.seq },
      ...(p.projectId !== undefined ? { projectId: p.projectId } : {}),
      ...(p.deploymentId !== undefined ? { deploymentId: p.deploymentId } : {}),
    });
  }

  /** A child that cannot start (bad entry point) completes as failed for its parent. */
  private failChildStart(parent: SessionRuntime, seq: number, childId: string, error: unknown): void {
    if (parent.final) return;
    const time = Date.now();
    const event: SessionEvent = {
      type: 'ChildCompleted',
      data: {
        seq,
        sessionId: childId,
        failed: true,
        error: { ...toErrorData(error), retryable: false },
        time,
      },
    };
    void parent.deliver({ event, jobs: jobsOf(event) }).catch(() => undefined);
  }

  private async stopQuietly(sessionId: string, reason: string): Promise<void> {
    const session = this.sessions.get(sessionId);
    if (session === undefined || session.final || this.closed) return;
    try {
      await this.stop(sessionId, { reason });
    } catch {
      // Already ended or ending: nothing to do.
    }
  }

  private onTimer(key: string): void {
    const [kind, sessionId, seqText] = key.split(':') as [string, string, string | undefined];
    const session = this.sessions.get(sessionId);
    if (session === undefined || session.final || this.closed) return;
    const seq = Number(seqText);
    if (kind === 't') {
      if (!session.state.timers.has(seq)) return;
      const event: SessionEvent = { type: 'TimerFired', data: { seq, time: Date.now() } };
      void session.deliver({ event, jobs: jobsOf(event) }).catch(() => undefined);
    } else if (kind === 'r') {
      this.executor.retryDue(session, seq);
    } else if (kind === 's') {
      void session.forceStop(
        `${session.state.cancelRequested?.reason ?? 'stopped'} (forced after the grace period)`,
      );
    }
  }

  private onFatal(error: unknown): void {
    if (this.fatal !== undefined) return;
    this.fatal = error;
    this.closed = true;
    this.timers.close();
    this.executor.close();
  }

  // ------------------------------------------------------------------------------------------

  private require(sessionId: string): SessionRuntime {
    const session = typeof sessionId === 'string' ? this.sessions.get(sessionId) : undefined;
    if (session === undefined) {
      if (!isId('session', sessionId)) {
        throw new InvalidArgumentError(
          'sessionId',
          `${JSON.stringify(sessionId)} is not a session id (ses_…)`,
        );
      }
      throw new SessionNotFoundError(sessionId);
    }
    return session;
  }

  private assertOpen(operation: string): void {
    if (this.closed) {
      if (this.fatal !== undefined) {
        throw new EngineClosedError(`${operation} (the journal failed: ${toErrorData(this.fatal).message})`);
      }
      throw new EngineClosedError(operation);
    }
  }

  private statusOf(session: SessionRuntime): SessionStatus {
    const status = session.state.status;
    if (session.activating && !isFinalStatus(status) && status !== 'parked') return 'running';
    return status;
  }

  private info(session: SessionRuntime): SessionInfo {
    const s = session.state;
    const status = this.statusOf(session);
    const info: SessionInfo = {
      sessionId: s.sessionId,
      status,
      entry: s.entry,
      buildId: s.buildId,
      startBuildId: s.startBuildId,
      input: s.input,
      startedAt: s.startedAt,
      updatedAt: s.updatedAt,
      counts: {
        activities: s.activityCount,
        timers: s.timerCount,
        signals: s.signalCount,
        logs: s.logCount,
        children: s.childCount,
      },
      revision: s.revision,
    };
    if (s.projectId !== undefined) info.projectId = s.projectId;
    if (s.deploymentId !== undefined) info.deploymentId = s.deploymentId;
    if (s.trigger !== undefined) info.trigger = s.trigger;
    if (s.parent !== undefined) info.parentSessionId = s.parent.sessionId;
    if (s.labels !== undefined) info.labels = s.labels;
    if (s.endedAt !== undefined) {
      info.endedAt = s.endedAt;
      info.durationMs = s.endedAt - s.startedAt;
    }
    if (s.status === 'completed') info.result = s.result;
    if (s.error !== undefined) info.error = s.error;
    if (s.stopReason !== undefined) info.stopReason = s.stopReason;
    if (s.parked !== undefined) info.parked = s.parked;
    if (s.response !== undefined) info.response = s.response;
    if (!isFinalStatus(s.status)) {
      info.waitingFor = { activities: s.activities.size, timers: s.timers.size, children: s.children.size };
    }
    return info;
  }
}

export interface SessionLogEntry {
  time: number;
  revision: number;
  /** `print`: the code's own log lines (workflow and activities); `lifecycle`: what happened to the session. */
  kind: 'print' | 'lifecycle';
  level: 'debug' | 'info' | 'warn' | 'error';
  text: string;
}

/** The log entries a journal event gives (none for most): what `sessionLog` is made of, event by event. */
export function logEntriesOf(event: SessionHistoryEvent): SessionLogEntry[] {
  const d = event.data as Record<string, unknown> & { time?: number };
  const time = typeof d.time === 'number' ? d.time : event.recordedAt;
  const entry = (
    kind: SessionLogEntry['kind'],
    level: SessionLogEntry['level'],
    text: string,
  ): SessionLogEntry[] => [{ time, revision: event.revision, kind, level, text }];
  const error = (value: unknown): string => {
    const e = value as ErrorData | undefined;
    return e === undefined ? '' : `${e.name}: ${e.message}`;
  };
  switch (event.type) {
    case 'Log':
      return entry('print', d['level'] as SessionLogEntry['level'], String(d['text']));
    case 'ActivityLog':
      return entry(
        'print',
        d['level'] as SessionLogEntry['level'],
        `[activity #${String(d['seq'])}] ${String(d['text'])}`,
      );
    case 'SessionStarted':
      return entry('lifecycle', 'info', `started ${String(d['entry'])}`);
    case 'ActivityScheduled':
      return entry('lifecycle', 'debug', `activity #${String(d['seq'])} ${String(d['name'])} scheduled`);
    case 'ActivityCompleted':
      return entry(
        'lifecycle',
        'debug',
        `activity #${String(d['seq'])} completed (attempt ${String(d['attempt'])})`,
      );
    case 'ActivityFailed':
      return entry(
        'lifecycle',
        d['retryAt'] === undefined ? 'error' : 'warn',
        `activity #${String(d['seq'])} attempt ${String(d['attempt'])} failed: ${error(d['error'])}${d['retryAt'] === undefined ? '' : ' (will retry)'}`,
      );
    case 'TimerStarted':
      return entry('lifecycle', 'debug', `timer #${String(d['seq'])} set for ${String(d['durationMs'])} ms`);
    case 'TimerFired':
      return entry('lifecycle', 'debug', `timer #${String(d['seq'])} fired`);
    case 'SignalReceived':
      return entry('lifecycle', 'info', `signal ${String(d['name'])} received`);
    case 'ChildStarted':
      return entry(
        'lifecycle',
        'info',
        `child session ${String(d['sessionId'])} started (${String(d['entry'])})`,
      );
    case 'ChildCompleted':
      return entry(
        'lifecycle',
        d['failed'] === true ? 'warn' : 'info',
        `child session ${String(d['sessionId'])} ${d['failed'] === true ? 'failed' : 'completed'}`,
      );
    case 'CancelRequested':
      return entry('lifecycle', 'warn', `stop requested: ${String(d['reason'])}`);
    case 'SessionCompleted':
      return entry('lifecycle', 'info', 'completed');
    case 'SessionFailed':
      return entry('lifecycle', 'error', `failed: ${error(d['error'])}`);
    case 'SessionStopped':
      return entry(
        'lifecycle',
        'warn',
        `stopped${d['forced'] === true ? ' (forced)' : ''}: ${String(d['reason'])}`,
      );
    case 'SessionParked':
      return entry('lifecycle', 'error', `parked: ${String(d['message'])}`);
    case 'SessionResumed':
      return entry(
        'lifecycle',
        'info',
        `resumed${typeof d['buildId'] === 'string' ? ` on build ${d['buildId']}` : ''}: ${String(d['reason'])}`,
      );
    default:
      return [];
  }
}

/**
 * Timer keys are built with `join`, which makes one flat string: a template literal makes a chain of
 * concatenation strings (~100 B for this key), and every sleeping session holds its key.
 */
function timerKey(sessionId: string, seq: number): string {
  return ['t', sessionId, seq].join(':');
}

function stopKey(sessionId: string): string {
  return ['s', sessionId, ''].join(':');
}
