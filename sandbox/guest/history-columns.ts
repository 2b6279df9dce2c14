/**
 * A replay history in columns, as it crosses from the engine to a runner and into the workflow
 * context. A long journal is mostly `resolveActivity` / `fireTimer` jobs and `scheduleActivity` /
 * `startTimer` commands; as objects, each costs an object to encode, decode and copy into the
 * isolate, three times over. In columns their kinds, seqs, times and numbers are typed arrays
 * (copied as bytes), and only the values user code sees (results, arguments) stay values
 * (measured for 10,000 steps: ~75 ms of encoding, decoding and copying as objects, ~15 ms as
 * columns). Every other job and command is kept whole. Type imports only: the guest, the runner
 * and the engine side (the runner pool packs it) all use it.
 */
import type { Command, Job, RecordedCommand, ReplayHistory } from '../protocol.js';

/** Job kinds with their own columns; 0: the whole job is in `values`. */
const JOB_OTHER = 0;
const JOB_RESOLVE_ACTIVITY = 1;
const JOB_FIRE_TIMER = 2;

/** Command kinds with their own columns; 0: the whole command is in `values`. */
const COMMAND_OTHER = 0;
const COMMAND_SCHEDULE_ACTIVITY = 1;
const COMMAND_START_TIMER = 2;

export interface HistoryColumns {
  /** Marks the columnar form (a `ReplayHistory` has no such field). */
  columns: 1;
  jobKinds: Uint8Array;
  jobSeqs: Float64Array;
  jobTimes: Float64Array;
  /** resolveActivity: its result; fireTimer: 0; other kinds: the whole job. */
  jobValues: unknown[];
  commandKinds: Uint8Array;
  commandSeqs: Float64Array;
  /** startTimer: its duration; scheduleActivity: the index of its name in `names`. */
  commandNumbers: Float64Array;
  /** scheduleActivity: its arguments; startTimer: 0; other kinds: the whole command. */
  commandValues: unknown[];
  /** Journal revision of each command (NaN when not known). */
  commandRevisions: Float64Array;
  /** Activity names, each once. */
  names: string[];
  patches: string[];
}

export function isHistoryColumns(history: ReplayHistory | HistoryColumns): history is HistoryColumns {
  return (history as Partial<HistoryColumns>).columns === 1;
}

/**
 * Builds a history in columns one job and one command at a time, in journal order: from a
 * `ReplayHistory` (`toHistoryColumns`) or straight from journal events (the engine does, so a
 * long journal never becomes job and command objects first). Capacities are upper bounds.
 */
export class HistoryColumnsBuilder {
  private readonly columns: HistoryColumns;
  private jobs = 0;
  private commands = 0;
  private readonly nameIndex = new Map<string, number>();
  private readonly patchIds = new Set<string>();

  constructor(jobCapacity: number, commandCapacity: number) {
    this.columns = {
      columns: 1,
      jobKinds: new Uint8Array(jobCapacity),
      jobSeqs: new Float64Array(jobCapacity),
      jobTimes: new Float64Array(jobCapacity),
      jobValues: [],
      commandKinds: new Uint8Array(commandCapacity),
      commandSeqs: new Float64Array(commandCapacity),
      commandNumbers: new Float64Array(commandCapacity),
      commandValues: [],
      commandRevisions: new Float64Array(commandCapacity),
      names: [],
      patches: [],
    };
  }

  job(job: Job): void {
    // Only the exact shapes get columns: a job with more fields is kept whole.
    if (job.kind === 'resolveActivity' && Object.keys(job).length === 4) {
      this.resolveActivity(job.seq, job.result, job.time);
    } else if (job.kind === 'fireTimer' && Object.keys(job).length === 3) {
      this.fireTimer(job.seq, job.time);
    } else {
      this.pushJob(JOB_OTHER, 0, job.time, job);
    }
  }

  resolveActivity(seq: number, result: unknown, time: number): void {
    this.pushJob(JOB_RESOLVE_ACTIVITY, seq, time, result);
  }

