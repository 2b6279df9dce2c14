/**
 * Workflow contexts inside a runner. Per build, isolates ("shards") each hold ONE V8 context that
 * the shard's sessions share (see `guest/workflow-entry.ts` for why and how they are kept apart);
 * a shard takes new sessions until it holds `MAX_SESSIONS_PER_ISOLATE` or its heap passes a
 * quarter of the limit. Bounded shards keep garbage collection cheap and bound what one session
 * breaching the memory limit takes down. Each shard compiles and runs the runtime script and the
 * build's workflow bundle once; a new session is one call (`create`) that runs the user's modules
 * for it.
 *
 * An activation is a series of synchronous calls into the context (`applySync`, copied values):
 * one per job, plus condition re-checks, plus `conclude`, each naming the session. Each job gets
 * the CPU limit as a timeout. Nothing of isolated-vm enters the isolate: values are copied in and
 * out, the bundle factory is handed back to its own isolate with `derefInto`, resources come
 * through a callback.
 */
import ivm from 'isolated-vm';
import { setImmediate as nextTurn } from 'node:timers/promises';

import type { ErrorData } from '../../common/index.js';
import type {
  ActivationOutcome,
  Job,
  QueryOutcome,
  ReplayOutcome,
  ReplayRequest,
  WorkflowActivation,
  WorkflowInit,
  WorkflowQuery,
} from '../protocol.js';
import {
  DeliverStatus,
  NOT_PAIRED,
  WORKFLOW_BUNDLE_FILE,
  WORKFLOW_RUNTIME_FILE,
  WorkflowOp,
} from '../guest/entry-points.js';
import type { Conclusion, QueryResult, WorkflowRuntimeSetup } from '../guest/workflow-runtime.js';
import type { BundleAnswer, WorkflowDispatch } from '../guest/workflow-entry.js';
import { SHARED_CONTEXT_BROKEN } from '../guest/workflow-entry.js';
import type { HistoryColumns } from '../guest/history-columns.js';
import { toHistoryColumns } from '../guest/history-columns.js';
import { toDivergence } from './divergence.js';
import { driveReplay } from './replay-driver.js';
import { issuedCommand, toReplayOutcome } from './replay-outcome.js';
import { classifyIsolateError } from './isolate-errors.js';
import type { RunnerBuildEntry, RunnerBuilds } from './runner-builds.js';
import { mapErrorData } from './source-mapping.js';

/** Sessions per isolate (and its one shared context) before another isolate is started for the build. */
export const MAX_SESSIONS_PER_ISOLATE = 256;
/**
 * The one idle shard a build keeps (its compiled scripts make the next context cheap) is disposed
 * after this long without a session: an isolate's heap only grows while it serves, so 100,000
 * sessions gone to sleep would otherwise leave tens of MB per runner behind (measured: a runner
 * 57 MB bigger after 100,000 short-lived contexts, back to its fresh size once the isolate goes).
 */
export const IDLE_SHARD_DISPOSE_MS = 10_000;
/** Replay work between yields to the event loop. */
const REPLAY_SLICE_MS = 20;
/** Condition re-checks per job before the activation is failed (a condition loop that never settles). */
const MAX_CONDITION_ROUNDS = 10_000;

interface Shard {
  build: RunnerBuildEntry;
  isolate: ivm.Isolate;
  context: ivm.Context;
  dispatch: ivm.Reference<WorkflowDispatch>;
  sessions: Set<string>;
  /** The number the next session gets in the context. */
  nextKey: number;
  /** Set while the shard has no session: disposes it when it fires (see `IDLE_SHARD_DISPOSE_MS`). */
  idleTimer?: NodeJS.Timeout | undefined;
}

interface SessionContext {
  sessionId: string;
  shard: Shard;
  /** The session's number in its shard's context (every call names it). */
  key: number;
}

export interface WorkflowHostOptions {
  cpuLimitMs: number;
  memoryLimitMb: number;
  runtimeCode: string;
  /** Sessions whose contexts died with their isolate (memory limit): the engine learns they are gone. */
  onLost: (sessionIds: string[], error: ErrorData) => void;
}

