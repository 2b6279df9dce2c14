/**
 * Journal → replay history: which recorded events are jobs the code must see again, and which
 * are commands the code must issue again, in journal order. Pure.
 */
import type { Command, HistoryColumns, Job, RecordedCommand, ReplayHistory } from '../../sandbox/index.js';
import { HistoryColumnsBuilder } from '../../sandbox/index.js';
import type { SessionEvent } from './events.js';

/** A session event with its journal revision. */
export type JournaledSessionEvent = SessionEvent & { revision: number };

/** The jobs a recorded event delivers (usually zero or one). */
export function jobsOf(event: SessionEvent): Job[] {
  switch (event.type) {
    case 'SessionStarted':
      return [{ kind: 'start', input: event.data.input, time: event.data.time }];
    case 'ActivityCompleted':
      return [
        { kind: 'resolveActivity', seq: event.data.seq, result: event.data.result, time: event.data.time },
      ];
    case 'ActivityFailed':
      // An attempt that will be retried is the engine's business; only the final failure reaches the code.
      return event.data.retryAt === undefined
        ? [{ kind: 'rejectActivity', seq: event.data.seq, error: event.data.error, time: event.data.time }]
        : [];
    case 'TimerFired':
      return [{ kind: 'fireTimer', seq: event.data.seq, time: event.data.time }];
    case 'SignalReceived':
      return [{ kind: 'signal', name: event.data.name, payload: event.data.payload, time: event.data.time }];
    case 'ChildStarted':
      return [
        {
          kind: 'resolveChildStart',
          seq: event.data.seq,
          sessionId: event.data.sessionId,
          time: event.data.time,
        },
      ];
    case 'ChildCompleted':
      return event.data.failed
        ? [
            {
              kind: 'rejectChild',
              seq: event.data.seq,
              error: event.data.error ?? { name: 'Error', message: 'child session failed' },
              time: event.data.time,
            },
          ]
        : [{ kind: 'resolveChild', seq: event.data.seq, result: event.data.result, time: event.data.time }];
    case 'CancelRequested':
      return [{ kind: 'cancel', reason: event.data.reason, time: event.data.time }];
    default:
      return [];
  }
}

/** The matched command a recorded event stands for, if any (see `MATCHED_COMMAND_KINDS`). */
export function commandOf(event: SessionEvent): Command | undefined {
  switch (event.type) {
    case 'ActivityScheduled':
      return {
        kind: 'scheduleActivity',
        seq: event.data.seq,
        name: event.data.name,
        args: event.data.args,
        options: event.data.options,
      };
    case 'ActivityCancelRequested':
      return { kind: 'requestCancelActivity', seq: event.data.seq };
    case 'TimerStarted':
      return { kind: 'startTimer', seq: event.data.seq, durationMs: event.data.durationMs };
    case 'TimerCancelled':
      return { kind: 'cancelTimer', seq: event.data.seq };
    case 'ChildStarted':
      return {
        kind: 'startChild',
        seq: event.data.seq,
        entry: event.data.entry,
        input: event.data.input,
        options: event.data.options,
      };
    case 'ChildCancelRequested':
      return { kind: 'requestCancelChild', seq: event.data.seq };
    case 'ResponseSet':
      return { kind: 'respond', response: event.data.response };
    case 'SessionCompleted':
      return { kind: 'complete', result: event.data.result };
    case 'SessionFailed':
      return event.data.origin === 'code' ? { kind: 'fail', error: event.data.error } : undefined;
    case 'SessionStopped':
      return event.data.origin === 'code' && event.data.error !== undefined
        ? { kind: 'fail', error: event.data.error }
        : undefined;
    default:
      return undefined;
  }
}

/** `commandOf(event) !== undefined`, without building the command. */
export function isCommandEvent(event: SessionEvent): boolean {
  switch (event.type) {
    case 'ActivityScheduled':
    case 'ActivityCancelRequested':
    case 'TimerStarted':
    case 'TimerCancelled':
    case 'ChildStarted':
    case 'ChildCancelRequested':
    case 'ResponseSet':
    case 'SessionCompleted':
      return true;
    case 'SessionFailed':
      return event.data.origin === 'code';
    case 'SessionStopped':
      return event.data.origin === 'code' && event.data.error !== undefined;
    default:
      return false;
  }
}

/** `jobsOf(event).length > 0` (an event delivers at most one job), without building it. */
export function hasJob(event: SessionEvent): boolean {
  switch (event.type) {
    case 'SessionStarted':
    case 'ActivityCompleted':
    case 'TimerFired':
    case 'SignalReceived':
    case 'ChildStarted':
    case 'ChildCompleted':
    case 'CancelRequested':
      return true;
    case 'ActivityFailed':
      return event.data.retryAt === undefined;
    default:
      return false;
  }
}

