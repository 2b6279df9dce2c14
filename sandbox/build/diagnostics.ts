import { WhiskerError } from '../../common/index.js';

/**
 * One problem found while building a project. Line and column are 1-based and count UTF-16
 * code units (as editors and TypeScript do).
 */
export interface BuildDiagnostic {
  /**
   * Stable code: `TS2345` for TypeScript's own diagnostics, else one of ours such as
   * `SYNTAX_ERROR`, `FORBIDDEN_IMPORT`, `MISSING_EXPORT`, `DUPLICATE_ACTIVITY`.
   */
  code: string;
  severity: 'error' | 'warning';
  message: string;
  /** Project-relative path, `/`-separated. Absent for project-wide problems. */
  file?: string;
  line?: number;
  column?: number;
  /** A code frame around the location, with a caret under the offending text. */
  excerpt?: string;
  /** What to do about it, when there is something better to say than the message. */
  hint?: string;
}

/** `handlers.ts:12:5 error TS2345: message`, then the excerpt and the hint, for humans. */
export function formatDiagnostic(diagnostic: BuildDiagnostic): string {
  let where = '';
  if (diagnostic.file !== undefined) {
    where = diagnostic.file;
    if (diagnostic.line !== undefined) where += `:${diagnostic.line}`;
    if (diagnostic.line !== undefined && diagnostic.column !== undefined) where += `:${diagnostic.column}`;
    where += ' ';
  }
  let text = `${where}${diagnostic.severity} ${diagnostic.code}: ${diagnostic.message}`;
  if (diagnostic.excerpt !== undefined) text += `\n\n${diagnostic.excerpt}\n`;
  if (diagnostic.hint !== undefined) text += `\nhint: ${diagnostic.hint}`;
  return text;
}

/** Longest part of a line shown in an excerpt; longer lines (minified code) are cut around the column. */
const MAX_EXCERPT_LINE = 160;

/**
 * A code frame like TypeScript's and Babel's:
 *
 *       11 | function f() {
 *     > 12 |   const x: number = 'a';
 *          |         ^~~~~~~~~~~~~~
 *       13 | }
 *
 * `line` and `column` are 1-based; `length` is the number of characters to underline (at least one
 * caret is drawn). Returns undefined when the line is not in `text`.
 */
export function codeFrame(text: string, line: number, column: number, length = 1): string | undefined {
  const lines = text.split(/\r?\n/);
  return frame((n) => lines[n - 1], line, column, length);
}

/** The same frame when only the offending line is known (e.g. a bundler message): no context lines. */
export function lineFrame(lineText: string, line: number, column: number, length = 1): string | undefined {
  return frame((n) => (n === line ? lineText : undefined), line, column, length);
}

function frame(
  lineAt: (n: number) => string | undefined,
  line: number,
  column: number,
  length: number,
): string | undefined {
  const target = lineAt(line);
  if (target === undefined) return undefined;
  const numbers = [line - 1, line, line + 1].filter((n) => n >= 1 && lineAt(n) !== undefined);
  const gutterWidth = String(numbers[numbers.length - 1] ?? line).length;
  const window = excerptWindow(target, column);
  const out: string[] = [];
  for (const n of numbers) {
    const shown = n === line ? window.shown : clip(lineAt(n) ?? '', window.start);
    const marker = n === line ? '>' : ' ';
    out.push(`${marker} ${String(n).padStart(gutterWidth)} |${shown === '' ? '' : ' '}${shown}`);
    if (n === line) {
      const offset = Math.max(0, Math.min(column - 1 - window.start, window.shown.length));
      // Copy tabs from the line itself so the caret lines up whatever the tab width.
      const padding = window.shown.slice(0, offset).replace(/[^\t]/g, ' ');
      const underline = Math.max(1, Math.min(length, window.shown.length - offset));
      out.push(`  ${' '.repeat(gutterWidth)} | ${padding}^${'~'.repeat(underline - 1)}`);
    }
  }
  return out.join('\n');
}

function excerptWindow(lineText: string, column: number): { start: number; shown: string } {
  if (lineText.length <= MAX_EXCERPT_LINE) return { start: 0, shown: lineText };
  const start = Math.max(0, Math.min(column - 1 - MAX_EXCERPT_LINE / 2, lineText.length - MAX_EXCERPT_LINE));
  return { start, shown: lineText.slice(start, start + MAX_EXCERPT_LINE) };
}

function clip(content: string, start: number): string {
  return content.length <= MAX_EXCERPT_LINE ? content : content.slice(start, start + MAX_EXCERPT_LINE);
}

/** Orders diagnostics by file, line and column (project-wide ones last) and drops exact repeats. */
export function sortDiagnostics(diagnostics: readonly BuildDiagnostic[]): BuildDiagnostic[] {
  const seen = new Set<string>();
  const unique: BuildDiagnostic[] = [];
  for (const d of diagnostics) {
    const key = [d.code, d.file, d.line, d.column, d.message].join('\u0000');
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(d);
  }
  return unique.sort(compareDiagnostics);
}

function compareDiagnostics(a: BuildDiagnostic, b: BuildDiagnostic): number {
  if (a.file === undefined || b.file === undefined) {
    if (a.file !== b.file) return a.file === undefined ? 1 : -1;
  } else if (a.file !== b.file) {
    return a.file < b.file ? -1 : 1;
  }
  return (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0);
}

/**
 * A build with errors, for callers who prefer throwing (`buildProjectOrThrow`, or
 * `new BuildFailedError(result.diagnostics, dir)`): every diagnostic is in `diagnostics`.
 */
export class BuildFailedError extends WhiskerError {
  constructor(
    readonly diagnostics: BuildDiagnostic[],
    /** The project directory, when known (for the message). */
    readonly projectDir?: string,
  ) {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    const shown = errors.slice(0, 20).map(formatDiagnostic).join('\n\n');
    const more = errors.length > 20 ? `\n\n... and ${errors.length - 20} more` : '';
    const what = projectDir === undefined ? 'Build' : `Build of ${projectDir}`;
    super(
      'BUILD_FAILED',
      `${what} failed with ${errors.length} error${errors.length === 1 ? '' : 's'}; fix them and build again:\n\n${shown}${more}`,
    );
  }
}