type PlainCall = { arguments: { copy: true }; timeout: number };
type CopyingCall = { arguments: { copy: true }; result: { copy: true }; timeout: number };
/** Calls whose arguments are all primitives (most of them): no copy to set up (~1 µs a call). */
type PrimitiveCall = { timeout: number };
type PrimitiveCopyingCall = { result: { copy: true }; timeout: number };

/** Thrown inside `activate` to end it with a given outcome. */
class ActivationFailed extends Error {
  constructor(readonly outcome: ActivationOutcome) {
    super('activation failed');
  }
}

export class WorkflowHost {
  private readonly sessions = new Map<string, SessionContext>();
  private readonly shards = new Map<string, Shard[]>();
  private replays = 0;

  private readonly plainCall: PlainCall;
  private readonly copyingCall: CopyingCall;
  private readonly primitiveCall: PrimitiveCall;
  private readonly primitiveCopyingCall: PrimitiveCopyingCall;

  constructor(
    private readonly builds: RunnerBuilds,
    private readonly options: WorkflowHostOptions,
  ) {
    this.plainCall = { arguments: { copy: true }, timeout: options.cpuLimitMs };
    this.copyingCall = { arguments: { copy: true }, result: { copy: true }, timeout: options.cpuLimitMs };
    this.primitiveCall = { timeout: options.cpuLimitMs };
    this.primitiveCopyingCall = { result: { copy: true }, timeout: options.cpuLimitMs };
  }

  /** True while this host holds a context of the session. */
  hasContext(sessionId: string): boolean {
    return this.sessions.has(sessionId);
  }

  get contextCount(): number {
    return this.sessions.size;
  }

  /** Heap in use across this host's workflow isolates, in bytes (for measurements). */
  usedHeapBytes(): number {
    let total = 0;
    for (const shards of this.shards.values()) {
      for (const shard of shards) {
        if (shard.isolate.isDisposed) continue;
        const heap = shard.isolate.getHeapStatisticsSync();
        total += heap.used_heap_size + heap.externally_allocated_size;
      }
    }
    return total;
  }

  /**
   * Runs one activation. Synchronous calls all the way, except that a long replay yields to the
   * event loop between jobs every few milliseconds (the runner keeps answering health checks).
   */
  async activate(activation: WorkflowActivation): Promise<ActivationOutcome> {
    const { sessionId } = activation;
    let session: SessionContext | undefined;
    let history: HistoryColumns | undefined;
    try {
      if (activation.init !== undefined) {
        this.evict(sessionId);
        history = activation.replay === undefined ? undefined : toHistoryColumns(activation.replay);
        session = this.createContext(sessionId, activation.init, history);
        if (history !== undefined) {
          // The recorded jobs are in the context already: one call per job, nothing copied.
          let sliceStart = performance.now();
          for (;;) {
            const status = this.replayNext(session);
            if (status === DeliverStatus.stopped) break;
            if (status === DeliverStatus.exhausted) {
              this.endReplay(session);
              break;
            }
            if (performance.now() - sliceStart > REPLAY_SLICE_MS) {
              await nextTurn();
              sliceStart = performance.now();
              // Evicted meanwhile? Then this replay is moot.
              if (this.sessions.get(sessionId) !== session) return { kind: 'context-missing', sessionId };
            }
          }
        }
      } else {
        session = this.sessions.get(sessionId);
        if (session === undefined) return { kind: 'context-missing', sessionId };
      }
      for (const job of activation.jobs) if (this.deliver(session, job) === DeliverStatus.stopped) break;
      return this.conclude(session, history);
    } catch (error) {
      return this.failedActivation(sessionId, session, error);
    }
  }

