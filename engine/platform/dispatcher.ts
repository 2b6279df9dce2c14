/**
 * Trigger occurrences → events → sessions. Every incoming occurrence (webhook call, schedule tick,
 * manual run, connection event) is journaled as an event BEFORE anything is dispatched; dispatching
 * starts a session on the target deployment with the event id as idempotency key, so a crash
 * between the two is repaired on start without starting twice. Also keeps the counts of open
 * sessions per deployment (for draining) and runs the schedules.
 */
import { hasErrorCode, toErrorData } from '../../common/index.js';
import type { RecordedEvent } from '../../journal/index.js';
import type { HttpResponseData } from '../../sandbox/index.js';
import { InvalidArgumentError } from '../errors.js';
import { newId } from '../ids.js';
import type { SessionInfo, SessionEventNotice } from '../runtime/engine.js';
import type { SessionStatus } from '../session/state.js';
import { isFinalStatus } from '../session/state.js';
import {
  EventNotFoundError,
  NoActiveDeploymentError,
  TriggerNotFoundError,
  WebhookNotFoundError,
  WebhookSignatureError,
} from './errors.js';
import type { CompiledFilter } from './manifest/index.js';
import { nextScheduleTime } from './manifest/cron.js';
import { manifestTools } from './manifest/lazy.js';
import type { ManifestTools } from './manifest/lazy.js';
import type {
  DeployedTrigger,
  EventReceivedData,
  EventStreamMap,
  ScheduleTickedData,
  TriggerEventType,
} from './model.js';
import { EVENT_STREAM_PREFIX, SCHEDULE_STREAM_PREFIX, eventStream, scheduleStream } from './model.js';
import type { Platform } from './platform.js';
import type { DeploymentRecord, ProjectState } from './project-state.js';
import { activeDeployment } from './project-state.js';
import { verifyWebhookSignature } from './webhook-signature.js';

export type EventStatus = 'received' | 'dispatched' | 'filtered' | 'not-dispatched';

export interface EventSummary {
  eventId: string;
  projectId: string;
  type: TriggerEventType;
  triggerId?: string;
  triggerName?: string;
  deploymentId?: string;
  entry?: string;
  redispatchOf?: string;
  time: number;
  status: EventStatus;
  sessionId?: string;
  /** Why it was filtered or not dispatched. */
  reason?: string;
}

export interface EventDetail extends EventSummary {
  data: unknown;
}

export interface WebhookRequest {
  method: string;
  /** Full request URL as received (path and query). */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  /** The raw body, exactly as received (signatures are checked over it). */
  body: Uint8Array;
  /** Address the event to this deployment (required for `testing` deployments). */
  deploymentId?: string;
}

export interface DispatchResult {
  eventId: string;
  status: EventStatus;
  sessionId?: string;
  reason?: string;
}

export interface WebhookResult extends DispatchResult {
  /** Synchronous webhooks: what to answer the caller. */
  response?: HttpResponseData;
}

export interface DeploymentSessionCounts {
  total: number;
  open: number;
  byStatus: Partial<Record<SessionStatus, number>>;
}

export interface ListEventsOptions {
  projectId?: string;
  triggerId?: string;
  type?: TriggerEventType;
  status?: EventStatus;
  limit?: number;
  cursor?: string;
}

const MAX_EVENTS_PAGE = 1000;
/** The events that end a session (see engine/session/events.ts). */
const FINAL_EVENT_TYPES: ReadonlySet<string> = new Set([
  'SessionCompleted',
  'SessionFailed',
  'SessionStopped',
]);
/** Longest a catch-up after downtime may iterate a fast schedule to find the last missed tick. */
const MAX_MISSED_TICK_STEPS = 10_000;

export class Dispatcher {
  private readonly events = new Map<string, EventSummary>();
  private readonly lastTicks = new Map<string, { revision: number; data: ScheduleTickedData }>();
  private readonly filters = new Map<string, CompiledFilter | { error: string }>();
  private readonly scheduleTimers = new Map<string, NodeJS.Timeout>();
  private unsubscribe: (() => void) | undefined;
  private closed = false;

