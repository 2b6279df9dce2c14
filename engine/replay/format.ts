/**
 * Text reports of a replay: the timeline, the verdict (with the divergence: step, recorded vs now,
 * field differences, source line, stack, hint) and the workflow's state. Values are abbreviated.
 * Nothing here runs unless a report is printed.
 */
import type { ErrorData, SourceLocation } from '../../common/index.js';
import type { Command, WorkflowStateSnapshot } from '../../sandbox/index.js';
import type { JournalReplayResult, ReplayResult } from './replayer.js';
import type { TimelineEntry } from './timeline.js';

/** A short, single-line rendering of a value (JSON-like, with Date, Map, Set, bytes and bigint). */
export function abbreviate(value: unknown, max = 60): string {
  const text = render(value, 0);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function render(value: unknown, depth: number): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'symbol') return value.toString();
  if (typeof value === 'function') return '[function]';
  if (depth > 4) return '…';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (value instanceof Uint8Array) return `Uint8Array(${value.length})`;
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${value.byteLength} bytes)`;
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (Array.isArray(value)) return `[${value.map((v) => render(v, depth + 1)).join(', ')}]`;
  if (value instanceof Map)
    return `Map{${[...value].map(([k, v]) => `${render(k, depth + 1)} => ${render(v, depth + 1)}`).join(', ')}}`;
  if (value instanceof Set) return `Set{${[...value].map((v) => render(v, depth + 1)).join(', ')}}`;
  const entries = Object.entries(value).map(
    ([k, v]) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)}: ${render(v, depth + 1)}`,
  );
  return `{${entries.join(', ')}}`;
}

function args(list: unknown): string {
  return Array.isArray(list) ? list.map((a) => abbreviate(a, 40)).join(', ') : abbreviate(list, 40);
}

function duration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0 && ms > 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

function error(e: ErrorData | undefined): string {
  return e === undefined ? '?' : `${e.name}: ${e.message}`;
}

/** One line describing a journal event. */
export function describeEvent(type: string, data: unknown): string {
  const d = data as Record<string, unknown>;
  const seq = `#${String(d.seq)}`;
  switch (type) {
    case 'SessionStarted':
      return `SessionStarted ${String(d.entry)}(${abbreviate(d.input, 50)})`;
    case 'ActivityScheduled':
      return `ActivityScheduled ${seq} ${String(d.name)}(${args(d.args)})`;
    case 'ActivityCompleted':
      return `ActivityCompleted ${seq} → ${abbreviate(d.result, 50)}${Number(d.attempt) > 1 ? ` (attempt ${String(d.attempt)})` : ''}`;
    case 'ActivityFailed':
      return `ActivityFailed ${seq} attempt ${String(d.attempt)}: ${error(d.error as ErrorData)}${d.retryAt === undefined ? '' : ' (will retry)'}`;
    case 'ActivityCancelRequested':
      return `ActivityCancelRequested ${seq}`;
    case 'TimerStarted':
      return `TimerStarted ${seq} ${duration(Number(d.durationMs))}`;
    case 'TimerFired':
      return `TimerFired ${seq}`;
    case 'TimerCancelled':
      return `TimerCancelled ${seq}`;
    case 'SignalReceived':
      return `SignalReceived ${JSON.stringify(d.name)} ${abbreviate(d.payload, 50)}`;
    case 'ChildStarted':
      return `ChildStarted ${seq} ${String(d.entry)}(${abbreviate(d.input, 40)}) → ${String(d.sessionId)}`;
    case 'ChildCompleted':
      return d.failed === true
        ? `ChildCompleted ${seq} failed: ${error(d.error as ErrorData)}`
        : `ChildCompleted ${seq} → ${abbreviate(d.result, 50)}`;
    case 'ChildCancelRequested':
      return `ChildCancelRequested ${seq}`;
    case 'Log':
      return `Log ${String(d.level)}: ${abbreviate(d.text, 70)}`;
    case 'ActivityLog':
      return `ActivityLog ${seq} ${String(d.level)}: ${abbreviate(d.text, 60)}`;
    case 'PatchMarker':
      return `PatchMarker ${JSON.stringify(d.id)}${d.deprecated === true ? ' (deprecated)' : ''}`;
    case 'ResponseSet':
      return `ResponseSet ${String((d.response as { status?: unknown } | undefined)?.status)}`;
    case 'CancelRequested':
      return `CancelRequested: ${String(d.reason)}`;
    case 'SessionCompleted':
      return `SessionCompleted → ${abbreviate(d.result, 50)}`;
    case 'SessionFailed':
      return `SessionFailed (${String(d.origin)}): ${error(d.error as ErrorData)}`;
    case 'SessionStopped':
      return `SessionStopped (${String(d.origin)}${d.forced === true ? ', forced' : ''}): ${String(d.reason)}`;
    case 'SessionParked':
      return `SessionParked ${String(d.code)}`;
    case 'SessionResumed':
      return `SessionResumed${typeof d.buildId === 'string' ? ` on ${d.buildId}` : ''}: ${String(d.reason)}`;
    default:
      return type;
  }
}

