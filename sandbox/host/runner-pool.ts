/**
 * The engine-side sandbox: a pool of runner processes.
 *
 * - Routing: a session's activations go to the runner holding its context (sticky); a new context
 *   goes to the least-loaded runner. A chained activity (`ActivityChain`) goes to the runner holding
 *   its session's context; other activities to the runner with the fewest in flight.
 * - Batching: calls made in the same tick (before the next `setImmediate`) leave as one message
 *   per runner; runners answer in batches.
 * - Health: every `healthCheckIntervalMs` each runner is pinged; one that has not answered for
 *   `max(2 × interval, CPU limit + 1 s)` is killed. A runner that exits (killed, crashed, or
 *   aborted by an isolate, isolated-vm issue 527) is replaced; its in-flight activations answer
 *   `context-lost`, its activities a retryable `RUNNER_LOST` error, and its sessions are forgotten
 *   (their next activation without `init` answers `context-missing`).
 * - Builds are sent to a runner once, right before the first request that needs them.
 * - Idle runners (`runnerIdleMs` with no context and no call in flight) are let go: all but one
 *   stop, and start again when work arrives while the running ones are busy; the last one is
 *   replaced by a fresh process if it ran anything since it started. A runner keeps tens of MB
 *   after its isolates are disposed (V8 and the allocator do not give it back), so an engine whose
 *   sessions all sleep costs one fresh runner, not the peak of every runner.
 */
import { WhiskerError } from '../../common/index.js';
import type { ErrorData } from '../../common/index.js';
import type { BuildArtifact } from '../artifact.js';
import type {
  ActivationOutcome,
  ActivityOutcome,
  ActivityTask,
  QueryOutcome,
  ReplayCallbacks,
  ReplayOutcome,
  ReplayRequest,
  WorkflowActivation,
  WorkflowQuery,
} from '../protocol.js';
import { FETCH_ACTIVITY_NAME } from '../protocol.js';
import type { ActivityCallbacks, Sandbox, SandboxStats } from '../sandbox-types.js';
import { toHistoryColumns } from '../guest/history-columns.js';
import type { HostRequest, RunnerBuild, RunnerMessage, RunnerReply, RuntimeScripts } from '../runner/wire.js';
import { runnerBuildOf } from '../runner/wire.js';
import { RunnerProcess } from './runner-process.js';
import type { RunnerExit } from './runner-process.js';
import type { CompiledSandboxOptions } from './sandbox-options.js';

type PendingCall =
  | { kind: 'activate'; sessionId: string; resolve(outcome: ActivationOutcome): void }
  | { kind: 'query'; resolve(outcome: QueryOutcome): void }
  | { kind: 'replay'; resolve(outcome: ReplayOutcome): void; callbacks: ReplayCallbacks }
  | {
      kind: 'activity';
      resolve(outcome: ActivityOutcome): void;
      callbacks: ActivityCallbacks;
      detach(): void;
      /** Sent with `chain`: the answers awaited by `revokeChain`, and whether `unchain` went out. */
      chain?: { revoked: (() => void)[]; unchainSent: boolean };
    };

/** Restarts closer together than this back off (a runner that dies at once is not respawned in a loop). */
const RESTART_BACKOFF_MS = [0, 100, 500, 2_000, 5_000];
const STOP_GRACE_MS = 2_000;
/** A runner that has not answered its start within this is killed (and replaced). */
const STARTUP_TIMEOUT_MS = 30_000;

class RunnerSlot {
  process: RunnerProcess | undefined;
  ready = false;
  readonly builds = new Set<string>();
  readonly sessions = new Set<string>();
  readonly pending = new Map<number, PendingCall>();
  outbox: HostRequest[] = [];
  flushScheduled = false;
  activities = 0;
  pingSentAt: number | undefined;
  lastAnswerAt = Date.now();
  recentRestarts = 0;
  lastStartAt = 0;
  restartTimer: NodeJS.Timeout | undefined;
  /** Last request sent or answer received (pings and pongs aside). */
  lastBusyAt = Date.now();
  /** Whether the current process was sent any work (a fresh one is not worth replacing). */
  served = false;

  constructor(readonly index: number) {}

  get load(): number {
    return this.sessions.size + this.pending.size;
  }