  /**
   * Runs activations in order, with the outcomes `activate` would give one by one, in one call
   * fewer per activation where it can: a warm activation's first job shares a call with the
   * conclusion of the activation before it when both sessions are in one shard (`concludeThenJob`:
   * per activation one call instead of two, a call costing ~5 µs). Cold ones (with `init`) and
   * those without jobs run as `activate` runs them.
   */
  async activateAll(activations: readonly WorkflowActivation[]): Promise<ActivationOutcome[]> {
    const outcomes: ActivationOutcome[] = new Array<ActivationOutcome>(activations.length);
    /** Delivered, not concluded yet. */
    let open: { session: SessionContext; index: number } | undefined;
    const concludeOpen = (): void => {
      if (open === undefined) return;
      outcomes[open.index] = this.concludeAlone(open.session);
      open = undefined;
    };
    for (let i = 0; i < activations.length; i++) {
      const activation = activations[i] as WorkflowActivation;
      const session = activation.init === undefined ? this.sessions.get(activation.sessionId) : undefined;
      const { jobs } = activation;
      const first = jobs[0];
      if (session === undefined || first === undefined || session === open?.session) {
        concludeOpen();
        outcomes[i] = await this.activate(activation);
        continue;
      }
      let status: number | undefined;
      if (open !== undefined && open.session.shard === session.shard) {
        const previous = open;
        open = undefined;
        let answer: unknown;
        try {
          answer = this.call(
            session,
            WorkflowOp.concludeThenJob,
            [previous.session.key, first],
            0,
            performance.now(),
            true,
          );
        } catch (error) {
          [outcomes[previous.index], outcomes[i]] = this.pairFailed(previous.session, session, error);
          continue;
        }
        if (answer === NOT_PAIRED) outcomes[previous.index] = this.concludeAlone(previous.session);
        else {
          const [conclusion, delivered] = answer as [Conclusion, number];
          outcomes[previous.index] = this.outcomeOf(previous.session, conclusion, undefined);
          status = delivered;
        }
      } else concludeOpen();
      try {
        status = this.deliver(session, first, status);
        for (let j = 1; j < jobs.length && status !== DeliverStatus.stopped; j++)
          status = this.deliver(session, jobs[j] as Job);
        open = { session, index: i };
      } catch (error) {
        outcomes[i] = this.failedActivation(activation.sessionId, session, error);
      }
    }
    concludeOpen();
    return outcomes;
  }

  query(query: WorkflowQuery): QueryOutcome {
    const session = this.sessions.get(query.sessionId);
    if (session === undefined) return { kind: 'context-missing' };
    try {
      const result = session.shard.dispatch.applySync(
        undefined,
        [WorkflowOp.query, { name: query.name, args: query.args }, session.key],
        {
          arguments: { copy: true },
          result: { copy: true },
          timeout: this.options.cpuLimitMs,
        },
      ) as QueryResult;
      if (result.ok) return { kind: 'ok', result: result.result };
      return { kind: 'error', error: mapErrorData(result.error, session.shard.build.workflowMap) };
    } catch (error) {
      const outcome = this.failure(query.sessionId, session, error);
      return {
        kind: 'error',
        error:
          outcome.kind === 'failed' || outcome.kind === 'context-lost'
            ? outcome.error
            : { name: 'Error', message: String(error) },
      };
    }
  }

  /**
   * Replay debugging: replays a history in a throwaway context with a trace, an optional stop
   * point and a final snapshot of the workflow's state (see `ReplayRequest`). Synchronous calls,
   * yielding to the event loop every few milliseconds like a cold load.
   */
  async replay(request: ReplayRequest): Promise<ReplayOutcome> {
    const contextId = `replay:${++this.replays}`;
    let session: SessionContext | undefined;
    const history = toHistoryColumns(request.history);
    try {
      session = this.createContext(contextId, request.init, history, {
        trace: true,
        captureSites: request.captureSites === true,
        ...(request.until !== undefined ? { stopAt: request.until } : {}),
      });
      const context = session;
      const result = await driveReplay(
        (op, arg, copyResult, round, started) => this.call(context, op, arg, round, started, copyResult),
        {
          pending: request.pending,
          maxConditionRounds: MAX_CONDITION_ROUNDS,
          onConditionLoop: () => this.conditionLoop(context),
          sliceMs: REPLAY_SLICE_MS,
        },
      );
      return toReplayOutcome(result, history, context.shard.build.workflowMap);
    } catch (error) {
      const outcome =
        error instanceof ActivationFailed ? error.outcome : this.failure(contextId, session, error);
      return {
        kind: 'failed',
        newCommands: [],
        done: false,
        error:
          outcome.kind === 'failed' || outcome.kind === 'context-lost'
            ? outcome.error
            : { name: 'Error', message: String(error) },
      };
    } finally {
      this.evict(contextId);
    }
  }

