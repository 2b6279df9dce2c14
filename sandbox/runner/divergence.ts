/**
 * A divergence as the engine reports it: the guest's raw finding (bundle positions) mapped to the
 * user's sources, with a message that names the step, what the journal recorded, what the code did
 * now and where, and how to fix it.
 */
import type { Command, Divergence, FieldDifference, IssuedCommand } from '../protocol.js';
import type { HistoryColumns } from '../guest/history-columns.js';
import { recordedCommandAt } from '../guest/history-columns.js';
import type { RawDivergence } from '../guest/workflow-runtime.js';
import type { BundleMap } from './source-mapping.js';
import { mapStack } from './source-mapping.js';

export function describeCommand(command: Command): string {
  switch (command.kind) {
    case 'scheduleActivity':
      return `scheduleActivity ${command.name} (seq ${command.seq})`;
    case 'requestCancelActivity':
      return `requestCancelActivity (seq ${command.seq})`;
    case 'startTimer':
      return `startTimer ${command.durationMs} ms (seq ${command.seq})`;
    case 'cancelTimer':
      return `cancelTimer (seq ${command.seq})`;
    case 'startChild':
      return `startChild ${command.entry} (seq ${command.seq})`;
    case 'requestCancelChild':
      return `requestCancelChild (seq ${command.seq})`;
    case 'respond':
      return `respond ${command.response.status}`;
    case 'complete':
      return 'complete';
    case 'fail':
      return `fail (${command.error.name}: ${command.error.message})`;
    case 'log':
      return `log ${command.level}`;
    case 'patch':
      return `patch ${command.id}`;
  }
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === undefined) return 'undefined';
  if (value instanceof Date) return value.toISOString();
  try {
    const text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
    if (text === undefined) return typeof value;
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

function describeDifferences(differences: FieldDifference[]): string {
  return differences
    .slice(0, 5)
    .map((d) => `${d.path}: ${show(d.recorded)} → ${show(d.issued)}`)
    .join('; ');
}

const HINT =
  "Workflow code must issue the same steps when it replays a session's journal. If this change is intended, guard it so sessions started on the old code keep the old path: `if (patched('my-change')) { /* new */ } else { /* old */ }`; or let running sessions finish on their own deployment.";

export function toDivergence(
  raw: RawDivergence,
  recorded: HistoryColumns | undefined,
  map: BundleMap,
): Divergence {
  const recordedCommand =
    raw.recordedIndex === undefined || recorded === undefined
      ? undefined
      : recordedCommandAt(recorded, raw.recordedIndex);
  let issued: IssuedCommand | undefined;
  if (raw.issued !== undefined) {
    issued = { command: raw.issued.command };
    const source = map.locateInStack(raw.issued.site);
    if (source !== undefined) issued.source = source;
  }
  const mappedStack = raw.stack === undefined ? undefined : mapStack(raw.stack, map);
  const where = issued?.source ?? mappedStack?.source;
  const at = where === undefined ? '' : ` at ${where.file}:${where.line}:${where.column}`;
  const revision =
    recordedCommand?.revision === undefined ? '' : ` (journal revision ${recordedCommand.revision})`;

  let message: string;
  if (raw.detail !== undefined) {
    message = `Nondeterminism at step ${raw.step}: ${raw.detail}${at}. ${HINT}`;
  } else if (recordedCommand !== undefined && issued !== undefined) {
    message =
      `Nondeterminism at step ${raw.step}: the journal recorded ${describeCommand(recordedCommand.command)}${revision}, ` +
      `but the code now issued ${describeCommand(issued.command)}${at}. ` +
      `Differences: ${describeDifferences(raw.differences)}. ${HINT}`;
  } else if (recordedCommand !== undefined) {
    message =
      `Nondeterminism at step ${raw.step}: the journal recorded ${describeCommand(recordedCommand.command)}${revision}, ` +
      `but after replaying every recorded event the code did not issue it (a removed or reordered step). ${HINT}`;
  } else {
    message = `Nondeterminism at step ${raw.step}: the code issued ${issued === undefined ? 'a command' : describeCommand(issued.command)}${at} where the journal has none. ${HINT}`;
  }

  const divergence: Divergence = { step: raw.step, differences: raw.differences, message };
  if (recordedCommand !== undefined) divergence.recorded = recordedCommand;
  if (issued !== undefined) divergence.issued = issued;
  if (mappedStack !== undefined) divergence.stack = mappedStack.stack;
  return divergence;
}