  /** Stopped for being idle: no process, and none coming until work arrives. */
  get parked(): boolean {
    return this.process === undefined && this.restartTimer === undefined;
  }

  get holdsNothing(): boolean {
    return this.sessions.size === 0 && this.pending.size === 0 && this.outbox.length === 0;
  }
}

export class RunnerPool implements Sandbox {
  private readonly slots: RunnerSlot[];
  private readonly builds = new Map<string, RunnerBuild>();
  private readonly sessionSlots = new Map<string, RunnerSlot>();
  /** Activity attempts in flight by task id (to cancel one, or revoke its chain). */
  private readonly activityCalls = new Map<string, { slot: RunnerSlot; id: number }>();
  private nextId = 1;
  private restarts = 0;
  private recycles = 0;
  private messagesSent = 0;
  private messagesReceived = 0;
  private closed = false;
  private healthTimer: NodeJS.Timeout | undefined;
  private readonly unresponsiveAfterMs: number;

  constructor(
    private readonly options: CompiledSandboxOptions,
    private readonly runtime: RuntimeScripts,
  ) {
    this.slots = Array.from({ length: options.runners }, (_, index) => new RunnerSlot(index));
    this.unresponsiveAfterMs = Math.max(
      2 * options.healthCheckIntervalMs,
      options.activationCpuLimitMs + 1_000,
    );
  }

  /** Starts every runner and waits until each answered; fails (and stops them) if one cannot start. */
  async start(): Promise<void> {
    for (const slot of this.slots) this.spawn(slot);
    try {
      await Promise.all(
        this.slots.flatMap((slot) => (slot.process === undefined ? [] : [slot.process.ready])),
      );
    } catch (error) {
      await this.close();
      throw new RunnerStartError(error);
    }
    this.healthTimer = setInterval(() => this.checkHealth(), this.options.healthCheckIntervalMs);
    this.healthTimer.unref();
  }

  /** Process ids of the runners that are up and serving (for operations and tests). */
  runnerPids(): number[] {
    return this.slots.flatMap((slot) =>
      slot.ready && slot.process?.alive === true && slot.process.pid !== undefined ? [slot.process.pid] : [],
    );
  }

  /** Messages exchanged with runners (batches, pings included): batching at work. */
  transportStats(): { messagesSent: number; messagesReceived: number } {
    return { messagesSent: this.messagesSent, messagesReceived: this.messagesReceived };
  }

  registerBuild(artifact: BuildArtifact): void {
    if (this.builds.has(artifact.hash)) return;
    this.builds.set(artifact.hash, runnerBuildOf(artifact));
  }

  activate(activation: WorkflowActivation): Promise<ActivationOutcome> {
    const { sessionId } = activation;
    if (this.closed) return Promise.resolve({ kind: 'context-lost', sessionId, error: closedError() });
    let slot = this.sessionSlots.get(sessionId);
    if (activation.init !== undefined) {
      const hash = activation.init.buildHash;
      if (!this.builds.has(hash)) {
        return Promise.resolve({ kind: 'failed', sessionId, error: buildNotRegistered(hash) });
      }
      if (slot === undefined) {
        slot = this.leastLoaded((s) => s.load);
        this.sessionSlots.set(sessionId, slot);
        slot.sessions.add(sessionId);
      }
      this.ensureBuild(slot, hash);
    } else if (slot === undefined) {
      return Promise.resolve({ kind: 'context-missing', sessionId });
    }
    const target = slot;
    return new Promise((resolve) => {
      const id = this.nextId++;
      target.pending.set(id, { kind: 'activate', sessionId, resolve });
      // A cold load's history crosses in columns (history-columns.ts): far cheaper to encode and copy.
      const sent =
        activation.replay === undefined
          ? activation
          : { ...activation, replay: toHistoryColumns(activation.replay) };
      this.enqueue(target, { op: 'activate', id, activation: sent });
    });
  }

  query(query: WorkflowQuery): Promise<QueryOutcome> {
    const slot = this.sessionSlots.get(query.sessionId);
    if (this.closed || slot === undefined) return Promise.resolve({ kind: 'context-missing' });
    return new Promise((resolve) => {
      const id = this.nextId++;
      slot.pending.set(id, { kind: 'query', resolve });
      this.enqueue(slot, { op: 'query', id, query });
    });
  }

