/**
 * The offline replayer: a journal file replayed against the recorded build or a new one, in a
 * sandbox runner, with no server, no network and no activity run (results come from the journal).
 * `replayJournal` gives one report (timeline, verdict, state); `replayJournals` checks many
 * journals against one build, as Temporal's `runReplayHistories` does, for users' CI.
 */
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import type { ErrorData } from '../../common/index.js';
import { toErrorData } from '../../common/index.js';
import type {
  BuildArtifact,
  Divergence,
  InspectOptions,
  InspectorEndpoint,
  IssuedCommand,
  ReplayOutcome,
  ReplayRequest,
  Sandbox,
  WorkflowInfo,
  WorkflowStateSnapshot,
} from '../../sandbox/index.js';
import {
  BuildFailedError,
  buildProject,
  commandCount,
  createSandbox,
  deserializeArtifact,
} from '../../sandbox/index.js';
import type { SessionEvent, SessionStartedData } from '../session/events.js';
import type { JournaledSessionEvent } from '../session/history.js';
import { commandOf, splitHistoryColumns } from '../session/history.js';
import { InvalidReplayOptionError, ReplayBuildMissingError } from './errors.js';
import type { JournalFile } from './journal-file.js';
import { JOURNAL_FILE_MAGIC, decodeJournalFile, readJournalFile } from './journal-file.js';
import type { TimelineEntry } from './timeline.js';
import { buildTimeline } from './timeline.js';

/** A build to replay against: an artifact, or a project directory built on the fly. */
export type ReplayBuild = BuildArtifact | { projectDir: string; typecheck?: boolean };

/** A journal: decoded, its bytes (either form), or a file path. */
export type JournalSource = JournalFile | Uint8Array | string;

export interface ReplayJournalOptions {
  journal: JournalSource;
  /** Default: the build the journal file carries (`--with-build`). */
  build?: ReplayBuild;
  /** Stop once the code issued this step (1-based), and report the workflow's state there. */
  until?: number;
  /**
   * Open a V8 inspector on the replaying context and wait for a debugger before replaying
   * (`onListening` says where to attach).
   */
  inspect?: boolean | (InspectOptions & { onListening?: (endpoint: InspectorEndpoint) => void });
  /** A sandbox to replay in. Default: one runner started for this replay and stopped after. */
  sandbox?: Sandbox;
  /** Note where each pending operation started, for the state report. Default: with `until` or `inspect`. */
  captureSites?: boolean;
}

/**
 * `compatible`: the code issued every recorded command again; `divergent`: see `divergence`;
 * `stopped`: the `until` step was reached with no divergence before it; `error`: the code or the
 * sandbox failed (see `error`).
 */
export type ReplayVerdict = 'compatible' | 'divergent' | 'stopped' | 'error';

export interface ReplayResult {
  verdict: ReplayVerdict;
  session: { sessionId: string; entry: string; buildId: string; buildHash: string; status?: string };
  /** The build replayed against, and whether it is the one the journal was recorded on. */
  build: {
    hash: string;
    from: 'journal' | 'artifact' | 'project';
    projectDir?: string;
    recordedBuild: boolean;
  };
  /** Steps (matched commands) in the journal, and how many the code issued again. */
  steps: { recorded: number; replayed: number };
  events: number;
  timeline: TimelineEntry[];
  divergence?: Divergence;
  error?: ErrorData;
  /** The workflow's state at the `until` step, or at the end of the replay. */
  state?: WorkflowStateSnapshot;
  /** Commands the code issued beyond the journal (in reaction to facts it had not seen yet). */
  newCommands: IssuedCommand[];
  /** The code completed or failed during the replay. */
  done: boolean;
  until?: number;
  durationMs: number;
}

/** Replays one journal and reports the timeline and the verdict. */
export async function replayJournal(options: ReplayJournalOptions): Promise<ReplayResult> {
  const started = performance.now();
  if (options.until !== undefined && (!Number.isInteger(options.until) || options.until < 1)) {
    throw new InvalidReplayOptionError(
      'until',
      `must be a step number (1 or more), got ${String(options.until)}`,
    );
  }
  // The runner starts while the journal is read and the project built (time to first output).
  const starting = options.sandbox === undefined ? createSandbox({ runners: 1 }) : undefined;
  // A start failure is reported where it is awaited (below), not as an unhandled rejection.
  starting?.catch(() => undefined);
  try {
    const journal = await loadJournal(options.journal);
    const resolved = await resolveBuild(options.build, journal);
    const sandbox: Sandbox = starting === undefined ? (options.sandbox as Sandbox) : await starting;
    return await replayOn(sandbox, journal, resolved, options, started);
  } finally {
    if (starting !== undefined) {
      // Stopped whether or not the replay got to use it.
      await starting.then(
        (own) => own.close(),
        () => undefined,
      );
    }
  }
}

