/**
 * What the command line prints: JSON for scripts (`--json`), aligned tables and short lines for
 * people, colours only on a terminal (never with `--json` or `NO_COLOR`).
 */
import type { Writable } from 'node:stream';

export interface Io {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface Column<T> {
  header: string;
  value: (row: T) => string;
  /** Colours a cell (on a terminal). */
  color?: (row: T) => Color | undefined;
}

export type Color = 'red' | 'green' | 'yellow' | 'blue' | 'gray' | 'bold';

const CODES: Record<Color, [number, number]> = {
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  gray: [90, 39],
  bold: [1, 22],
};

/** Colours of session, deployment and event states. */
export function stateColor(state: string): Color | undefined {
  switch (state) {
    case 'completed':
    case 'active':
    case 'succeeded':
    case 'dispatched':
      return 'green';
    case 'failed':
    case 'parked':
    case 'not-dispatched':
      return 'red';
    case 'waiting':
    case 'running':
    case 'created':
    case 'draining':
    case 'testing':
      return 'yellow';
    case 'stopped':
    case 'inactive':
    case 'filtered':
      return 'gray';
    default:
      return undefined;
  }
}

export class Output {
  readonly color: boolean;

  constructor(
    private readonly io: Io,
    readonly json: boolean,
    noColor = false,
  ) {
    const env = io.env;
    this.color =
      !json &&
      !noColor &&
      io.stdout.isTTY === true &&
      env['NO_COLOR'] === undefined &&
      env['TERM'] !== 'dumb';
  }

  paint(text: string, color: Color | undefined): string {
    if (!this.color || color === undefined) return text;
    const [open, close] = CODES[color];
    return `\u001b[${open}m${text}\u001b[${close}m`;
  }

  /** A line for people (nothing in `--json` mode: the JSON result is the output). */
  line(text = ''): void {
    if (!this.json) this.io.stdout.write(`${text}\n`);
  }

  /** Progress and notes: to stderr, so stdout stays the result. */
  note(text: string): void {
    this.io.stderr.write(`${text}\n`);
  }

  /** The result of a command: JSON with `--json`, else `human()`. */
  result(value: unknown, human: () => void): void {
    if (this.json) this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    else human();
  }

  /** One JSON value per line (streams). */
  jsonLine(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value)}\n`);
  }

  table<T>(rows: readonly T[], columns: readonly Column<T>[], empty = '(none)'): void {
    if (rows.length === 0) {
      this.line(this.paint(empty, 'gray'));
      return;
    }
    const cells = rows.map((row) => columns.map((c) => c.value(row)));
    const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => (r[i] ?? '').length)));
    const pad = (text: string, i: number): string =>
      i === columns.length - 1 ? text : text.padEnd(widths[i] ?? 0);
    this.line(this.paint(columns.map((c, i) => pad(c.header, i)).join('  '), 'bold'));
    rows.forEach((row, r) => {
      const line = columns.map((c, i) => this.paint(pad(cells[r]?.[i] ?? '', i), c.color?.(row))).join('  ');
      this.line(line.trimEnd());
    });
  }

  /** `key: value` lines, aligned. */
  fields(entries: readonly [string, string | undefined][]): void {
    const shown = entries.filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '');
    const width = Math.max(...shown.map(([k]) => k.length));
    for (const [key, value] of shown) this.line(`${this.paint(key.padEnd(width), 'gray')}  ${value}`);
  }
}

export function formatTime(ms: number | undefined): string {
  if (ms === undefined) return '';
  const d = new Date(ms);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

export function formatClock(ms: number): string {
  const d = new Date(ms);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
  return `${Math.floor(ms / 3_600_000)}h${Math.round((ms % 3_600_000) / 60_000)}m`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export interface DiagnosticLike {
  code: string;
  severity: string;
  message: string;
  file?: string;
  line?: number;
  column?: number;
  hint?: string;
}

/** `handlers.ts:12:5 error TS2322 message (hint: …)`. */
export function formatDiagnostic(d: DiagnosticLike): string {
  const where =
    d.file === undefined
      ? ''
      : `${d.file}${d.line === undefined ? '' : `:${d.line}${d.column === undefined ? '' : `:${d.column}`}`} `;
  return `${where}${d.severity} ${d.code} ${d.message}${d.hint === undefined ? '' : ` (hint: ${d.hint})`}`;
}

/** A JSON value on one line, cut to `max` characters. */
export function brief(value: unknown, max = 60): string {
  if (value === undefined) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