  evict(sessionId: string): void {
    const session = this.sessions.get(sessionId);
    if (session === undefined) return;
    this.sessions.delete(sessionId);
    const shard = session.shard;
    shard.sessions.delete(sessionId);
    if (!shard.isolate.isDisposed) {
      try {
        shard.dispatch.applySync(undefined, [WorkflowOp.release, undefined, session.key], this.primitiveCall);
      } catch {
        // A context that refuses calls (broken, or out of memory) is dropped with its shard anyway.
      }
    }
    if (shard.sessions.size === 0) this.retireShard(shard);
  }

  dispose(): void {
    for (const shards of this.shards.values())
      for (const shard of shards) {
        clearTimeout(shard.idleTimer);
        if (!shard.isolate.isDisposed) shard.isolate.dispose();
      }
    this.shards.clear();
    this.sessions.clear();
  }

  // -------------------------------------------------------------------------------------------

  private build(sessionId: string, hash: string): RunnerBuildEntry {
    const build = this.builds.get(hash);
    if (build === undefined) {
      throw new ActivationFailed({
        kind: 'failed',
        sessionId,
        error: {
          name: 'BuildNotRegisteredError',
          code: 'BUILD_NOT_REGISTERED',
          message: `Build ${hash} is not registered with the sandbox; call sandbox.registerBuild(artifact) first.`,
          retryable: false,
        },
      });
    }
    return build;
  }

  private shardFor(build: RunnerBuildEntry): Shard {
    const shards = this.shards.get(build.hash) ?? [];
    this.shards.set(build.hash, shards);
    const limitBytes = this.options.memoryLimitMb * 1024 * 1024;
    for (const shard of shards) {
      if (shard.isolate.isDisposed || shard.sessions.size >= MAX_SESSIONS_PER_ISOLATE) continue;
      if (
        shard.sessions.size % 16 === 15 &&
        shard.isolate.getHeapStatisticsSync().used_heap_size > limitBytes / 4
      ) {
        continue;
      }
      if (shard.idleTimer !== undefined) {
        clearTimeout(shard.idleTimer);
        shard.idleTimer = undefined;
      }
      return shard;
    }
    const shard = this.createShard(build);
    shards.push(shard);
    return shard;
  }

  /** A new isolate with its one context: the runtime set up, the build's bundle handed over. */
  private createShard(build: RunnerBuildEntry): Shard {
    const isolate = new ivm.Isolate({ memoryLimit: this.options.memoryLimitMb });
    try {
      const timeout = this.options.cpuLimitMs;
      const context = isolate.createContextSync();
      const runtimeScript = isolate.compileScriptSync(this.options.runtimeCode, {
        filename: WORKFLOW_RUNTIME_FILE,
      });
      const setup = runtimeScript.runSync(context, { reference: true, timeout }) as ivm.Reference<
        (...args: unknown[]) => unknown
      >;
      const dispatch = setup.applySync(undefined, [build.readResource], {
        result: { reference: true },
        timeout,
      }) as ivm.Reference<WorkflowDispatch>;
      setup.release();
      const bundleScript = isolate.compileScriptSync(build.build.workflowBundle.code, {
        filename: WORKFLOW_BUNDLE_FILE,
      });
      const factory = bundleScript.runSync(context, { reference: true, timeout }) as ivm.Reference<unknown>;
      dispatch.applySync(undefined, [WorkflowOp.bundle, factory.derefInto({ release: true }), 0], {
        timeout,
      });
      return { build, isolate, context, dispatch, sessions: new Set(), nextKey: 1 };
    } catch (error) {
      if (!isolate.isDisposed) isolate.dispose();
      throw error;
    }
  }

