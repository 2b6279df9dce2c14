/** Export: a session's journal (and optionally its build) as a `JournalFile`. */
import type { Engine } from '../runtime/engine.js';
import { BuildNotFoundError } from '../errors.js';
import type { JournalFile } from './journal-file.js';
import { JOURNAL_FILE_VERSION } from './journal-file.js';

export interface ExportJournalOptions {
  /** Include the build the session runs on, so the file replays with nothing else. Default false. */
  withBuild?: boolean;
}

/** The session's journal as a self-contained file (see docs/journal-format.md). */
export async function exportSessionJournal(
  engine: Engine,
  sessionId: string,
  options: ExportJournalOptions = {},
): Promise<JournalFile> {
  const info = engine.getSession(sessionId);
  const build = engine.getBuild(info.buildId);
  if (build === undefined) throw new BuildNotFoundError(info.buildId);
  const events = await engine.history(sessionId);
  const file: JournalFile = {
    version: JOURNAL_FILE_VERSION,
    sessionId,
    entry: info.entry,
    buildId: info.buildId,
    buildHash: build.hash,
    status: info.status,
    exportedAt: Date.now(),
    events: events.map((e) => ({
      revision: e.revision,
      type: e.type,
      data: e.data,
      recordedAt: e.recordedAt,
    })),
  };
  if (info.startBuildId !== info.buildId) file.startBuildId = info.startBuildId;
  if (options.withBuild === true) file.build = await engine.buildArtifact(info.buildId);
  return file;
}