  constructor(private readonly platform: Platform) {}

  // ------------------------------------------------------------------------------------------
  // Recovery and life cycle

  recoverEvent(event: RecordedEvent): void {
    if (event.stream.startsWith(EVENT_STREAM_PREFIX)) {
      this.foldEvent(
        event.stream.slice(EVENT_STREAM_PREFIX.length),
        event.type as keyof EventStreamMap,
        event.data,
      );
    } else if (event.stream.startsWith(SCHEDULE_STREAM_PREFIX) && event.type === 'ScheduleTicked') {
      const data = event.data as ScheduleTickedData;
      this.lastTicks.set(data.triggerId, { revision: event.revision, data });
    }
  }

  async start(): Promise<void> {
    const engine = this.platform.engine;
    this.unsubscribe = engine.subscribe((notice) => this.onSessionNotice(notice));
    // Events journaled but never dispatched (a crash in between): dispatch them now.
    for (const summary of [...this.events.values()]) {
      if (summary.status === 'received') void this.dispatchRecorded(summary.eventId).catch(() => undefined);
    }
    await this.repairTicks();
    for (const project of this.platform.projects.values()) {
      this.scheduleProject(project);
      for (const deployment of project.deployments.values()) {
        if (deployment.state === 'draining') void this.checkDrained(deployment.deploymentId);
      }
    }
  }

  close(): void {
    this.closed = true;
    this.unsubscribe?.();
    for (const timer of this.scheduleTimers.values()) clearTimeout(timer);
    this.scheduleTimers.clear();
  }

  /** Deployments of a project changed: re-plan its schedules. */
  onDeploymentsChanged(projectId: string): void {
    const project = this.platform.projects.get(projectId);
    if (project !== undefined) this.scheduleProject(project);
  }

  // ------------------------------------------------------------------------------------------
  // Session counts and draining

  private onSessionNotice(notice: SessionEventNotice): void {
    // A session's final event is its last: the one notice where it stops counting as open.
    if (!isFinalStatus(notice.status) || !FINAL_EVENT_TYPES.has(notice.type)) return;
    const deploymentId = this.platform.engine.sessionState(notice.sessionId)?.deploymentId;
    if (deploymentId !== undefined) void this.checkDrained(deploymentId);
  }

  openSessions(deploymentId: string): number {
    let open = 0;
    for (const state of this.platform.engine.sessionStates())
      if (state.deploymentId === deploymentId && !isFinalStatus(state.status)) open++;
    return open;
  }

  sessionCounts(filter: { projectId?: string; deploymentId?: string }): DeploymentSessionCounts {
    const counts: DeploymentSessionCounts = { total: 0, open: 0, byStatus: {} };
    for (const state of this.platform.engine.sessionStates()) {
      if (filter.projectId !== undefined && state.projectId !== filter.projectId) continue;
      if (filter.deploymentId !== undefined && state.deploymentId !== filter.deploymentId) continue;
      counts.total++;
      if (!isFinalStatus(state.status)) counts.open++;
      counts.byStatus[state.status] = (counts.byStatus[state.status] ?? 0) + 1;
    }
    return counts;
  }

  private async checkDrained(deploymentId: string): Promise<void> {
    if (this.closed) return;
    try {
      await this.platform.drained(deploymentId);
    } catch {
      // Journal trouble: the next session end or restart checks again.
    }
  }

  // ------------------------------------------------------------------------------------------
  // Incoming occurrences

