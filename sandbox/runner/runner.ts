/**
 * A runner process's dispatcher: takes the host's batches, runs them in order (workflow calls are
 * synchronous; activities continue asynchronously), and answers in batches. Long batches yield to
 * the event loop every few milliseconds so pings (health checks) and activity callbacks are
 * served while it works.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';

import type { ErrorData } from '../../common/index.js';
import type {
  ActivationOutcome,
  ActivityOutcome,
  LogLevel,
  ReplayOutcome,
  ReplayRequest,
  WorkflowActivation,
} from '../protocol.js';
import { ActivityHost, INLINE_START_BUDGET_MS } from './activity-host.js';
import { replayInspected } from './inspected-replay.js';
import { PolicyFetch } from './policy-fetch.js';
import { RunnerBuilds } from './runner-builds.js';
import type { HostRequest, RunnerOptions, RunnerReply, RuntimeScripts } from './wire.js';
import { throughWire } from './wire.js';
import { WorkflowHost } from './workflow-host.js';

/** Work done before yielding to the event loop. */
const SLICE_MS = 10;
/** Activations handed to the workflow host at once (a few milliseconds of work at most). */
const ACTIVATION_RUN = 64;

type ActivateRequest = Extract<HostRequest, { op: 'activate' }>;

/** A chained activity's success, queued behind the work that came before it (see `ActivityChain`). */
interface ChainedWork {
  op: 'chained';
  id: number;
  outcome: Extract<ActivityOutcome, { ok: true }>;
  activation: WorkflowActivation;
  /** An `unchain` came first in the queue: answered as a plain `activityDone`, no activation. */
  revoked?: true;
}

/** What the queue holds: the host's requests and the runner's own chained activations. */
type Work = HostRequest | ChainedWork;

/** Activations go in runs (see `drain`): a request of the host, or a chained one. */
function isActivation(work: Work | undefined): work is ActivateRequest | ChainedWork {
  return work?.op === 'activate' || (work?.op === 'chained' && work.revoked !== true);
}

/** A chained activation an `unchain` came before: answered as the plain attempt outcome. */
function isRevoked(work: Work): work is ChainedWork {
  return work.op === 'chained' && work.revoked === true;
}

export class Runner {
  private readonly builds = new RunnerBuilds();
  private readonly workflows: WorkflowHost;
  private readonly activities: ActivityHost;
  private queue: Work[] = [];
  /** Activities sent with `chain` whose chain still stands: id → session and seq. */
  private readonly chains = new Map<number, { sessionId: string; seq: number }>();
  /** Chained activations queued and not run yet, by activity id (an `unchain` may still revoke them). */
  private readonly queuedChains = new Map<number, ChainedWork>();
  private processing = false;
  private outbox: RunnerReply[] = [];
  private flushScheduled = false;
  /** A drain is due on the next turn (chained activations of one turn go together). */
  private drainScheduled = false;

  private readonly cpuLimitMs: number;
  private readonly memoryLimitMb: number;
  private readonly runtimeCode: string;

  constructor(
    options: RunnerOptions,
    runtime: RuntimeScripts,
    private readonly send: (items: RunnerReply[]) => void,
  ) {
    this.cpuLimitMs = options.activationCpuLimitMs;
    this.memoryLimitMb = options.isolateMemoryLimitMb;
    this.runtimeCode = runtime.workflow;
    this.workflows = new WorkflowHost(this.builds, {
      cpuLimitMs: options.activationCpuLimitMs,
      memoryLimitMb: options.isolateMemoryLimitMb,
      runtimeCode: runtime.workflow,
      onLost: (sessionIds: string[], error: ErrorData) => this.reply({ op: 'lost', sessionIds, error }),
    });
    this.activities = new ActivityHost(this.builds, {
      memoryLimitMb: options.isolateMemoryLimitMb,
      cpuLimitMs: options.activationCpuLimitMs,
      inlineStartBudgetMs: options.inlineStartBudgetMs ?? INLINE_START_BUDGET_MS,
      runtimeCode: runtime.activity,
      fetch: new PolicyFetch(options.fetch),
      reporter: {
        done: (id, outcome) => this.activityDone(id, outcome),
        heartbeat: (id, details) => this.replySoon({ op: 'heartbeat', id, details }),
        log: (id: number, level: LogLevel, text: string) =>
          this.replySoon({ op: 'activityLog', id, level, text }),
      },
    });
  }

