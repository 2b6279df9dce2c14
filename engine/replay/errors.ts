/** Errors of replay debugging: journal files that cannot be read, replays that cannot start. */
import { WhiskerError } from '../../common/index.js';

/**
 * A journal file is truncated, corrupted or not a journal file. `offset` is the byte offset where
 * the problem was found (in a JSON file: the character offset), `section` the binary section.
 */
export class JournalFileError extends WhiskerError {
  constructor(
    code:
      | 'JOURNAL_FILE_TRUNCATED'
      | 'JOURNAL_FILE_CORRUPTED'
      | 'JOURNAL_FILE_INVALID'
      | 'JOURNAL_FILE_UNSUPPORTED',
    readonly detail: string,
    readonly facts: { offset?: number; section?: string; file?: string } = {},
  ) {
    const where = facts.file === undefined ? 'journal file' : `journal file ${facts.file}`;
    const what =
      code === 'JOURNAL_FILE_TRUNCATED'
        ? 'is truncated'
        : code === 'JOURNAL_FILE_CORRUPTED'
          ? 'is corrupted'
          : code === 'JOURNAL_FILE_UNSUPPORTED'
            ? 'cannot be read by this version'
            : 'is not valid';
    const at = facts.offset === undefined ? '' : ` at byte offset ${facts.offset}`;
    super(
      code,
      `${where} ${what}${at}: ${detail}. Export the session again (whisker journal export <session-id>) or use another copy.`,
    );
  }

  get offset(): number | undefined {
    return this.facts.offset;
  }

  get section(): string | undefined {
    return this.facts.section;
  }

  /** The same error naming the file it came from. */
  inFile(file: string): JournalFileError {
    const code = this.code as ConstructorParameters<typeof JournalFileError>[0];
    return new JournalFileError(code, this.detail, { ...this.facts, file });
  }
}

/** A value cannot be written in the JSON form (a cycle); the binary form keeps it. */
export class JournalJsonEncodingError extends WhiskerError {
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(
      'JOURNAL_JSON_UNENCODABLE',
      `cannot write ${path} as JSON: ${problem}; export the binary form instead`,
    );
  }
}

/** The replay has no build to run: the journal carries none and none was given. */
export class ReplayBuildMissingError extends WhiskerError {
  constructor(readonly sessionId: string) {
    super(
      'REPLAY_BUILD_MISSING',
      `the journal of session ${sessionId} carries no build; pass one (--build <project-dir|artifact>, or the build option), or export the journal with --with-build`,
    );
  }
}

/** An option of a replay is malformed; `field` names it. */
export class InvalidReplayOptionError extends WhiskerError {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super('INVALID_REPLAY_OPTION', `${field}: ${problem}`);
  }
}