  /** A call to `/webhooks/<slug>`: verify, journal, dispatch; waits for a synchronous response. */
  async receiveWebhook(slug: string, request: WebhookRequest): Promise<WebhookResult> {
    const found = this.findWebhook(slug, request.deploymentId);
    if (found === undefined) throw new WebhookNotFoundError();
    const { project, trigger } = found;
    if (trigger.type !== 'webhook') throw new WebhookNotFoundError();
    const signature = trigger.webhook.signature;
    if (signature !== undefined) {
      const key = this.platform.secretValues(project.projectId)[signature.secret];
      if (key === undefined)
        throw new WebhookSignatureError(`the signing secret ${signature.secret} is not set on the project`);
      const problem = verifyWebhookSignature(signature, key, request.headers, request.body);
      if (problem !== undefined) throw new WebhookSignatureError(problem);
    }
    const result = await this.receive({
      projectId: project.projectId,
      type: 'webhook',
      triggerId: trigger.triggerId,
      triggerName: trigger.name,
      data: webhookEventData(request),
      ...(request.deploymentId !== undefined ? { deploymentId: request.deploymentId } : {}),
    });
    if (!trigger.webhook.sync || result.sessionId === undefined) return result;
    return { ...result, response: await this.awaitResponse(result.sessionId, trigger.webhook.timeoutMs) };
  }

  /** Starts a session of a manual trigger (by name) or of any entry point of the deployed build. */
  async runManual(
    projectIdOrName: string,
    options: { trigger?: string; entry?: string; input?: unknown; deploymentId?: string },
  ): Promise<DispatchResult> {
    const project = this.platform.requireProject(projectIdOrName);
    if ((options.trigger === undefined) === (options.entry === undefined)) {
      throw new InvalidArgumentError(
        'trigger',
        'give exactly one of trigger (a manual trigger name) or entry (file.ts:function)',
      );
    }
    const deployment = this.targetDeployment(project, options.deploymentId);
    if (options.trigger !== undefined) {
      const trigger = deployment.triggers.find((t) => t.name === options.trigger);
      if (trigger === undefined) throw new TriggerNotFoundError(options.trigger);
      if (trigger.type !== 'manual') {
        throw new InvalidArgumentError(
          'trigger',
          `${options.trigger} is a ${trigger.type} trigger, not a manual one`,
        );
      }
      return this.receive({
        projectId: project.projectId,
        type: 'manual',
        triggerId: trigger.triggerId,
        triggerName: trigger.name,
        deploymentId: deployment.deploymentId,
        data: options.input ?? null,
      });
    }
    const entry = options.entry as string;
    const build = this.platform.engine.getBuild(deployment.buildId);
    if (build !== undefined && !build.entryPoints.includes(entry)) {
      throw new InvalidArgumentError(
        'entry',
        `the deployed build has no entry point ${JSON.stringify(entry)}; it has ${build.entryPoints.join(', ')}`,
      );
    }
    return this.receive({
      projectId: project.projectId,
      type: 'manual',
      entry,
      deploymentId: deployment.deploymentId,
      data: options.input ?? null,
    });
  }

  /** An event of a connection (from an integration): one event per matching connection trigger. */
  async deliverConnectionEvent(
    projectIdOrName: string,
    connection: string,
    eventType: string,
    data: unknown,
  ): Promise<DispatchResult[]> {
    const project = this.platform.requireProject(projectIdOrName);
    if (!(project.config?.connections ?? []).some((c) => c.name === connection)) {
      throw new InvalidArgumentError(
        'connection',
        `project ${project.name} has no connection ${JSON.stringify(connection)}`,
      );
    }
    const deployment = activeDeployment(project);
    if (deployment === undefined) throw new NoActiveDeploymentError(project.projectId);
    const results: DispatchResult[] = [];
    for (const trigger of deployment.triggers) {
      if (trigger.type !== 'connection' || trigger.connection !== connection) continue;
      if (trigger.eventType !== undefined && trigger.eventType !== eventType) continue;
      results.push(
        await this.receive({
          projectId: project.projectId,
          type: 'connection',
          triggerId: trigger.triggerId,
          triggerName: trigger.name,
          data: { connection, eventType, data },
        }),
      );
    }
    return results;
  }

