/**
 * Commands → journal events. Pure: the engine appends what this returns, then acts on each
 * appended event (an `ActivityScheduled` starts an attempt, a `TimerStarted` arms a timer, ...),
 * so what is journaled and what is done can never disagree.
 */
import type { IssuedCommand } from '../../sandbox/index.js';
import type { SessionEvent } from './events.js';

export interface CommandContext {
  /** Workflow time of the activation that issued the commands (the last job's time). */
  time: number;
  /** A stop was requested: a cancellation failure then ends the session as `stopped`. */
  cancelRequested?: { reason: string };
  /** The id of the child session started by `startChild` with this seq. */
  childSessionId: (seq: number) => string;
}

/** Error code the guest uses for a cancellation (`CancelledFailure`). */
export const CANCELLED_CODE = 'CANCELLED';

/**
 * Translates the commands of one activation into session events, in order. Commands after the
 * one that ends the session are dropped (the code cannot act after it returned).
 */
export function eventsForCommands(commands: readonly IssuedCommand[], ctx: CommandContext): SessionEvent[] {
  const events: SessionEvent[] = [];
  const time = ctx.time;
  for (const { command } of commands) {
    switch (command.kind) {
      case 'scheduleActivity':
        events.push({
          type: 'ActivityScheduled',
          data: { seq: command.seq, name: command.name, args: command.args, options: command.options, time },
        });
        break;
      case 'requestCancelActivity':
        events.push({ type: 'ActivityCancelRequested', data: { seq: command.seq, time } });
        break;
      case 'startTimer':
        events.push({
          type: 'TimerStarted',
          data: { seq: command.seq, durationMs: command.durationMs, fireAt: time + command.durationMs, time },
        });
        break;
      case 'cancelTimer':
        events.push({ type: 'TimerCancelled', data: { seq: command.seq, time } });
        break;
      case 'startChild':
        events.push({
          type: 'ChildStarted',
          data: {
            seq: command.seq,
            sessionId: ctx.childSessionId(command.seq),
            entry: command.entry,
            input: command.input,
            options: command.options,
            time,
          },
        });
        break;
      case 'requestCancelChild':
        events.push({ type: 'ChildCancelRequested', data: { seq: command.seq, time } });
        break;
      case 'log':
        events.push({ type: 'Log', data: { level: command.level, text: command.text, time } });
        break;
      case 'patch':
        events.push({ type: 'PatchMarker', data: { id: command.id, deprecated: command.deprecated, time } });
        break;
      case 'respond':
        events.push({ type: 'ResponseSet', data: { response: command.response, time } });
        break;
      case 'complete':
        events.push({ type: 'SessionCompleted', data: { result: command.result, time } });
        return events;
      case 'fail':
        if (ctx.cancelRequested !== undefined && command.error.code === CANCELLED_CODE) {
          events.push({
            type: 'SessionStopped',
            data: {
              reason: ctx.cancelRequested.reason,
              origin: 'code',
              forced: false,
              error: command.error,
              time,
            },
          });
        } else {
          events.push({ type: 'SessionFailed', data: { error: command.error, origin: 'code', time } });
        }
        return events;
    }
  }
  return events;
}