  private retireShard(shard: Shard): void {
    const shards = this.shards.get(shard.build.hash);
    if (shards === undefined) return;
    if (shards.length <= 1) {
      // The build's last shard stays a while: the next context is cheap in it.
      shard.idleTimer ??= setTimeout(() => {
        shard.idleTimer = undefined;
        if (shard.sessions.size === 0) this.removeShard(shard);
      }, IDLE_SHARD_DISPOSE_MS).unref();
      return;
    }
    this.removeShard(shard);
  }

  private removeShard(shard: Shard): void {
    clearTimeout(shard.idleTimer);
    shard.idleTimer = undefined;
    const shards = (this.shards.get(shard.build.hash) ?? []).filter((other) => other !== shard);
    if (shards.length === 0) this.shards.delete(shard.build.hash);
    else this.shards.set(shard.build.hash, shards);
    if (!shard.isolate.isDisposed) shard.isolate.dispose();
  }

  private createContext(
    sessionId: string,
    init: WorkflowInit,
    replay: HistoryColumns | undefined,
    debug: Pick<WorkflowRuntimeSetup, 'trace' | 'captureSites' | 'stopAt'> = {},
  ): SessionContext {
    const build = this.build(sessionId, init.buildHash);
    const shard = this.shardFor(build);
    const key = shard.nextKey++;
    const setupData = workflowSetup(init, replay, WORKFLOW_BUNDLE_FILE, debug);
    const session: SessionContext = { sessionId, shard, key };
    this.sessions.set(sessionId, session);
    shard.sessions.add(sessionId);
    let answer: BundleAnswer;
    try {
      answer = shard.dispatch.applySync(
        undefined,
        [WorkflowOp.create, new ivm.ExternalCopy(setupData).copyInto(), key],
        { result: { copy: true }, timeout: this.options.cpuLimitMs },
      ) as BundleAnswer;
    } catch (error) {
      // The user's modules hit a limit while loading (or the context refuses): fail like a call would.
      throw new ActivationFailed(this.failure(sessionId, session, error));
    }
    if (!answer.ok) {
      this.evict(sessionId);
      throw new ActivationFailed({
        kind: 'failed',
        sessionId,
        error: { ...mapErrorData(answer.error, build.workflowMap), code: answer.error.code ?? answer.code },
      });
    }
    return session;
  }

  /**
   * One synchronous call into the context, values copied both ways (an absent argument needs no
   * copy: every replay step is such a call). The first call of a job gets
   * the whole CPU limit as its timeout (option objects made once: this is the hot path); further
   * rounds of the same job get what is left of it.
   */
  private call(
    session: SessionContext,
    op: number,
    arg: unknown,
    round: number,
    started: number,
    copyResult: boolean,
  ): unknown {
    const timeout =
      round === 0 ? undefined : Math.max(1, Math.ceil(started + this.options.cpuLimitMs - performance.now()));
    const dispatch = session.shard.dispatch;
    const args: [number, unknown, number] = [op, arg, session.key];
    if (arg === undefined) {
      const options = copyResult ? this.primitiveCopyingCall : this.primitiveCall;
      return dispatch.applySync(
        undefined,
        args as [number, undefined, number],
        withTimeout(options, timeout),
      );
    }
    const options = copyResult ? this.copyingCall : this.plainCall;
    return dispatch.applySync(undefined, args, withTimeout(options, timeout));
  }

  /** Delivers `job`; `firstStatus`: its first round was taken already (by `concludeThenJob`). */
  private deliver(session: SessionContext, job: Job, firstStatus?: number): number {
    const started = performance.now();
    for (let round = 0; ; round++) {
      const status =
        round === 0 && firstStatus !== undefined
          ? firstStatus
          : (this.call(session, WorkflowOp.job, job, round, started, false) as number);
      if (status !== DeliverStatus.retry) return status;
      if (round >= MAX_CONDITION_ROUNDS) throw this.conditionLoop(session);
    }
  }