interface ResolvedBuild {
  artifact: BuildArtifact;
  from: ReplayResult['build']['from'];
  projectDir?: string;
}

async function replayOn(
  sandbox: Sandbox,
  journal: JournalFile,
  build: ResolvedBuild,
  options: Omit<ReplayJournalOptions, 'journal' | 'build' | 'sandbox'>,
  started: number,
): Promise<ReplayResult> {
  // A journal file's events are session events with their revision (and a recording time).
  const { replay: history, pending } = splitHistoryColumns(
    journal.events as readonly JournaledSessionEvent[],
  );
  const request: ReplayRequest = {
    init: {
      buildHash: build.artifact.hash,
      info: workflowInfoOf(journal),
      randomSeed: (journal.events[0]?.data as SessionStartedData).seed,
    },
    history,
    pending,
    captureSites: options.captureSites ?? (options.until !== undefined || options.inspect !== undefined),
  };
  if (options.until !== undefined) request.until = { step: options.until };
  let onListening: ((endpoint: InspectorEndpoint) => void) | undefined;
  if (options.inspect !== undefined && options.inspect !== false) {
    const { onListening: listener, ...inspect } = options.inspect === true ? {} : options.inspect;
    onListening = listener;
    if (inspect.sourceRoot === undefined && build.projectDir !== undefined) {
      inspect.sourceRoot = pathToFileUrl(build.projectDir);
    }
    request.inspect = inspect;
  }
  sandbox.registerBuild(build.artifact);
  const outcome = await sandbox.replay(
    request,
    onListening === undefined ? {} : { onInspectorListening: onListening },
  );
  return report(journal, build, commandCount(history), outcome, options.until, started);
}

function report(
  journal: JournalFile,
  build: ResolvedBuild,
  recordedSteps: number,
  outcome: ReplayOutcome,
  until: number | undefined,
  started: number,
): ReplayResult {
  const trace = outcome.trace;
  const result: ReplayResult = {
    verdict:
      outcome.kind === 'compatible'
        ? 'compatible'
        : outcome.kind === 'until'
          ? 'stopped'
          : outcome.kind === 'nondeterminism'
            ? 'divergent'
            : 'error',
    session: {
      sessionId: journal.sessionId,
      entry: journal.entry,
      buildId: journal.buildId,
      buildHash: journal.buildHash,
      ...(journal.status !== undefined ? { status: journal.status } : {}),
    },
    build: {
      hash: build.artifact.hash,
      from: build.from,
      recordedBuild: build.artifact.hash === journal.buildHash,
      ...(build.projectDir !== undefined ? { projectDir: build.projectDir } : {}),
    },
    steps: { recorded: recordedSteps, replayed: trace?.matched[trace.matched.length - 1] ?? 0 },
    events: journal.events.length,
    timeline: buildTimeline(journal.events, outcome),
    newCommands: outcome.newCommands,
    done: outcome.done,
    durationMs: 0,
  };
  if (outcome.divergence !== undefined) result.divergence = withRecordedCommand(outcome.divergence, journal);
  if (outcome.error !== undefined) result.error = outcome.error;
  if (outcome.state !== undefined) result.state = outcome.state;
  if (until !== undefined) result.until = until;
  result.durationMs = performance.now() - started;
  return result;
}

/** The divergence with the recorded command as journaled (options included). */
function withRecordedCommand(divergence: Divergence, journal: JournalFile): Divergence {
  const revision = divergence.recorded?.revision;
  const event = revision === undefined ? undefined : journal.events[revision];
  const command =
    event === undefined ? undefined : commandOf({ type: event.type, data: event.data } as SessionEvent);
  if (command === undefined || divergence.recorded === undefined) return divergence;
  return { ...divergence, recorded: { ...divergence.recorded, command } };
}

function workflowInfoOf(journal: JournalFile): WorkflowInfo {
  const started = journal.events[0]?.data as SessionStartedData;
  const info: WorkflowInfo = {
    sessionId: journal.sessionId,
    entry: started.entry,
    buildId: journal.buildId,
    startTime: started.time,
    variables: started.variables ?? {},
  };
  if (started.projectId !== undefined) info.projectId = started.projectId;
  if (started.deploymentId !== undefined) info.deploymentId = started.deploymentId;
  if (started.parent !== undefined) info.parentSessionId = started.parent.sessionId;
  return info;
}

async function loadJournal(source: JournalSource): Promise<JournalFile> {
  if (typeof source === 'string') return readJournalFile(source);
  if (source instanceof Uint8Array) return decodeJournalFile(source);
  return source;
}