  /** Records a new event carrying the same data as `eventId`, and dispatches it. */
  async redispatch(eventId: string, options: { deploymentId?: string } = {}): Promise<DispatchResult> {
    const original = await this.getEvent(eventId);
    const data: Omit<EventReceivedData, 'eventId' | 'time'> = {
      projectId: original.projectId,
      type: original.type,
      data: original.data,
      redispatchOf: eventId,
      ...(original.triggerId !== undefined ? { triggerId: original.triggerId } : {}),
      ...(original.triggerName !== undefined ? { triggerName: original.triggerName } : {}),
      ...(original.entry !== undefined ? { entry: original.entry } : {}),
      ...(options.deploymentId !== undefined ? { deploymentId: options.deploymentId } : {}),
    };
    return this.receive(data);
  }

  /** Journals the event, then dispatches it. */
  private async receive(
    data: Omit<EventReceivedData, 'eventId' | 'time'>,
    eventId = newId('event'),
  ): Promise<DispatchResult> {
    const received: EventReceivedData = { ...data, eventId, time: Date.now() };
    try {
      await this.platform.store.append(eventStream(eventId), [{ type: 'EventReceived', data: received }], {
        expectedRevision: 'no-stream',
      });
      this.foldEvent(eventId, 'EventReceived', received);
    } catch (error) {
      // Journaled before (a schedule tick being repaired after a crash): dispatch what is there.
      if (!hasErrorCode(error, 'WRONG_EXPECTED_REVISION')) throw error;
      if (!this.events.has(eventId)) {
        const [first] = await this.platform.store.readStream(eventStream(eventId), { maxCount: 1 });
        if (first !== undefined) this.foldEvent(eventId, 'EventReceived', first.data);
      }
    }
    return this.dispatchRecorded(eventId);
  }

  private async dispatchRecorded(eventId: string): Promise<DispatchResult> {
    const summary = this.events.get(eventId);
    if (summary === undefined) throw new EventNotFoundError(eventId);
    if (summary.status !== 'received') return resultOf(summary);
    const detail = await this.getEvent(eventId);
    const project = this.platform.projects.get(summary.projectId);
    let outcome = this.decide(project, detail);
    if (outcome.kind === 'start' && outcome.filtered !== undefined) {
      // CEL is loaded only for an event that meets a filter (see `manifest/lazy.ts`).
      const { deployment } = outcome;
      const verdict = this.evaluateFilter(
        deployment.deploymentId,
        outcome.filtered,
        detail,
        await manifestTools(),
      );
      if (!verdict.matched) outcome = { kind: 'filtered', deployment, reason: verdict.reason };
    }
    const time = Date.now();
    if (outcome.kind === 'skip') {
      await this.record(eventId, 'EventNotDispatched', {
        code: outcome.code,
        reason: outcome.reason,
        time,
        ...(outcome.error ? { error: outcome.error } : {}),
      });
      return resultOf(this.events.get(eventId) as EventSummary);
    }
    if (outcome.kind === 'filtered') {
      await this.record(eventId, 'EventFiltered', {
        deploymentId: outcome.deployment.deploymentId,
        reason: outcome.reason,
        time,
      });
      return resultOf(this.events.get(eventId) as EventSummary);
    }
    const { deployment, entry } = outcome;
    let session: SessionInfo;
    try {
      session = await this.platform.engine.startSession({
        buildId: deployment.buildId,
        entry,
        input: eventInput(detail),
        projectId: summary.projectId,
        deploymentId: deployment.deploymentId,
        trigger: {
          kind:
            summary.type === 'webhook' || summary.type === 'schedule' || summary.type === 'connection'
              ? summary.type
              : 'manual',
          eventId,
          ...(summary.triggerId !== undefined ? { triggerId: summary.triggerId } : {}),
        },
        variables: this.platform.plainVariables(summary.projectId),
        idempotencyKey: `event:${eventId}`,
      });
    } catch (error) {
      await this.record(eventId, 'EventNotDispatched', {
        code: (error as { code?: string }).code ?? 'START_FAILED',
        reason: (error as Error).message,
        error: toErrorData(error),
        time: Date.now(),
      });
      return resultOf(this.events.get(eventId) as EventSummary);
    }
    await this.record(eventId, 'EventDispatched', {
      deploymentId: deployment.deploymentId,
      sessionId: session.sessionId,
      time: Date.now(),
    });
    return resultOf(this.events.get(eventId) as EventSummary);
  }