  fireTimer(seq: number, time: number): void {
    this.pushJob(JOB_FIRE_TIMER, seq, time, 0);
  }

  /** A recorded command as the sandbox compares it (a `scheduleActivity` without options). */
  command(command: Command, revision: number | undefined): void {
    if (command.kind === 'scheduleActivity' && Object.keys(command).length === 4) {
      this.scheduleActivity(command.seq, command.name, command.args, revision);
    } else if (command.kind === 'startTimer' && Object.keys(command).length === 3) {
      this.startTimer(command.seq, command.durationMs, revision);
    } else {
      this.pushCommand(COMMAND_OTHER, 0, 0, command, revision);
    }
  }

  scheduleActivity(seq: number, name: string, args: unknown[], revision: number | undefined): void {
    let index = this.nameIndex.get(name);
    if (index === undefined) {
      index = this.columns.names.length;
      this.columns.names.push(name);
      this.nameIndex.set(name, index);
    }
    this.pushCommand(COMMAND_SCHEDULE_ACTIVITY, seq, index, args, revision);
  }

  startTimer(seq: number, durationMs: number, revision: number | undefined): void {
    this.pushCommand(COMMAND_START_TIMER, seq, durationMs, 0, revision);
  }

  /** A patch id recorded in the journal (each kept once, in order of first appearance). */
  patch(id: string): void {
    if (this.patchIds.has(id)) return;
    this.patchIds.add(id);
    this.columns.patches.push(id);
  }

  /** The columns, each cut to its length (the builder is spent). */
  finish(): HistoryColumns {
    const c = this.columns;
    const jobs = this.jobs;
    const commands = this.commands;
    return {
      ...c,
      jobKinds: cut(c.jobKinds, jobs),
      jobSeqs: cut(c.jobSeqs, jobs),
      jobTimes: cut(c.jobTimes, jobs),
      commandKinds: cut(c.commandKinds, commands),
      commandSeqs: cut(c.commandSeqs, commands),
      commandNumbers: cut(c.commandNumbers, commands),
      commandRevisions: cut(c.commandRevisions, commands),
    };
  }

  private pushJob(kind: number, seq: number, time: number, value: unknown): void {
    const i = this.jobs++;
    if (i >= this.columns.jobKinds.length)
      throw new RangeError('HistoryColumnsBuilder: more jobs than its capacity');
    this.columns.jobKinds[i] = kind;
    this.columns.jobSeqs[i] = seq;
    this.columns.jobTimes[i] = time;
    this.columns.jobValues.push(value);
  }

  private pushCommand(
    kind: number,
    seq: number,
    number: number,
    value: unknown,
    revision: number | undefined,
  ): void {
    const i = this.commands++;
    if (i >= this.columns.commandKinds.length) {
      throw new RangeError('HistoryColumnsBuilder: more commands than its capacity');
    }
    this.columns.commandKinds[i] = kind;
    this.columns.commandSeqs[i] = seq;
    this.columns.commandNumbers[i] = number;
    this.columns.commandRevisions[i] = revision ?? Number.NaN;
    this.columns.commandValues.push(value);
  }
}

/** A typed array of exactly `length` items (a copy when shorter: a view would carry its whole buffer along). */
function cut<T extends Uint8Array | Float64Array>(array: T, length: number): T {
  return (length === array.length ? array : array.slice(0, length)) as T;
}

/** The columnar form of a history (a history already in columns is returned as it is). */
export function toHistoryColumns(history: ReplayHistory | HistoryColumns): HistoryColumns {
  if (isHistoryColumns(history)) return history;
  const builder = new HistoryColumnsBuilder(history.jobs.length, history.commands.length);
  for (const job of history.jobs) builder.job(job);
  for (const { command, revision } of history.commands) builder.command(command, revision);
  for (const id of history.patches) builder.patch(id);
  return builder.finish();
}

export function jobCount(columns: HistoryColumns): number {
  return columns.jobKinds.length;
}

