// Replay debugging: journal files (export, encode, decode), the offline replayer, reports.
export {
  JOURNAL_FILE_VERSION,
  JOURNAL_FILE_FORMAT,
  encodeJournalFile,
  encodeJournalFileJson,
  decodeJournalFile,
  readJournalFile,
  writeJournalFile,
} from './journal-file.js';
export type { JournalFile, JournalFileEvent, JournalFileFormat } from './journal-file.js';
export { toTaggedJson, fromTaggedJson } from './tagged-json.js';
export { exportSessionJournal } from './export.js';
export type { ExportJournalOptions } from './export.js';
export { replayJournal, replayJournals, loadReplayBuild } from './replayer.js';
export type {
  ReplayJournalOptions,
  ReplayJournalsOptions,
  ReplayResult,
  ReplayVerdict,
  ReplayBuild,
  JournalSource,
  JournalReplayResult,
} from './replayer.js';
export type { TimelineEntry, TimelineStatus } from './timeline.js';
export {
  formatReplayReport,
  formatReplaySummary,
  formatTimeline,
  formatVerdict,
  formatState,
  describeEvent,
  describeCommand,
  abbreviate,
} from './format.js';
export {
  JournalFileError,
  JournalJsonEncodingError,
  ReplayBuildMissingError,
  InvalidReplayOptionError,
} from './errors.js';
export type {
  InspectOptions,
  InspectorEndpoint,
  WorkflowStateSnapshot,
  ReplayLog,
  Divergence,
  FieldDifference,
  IssuedCommand,
  RecordedCommand,
} from '../../sandbox/index.js';