  private replayNext(session: SessionContext): number {
    const started = performance.now();
    for (let round = 0; ; round++) {
      const status = this.call(session, WorkflowOp.replayNext, undefined, round, started, false) as number;
      if (status !== DeliverStatus.retry) return status;
      if (round >= MAX_CONDITION_ROUNDS) throw this.conditionLoop(session);
    }
  }

  private endReplay(session: SessionContext): void {
    const started = performance.now();
    for (let round = 0; ; round++) {
      const status = this.call(session, WorkflowOp.endReplay, undefined, round, started, false) as number;
      if (status !== DeliverStatus.retry) return;
      if (round >= MAX_CONDITION_ROUNDS) throw this.conditionLoop(session);
    }
  }

  private conditionLoop(session: SessionContext): ActivationFailed {
    return new ActivationFailed({
      kind: 'failed',
      sessionId: session.sessionId,
      error: {
        name: 'ConditionLoopError',
        code: 'CONDITION_LOOP',
        message: `Session ${session.sessionId}: conditions kept unblocking each other ${MAX_CONDITION_ROUNDS} times in one step; check condition() predicates for a loop.`,
        retryable: false,
      },
    });
  }

  private conclude(session: SessionContext, history: HistoryColumns | undefined): ActivationOutcome {
    const started = performance.now();
    let conclusion: Conclusion | number;
    for (let round = 0; ; round++) {
      conclusion = this.call(session, WorkflowOp.conclude, undefined, round, started, true) as
        Conclusion | number;
      if (typeof conclusion !== 'number') break;
      if (round >= MAX_CONDITION_ROUNDS) throw this.conditionLoop(session);
    }
    return this.outcomeOf(session, conclusion, history);
  }

  /** A conclusion as the activation's outcome (a divergence or a violation ends the context). */
  private outcomeOf(
    session: SessionContext,
    conclusion: Conclusion,
    history: HistoryColumns | undefined,
  ): ActivationOutcome {
    const build = session.shard.build;
    const { sessionId } = session;
    if (conclusion.divergence !== undefined) {
      this.evict(sessionId);
      return {
        kind: 'nondeterminism',
        sessionId,
        divergence: toDivergence(conclusion.divergence, history, build.workflowMap),
      };
    }
    if (conclusion.violation !== undefined) {
      this.evict(sessionId);
      return {
        kind: 'failed',
        sessionId,
        error: { ...mapErrorData(conclusion.violation, build.workflowMap), retryable: false },
      };
    }
    return {
      kind: 'ok',
      sessionId,
      commands: conclusion.commands.map((raw) => issuedCommand(raw, build.workflowMap)),
      done: conclusion.done,
    };
  }

  /** `conclude` on its own, failures turned into the outcome (as `activate` does). */
  private concludeAlone(session: SessionContext): ActivationOutcome {
    try {
      return this.conclude(session, undefined);
    } catch (error) {
      return this.failedActivation(session.sessionId, session, error);
    }
  }

  private failedActivation(
    sessionId: string,
    session: SessionContext | undefined,
    error: unknown,
  ): ActivationOutcome {
    if (error instanceof ActivationFailed) {
      if (session !== undefined) this.evict(sessionId);
      return error.outcome;
    }
    return this.failure(sessionId, session, error);
  }