  /** Where the event goes; `filtered`: the trigger's filter is still to be evaluated. */
  private decide(
    project: ProjectState | undefined,
    event: EventDetail,
  ):
    | { kind: 'start'; deployment: DeploymentRecord; entry: string; filtered?: DeployedTrigger }
    | { kind: 'filtered'; deployment: DeploymentRecord; reason: string }
    | { kind: 'skip'; code: string; reason: string; error?: ReturnType<typeof toErrorData> } {
    if (project === undefined || project.deleted)
      return { kind: 'skip', code: 'PROJECT_NOT_FOUND', reason: 'the project no longer exists' };
    let deployment: DeploymentRecord | undefined;
    if (event.deploymentId !== undefined) {
      deployment = project.deployments.get(event.deploymentId);
      if (deployment === undefined || (deployment.state !== 'active' && deployment.state !== 'testing')) {
        return {
          kind: 'skip',
          code: 'DEPLOYMENT_NOT_RECEIVING',
          reason: `deployment ${event.deploymentId} is not active or testing`,
        };
      }
    } else {
      deployment = activeDeployment(project);
      if (deployment === undefined)
        return { kind: 'skip', code: 'NO_ACTIVE_DEPLOYMENT', reason: 'the project has no active deployment' };
    }
    if (event.entry !== undefined) return { kind: 'start', deployment, entry: event.entry };
    const trigger = deployment.triggers.find((t) => t.triggerId === event.triggerId);
    if (trigger === undefined) {
      return {
        kind: 'skip',
        code: 'TRIGGER_NOT_DEPLOYED',
        reason: `trigger ${event.triggerName ?? event.triggerId ?? '?'} is not in deployment ${deployment.deploymentId}`,
      };
    }
    if (trigger.filter !== undefined)
      return { kind: 'start', deployment, entry: trigger.call, filtered: trigger };
    return { kind: 'start', deployment, entry: trigger.call };
  }

  private evaluateFilter(
    deploymentId: string,
    trigger: DeployedTrigger,
    event: EventDetail,
    tools: ManifestTools,
  ): { matched: boolean; reason: string } {
    const key = `${deploymentId}/${trigger.triggerId}`;
    let filter = this.filters.get(key);
    if (filter === undefined) {
      const compiled = tools.compileFilter(trigger.filter as string);
      filter = compiled.ok ? compiled : { error: compiled.diagnostic.message };
      this.filters.set(key, filter);
    }
    if ('error' in filter) return { matched: false, reason: `the filter does not compile: ${filter.error}` };
    const verdict = filter.evaluate({ type: event.type, trigger: trigger.name, data: event.data });
    if (verdict.matched) return { matched: true, reason: '' };
    return { matched: false, reason: verdict.error ?? `filter ${JSON.stringify(trigger.filter)} is false` };
  }

  private async record<K extends Exclude<keyof EventStreamMap, 'EventReceived'>>(
    eventId: string,
    type: K,
    data: EventStreamMap[K],
  ): Promise<void> {
    await this.platform.store.append(eventStream(eventId), [{ type, data }]);
    this.foldEvent(eventId, type, data);
  }