  replay(request: ReplayRequest, callbacks: ReplayCallbacks = {}): Promise<ReplayOutcome> {
    const hash = request.init.buildHash;
    const failed = (error: ErrorData): Promise<ReplayOutcome> =>
      Promise.resolve({ kind: 'failed', newCommands: [], done: false, error });
    if (this.closed) return failed(closedError());
    if (!this.builds.has(hash)) return failed(buildNotRegistered(hash));
    // Replays keep no context, so they go where the fewest calls are in flight.
    const slot = this.leastLoaded((s) => s.pending.size);
    this.ensureBuild(slot, hash);
    return new Promise((resolve) => {
      const id = this.nextId++;
      slot.pending.set(id, { kind: 'replay', resolve, callbacks });
      this.enqueue(slot, {
        op: 'replay',
        id,
        request: { ...request, history: toHistoryColumns(request.history) },
      });
    });
  }

  evict(sessionId: string): void {
    const slot = this.sessionSlots.get(sessionId);
    if (slot === undefined) return;
    this.forget(sessionId);
    if (!this.closed) this.enqueue(slot, { op: 'evict', sessionId });
  }

  runActivity(task: ActivityTask, callbacks: ActivityCallbacks = {}): Promise<ActivityOutcome> {
    if (this.closed) return Promise.resolve(cancelled(task, 'the sandbox is closed'));
    if (task.name !== FETCH_ACTIVITY_NAME && !this.builds.has(task.buildHash)) {
      return Promise.resolve({ ok: false, error: buildNotRegistered(task.buildHash) });
    }
    const signal = callbacks.signal;
    if (signal?.aborted === true) return Promise.resolve(cancelled(task, reasonOf(signal)));
    // Chained: it runs where the session's context is, which activates it with the result.
    const contextSlot =
      callbacks.chain === undefined ? undefined : this.sessionSlots.get(task.info.sessionId);
    const chained = contextSlot?.ready === true;
    const slot = chained ? contextSlot : this.leastLoaded((s) => s.activities);
    if (task.name !== FETCH_ACTIVITY_NAME) this.ensureBuild(slot, task.buildHash);
    return new Promise((resolve) => {
      const id = this.nextId++;
      const onAbort = (): void => {
        if (slot.pending.has(id)) this.enqueue(slot, { op: 'cancelActivity', id, reason: reasonOf(signal) });
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      slot.activities++;
      const chain = chained ? { revoked: [] as (() => void)[], unchainSent: false } : undefined;
      this.activityCalls.set(task.taskId, { slot, id });
      slot.pending.set(id, {
        kind: 'activity',
        resolve,
        callbacks,
        detach: () => {
          slot.activities--;
          signal?.removeEventListener('abort', onAbort);
          // Task ids name attempts; a caller reusing one must not lose the other call's entry.
          if (this.activityCalls.get(task.taskId)?.id === id) this.activityCalls.delete(task.taskId);
          if (chain === undefined) return;
          for (const done of chain.revoked.splice(0)) done();
        },
        ...(chain !== undefined ? { chain } : {}),
      });
      this.enqueue(slot, chained ? { op: 'activity', id, task, chain: true } : { op: 'activity', id, task });
    });
  }

  cancelActivity(taskId: string, reason: string): void {
    const where = this.activityCalls.get(taskId);
    if (where !== undefined && where.slot.pending.get(where.id)?.kind === 'activity')
      this.enqueue(where.slot, { op: 'cancelActivity', id: where.id, reason });
  }

  revokeChain(taskId: string): Promise<void> {
    const where = this.activityCalls.get(taskId);
    const call = where?.slot.pending.get(where.id);
    if (where === undefined || call?.kind !== 'activity' || call.chain?.unchainSent !== false)
      return Promise.resolve();
    const { chain } = call;
    chain.unchainSent = true;
    return new Promise((resolve) => {
      chain.revoked.push(resolve);
      this.enqueue(where.slot, { op: 'unchain', id: where.id });
    });
  }

  stats(): SandboxStats {
    let activations = 0;
    let activities = 0;
    for (const slot of this.slots) {
      for (const call of slot.pending.values()) {
        if (call.kind === 'activate') activations++;
        else if (call.kind === 'activity') activities++;
      }
    }
    return {
      runners: this.slots.filter((slot) => slot.ready && slot.process?.alive === true).length,
      runnerRestarts: this.restarts,
      runnersIdle: this.slots.filter((slot) => slot.parked).length,
      runnerRecycles: this.recycles,
      contexts: this.sessionSlots.size,
      activationsInFlight: activations,
      activitiesInFlight: activities,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.healthTimer !== undefined) clearInterval(this.healthTimer);
    await Promise.all(
      this.slots.map(async (slot) => {
        if (slot.restartTimer !== undefined) clearTimeout(slot.restartTimer);
        this.failPending(slot, closedError());
        await slot.process?.stop(STOP_GRACE_MS);
      }),
    );
    this.sessionSlots.clear();
  }

  // -------------------------------------------------------------------------------------------

  private leastLoaded(load: (slot: RunnerSlot) => number): RunnerSlot {
    let best = this.slots[0] as RunnerSlot;
    let bestLoad = Number.POSITIVE_INFINITY;
    for (const slot of this.slots) {
      // A runner being replaced still takes work (it is queued until the new process is ready),
      // but a ready one is preferred, and an idle-stopped one comes last (it has to start first).
      const value = load(slot) + (slot.ready ? 0 : slot.parked ? 2_000_000 : 1_000_000);
      if (value < bestLoad) {
        best = slot;
        bestLoad = value;
      }
    }
    // The best runner already has work: start the idle-stopped ones for what comes next.
    if (best.pending.size > 0) for (const slot of this.slots) if (slot.parked) this.spawn(slot);
    return best;
  }

  private ensureBuild(slot: RunnerSlot, hash: string): void {
    if (slot.builds.has(hash)) return;
    const build = this.builds.get(hash);
    if (build === undefined) return;
    slot.builds.add(hash);
    slot.outbox.push({ op: 'build', build });
  }

  private forget(sessionId: string): void {
    const slot = this.sessionSlots.get(sessionId);
    if (slot === undefined) return;
    this.sessionSlots.delete(sessionId);
    slot.sessions.delete(sessionId);
  }

  private enqueue(slot: RunnerSlot, request: HostRequest): void {
    slot.outbox.push(request);
    slot.lastBusyAt = Date.now();
    slot.served = true;
    if (slot.parked && !this.closed) this.spawn(slot);
    if (slot.flushScheduled) return;
    slot.flushScheduled = true;
    setImmediate(() => this.flush(slot));
  }

  private flush(slot: RunnerSlot): void {
    slot.flushScheduled = false;
    if (!slot.ready || slot.process === undefined || slot.outbox.length === 0) return;
    const items = slot.outbox;
    slot.outbox = [];
    this.messagesSent++;
    slot.process.send({ t: 'batch', items });
  }

  private spawn(slot: RunnerSlot): void {
    slot.ready = false;
    slot.served = slot.outbox.length > 0;
    slot.lastStartAt = Date.now();
    // Idle time counts from its start: a runner woken for a burst is not let go again at once.
    slot.lastBusyAt = slot.lastStartAt;
    const runner = new RunnerProcess((message) => this.onMessage(slot, runner, message));
    slot.process = runner;
    runner.send({ t: 'start', options: this.runnerOptions(), runtime: this.runtime });
    void runner.ready.then(
      () => {
        if (slot.process !== runner) return;
        slot.ready = true;
        slot.lastAnswerAt = Date.now();
        slot.lastBusyAt = slot.lastAnswerAt;
        slot.pingSentAt = undefined;
        this.flush(slot);
      },
      () => undefined,
    );
    void runner.exited.then((exit) => this.onExit(slot, runner, exit));
  }

  private runnerOptions(): {
    activationCpuLimitMs: number;
    isolateMemoryLimitMb: number;
    fetch: CompiledSandboxOptions['fetch'];
  } {
    return {
      activationCpuLimitMs: this.options.activationCpuLimitMs,
      isolateMemoryLimitMb: this.options.isolateMemoryLimitMb,
      fetch: this.options.fetch,
    };
  }

  private onMessage(slot: RunnerSlot, runner: RunnerProcess, message: RunnerMessage): void {
    if (slot.process !== runner) return;
    slot.lastAnswerAt = Date.now();
    this.messagesReceived++;
    if (message.t !== 'batch') return;
    for (const reply of message.items) this.onReply(slot, reply);
  }

  private onReply(slot: RunnerSlot, reply: RunnerReply): void {
    if (reply.op !== 'pong') slot.lastBusyAt = Date.now();
    switch (reply.op) {
      case 'pong':
        slot.pingSentAt = undefined;
        return;
      case 'lost':
        for (const sessionId of reply.sessionIds)
          if (this.sessionSlots.get(sessionId) === slot) this.forget(sessionId);
        return;
      case 'heartbeat': {
        const call = slot.pending.get(reply.id);
        if (call?.kind === 'activity') callSafely(() => call.callbacks.onHeartbeat?.(reply.details));
        return;
      }
      case 'activityLog': {
        const call = slot.pending.get(reply.id);
        if (call?.kind === 'activity') callSafely(() => call.callbacks.onLog?.(reply.level, reply.text));
        return;
      }
      case 'activated': {
        const call = slot.pending.get(reply.id);
        if (call?.kind !== 'activate') return;
        slot.pending.delete(reply.id);
        // The runner dropped the context on anything but success.
        if (reply.outcome.kind !== 'ok' && this.sessionSlots.get(call.sessionId) === slot)
          this.forget(call.sessionId);
        call.resolve(reply.outcome);
        return;
      }
      case 'queried': {
        const call = slot.pending.get(reply.id);
        if (call?.kind !== 'query') return;
        slot.pending.delete(reply.id);
        call.resolve(reply.outcome);
        return;
      }
      case 'replayed': {
        const call = slot.pending.get(reply.id);
        if (call?.kind !== 'replay') return;
        slot.pending.delete(reply.id);
        call.resolve(reply.outcome);
        return;
      }
      case 'inspectorListening': {
        const call = slot.pending.get(reply.id);
        if (call?.kind === 'replay') callSafely(() => call.callbacks.onInspectorListening?.(reply.endpoint));
        return;
      }
      case 'activityDone': {
        const call = slot.pending.get(reply.id);
        if (call?.kind !== 'activity') return;
        slot.pending.delete(reply.id);
        if (reply.chained !== undefined && reply.outcome.ok) {
          const { chained } = reply;
          // As for any activation: the runner dropped the context on anything but success.
          if (chained.outcome.kind !== 'ok' && this.sessionSlots.get(chained.outcome.sessionId) === slot)
            this.forget(chained.outcome.sessionId);
          const result = reply.outcome.result;
          callSafely(() => call.callbacks.chain?.onActivated(result, chained.outcome, chained.time));
        }
        call.detach();
        call.resolve(reply.outcome);
        return;
      }
      case 'unchained': {
        // Still in flight: the runner will answer it unchained. (Done: `detach` resolved this.)
        const call = slot.pending.get(reply.id);
        if (call?.kind === 'activity' && call.chain !== undefined)
          for (const done of call.chain.revoked.splice(0)) done();
        return;
      }
    }
  }

  private onExit(slot: RunnerSlot, runner: RunnerProcess, exit: RunnerExit): void {
    if (slot.process !== runner) return;
    slot.ready = false;
    const pid = runner.pid;
    // The signal or code tells a kill (SIGKILL: health check, OOM killer) from a crash (SIGSEGV, SIGABRT).
    const how = exit.signal !== null ? `on ${exit.signal}` : `with code ${String(exit.code)}`;
    this.failPending(slot, {
      name: 'RunnerLostError',
      code: 'RUNNER_LOST',
      message: `Sandbox runner process ${pid} exited ${how} while this call was in flight (an isolate may have aborted it); retry from the journal.`,
      retryable: true,
    });
    if (this.closed) return;
    this.restarts++;
    const sinceLast = Date.now() - slot.lastStartAt;
    slot.recentRestarts = sinceLast < 10_000 ? slot.recentRestarts + 1 : 0;
    const delay = RESTART_BACKOFF_MS[Math.min(slot.recentRestarts, RESTART_BACKOFF_MS.length - 1)] ?? 0;
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = undefined;
      if (!this.closed) this.spawn(slot);
    }, delay);
  }

  /** Settles every call in flight on `slot` and forgets its sessions and builds. */
  private failPending(slot: RunnerSlot, error: ErrorData): void {
    const calls = [...slot.pending.values()];
    slot.pending.clear();
    slot.outbox = [];
    for (const sessionId of slot.sessions) this.sessionSlots.delete(sessionId);
    slot.sessions.clear();
    slot.builds.clear();
    slot.pingSentAt = undefined;
    for (const call of calls) {
      if (call.kind === 'activate') call.resolve({ kind: 'context-lost', sessionId: call.sessionId, error });
      else if (call.kind === 'query') call.resolve({ kind: 'context-missing' });
      else if (call.kind === 'replay') call.resolve({ kind: 'failed', newCommands: [], done: false, error });
      else {
        call.detach();
        call.resolve({ ok: false, error });
      }
    }
  }

  /**
   * Lets idle runners go (see the module comment). From the last slot down, so the runner kept is
   * the lowest-numbered one still up.
   */
  private retireIdle(now: number): void {
    const idleMs = this.options.runnerIdleMs;
    if (idleMs === 0) return;
    let up = this.slots.filter((slot) => slot.process !== undefined).length;
    for (let index = this.slots.length - 1; index >= 0; index--) {
      const slot = this.slots[index] as RunnerSlot;
      const runner = slot.process;
      if (runner === undefined || !slot.ready || !slot.holdsNothing || now - slot.lastBusyAt < idleMs)
        continue;
      if (up > 1) {
        up--;
        slot.process = undefined;
      } else if (slot.served) {
        this.recycles++;
        this.spawn(slot);
      } else {
        continue;
      }
      // The slot no longer listens to this process: its exit is not a crash to recover from.
      if (slot.process === undefined) slot.ready = false;
      slot.builds.clear();
      slot.pingSentAt = undefined;
      slot.lastBusyAt = now;
      void runner.stop(STOP_GRACE_MS);
    }
  }

  private checkHealth(): void {
    const now = Date.now();
    this.retireIdle(now);
    for (const slot of this.slots) {
      const runner = slot.process;
      if (runner === undefined || !runner.alive) continue;
      if (!slot.ready) {
        // A runner that never answers its start is as good as hung.
        if (now - slot.lastStartAt > STARTUP_TIMEOUT_MS) runner.kill('SIGKILL');
        continue;
      }
      if (slot.pingSentAt !== undefined) {
        if (
          now - slot.pingSentAt > this.unresponsiveAfterMs &&
          now - slot.lastAnswerAt > this.unresponsiveAfterMs
        ) {
          runner.kill('SIGKILL');
        }
        continue;
      }
      slot.pingSentAt = now;
      this.messagesSent++;
      runner.send({ t: 'batch', items: [{ op: 'ping', id: this.nextId++ }] });
    }
  }
}

