// Pure helpers of the UI (no DOM, no React): formatting, the journal timeline, states, filters.
export {
  toMillis,
  formatDateTime,
  formatClock,
  formatRelative,
  formatDuration,
  formatCount,
  formatPercent,
  shortId,
  formatJson,
  previewJson,
} from './format.js';
export type { TimeValue } from './format.js';
export { buildTimeline, asErrorInfo, sourceLineOf, isFinalEventType } from './timeline.js';
export type {
  JournalEvent,
  ErrorInfo,
  ActivityAttempt,
  TimelineLogLine,
  ActivityStatus,
  TimerStatus,
  ChildStatus,
  Tone,
  ActivityRow,
  TimerRow,
  ChildRow,
  SignalRow,
  LogRow,
  LifecycleRow,
  TimelineRow,
  Timeline,
} from './timeline.js';
export { SESSION_STATES, toneOf, isFinalSessionState, stateLabel } from './status.js';
export type { SessionState } from './status.js';
export { filtersFromSearch, searchFromFilters, localInputToMillis, hasFilters } from './session-filters.js';
export type { SessionFilters } from './session-filters.js';
export { TIME_RANGES, timeRange, rangeStart, fillSeries } from './series.js';
export type { SeriesBucket, TimeRange } from './series.js';
export { excerptLines, decodeBase64Text } from './excerpt.js';
export type { ExcerptLine } from './excerpt.js';
