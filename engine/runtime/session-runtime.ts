/**
 * One open session's actor: a mailbox of facts and ONE loop that delivers them to the code and
 * writes the journal. Being the session's only writer is what keeps journal order equal to
 * delivery order, which replay depends on.
 *
 * A step of the loop, with the context loaded in a runner (warm):
 *   facts → activation → commands → append [facts, command events] in one batch → act on them.
 * One journal write (one fsync) per step; an outcome of the code is only acted on once journaled.
 * Without a loaded context (cold: new, evicted, after a restart) the facts are appended first,
 * then the whole journal is replayed into a new context, which then issues the new commands.
 */
import type { ErrorData } from '../../common/index.js';
import type { EventInput, EventStore } from '../../journal/index.js';
import type {
  ActivationOutcome,
  Job,
  Sandbox,
  WorkflowActivation,
  WorkflowInfo,
} from '../../sandbox/index.js';
import { lastJobTime as lastRecordedJobTime } from '../../sandbox/index.js';
import { childSessionId } from '../ids.js';
import { eventsForCommands } from '../session/commands.js';
import type { SessionEvent } from '../session/events.js';
import { sessionStream } from '../session/events.js';
import type { JournaledSessionEvent } from '../session/history.js';
import { splitHistoryColumns } from '../session/history.js';
import type { SessionState } from '../session/state.js';
import {
  MalformedSessionJournalError,
  applySessionEvent,
  foldSession,
  isFinalStatus,
} from '../session/state.js';
import type { ContextCache } from './context-cache.js';

/** A fact (or record) waiting to be journaled and/or delivered. */
export interface MailItem {
  /** The event to append; absent when already journaled. */
  event?: SessionEvent;
  /** Jobs to deliver to a warm context. (A cold context gets them by replaying the journal.) */
  jobs: Job[];
  /** Resolved once `event` is durable (or at once when there is none); rejected if it never will be. */
  durable?: { resolve: () => void; reject: (error: unknown) => void };
  /**
   * A chained activity's completion (see `ActivityChain`): the runner already activated the
   * context with `jobs`, at `time`, and this is the outcome; it is journaled and acted on as if
   * the engine had sent that activation.
   */
  chained?: { outcome: ActivationOutcome; time: number };
}

/** A chain offered to the runner for one activity attempt of this session (see `ActivityChain`). */
export interface SessionChain {
  taskId: string;
  /** Resolves once no chained activation can come for it (one that came is in the mailbox). */
  revoke(): Promise<void>;
}

/** What a session needs from the engine around it. */
export interface SessionHost {
  readonly store: EventStore;
  readonly sandbox: Sandbox;
  readonly cache: ContextCache;
  /** Registers the build with the sandbox if needed and returns its artifact hash. */
  buildHash(buildId: string): Promise<string>;
  /** Every event appended to the session, with its revision, in order; `state` is already updated. */
  onAppended(session: SessionRuntime, events: JournaledSessionEvent[]): void;
  /** Acts on one appended event (start activities, arm timers, start children, notify on end). */
  onEffect(session: SessionRuntime, event: JournaledSessionEvent): void;
  /** A session whose next wake-up is further than this releases its context at once. */
  readonly longSleepMs: number;
  /** The state changed without a journal event (see `markDelivered`). */
  onStateChanged(session: SessionRuntime): void;
  /** A journal write failed for good (store fenced): the engine stops. */
  onFatal(error: unknown): void;
}

/** The mailbox of every idle session: never written to (`deliver` replaces it first). */
const NO_MAIL: MailItem[] = [];

/** After this many consecutive lost contexts (a runner crashing on this session) the session fails. */
const MAX_CONTEXT_LOSSES = 3;

export class SessionRuntime {
  state: SessionState;
  /** Shared empty array while idle (100,000 sleeping sessions keep no arrays of their own). */
  private mailbox: MailItem[] = NO_MAIL;
  private looping = false;
  /** True while an activation is in a runner (the session is `running`). */
  activating = false;
  private contextLosses = 0;
  /** An ending decided outside the code (forced stop, failed by operator), journaled by the loop. */
  private terminal: SessionEvent | undefined;
  private idleWaiters: (() => void)[] | undefined;
  /** Set while an activity attempt's chain stands: the runner may activate the context on its own. */
  chain: SessionChain | undefined;