/** One line describing a command. */
export function describeCommand(command: Command): string {
  switch (command.kind) {
    case 'scheduleActivity':
      return `scheduleActivity #${command.seq} ${command.name}(${args(command.args)})`;
    case 'startTimer':
      return `startTimer #${command.seq} ${duration(command.durationMs)}`;
    case 'startChild':
      return `startChild #${command.seq} ${command.entry}(${abbreviate(command.input, 40)})`;
    case 'requestCancelActivity':
    case 'cancelTimer':
    case 'requestCancelChild':
      return `${command.kind} #${command.seq}`;
    case 'respond':
      return `respond ${command.response.status}`;
    case 'complete':
      return `complete → ${abbreviate(command.result, 50)}`;
    case 'fail':
      return `fail ${error(command.error)}`;
    case 'log':
      return `log ${command.level}: ${abbreviate(command.text, 60)}`;
    case 'patch':
      return `patch ${JSON.stringify(command.id)}`;
  }
}

function at(source: SourceLocation | undefined): string {
  return source === undefined ? '' : ` at ${source.file}:${source.line}:${source.column}`;
}

const MARKS: Record<TimelineEntry['status'], string> = {
  delivered: '→',
  matched: '✓',
  diverged: '✗',
  recorded: '·',
  'not-replayed': ' ',
};

export function formatTimeline(timeline: readonly TimelineEntry[]): string {
  const lines = ['  rev  step    event'];
  for (const entry of timeline) {
    const step = entry.step === undefined ? '' : String(entry.step);
    let line = `${String(entry.revision).padStart(5)}  ${step.padStart(4)} ${MARKS[entry.status]}  ${describeEvent(entry.type, entry.data)}`;
    if (entry.steps !== undefined) {
      const [from, to] = entry.steps;
      line += from === to ? `   ⇒ step ${from}` : `   ⇒ steps ${from}–${to}`;
    }
    if (entry.status === 'not-replayed') line += '   (not replayed)';
    lines.push(line);
    for (const log of entry.logs ?? [])
      lines.push(`               printed now: ${log.level}: ${abbreviate(log.text, 90)}`);
    for (const issued of entry.newCommands ?? [])
      lines.push(`               new: ${describeCommand(issued.command)}${at(issued.source)}`);
  }
  return lines.join('\n');
}

export function formatVerdict(result: ReplayResult): string {
  const lines: string[] = [];
  const { steps } = result;
  switch (result.verdict) {
    case 'compatible':
      lines.push(
        `COMPATIBLE: the code issued all ${steps.recorded} recorded step${steps.recorded === 1 ? '' : 's'} again, in order.`,
      );
      break;
    case 'stopped':
      lines.push(
        `STOPPED at step ${String(result.until)} (${steps.replayed} of ${steps.recorded} steps replayed, compatible so far).`,
      );
      break;
    case 'error':
      lines.push(`ERROR: ${error(result.error)}${at(result.error?.source)}`);
      if (result.error?.stack !== undefined) lines.push(indent(result.error.stack, 4));
      break;
    case 'divergent': {
      const d = result.divergence;
      if (d === undefined) break;
      const revision = d.recorded?.revision === undefined ? '' : ` (journal revision ${d.recorded.revision})`;
      lines.push(`DIVERGENT at step ${d.step}${revision}:`);
      lines.push(
        `  the journal recorded: ${d.recorded === undefined ? '(nothing: the journal has no command here)' : describeCommand(d.recorded.command)}`,
      );
      lines.push(
        `  the code now issued:  ${d.issued === undefined ? '(nothing: the code ended or waits without issuing it)' : `${describeCommand(d.issued.command)}${at(d.issued.source)}`}`,
      );
      if (d.differences.length > 0) {
        lines.push('  differences (recorded → now):');
        for (const diff of d.differences)
          lines.push(`    ${diff.path}: ${abbreviate(diff.recorded, 50)} → ${abbreviate(diff.issued, 50)}`);
      }
      if (d.stack !== undefined) {
        lines.push('  workflow stack:');
        lines.push(
          indent(
            d.stack
              .split('\n')
              .filter((l) => /^\s+at /.test(l))
              .map((l) => l.trim())
              .join('\n') || d.stack,
            4,
          ),
        );
      }
      lines.push(`  ${d.message}`);
      break;
    }
  }
  if (result.until !== undefined && result.verdict !== 'stopped' && result.verdict !== 'divergent')
    lines.push(
      `(step ${result.until} was not reached: the journal has ${steps.recorded} step${steps.recorded === 1 ? '' : 's'})`,
    );
  if (result.newCommands.length > 0) {
    lines.push(`New commands (the journal does not hold them; the code would issue them next):`);
    for (const issued of result.newCommands)
      lines.push(`  ${describeCommand(issued.command)}${at(issued.source)}`);
  }
  return lines.join('\n');
}