  private foldEvent(eventId: string, type: keyof EventStreamMap, data: unknown): void {
    if (type === 'EventReceived') {
      const d = data as EventReceivedData;
      const summary: EventSummary = {
        eventId: d.eventId,
        projectId: d.projectId,
        type: d.type,
        time: d.time,
        status: 'received',
      };
      if (d.triggerId !== undefined) summary.triggerId = d.triggerId;
      if (d.triggerName !== undefined) summary.triggerName = d.triggerName;
      if (d.deploymentId !== undefined) summary.deploymentId = d.deploymentId;
      if (d.entry !== undefined) summary.entry = d.entry;
      if (d.redispatchOf !== undefined) summary.redispatchOf = d.redispatchOf;
      this.events.set(d.eventId, summary);
      return;
    }
    const summary = this.events.get(eventId);
    if (summary === undefined) return;
    const d = data as { deploymentId?: string; sessionId?: string; reason?: string };
    if (type === 'EventDispatched') {
      summary.status = 'dispatched';
      if (d.sessionId !== undefined) summary.sessionId = d.sessionId;
    } else if (type === 'EventFiltered') {
      summary.status = 'filtered';
      if (d.reason !== undefined) summary.reason = d.reason;
    } else if (type === 'EventNotDispatched') {
      summary.status = 'not-dispatched';
      if (d.reason !== undefined) summary.reason = d.reason;
    }
    if (d.deploymentId !== undefined) summary.deploymentId = d.deploymentId;
  }

  // ------------------------------------------------------------------------------------------
  // Events: reading