export class RunnerStartError extends WhiskerError {
  constructor(cause: unknown) {
    super(
      'RUNNER_START_FAILED',
      `A sandbox runner process could not start: ${cause instanceof Error ? cause.message : String(cause)}. Check that isolated-vm is installed for this Node.js version (npm rebuild isolated-vm).`,
      { cause },
    );
  }
}

/**
 * The embedder's callbacks run inside the transport's data handler: a throw there would stop the
 * replies that follow in the batch, so it becomes a process warning instead.
 */
function callSafely(fn: () => void): void {
  try {
    fn();
  } catch (error) {
    process.emitWarning(error instanceof Error ? error : String(error), { code: 'WHISKER_CALLBACK_FAILED' });
  }
}

function closedError(): ErrorData {
  return {
    name: 'SandboxClosedError',
    code: 'SANDBOX_CLOSED',
    message: 'The sandbox was closed while this call was in flight.',
    retryable: true,
  };
}

function buildNotRegistered(hash: string): ErrorData {
  return {
    name: 'BuildNotRegisteredError',
    code: 'BUILD_NOT_REGISTERED',
    message: `Build ${hash} is not registered with the sandbox; call sandbox.registerBuild(artifact) before running its code.`,
    retryable: false,
  };
}

function reasonOf(signal: AbortSignal | undefined): string {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error) return reason.message;
  return typeof reason === 'string' ? reason : 'cancelled';
}

function cancelled(task: ActivityTask, reason: string): ActivityOutcome {
  return {
    ok: false,
    error: {
      name: 'CancelledFailure',
      code: 'CANCELLED',
      message: `Activity ${task.name} was cancelled: ${reason}`,
      retryable: false,
    },
  };
}