async function resolveBuild(build: ReplayBuild | undefined, journal: JournalFile): Promise<ResolvedBuild> {
  if (build === undefined) {
    if (journal.build === undefined) throw new ReplayBuildMissingError(journal.sessionId);
    return { artifact: journal.build, from: 'journal' };
  }
  if ('projectDir' in build) return buildFromProject(build.projectDir, build.typecheck);
  return { artifact: build, from: 'artifact' };
}

async function buildFromProject(projectDir: string, typecheck = false): Promise<ResolvedBuild> {
  // In this thread, not in a `BuildWorker`: the replayer runs in short-lived processes (the CLI,
  // users' CI) that build once and exit, with no sessions whose event loop a type check would
  // stall, so a worker thread would only add its start (and the compiler loaded in it) to the run.
  const result = await buildProject(projectDir, { typecheck });
  if (!result.ok) throw new BuildFailedError(result.diagnostics);
  return { artifact: result.artifact, from: 'project', projectDir };
}

/**
 * A build named by a path (`whisker replay --build <path>`): a project directory (built on the
 * fly), a serialized build artifact, or a journal file that carries its build.
 */
export async function loadReplayBuild(
  path: string,
  options: { typecheck?: boolean } = {},
): Promise<ReplayBuild> {
  if ((await stat(path)).isDirectory()) {
    return {
      projectDir: resolve(path),
      ...(options.typecheck !== undefined ? { typecheck: options.typecheck } : {}),
    };
  }
  const bytes = await readFile(path);
  const isJournal = bytes[0] === 0x7b || JOURNAL_FILE_MAGIC.every((b, i) => bytes[i] === b);
  if (!isJournal) return deserializeArtifact(bytes);
  const journal = await readJournalFile(path);
  if (journal.build === undefined) {
    throw new InvalidReplayOptionError(
      'build',
      `${path} is a journal file without a build (export it --with-build)`,
    );
  }
  return journal.build;
}

function pathToFileUrl(dir: string): string {
  const href = pathToFileURL(resolve(dir)).href;
  return href.endsWith('/') ? href : `${href}/`;
}

// ---------------------------------------------------------------------------------------------
// Many journals (users' CI).

export interface ReplayJournalsOptions {
  /** The build to check every journal against: an artifact or a project directory. Default: each journal's own build. */
  build?: ReplayBuild;
  /** Shorthand for `build: { projectDir }`. */
  projectDir?: string;
  journals: readonly JournalSource[];
  /** A sandbox to replay in. Default: one with a runner per core, stopped after. */
  sandbox?: Sandbox;
}

export interface JournalReplayResult {
  /** The file path, or the session id for a decoded journal. */
  journal: string;
  sessionId?: string;
  verdict: 'compatible' | 'divergent' | 'error';
  divergence?: Divergence;
  /** Why the journal could not be replayed (unreadable file, no build, the code failed). */
  error?: ErrorData;
  /** The full report (absent when the journal could not be read). */
  result?: ReplayResult;
}

/**
 * Replays every journal against one build and reports each: compatible, divergent (with the
 * divergence), or error. Never throws for one journal's problem; a build that does not build throws.
 */
export async function replayJournals(options: ReplayJournalsOptions): Promise<JournalReplayResult[]> {
  const buildOption =
    options.build ?? (options.projectDir !== undefined ? { projectDir: options.projectDir } : undefined);
  let shared: ResolvedBuild | undefined;
  if (buildOption !== undefined) {
    shared =
      'projectDir' in buildOption
        ? await buildFromProject(buildOption.projectDir, buildOption.typecheck)
        : { artifact: buildOption, from: 'artifact' };
  }
  const sandbox = options.sandbox ?? (await createSandbox());
  try {
    return await Promise.all(
      options.journals.map(async (source): Promise<JournalReplayResult> => {
        const started = performance.now();
        const label =
          typeof source === 'string'
            ? source
            : source instanceof Uint8Array
              ? 'journal bytes'
              : source.sessionId;
        let journal: JournalFile;
        try {
          journal = await loadJournal(source);
        } catch (error) {
          return { journal: label, verdict: 'error', error: toErrorData(error) };
        }
        try {
          const build = shared ?? (await resolveBuild(undefined, journal));
          const result = await replayOn(sandbox, journal, build, {}, started);
          const item: JournalReplayResult = {
            journal: typeof source === 'string' ? source : journal.sessionId,
            sessionId: journal.sessionId,
            verdict:
              result.verdict === 'divergent'
                ? 'divergent'
                : result.verdict === 'compatible'
                  ? 'compatible'
                  : 'error',
            result,
          };
          if (result.divergence !== undefined) item.divergence = result.divergence;
          if (result.error !== undefined) item.error = result.error;
          return item;
        } catch (error) {
          return {
            journal: label,
            sessionId: journal.sessionId,
            verdict: 'error',
            error: toErrorData(error),
          };
        }
      }),
    );
  } finally {
    if (options.sandbox === undefined) await sandbox.close();
  }
}