  listEvents(options: ListEventsOptions = {}): {
    events: EventSummary[];
    total: number;
    nextCursor?: string;
  } {
    const limit = options.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_EVENTS_PAGE) {
      throw new InvalidArgumentError(
        'limit',
        `must be an integer from 1 to ${MAX_EVENTS_PAGE}, got ${String(limit)}`,
      );
    }
    const matches = [...this.events.values()].filter(
      (e) =>
        (options.projectId === undefined || e.projectId === options.projectId) &&
        (options.triggerId === undefined || e.triggerId === options.triggerId) &&
        (options.type === undefined || e.type === options.type) &&
        (options.status === undefined || e.status === options.status),
    );
    matches.sort((a, b) => (a.eventId < b.eventId ? 1 : -1));
    let start = 0;
    if (options.cursor !== undefined) {
      const cursor = options.cursor;
      start = matches.findIndex((e) => e.eventId < cursor);
      if (start < 0) start = matches.length;
    }
    const page = matches.slice(start, start + limit);
    const last = page.at(-1);
    return {
      events: page.map((e) => ({ ...e })),
      total: matches.length,
      ...(last !== undefined && start + limit < matches.length ? { nextCursor: last.eventId } : {}),
    };
  }

  eventSummary(eventId: string): EventSummary | undefined {
    return this.events.get(eventId);
  }

  async getEvent(eventId: string): Promise<EventDetail> {
    const summary = this.events.get(eventId);
    if (summary === undefined) throw new EventNotFoundError(eventId);
    const [first] = await this.platform.store.readStream(eventStream(eventId), { maxCount: 1 });
    if (first === undefined) throw new EventNotFoundError(eventId);
    return { ...summary, data: (first.data as EventReceivedData).data };
  }

  // ------------------------------------------------------------------------------------------
  // Synchronous webhooks

  private async awaitResponse(sessionId: string, timeoutMs: number): Promise<HttpResponseData> {
    const engine = this.platform.engine;
    try {
      const info = await engine.waitFor(
        sessionId,
        (s) => s.response !== undefined || isFinalStatus(s.status),
        timeoutMs,
      );
      if (info.response !== undefined) return info.response;
      if (info.status === 'completed') return { status: 200, body: info.result ?? null };
      return {
        status: 502,
        body: {
          code: 'SESSION_FAILED',
          message: `session ${sessionId} ended ${info.status} without a response`,
          sessionId,
        },
      };
    } catch (error) {
      if (!hasErrorCode(error, 'WAIT_TIMEOUT')) throw error;
      return {
        status: 504,
        body: {
          code: 'WEBHOOK_TIMEOUT',
          message: `session ${sessionId} set no response within ${timeoutMs} ms; it goes on running`,
          sessionId,
        },
      };
    }
  }

  // ------------------------------------------------------------------------------------------
  // Finding targets

  private findWebhook(
    slug: string,
    deploymentId: string | undefined,
  ): { project: ProjectState; trigger: DeployedTrigger } | undefined {
    if (typeof slug !== 'string' || slug.length === 0) return undefined;
    for (const project of this.platform.projects.values()) {
      if (project.deleted) continue;
      const deployment =
        deploymentId === undefined ? activeDeployment(project) : project.deployments.get(deploymentId);
      if (deployment === undefined) {
        // Known slug but nothing deployed: still an event, recorded as not dispatched.
        const name = Object.entries(project.triggerIds).find(([, id]) => id.slug === slug)?.[0];
        const config = name === undefined ? undefined : project.config?.triggers.find((t) => t.name === name);
        if (config !== undefined && name !== undefined) {
          return {
            project,
            trigger: { ...config, ...(project.triggerIds[name] as { triggerId: string; slug?: string }) },
          };
        }
        continue;
      }
      const trigger = deployment.triggers.find((t) => t.slug === slug);
      if (trigger !== undefined) return { project, trigger };
    }
    return undefined;
  }

  private targetDeployment(project: ProjectState, deploymentId: string | undefined): DeploymentRecord {
    if (deploymentId !== undefined) {
      const deployment = project.deployments.get(deploymentId);
      if (deployment === undefined)
        throw new InvalidArgumentError(
          'deploymentId',
          `project ${project.name} has no deployment ${deploymentId}`,
        );
      return deployment;
    }
    const active = activeDeployment(project);
    if (active === undefined) throw new NoActiveDeploymentError(project.projectId);
    return active;
  }

  // ------------------------------------------------------------------------------------------
  // Schedules

  private scheduleProject(project: ProjectState): void {
    const active = project.deleted ? undefined : activeDeployment(project);
    const wanted = new Set<string>();
    for (const trigger of active?.triggers ?? []) {
      if (trigger.type !== 'schedule') continue;
      wanted.add(trigger.triggerId);
      if (!this.scheduleTimers.has(trigger.triggerId))
        this.armSchedule(project.projectId, trigger, active as DeploymentRecord);
    }
    // Triggers of this project no longer in the active deployment stop ticking.
    for (const [triggerId, timer] of this.scheduleTimers) {
      const owner = Object.values(project.triggerIds).some((id) => id.triggerId === triggerId);
      if (owner && !wanted.has(triggerId)) {
        clearTimeout(timer);
        this.scheduleTimers.delete(triggerId);
      }
    }
  }

  private armSchedule(projectId: string, trigger: DeployedTrigger, deployment: DeploymentRecord): void {
    if (this.closed || trigger.type !== 'schedule') return;
    const last = this.lastTicks.get(trigger.triggerId)?.data.tickAt;
    // After downtime a missed tick fires once (the latest one), not once per missed period.
    const from = last ?? deployment.updatedAt;
    let next = nextScheduleTime(trigger, new Date(from));
    const now = Date.now();
    if (next !== undefined && next.getTime() <= now) {
      let latest = next;
      for (let i = 0; i < MAX_MISSED_TICK_STEPS; i++) {
        const after = nextScheduleTime(trigger, latest);
        if (after === undefined || after.getTime() > now) break;
        latest = after;
      }
      next = latest;
    }
    if (next === undefined) return;
    const tickAt = next.getTime();
    const delay = Math.max(0, Math.min(tickAt - now, 2_147_483_647));
    const timer = setTimeout(() => {
      this.scheduleTimers.delete(trigger.triggerId);
      void this.tick(projectId, trigger.triggerId, tickAt).finally(() => {
        const project = this.platform.projects.get(projectId);
        if (project !== undefined) this.scheduleProject(project);
      });
    }, delay);
    timer.unref();
    this.scheduleTimers.set(trigger.triggerId, timer);
  }

  /** Journals the tick (guarded: two engines cannot both tick it), then records and dispatches its event. */
  private async tick(projectId: string, triggerId: string, tickAt: number): Promise<void> {
    if (this.closed) return;
    const project = this.platform.projects.get(projectId);
    const deployment = project === undefined ? undefined : activeDeployment(project);
    const trigger = deployment?.triggers.find((t) => t.triggerId === triggerId);
    if (trigger === undefined || trigger.type !== 'schedule') return;
    const last = this.lastTicks.get(triggerId);
    if (last !== undefined && last.data.tickAt >= tickAt) return;
    const eventId = newId('event');
    const data: ScheduleTickedData = { triggerId, projectId, tickAt, eventId, time: Date.now() };
    try {
      await this.platform.store.append(scheduleStream(triggerId), [{ type: 'ScheduleTicked', data }], {
        expectedRevision: last === undefined ? 'no-stream' : last.revision,
      });
    } catch (error) {
      if (hasErrorCode(error, 'WRONG_EXPECTED_REVISION')) return;
      throw error;
    }
    this.lastTicks.set(triggerId, { revision: (last?.revision ?? -1) + 1, data });
    await this.receive(
      {
        projectId,
        type: 'schedule',
        triggerId,
        triggerName: trigger.name,
        data: {
          schedule: trigger.schedule,
          timezone: trigger.timezone,
          tickAt: new Date(tickAt).toISOString(),
        },
      },
      eventId,
    ).catch(() => undefined);
  }

  /** Recovery of a tick whose event was never journaled (a crash in between). */
  async repairTicks(): Promise<void> {
    for (const { data } of this.lastTicks.values()) {
      if (this.events.has(data.eventId)) continue;
      const project = this.platform.projects.get(data.projectId);
      const trigger =
        project === undefined
          ? undefined
          : activeDeployment(project)?.triggers.find((t) => t.triggerId === data.triggerId);
      if (trigger === undefined || trigger.type !== 'schedule') continue;
      await this.receive(
        {
          projectId: data.projectId,
          type: 'schedule',
          triggerId: data.triggerId,
          triggerName: trigger.name,
          data: {
            schedule: trigger.schedule,
            timezone: trigger.timezone,
            tickAt: new Date(data.tickAt).toISOString(),
          },
        },
        data.eventId,
      ).catch(() => undefined);
    }
  }
}

