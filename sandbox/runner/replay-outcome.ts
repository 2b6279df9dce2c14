/**
 * A replay's raw results (bundle positions, raw sites) as the protocol reports them: commands,
 * state and divergence mapped to the user's sources through the bundle's source map.
 */
import type { IssuedCommand, ReplayOutcome, WorkflowStateSnapshot } from '../protocol.js';
import type { HistoryColumns } from '../guest/history-columns.js';
import type { RawIssuedCommand, RawStateSnapshot } from '../guest/workflow-runtime.js';
import { toDivergence } from './divergence.js';
import type { DriveResult } from './replay-driver.js';
import type { BundleMap } from './source-mapping.js';
import { mapErrorData } from './source-mapping.js';

/** A command as returned live: `fail` errors mapped, the user's call site located. */
export function issuedCommand(raw: RawIssuedCommand, map: BundleMap): IssuedCommand {
  const command =
    raw.command.kind === 'fail'
      ? { ...raw.command, error: mapErrorData(raw.command.error, map) }
      : raw.command;
  const issued: IssuedCommand = { command };
  const source = map.locateInStack(raw.site);
  if (source !== undefined) issued.source = source;
  return issued;
}

export function toReplayOutcome(
  result: DriveResult,
  recorded: HistoryColumns,
  map: BundleMap,
): ReplayOutcome {
  const { conclusion } = result;
  const outcome: ReplayOutcome = {
    kind: result.until ? 'until' : 'compatible',
    newCommands: conclusion.commands.map((raw) => issuedCommand(raw, map)),
    done: conclusion.done,
    state: mapSnapshot(result.snapshot, map),
  };
  if (conclusion.trace !== undefined) outcome.trace = conclusion.trace;
  if (conclusion.divergence !== undefined) {
    outcome.kind = 'nondeterminism';
    outcome.divergence = toDivergence(conclusion.divergence, recorded, map);
  } else if (conclusion.violation !== undefined) {
    outcome.kind = 'failed';
    outcome.error = { ...mapErrorData(conclusion.violation, map), retryable: false };
  }
  return outcome;
}

function mapSnapshot(raw: RawStateSnapshot, map: BundleMap): WorkflowStateSnapshot {
  const located = <T extends { site?: string }>(
    item: T,
  ): Omit<T, 'site'> & { source?: WorkflowStateSnapshot['activities'][number]['source'] } => {
    const { site, ...rest } = item;
    const source = map.locateInStack(site);
    return source === undefined ? rest : { ...rest, source };
  };
  return {
    ...raw,
    activities: raw.activities.map(located),
    timers: raw.timers.map(located),
    children: raw.children.map(located),
    conditions: raw.conditions.map(located),
    signalWaiters: raw.signalWaiters.map(located),
    queries: raw.queries.map((query) =>
      query.error === undefined ? query : { ...query, error: mapErrorData(query.error, map) },
    ),
  };
}