export function formatState(state: WorkflowStateSnapshot): string {
  const lines = [
    `Workflow state after ${state.jobsDelivered} fact${state.jobsDelivered === 1 ? '' : 's'} and step ${state.stepsMatched} (workflow time ${new Date(state.time).toISOString()}):`,
  ];
  if (state.done) lines.push('  the code has ended');
  if (state.cancelRequested !== undefined) lines.push(`  stop requested: ${state.cancelRequested}`);
  const section = (title: string, items: string[]): void => {
    lines.push(`  ${title}:${items.length === 0 ? ' none' : ''}`);
    for (const item of items) lines.push(`    ${item}`);
  };
  section(
    'pending activities',
    state.activities.map((a) => `#${a.seq} ${a.name}(${args(a.args)})${at(a.source)}`),
  );
  section(
    'pending timers',
    state.timers.map(
      (t) =>
        `#${t.seq} ${t.purpose} ${duration(t.durationMs)}, fires at ${new Date(t.fireAt).toISOString()}${at(t.source)}`,
    ),
  );
  section(
    'child sessions',
    state.children.map(
      (c) =>
        `#${c.seq} ${c.entry}(${abbreviate(c.input, 40)}) ${c.started ? `running as ${String(c.sessionId)}` : 'starting'}${at(c.source)}`,
    ),
  );
  section(
    'waiting for signals',
    state.signalWaiters.map(
      (w) =>
        `${JSON.stringify(w.name)}${w.timeoutSeq === undefined ? '' : ` (timeout timer #${w.timeoutSeq})`}${at(w.source)}`,
    ),
  );
  section(
    'waiting conditions',
    state.conditions.map(
      (c) =>
        `condition()${c.timeoutSeq === undefined ? '' : ` (timeout timer #${c.timeoutSeq})`}${at(c.source)}`,
    ),
  );
  section(
    'buffered signals',
    state.bufferedSignals.map(
      (s) => `${JSON.stringify(s.name)}: ${s.payloads.map((p) => abbreviate(p, 40)).join(', ')}`,
    ),
  );
  section(
    'signal handlers',
    state.signalHandlers.map((name) => JSON.stringify(name)),
  );
  section(
    'query handlers',
    state.queryHandlers.map((name) => {
      const q = state.queries.find((query) => query.name === name);
      return q === undefined
        ? JSON.stringify(name)
        : `${JSON.stringify(name)} = ${q.ok ? abbreviate(q.value, 60) : `throws ${error(q.error)}`}`;
    }),
  );
  return lines.join('\n');
}

/** The whole report: heading, timeline, verdict, and the state (at `until`, or when the session is still open). */
export function formatReplayReport(result: ReplayResult): string {
  const s = result.session;
  const against = result.build.recordedBuild
    ? 'the recorded build'
    : `build ${result.build.hash.slice(0, 19)}${result.build.projectDir === undefined ? '' : ` (built from ${result.build.projectDir})`}, not the recorded ${s.buildHash.slice(0, 19)}`;
  const parts = [
    `Replay of session ${s.sessionId} (${s.entry}): ${result.events} events, ${result.steps.recorded} step${result.steps.recorded === 1 ? '' : 's'}, against ${against}`,
    formatTimeline(result.timeline),
  ];
  const logs = result.timeline.flatMap((e) => e.logs ?? []);
  if (result.verdict === 'stopped' || (result.state !== undefined && !result.state.done)) {
    if (result.state !== undefined) {
      const heading =
        result.verdict === 'divergent'
          ? 'When it diverged, the workflow'
          : result.verdict === 'stopped'
            ? 'At the stop, the workflow'
            : 'At the end of the journal, the workflow';
      parts.push(`${heading}:\n${formatState(result.state)}`);
    }
    if (result.verdict === 'stopped')
      parts.push(
        `Values the code logged so far:${logs.length === 0 ? ' none' : `\n${logs.map((l) => `  ${l.level}: ${l.text}`).join('\n')}`}`,
      );
  }
  parts.push(formatVerdict(result));
  return `${parts.join('\n\n')}\n`;
}

/** One line per journal, then a summary (for `whisker replay dir/*.journal`). */
export function formatReplaySummary(results: readonly JournalReplayResult[]): string {
  const lines = results.map((r) => {
    if (r.verdict === 'compatible') return `ok         ${r.journal}`;
    if (r.verdict === 'divergent') return `DIVERGENT  ${r.journal}: ${r.divergence?.message ?? ''}`;
    return `ERROR      ${r.journal}: ${error(r.error)}`;
  });
  const count = (verdict: JournalReplayResult['verdict']): number =>
    results.filter((r) => r.verdict === verdict).length;
  lines.push(
    `${results.length} journals: ${count('compatible')} compatible, ${count('divergent')} divergent, ${count('error')} errors`,
  );
  return `${lines.join('\n')}\n`;
}

function indent(text: string, spaces: number): string {
  return text
    .split('\n')
    .map((line) => `${' '.repeat(spaces)}${line}`)
    .join('\n');
}
