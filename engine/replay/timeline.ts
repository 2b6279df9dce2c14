/**
 * The replay's timeline: one entry per journal event, joined with what the code did during the
 * replay (from the runner's trace: commands matched and issued per job, logs printed now). Data
 * only; `format.ts` prints it.
 */
import type { Divergence, IssuedCommand, ReplayLog, ReplayOutcome } from '../../sandbox/index.js';
import type { SessionEvent } from '../session/events.js';
import { hasJob, isCommandEvent } from '../session/history.js';
import type { JournalFileEvent } from './journal-file.js';

/**
 * `delivered`: a fact the code was given again; `matched`: a command the code issued again;
 * `diverged`: where code and journal part ways; `recorded`: journaled but not part of the replay
 * (logs, retried attempts, patch markers, engine records); `not-replayed`: after the end of the
 * replay (a divergence or the `until` point).
 */
export type TimelineStatus = 'delivered' | 'matched' | 'diverged' | 'recorded' | 'not-replayed';

export interface TimelineEntry {
  revision: number;
  type: string;
  data: unknown;
  recordedAt: number;
  /** Command events: the 1-based step (the ordinal of the command among the matched ones). */
  step?: number;
  status: TimelineStatus;
  /** Fact events: the steps the code issued in reaction to it, first and last. */
  steps?: [number, number];
  /** Fact events: commands issued in reaction that the journal does not hold (new). */
  newCommands?: IssuedCommand[];
  /** Lines the code printed NOW while processing this event (not journaled). */
  logs?: ReplayLog[];
}

export function buildTimeline(events: readonly JournalFileEvent[], outcome: ReplayOutcome): TimelineEntry[] {
  const trace = outcome.trace;
  const delivered = trace === undefined ? 0 : trace.matched.length - 1;
  const matchedTotal = trace?.matched[trace.matched.length - 1] ?? 0;
  const divergence: Divergence | undefined = outcome.divergence;
  const logsByJob = new Map<number, ReplayLog[]>();
  for (const log of trace?.logs ?? []) {
    // Module code runs before the first job: its lines belong to the start.
    const job = Math.max(0, log.job);
    const list = logsByJob.get(job) ?? [];
    list.push(log);
    logsByJob.set(job, list);
  }
  const timeline: TimelineEntry[] = [];
  let step = 0;
  let jobIndex = 0;
  for (const event of events) {
    const typed = event as unknown as SessionEvent; // a journal event is a session event with more fields
    const entry: TimelineEntry = {
      revision: event.revision,
      type: event.type,
      data: event.data,
      recordedAt: event.recordedAt,
      status: 'recorded',
    };
    if (isCommandEvent(typed)) {
      entry.step = ++step;
      entry.status =
        divergence?.step === step && divergence.recorded !== undefined
          ? 'diverged'
          : step <= matchedTotal
            ? 'matched'
            : 'not-replayed';
    }
    // An event delivers at most one job.
    if (hasJob(typed)) {
      const j = jobIndex++;
      if (trace === undefined || j >= delivered) {
        if (entry.step === undefined) entry.status = 'not-replayed';
      } else {
        if (entry.step === undefined) entry.status = 'delivered';
        const from = trace.matched[j] ?? 0;
        const to = trace.matched[j + 1] ?? from;
        if (to > from) entry.steps = [from + 1, to];
        const issuedFrom = trace.issued[j] ?? 0;
        const issuedTo = trace.issued[j + 1] ?? issuedFrom;
        if (issuedTo > issuedFrom) entry.newCommands = outcome.newCommands.slice(issuedFrom, issuedTo);
        const logs = logsByJob.get(j);
        if (logs !== undefined) entry.logs = logs;
      }
    }
    timeline.push(entry);
  }
  // A divergence that is not a recorded command (a fact for an operation the code never started,
  // or a command where the journal has none) is marked on the last fact delivered.
  if (divergence !== undefined && !timeline.some((e) => e.status === 'diverged')) {
    const last = [...timeline].reverse().find((e) => e.status === 'delivered');
    if (last !== undefined) last.status = 'diverged';
  }
  return timeline;
}