  /** Health check: answered at once, out of order (it measures that the event loop is alive). */
  pong(id: number): void {
    this.send([{ op: 'pong', id, contexts: this.workflows.contextCount }]);
  }

  enqueue(items: Work[]): void {
    if (this.queue.length === 0) this.queue = items;
    else for (const item of items) this.queue.push(item);
    if (!this.processing) void this.drain();
  }

  /**
   * An attempt settled. Chained and successful, with the session's context here: the activation
   * with its result joins the queue (behind whatever came before, so the context sees events in
   * the order the host sent them) and is answered with the outcome. Otherwise answered as is.
   */
  private activityDone(id: number, outcome: ActivityOutcome): void {
    const chain = this.chains.get(id);
    this.chains.delete(id);
    if (chain === undefined || !outcome.ok || !this.workflows.hasContext(chain.sessionId)) {
      this.replySoon({ op: 'activityDone', id, outcome });
      return;
    }
    const time = Date.now();
    // The code gets the result as the engine will journal it (and a replay will give it).
    const result = throughWire(outcome.result);
    const work: ChainedWork = {
      op: 'chained',
      id,
      outcome,
      activation: {
        sessionId: chain.sessionId,
        jobs: [{ kind: 'resolveActivity', seq: chain.seq, result, time }],
      },
    };
    this.queuedChains.set(id, work);
    this.queue.push(work);
    // On the next turn, not now: completions of the same turn then go in one run and one answer.
    if (this.processing || this.drainScheduled) return;
    this.drainScheduled = true;
    setImmediate(() => {
      this.drainScheduled = false;
      if (!this.processing) void this.drain();
    });
  }

  /** How activity attempts started (inline, asynchronously, overran the inline budget); for tests. */
  get activityStarts(): { inlineStarts: number; asyncStarts: number; overruns: number } {
    return this.activities.startCounts;
  }

  dispose(): void {
    this.activities.dispose();
    this.workflows.dispose();
    this.flush();
  }

  private async drain(): Promise<void> {
    this.processing = true;
    let sliceStart = performance.now();
    while (this.queue.length > 0) {
      const items = this.queue;
      this.queue = [];
      for (let i = 0; i < items.length;) {
        const item = items[i] as Work;
        if (isRevoked(item)) {
          i++;
          this.outbox.push({ op: 'activityDone', id: item.id, outcome: item.outcome });
        } else if (isActivation(item)) {
          // A run of activations goes in together: the workflow host saves a call per activation.
          let end = i + 1;
          while (end < items.length && end - i < ACTIVATION_RUN && isActivation(items[end])) end++;
          const run = items.slice(i, end) as (ActivateRequest | ChainedWork)[];
          i = end;
          for (const request of run) if (request.op === 'chained') this.queuedChains.delete(request.id);
          try {
            const outcomes = await this.workflows.activateAll(run.map((request) => request.activation));
            run.forEach((request, k) => this.answerActivation(request, outcomes[k] as ActivationOutcome));
          } catch (error) {
            for (const request of run) this.failed(request, error);
          }
        } else {
          i++;
          await this.serve(item);
        }
        if (performance.now() - sliceStart > SLICE_MS) {
          this.flush();
          await nextTurn();
          sliceStart = performance.now();
        }
      }
    }
    this.processing = false;
    this.flush();
  }

  private answerActivation(request: ActivateRequest | ChainedWork, outcome: ActivationOutcome): void {
    if (request.op === 'activate') {
      this.outbox.push({ op: 'activated', id: request.id, outcome });
      return;
    }
    const time = (request.activation.jobs[0] as { time: number }).time;
    this.outbox.push({
      op: 'activityDone',
      id: request.id,
      outcome: request.outcome,
      chained: { time, outcome },
    });
  }

  /** One request other than an activation. */
  private async serve(item: Exclude<Work, ChainedWork>): Promise<void> {
    try {
      if (item.op === 'replay' && item.request.inspect === undefined) {
        this.outbox.push({ op: 'replayed', id: item.id, outcome: await this.workflows.replay(item.request) });
      } else this.handle(item);
    } catch (error) {
      // A bug of the runner must not take the other requests (or the process) with it.
      this.failed(item, error);
    }
  }