  constructor(
    private readonly host: SessionHost,
    state: SessionState,
  ) {
    this.state = state;
  }

  /** The state's id, not a field of its own (8 B for each of 100,000 sleeping sessions). */
  get id(): string {
    return this.state.sessionId;
  }

  /** Computed, not stored: 100,000 idle sessions need not hold 100,000 stream names. */
  get stream(): string {
    return sessionStream(this.id);
  }

  get busy(): boolean {
    return this.looping;
  }

  get final(): boolean {
    return isFinalStatus(this.state.status);
  }

  /** Queues a fact or record; the returned promise settles when it is journaled. */
  deliver(item: Omit<MailItem, 'durable'>, front = false): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const queued: MailItem = { ...item, durable: { resolve, reject } };
      if (this.mailbox === NO_MAIL) this.mailbox = [queued];
      else if (front) this.mailbox.unshift(queued);
      else this.mailbox.push(queued);
      this.kick();
    });
  }

  /**
   * True when an activity attempt starting now may be chained: the context is warm and nothing
   * else (another chain, an ending, a park) stands in the way.
   */
  get chainable(): boolean {
    return (
      this.chain === undefined &&
      this.terminal === undefined &&
      this.state.status !== 'parked' &&
      !this.final &&
      this.host.cache.has(this.id)
    );
  }

  /** The runner activated the context with a chained activity's result: next in line, first. */
  acceptChained(item: Omit<MailItem, 'durable'> & { chained: NonNullable<MailItem['chained']> }): void {
    void this.deliver(item, true).catch(() => undefined);
  }

  /** The context saw something that will not be journaled as it saw it: it must not go on. */
  discardContext(): void {
    this.host.cache.drop(this.id);
  }

  /** Makes sure the context is loaded (replaying if needed), e.g. before a query or after recovery. */
  wake(): Promise<void> {
    if (this.final) return Promise.resolve();
    this.needsLoad = true;
    return this.deliver({ jobs: [] });
  }

  /** Ends the session without running more code (forced stop), journaled by the loop. */
  forceStop(reason: string): Promise<void> {
    return this.forceStopWith({
      type: 'SessionStopped',
      data: { reason, origin: 'engine', forced: true, time: Date.now() },
    });
  }

  /** Ends the session with `event` (a SessionStopped or SessionFailed) without running more code. */
  forceStopWith(event: SessionEvent): Promise<void> {
    if (this.final) return Promise.resolve();
    this.terminal ??= event;
    return this.deliver({ jobs: [] });
  }

  /** Resolves when the loop has nothing left to do. */
  idle(): Promise<void> {
    if (!this.looping && this.mailbox.length === 0) return Promise.resolve();
    return new Promise((resolve) => (this.idleWaiters ??= []).push(resolve));
  }

  private kick(): void {
    if (this.looping) return;
    this.looping = true;
    void this.loop();
  }

  private async loop(): Promise<void> {
    try {
      while (this.mailbox.length > 0) {
        const items = this.mailbox;
        this.mailbox = NO_MAIL;
        try {
          await this.step(items);
        } catch (error) {
          for (const item of items) item.durable?.reject(error);
          this.host.onFatal(error);
          const left = this.mailbox;
          this.mailbox = NO_MAIL;
          left.forEach((item) => item.durable?.reject(error));
        }
      }
    } finally {
      this.looping = false;
      const waiters = this.idleWaiters;
      this.idleWaiters = undefined;
      if (waiters !== undefined) for (const resolve of waiters) resolve();
    }
  }

  private async step(items: MailItem[]): Promise<void> {
    if (this.final) {
      // The journal of an ended session is closed: late facts (an activity result after a forced
      // stop) are dropped, and whoever waited on them is told it is done.
      settle(items);
      return;
    }
    if (this.terminal !== undefined) {
      await this.appendAndAct([...eventsOf(items), this.terminal], items);
      return;
    }
    if (this.state.status === 'parked') {
      // A parked session runs no code until it is resumed: journal the facts, deliver them later.
      await this.appendAndAct(eventsOf(items), items);
      return;
    }
    const head = items[0];
    if (head?.chained !== undefined) {
      // Alone: what came after it was not seen by the code yet.
      if (items.length > 1) this.requeue(items.slice(1));
      const { chained, ...plain } = head;
      // A use of the context, unless the engine let it go meanwhile (the runner then drops it too).
      if (this.host.cache.has(this.id)) this.host.cache.touch(this.id);
      await this.handleOutcome(chained.outcome, [plain], chained.time);
      return;
    }
    const jobs = items.flatMap((item) => item.jobs);
    if (jobs.length === 0 && (this.host.cache.has(this.id) || !this.needsLoad)) {
      await this.appendAndAct(eventsOf(items), items);
      return;
    }
    if (this.chain !== undefined && (await this.revokeChain(items))) return;
    const warm = this.host.cache.has(this.id);
    if (!warm) {
      // Cold: make the facts durable first; replaying the journal then delivers them.
      await this.appendAndAct(eventsOf(items), items);
      await this.activate([], []);
      return;
    }
    await this.activate(jobs, items);
  }

  /**
   * Before the code sees anything else, the runner must no longer activate it on its own. If a
   * chained activation came meanwhile, it goes first and `items` after it (true: nothing done).
   */
  private async revokeChain(items: MailItem[]): Promise<boolean> {
    const chain = this.chain as SessionChain;
    await chain.revoke();
    if (this.chain === chain) this.chain = undefined;
    const [first, ...rest] = this.mailbox;
    if (first?.chained === undefined) return false;
    this.mailbox = [first, ...items, ...rest];
    return true;
  }

  /** Set by `wake`: the context must be (re)built even without new jobs. */
  private needsLoad = false;

  /**
   * Runs one activation. `items` are the mail items whose jobs are `jobs` (warm), not yet
   * journaled; their events are appended together with the commands' events.
   */
  private async activate(jobs: Job[], items: MailItem[]): Promise<void> {
    this.needsLoad = false;
    const cold = !this.host.cache.has(this.id);
    let activation: WorkflowActivation;
    let time: number;
    if (cold) {
      const buildHash = await this.host.buildHash(this.state.buildId);
      const journal = await this.readJournal();
      const { replay, pending } = splitHistoryColumns(journal);
      time = lastJobTime(pending) ?? lastRecordedJobTime(replay) ?? this.state.startedAt;
      activation = {
        sessionId: this.id,
        init: {
          buildHash,
          info: this.workflowInfo(),
          randomSeed: seedOf(this.id, journal),
          commandSources: false,
        },
        replay,
        jobs: pending,
      };
    } else {
      time = lastJobTime(jobs) ?? Date.now();
      activation = { sessionId: this.id, jobs };
    }
    this.host.cache.touch(this.id);
    this.activating = true;
    let outcome: ActivationOutcome;
    try {
      outcome = await this.host.sandbox.activate(activation);
    } finally {
      this.activating = false;
    }
    await this.handleOutcome(outcome, items, time);
  }

  private async handleOutcome(outcome: ActivationOutcome, items: MailItem[], time: number): Promise<void> {
    const facts = eventsOf(items);
    switch (outcome.kind) {
      case 'ok': {
        this.contextLosses = 0;
        // A stop requested in this very batch counts too: the code saw the cancel job.
        const cancelRequested =
          this.state.cancelRequested ?? facts.find((e) => e.type === 'CancelRequested')?.data;
        const commands = eventsForCommands(outcome.commands, {
          time,
          ...(cancelRequested !== undefined ? { cancelRequested } : {}),
          childSessionId: (seq) => childSessionId(this.id, seq),
        });
        await this.appendAndAct([...facts, ...commands], items);
        this.markDelivered();
        if (this.final) this.host.cache.drop(this.id);
        else if (this.sleepsLong()) this.host.cache.evict(this.id);
        return;
      }
      case 'context-missing':
        this.host.cache.forget(this.id);
        this.requeue(items);
        return;
      case 'context-lost':
        this.host.cache.forget(this.id);
        if (++this.contextLosses < MAX_CONTEXT_LOSSES) {
          this.requeue(items);
          return;
        }
        await this.appendAndAct(
          [
            ...facts,
            failedByEngine(outcome.error, `the runner was lost ${MAX_CONTEXT_LOSSES} times in a row`),
          ],
          items,
        );
        return;
      case 'nondeterminism': {
        this.host.cache.drop(this.id);
        const parked: SessionEvent = {
          type: 'SessionParked',
          data: {
            code: 'NONDETERMINISM',
            message: outcome.divergence.message,
            divergence: outcome.divergence,
            time: Date.now(),
          },
        };
        await this.appendAndAct([...facts, parked], items);
        return;
      }
      case 'failed':
        this.host.cache.drop(this.id);
        await this.appendAndAct([...facts, failedByEngine(outcome.error)], items);
        return;
    }
  }

  /**
   * Every journaled fact has now been seen by the code. Live knowledge the journal cannot show when
   * the activation issued no command: recovery conservatively re-activates such a session.
   */
  private markDelivered(): void {
    if (!this.state.pendingFacts) return;
    this.state.pendingFacts = false;
    if (this.state.status === 'created') this.state.status = 'waiting';
    this.host.onStateChanged(this);
  }

  /**
   * Waiting only for a timer that is far off (no activity, child or fact in the way): the context
   * goes back to the runner now, so sleeping sessions cost only their timer-index entry. The
   * session replays when the timer fires.
   */
  private sleepsLong(): boolean {
    const s = this.state;
    if (s.activities.size > 0 || s.children.size > 0 || s.timers.size === 0 || this.mailbox.length > 0)
      return false;
    let soonest = Number.POSITIVE_INFINITY;
    for (const timer of s.timers.values()) soonest = Math.min(soonest, timer.fireAt);
    return soonest - Date.now() > this.host.longSleepMs;
  }

  /** Puts undelivered items back at the front, so the next step (cold) replays and retries them. */
  private requeue(items: MailItem[]): void {
    this.mailbox = this.mailbox === NO_MAIL ? items : [...items, ...this.mailbox];
  }

  private async readJournal(): Promise<JournaledSessionEvent[]> {
    const recorded = await this.host.store.readStream(this.stream);
    return recorded.map(
      (event) => ({ type: event.type, data: event.data, revision: event.revision }) as JournaledSessionEvent,
    );
  }

  /** Appends `events` (one atomic batch), folds them into the state, then acts on each. */
  private async appendAndAct(events: SessionEvent[], items: MailItem[]): Promise<void> {
    if (events.length > 0) {
      const inputs: EventInput[] = events.map((event) => ({ type: event.type, data: event.data }));
      const firstRevision = this.state.revision + 1;
      await this.host.store.append(this.stream, inputs, { expectedRevision: this.state.revision });
      const journaled = events.map((event, i) => ({ ...event, revision: firstRevision + i }));
      for (const event of journaled) applySessionEvent(this.state, event);
      settle(items);
      this.host.onAppended(this, journaled);
      for (const event of journaled) this.host.onEffect(this, event);
    } else {
      settle(items);
    }
  }

  /** Re-reads the state from the journal (after another writer moved the stream on). */
  async reload(): Promise<void> {
    const journal = await this.readJournal();
    this.state = foldSession(journal);
    this.host.cache.drop(this.id);
  }

  workflowInfo(): WorkflowInfo {
    const s = this.state;
    return {
      sessionId: s.sessionId,
      entry: s.entry,
      buildId: s.buildId,
      startTime: s.startedAt,
      variables: s.variables,
      ...(s.projectId !== undefined ? { projectId: s.projectId } : {}),
      ...(s.deploymentId !== undefined ? { deploymentId: s.deploymentId } : {}),
      ...(s.parent !== undefined ? { parentSessionId: s.parent.sessionId } : {}),
    };
  }
}

function eventsOf(items: readonly MailItem[]): SessionEvent[] {
  const events: SessionEvent[] = [];
  for (const item of items) if (item.event !== undefined) events.push(item.event);
  return events;
}

function settle(items: readonly MailItem[]): void {
  for (const item of items) item.durable?.resolve();
}

function lastJobTime(jobs: readonly Job[]): number | undefined {
  return jobs.length > 0 ? jobs[jobs.length - 1]?.time : undefined;
}

function failedByEngine(error: ErrorData, context?: string): SessionEvent {
  const message = context === undefined ? error.message : `${error.message} (${context})`;
  return {
    type: 'SessionFailed',
    data: { error: { ...error, message }, origin: 'engine', time: Date.now() },
  };
}

/**
 * The session's random seed, from its `SessionStarted` (read for every cold load anyway): not kept
 * in the folded state, which 100,000 sleeping sessions would each hold for nothing.
 */
function seedOf(sessionId: string, journal: readonly JournaledSessionEvent[]): string {
  const started = journal[0];
  if (started?.type !== 'SessionStarted')
    throw new MalformedSessionJournalError(sessionId, 0, 'does not start with SessionStarted');
  return started.data.seed;
}