/** The time of the last recorded job (undefined when there is none). */
export function lastJobTime(columns: HistoryColumns): number | undefined {
  const count = columns.jobTimes.length;
  return count === 0 ? undefined : columns.jobTimes[count - 1];
}

/** Job `i`, as the code receives it. */
export function jobAt(columns: HistoryColumns, i: number): Job {
  switch (columns.jobKinds[i]) {
    case JOB_RESOLVE_ACTIVITY:
      return {
        kind: 'resolveActivity',
        seq: columns.jobSeqs[i] as number,
        result: columns.jobValues[i],
        time: columns.jobTimes[i] as number,
      };
    case JOB_FIRE_TIMER:
      return { kind: 'fireTimer', seq: columns.jobSeqs[i] as number, time: columns.jobTimes[i] as number };
    default:
      return columns.jobValues[i] as Job;
  }
}

export function commandCount(columns: HistoryColumns): number {
  return columns.commandKinds.length;
}

/** Recorded command `i` (scheduleActivity without options: options are never compared). */
export function commandAt(columns: HistoryColumns, i: number): Command {
  switch (columns.commandKinds[i]) {
    case COMMAND_SCHEDULE_ACTIVITY:
      return {
        kind: 'scheduleActivity',
        seq: columns.commandSeqs[i] as number,
        name: columns.names[columns.commandNumbers[i] as number] as string,
        args: columns.commandValues[i] as unknown[],
      } as Command;
    case COMMAND_START_TIMER:
      return {
        kind: 'startTimer',
        seq: columns.commandSeqs[i] as number,
        durationMs: columns.commandNumbers[i] as number,
      };
    default:
      return columns.commandValues[i] as Command;
  }
}

/**
 * True when recorded command `i` is certainly the one the code issued now: a columnar shape with
 * the same seq, name or duration and identical primitive arguments (`compareCommands` would find
 * no difference). Undefined when only a full comparison can tell (objects, NaN, other kinds).
 * The replay's common case, without building the recorded command.
 */
export function matchesRecorded(columns: HistoryColumns, i: number, command: Command): true | undefined {
  switch (columns.commandKinds[i]) {
    case COMMAND_SCHEDULE_ACTIVITY: {
      if (
        command.kind !== 'scheduleActivity' ||
        command.seq !== columns.commandSeqs[i] ||
        command.name !== columns.names[columns.commandNumbers[i] as number]
      ) {
        return undefined;
      }
      const recordedArgs = columns.commandValues[i];
      const args = command.args;
      if (!Array.isArray(recordedArgs) || recordedArgs.length !== args.length) return undefined;
      for (let k = 0; k < args.length; k++) {
        const value: unknown = recordedArgs[k];
        if (value !== args[k] || (typeof value === 'object' && value !== null)) return undefined;
      }
      return true;
    }
    case COMMAND_START_TIMER:
      return command.kind === 'startTimer' &&
        command.seq === columns.commandSeqs[i] &&
        command.durationMs === columns.commandNumbers[i]
        ? true
        : undefined;
    default:
      return undefined;
  }
}

/** Recorded command `i` with its journal revision (for reports). */
export function recordedCommandAt(columns: HistoryColumns, i: number): RecordedCommand | undefined {
  if (i < 0 || i >= commandCount(columns)) return undefined;
  const revision = columns.commandRevisions[i] as number;
  const command = commandAt(columns, i);
  return Number.isNaN(revision) ? { command } : { command, revision };
}

/** The history as objects again (the commands of the columnar shapes without options). */
export function fromHistoryColumns(columns: HistoryColumns): ReplayHistory {
  const jobs: Job[] = [];
  for (let i = 0; i < jobCount(columns); i++) jobs.push(jobAt(columns, i));
  const commands: RecordedCommand[] = [];
  for (let i = 0; i < commandCount(columns); i++)
    commands.push(recordedCommandAt(columns, i) as RecordedCommand);
  return { jobs, commands, patches: columns.patches };
}