  private handle(item: HostRequest): void {
    switch (item.op) {
      case 'build':
        this.builds.add(item.build);
        return;
      case 'activate':
        return; // handled in drain (in runs)
      case 'replay':
        // Inspected: waits for a debugger and runs asynchronously, off the queue.
        void this.replayInspected(item.id, item.request);
        return;
      case 'query':
        this.outbox.push({ op: 'queried', id: item.id, outcome: this.workflows.query(item.query) });
        return;
      case 'evict':
        this.workflows.evict(item.sessionId);
        return;
      case 'activity':
        if (item.chain === true)
          this.chains.set(item.id, { sessionId: item.task.info.sessionId, seq: item.task.info.seq });
        this.activities.run(item.id, item.task);
        return;
      case 'unchain': {
        // In queue order: a chained activation run before this was answered before this answer;
        // one queued behind it (the attempt ended while this waited in the queue) must not run.
        this.chains.delete(item.id);
        const queued = this.queuedChains.get(item.id);
        if (queued !== undefined) {
          queued.revoked = true;
          this.queuedChains.delete(item.id);
        }
        this.outbox.push({ op: 'unchained', id: item.id });
        return;
      }

      case 'cancelActivity':
        this.activities.cancel(item.id, item.reason);
        return;
      case 'ping':
        this.pong(item.id);
        return;
    }
  }

  private async replayInspected(id: number, request: ReplayRequest): Promise<void> {
    let outcome: ReplayOutcome;
    try {
      outcome = await replayInspected(this.builds, request, {
        cpuLimitMs: this.cpuLimitMs,
        memoryLimitMb: this.memoryLimitMb,
        runtimeCode: this.runtimeCode,
        onListening: (endpoint) => this.replySoon({ op: 'inspectorListening', id, endpoint }),
      });
    } catch (error) {
      outcome = {
        kind: 'failed',
        newCommands: [],
        done: false,
        error: {
          name: 'InspectorError',
          code: 'INSPECTOR_FAILED',
          message: `The inspected replay failed: ${error instanceof Error ? error.message : String(error)}`,
        },
      };
    }
    this.replySoon({ op: 'replayed', id, outcome });
  }

  private failed(item: Work, cause: unknown): void {
    const error: ErrorData = {
      name: 'SandboxRuntimeError',
      code: 'SANDBOX_RUNTIME_ERROR',
      message: `The sandbox runner failed on a ${item.op} request: ${cause instanceof Error ? cause.message : String(cause)}`,
    };
    switch (item.op) {
      case 'activate':
        this.outbox.push({
          op: 'activated',
          id: item.id,
          outcome: { kind: 'failed', sessionId: item.activation.sessionId, error },
        });
        return;
      case 'query':
        this.outbox.push({ op: 'queried', id: item.id, outcome: { kind: 'error', error } });
        return;
      case 'replay':
        this.outbox.push({
          op: 'replayed',
          id: item.id,
          outcome: { kind: 'failed', newCommands: [], done: false, error },
        });
        return;
      case 'activity':
        this.outbox.push({
          op: 'activityDone',
          id: item.id,
          outcome: { ok: false, error: { ...error, retryable: true } },
        });
        return;
      case 'chained':
        // The attempt itself succeeded: its result stands; the activation is the one that failed.
        this.outbox.push({
          op: 'activityDone',
          id: item.id,
          outcome: item.outcome,
          chained: {
            time: (item.activation.jobs[0] as { time: number }).time,
            outcome: { kind: 'failed', sessionId: item.activation.sessionId, error },
          },
        });
        return;
      default:
        process.stderr.write(`whisker runner ${process.pid}: ${error.message}\n`);
    }
  }

  private reply(item: RunnerReply): void {
    this.outbox.push(item);
  }

  /** Replies made outside a batch (activity callbacks): coalesced and sent on the next turn. */
  private replySoon(item: RunnerReply): void {
    this.outbox.push(item);
    if (this.processing || this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.outbox.length === 0) return;
    const items = this.outbox;
    this.outbox = [];
    this.send(items);
  }
}