/** True when the event records something the code did (matched or not: logs and patch markers count). */
export function isOutputEvent(event: SessionEvent): boolean {
  return isCommandEvent(event) || event.type === 'Log' || event.type === 'PatchMarker';
}

export interface SplitHistory {
  /** What the code has already seen and done: replayed silently, commands matched. */
  replay: ReplayHistory;
  /**
   * Facts journaled after the code's last recorded output: the code may never have seen them, so
   * they are delivered live after the replay (their logs are journaled, their commands are new).
   * Re-delivering a fact that was seen but produced nothing produces nothing again.
   */
  pending: Job[];
}

/** Index of the last event that records something the code did (-1: none). */
function lastOutputIndex(events: readonly SessionEvent[]): number {
  for (let i = events.length - 1; i >= 0; i--) if (isOutputEvent(events[i] as SessionEvent)) return i;
  return -1;
}

/** Splits a journal for loading a context: replay up to the last output, then the pending facts. */
export function splitHistory(events: readonly JournaledSessionEvent[]): SplitHistory {
  const lastOutput = lastOutputIndex(events);
  const replay = replayHistoryOf(events.slice(0, lastOutput + 1), { jobsOfLast: false });
  return { replay, pending: pendingJobs(events, lastOutput) };
}

/** The facts from the last output on, delivered live after the replay. */
function pendingJobs(events: readonly SessionEvent[], lastOutput: number): Job[] {
  const pending: Job[] = [];
  // A ChildStarted output's own job (the child's id) comes after the output, so it is pending too.
  const last = events[lastOutput];
  if (last !== undefined) pending.push(...jobsOf(last));
  for (let i = lastOutput + 1; i < events.length; i++) pending.push(...jobsOf(events[i] as SessionEvent));
  return pending;
}

export interface SplitHistoryColumns {
  /** As `splitHistory`'s replay, its commands without options (`withoutOptions`), in columns. */
  replay: HistoryColumns;
  pending: Job[];
}

/**
 * `splitHistory` with the replay built straight into columns, as the sandbox takes it: the
 * common events (activities scheduled and completed, timers started and fired) never become job
 * or command objects, so a long journal costs typed-array writes instead of ~5 objects an event.
 */
export function splitHistoryColumns(events: readonly JournaledSessionEvent[]): SplitHistoryColumns {
  const lastOutput = lastOutputIndex(events);
  const builder = new HistoryColumnsBuilder(lastOutput + 1, lastOutput + 1);
  for (let i = 0; i <= lastOutput; i++) {
    const event = events[i] as JournaledSessionEvent;
    switch (event.type) {
      case 'ActivityScheduled':
        builder.scheduleActivity(event.data.seq, event.data.name, event.data.args, event.revision);
        continue;
      case 'ActivityCompleted':
        if (i < lastOutput) builder.resolveActivity(event.data.seq, event.data.result, event.data.time);
        continue;
      case 'TimerStarted':
        builder.startTimer(event.data.seq, event.data.durationMs, event.revision);
        continue;
      case 'TimerFired':
        if (i < lastOutput) builder.fireTimer(event.data.seq, event.data.time);
        continue;
      case 'PatchMarker':
        builder.patch(event.data.id);
        continue;
    }
    // Same order as `replayHistoryOf`: an event's command before its job.
    const command = commandOf(event);
    if (command !== undefined) builder.command(withoutOptions({ command }).command, event.revision);
    if (i < lastOutput) for (const job of jobsOf(event)) builder.job(job);
  }
  return { replay: builder.finish(), pending: pendingJobs(events, lastOutput) };
}

/**
 * A recorded command as the sandbox needs it for matching: options are never compared, so they
 * are not sent (they are most of a long history's bytes).
 */
export function withoutOptions(recorded: RecordedCommand): RecordedCommand {
  const { command } = recorded;
  if (command.kind !== 'scheduleActivity' && command.kind !== 'startChild') return recorded;
  const { options: _options, ...compared } = command;
  return { ...recorded, command: compared as Command };
}

/** Builds the replay history of a session from its journal, in journal order. */
export function replayHistoryOf(
  events: readonly JournaledSessionEvent[],
  options: { jobsOfLast?: boolean } = {},
): ReplayHistory {
  const jobs: Job[] = [];
  const commands: RecordedCommand[] = [];
  const patches = new Set<string>();
  for (const [index, event] of events.entries()) {
    const isLast = index === events.length - 1;
    // A command is recorded before the job of the same event (ChildStarted is both): the code
    // issued `startChild`, then learnt the child's id.
    const command = commandOf(event);
    if (command !== undefined) commands.push({ command, revision: event.revision });
    if (!isLast || options.jobsOfLast !== false) for (const job of jobsOf(event)) jobs.push(job);
    if (event.type === 'PatchMarker') patches.add(event.data.id);
  }
  return { jobs, commands, patches: [...patches] };
}