function resultOf(summary: EventSummary): DispatchResult {
  const result: DispatchResult = { eventId: summary.eventId, status: summary.status };
  if (summary.sessionId !== undefined) result.sessionId = summary.sessionId;
  if (summary.reason !== undefined) result.reason = summary.reason;
  return result;
}

/** What the session's entry function receives. */
function eventInput(event: EventDetail): unknown {
  return {
    eventId: event.eventId,
    type: event.type,
    ...(event.triggerName !== undefined ? { trigger: event.triggerName } : {}),
    time: new Date(event.time).toISOString(),
    data: event.data,
  };
}

function webhookEventData(request: WebhookRequest): unknown {
  const url = new URL(request.url, 'http://webhook.invalid');
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    headers[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(key);
    query[key] = values.length === 1 ? (values[0] as string) : values;
  }
  const text = Buffer.from(request.body).toString('utf8');
  const contentType = (headers['content-type'] ?? '').toLowerCase();
  const body: Record<string, unknown> = { bytes: request.body, text };
  if (contentType.includes('json') || /^\s*[[{]/.test(text)) {
    try {
      body['json'] = JSON.parse(text) as unknown;
    } catch {
      // Not JSON after all: text and bytes are there.
    }
  }
  if (contentType.includes('application/x-www-form-urlencoded')) {
    const form: Record<string, string | string[]> = {};
    const params = new URLSearchParams(text);
    for (const key of new Set(params.keys())) {
      const values = params.getAll(key);
      form[key] = values.length === 1 ? (values[0] as string) : values;
    }
    body['form'] = form;
  }
  return { method: request.method.toUpperCase(), url: request.url, path: url.pathname, headers, query, body };
}