  /**
   * A `concludeThenJob` call failed: which of the two sessions' code breached a limit is not known,
   * so neither is blamed. Both contexts go (the shard too when it is broken or out of memory) and
   * both answer `context-lost`: the engine replays each in calls of its own, which tell.
   */
  private pairFailed(
    previous: SessionContext,
    next: SessionContext,
    error: unknown,
  ): [ActivationOutcome, ActivationOutcome] {
    const shard = next.shard;
    const kind = classifyIsolateError(error, shard.isolate, {
      cpuLimitMs: this.options.cpuLimitMs,
      memoryLimitMb: this.options.memoryLimitMb,
    });
    const broken = error instanceof Error && error.message.startsWith(SHARED_CONTEXT_BROKEN);
    const lost: ErrorData = {
      name: 'ContextLostError',
      code: 'CONTEXT_LOST',
      message: `Sessions ${previous.sessionId} and ${next.sessionId} shared a call into their context that failed (${kind.error.message}); both replay on their own.`,
      cause: kind.error,
    };
    if (broken || kind.code === 'MEMORY_LIMIT_EXCEEDED') this.dropShard(shard, undefined, kind.error);
    else {
      this.evict(previous.sessionId);
      this.evict(next.sessionId);
    }
    return [
      { kind: 'context-lost', sessionId: previous.sessionId, error: lost },
      { kind: 'context-lost', sessionId: next.sessionId, error: lost },
    ];
  }

  /** An exception from a call into the isolate: a limit, a lost isolate, or a runtime bug. */
  private failure(sessionId: string, session: SessionContext | undefined, error: unknown): ActivationOutcome {
    const shard = session?.shard;
    const kind = classifyIsolateError(error, shard?.isolate, {
      cpuLimitMs: this.options.cpuLimitMs,
      memoryLimitMb: this.options.memoryLimitMb,
    });
    if (kind.code === 'MEMORY_LIMIT_EXCEEDED' && shard !== undefined) {
      this.dropShard(shard, sessionId, kind.error);
      return { kind: 'failed', sessionId, error: kind.error };
    }
    if (shard !== undefined && error instanceof Error && error.message.startsWith(SHARED_CONTEXT_BROKEN)) {
      // A session changed a shared built-in beyond repair (and failed for it): replay the others elsewhere.
      const lost: ErrorData = { name: 'ContextLostError', code: 'CONTEXT_LOST', message: error.message };
      this.dropShard(shard, undefined, lost);
      return { kind: 'context-lost', sessionId, error: lost };
    }
    if (session !== undefined) this.evict(sessionId);
    if (kind.code === 'ISOLATE_DISPOSED') return { kind: 'context-lost', sessionId, error: kind.error };
    return { kind: 'failed', sessionId, error: kind.error };
  }

  /** The isolate died: every session it held is gone (they answer `context-missing` next time). */
  private dropShard(shard: Shard, culprit: string | undefined, error: ErrorData): void {
    const lost: string[] = [];
    for (const sessionId of shard.sessions) {
      this.sessions.delete(sessionId);
      if (sessionId !== culprit) lost.push(sessionId);
    }
    shard.sessions.clear();
    this.removeShard(shard);
    if (lost.length > 0) {
      this.options.onLost(lost, {
        name: 'ContextLostError',
        code: 'CONTEXT_LOST',
        message:
          culprit === undefined
            ? `The isolate holding these sessions was disposed (${error.message}); replay them.`
            : `The isolate holding these sessions was disposed because another session (${culprit}) exceeded its memory limit; replay them.`,
        cause: error,
      });
    }
  }
}

/** The guest's setup for a context: identity, seed, and the recorded history copied in once. */
export function workflowSetup(
  init: WorkflowInit,
  replay: HistoryColumns | undefined,
  bundleFile: string,
  debug: Pick<WorkflowRuntimeSetup, 'trace' | 'captureSites' | 'stopAt'> = {},
): WorkflowRuntimeSetup {
  const setup: WorkflowRuntimeSetup = {
    info: init.info,
    randomSeed: init.randomSeed,
    bundleFile,
    replaying: replay !== undefined,
    ...debug,
  };
  if (init.commandSources === false) setup.commandSources = false;
  if (replay !== undefined) setup.history = replay;
  return setup;
}

/** The call's options, with what is left of the CPU limit when that is not all of it. */
function withTimeout<T extends { timeout: number }>(options: T, timeout: number | undefined): T {
  return timeout === undefined ? options : { ...options, timeout };
}
