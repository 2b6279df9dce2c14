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

function packJobs(jobs: readonly Job[], columns: HistoryColumns): void {
  for (let i = 0; i < jobs.length; i++) {
    const job = jobs[i] as Job;
    columns.jobTimes[i] = job.time;
    if (job.kind === 'resolveActivity' && Object.keys(job).length === 4) {
      columns.jobKinds[i] = JOB_RESOLVE_ACTIVITY;
      columns.jobSeqs[i] = job.seq;
      columns.jobValues.push(job.result);
    } else if (job.kind === 'fireTimer' && Object.keys(job).length === 3) {
      columns.jobKinds[i] = JOB_FIRE_TIMER;
      columns.jobSeqs[i] = job.seq;
      columns.jobValues.push(0);
    } else {
      columns.jobKinds[i] = JOB_OTHER;
      columns.jobValues.push(job);
    }
  }
}

function packCommands(commands: readonly RecordedCommand[], columns: HistoryColumns): void {
  const nameIndex = new Map<string, number>();
  for (let i = 0; i < commands.length; i++) {
    const { command, revision } = commands[i] as RecordedCommand;
    columns.commandRevisions[i] = revision ?? Number.NaN;
    // Only the shapes the engine sends (scheduleActivity without options, as compared) get columns.
    if (command.kind === 'scheduleActivity' && Object.keys(command).length === 4) {
      let index = nameIndex.get(command.name);
      if (index === undefined) {
        index = columns.names.length;
        columns.names.push(command.name);
        nameIndex.set(command.name, index);
      }
      columns.commandKinds[i] = COMMAND_SCHEDULE_ACTIVITY;
      columns.commandSeqs[i] = command.seq;
      columns.commandNumbers[i] = index;
      columns.commandValues.push(command.args);
    } else if (command.kind === 'startTimer' && Object.keys(command).length === 3) {
      columns.commandKinds[i] = COMMAND_START_TIMER;
      columns.commandSeqs[i] = command.seq;
      columns.commandNumbers[i] = command.durationMs;
      columns.commandValues.push(0);
    } else {
      columns.commandKinds[i] = COMMAND_OTHER;
      columns.commandValues.push(command);
    }
  }
}

/** The columnar form of a history (a history already in columns is returned as it is). */
export function toHistoryColumns(history: ReplayHistory | HistoryColumns): HistoryColumns {
  if (isHistoryColumns(history)) return history;
  const jobs = history.jobs.length;
  const commands = history.commands.length;
  const columns: HistoryColumns = {
    columns: 1,
    jobKinds: new Uint8Array(jobs),
    jobSeqs: new Float64Array(jobs),
    jobTimes: new Float64Array(jobs),
    jobValues: [],
    commandKinds: new Uint8Array(commands),
    commandSeqs: new Float64Array(commands),
    commandNumbers: new Float64Array(commands),
    commandValues: [],
    commandRevisions: new Float64Array(commands),
    names: [],
    patches: history.patches,
  };
  packJobs(history.jobs, columns);
  packCommands(history.commands, columns);
  return columns;
}

export function jobCount(columns: HistoryColumns): number {
  return columns.jobKinds.length;
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
