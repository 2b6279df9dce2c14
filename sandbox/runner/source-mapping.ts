/**
 * From bundle positions (what V8 reports inside the isolate) to the user's files, with the
 * bundle's source map: single positions (`SourceLocation`) and whole stack texts. Frames of the
 * runtime scripts and of generated code are dropped, so users only ever see their own files.
 */
import { TraceMap, originalPositionFor } from '@jridgewell/trace-mapping';

import type { ErrorData, SourceLocation } from '../../common/index.js';

/** A bundle's source map, parsed on first use. */
export class BundleMap {
  private map: TraceMap | undefined;

  constructor(
    /** The filename the bundle is compiled under (`whisker:///bundle/workflow.js`). */
    readonly file: string,
    private readonly sourceMapText: string,
  ) {}

  private traceMap(): TraceMap | undefined {
    if (this.map === undefined && this.sourceMapText !== '') {
      try {
        this.map = new TraceMap(this.sourceMapText);
      } catch {
        return undefined;
      }
    }
    return this.map;
  }

  /** The first frame of a raw stack text that lies in this bundle and maps to a user's file. */
  locateInStack(stack: string | undefined): SourceLocation | undefined {
    if (stack === undefined) return undefined;
    for (const line of stack.split('\n')) {
      const match = FRAME_POSITION.exec(line);
      if (match === null || match[1] !== this.file) continue;
      const location = this.locate(Number(match[2]), Number(match[3]));
      if (location !== undefined) return location;
    }
    return undefined;
  }

  /** The user's file, line and column for a bundle position (V8's 1-based line and column). */
  locate(line: number, column: number): SourceLocation | undefined {
    const map = this.traceMap();
    if (map === undefined) return undefined;
    const original = originalPositionFor(map, { line, column: Math.max(0, column - 1) });
    if (original.source === null || isGenerated(original.source)) return undefined;
    return { file: original.source, line: original.line, column: original.column + 1 };
  }
}

/** Sources that are not the user's files: the bundler's virtual modules (`whisker:...`). */
function isGenerated(source: string): boolean {
  return source.startsWith('whisker:') || source.startsWith('<');
}

const FRAME_POSITION = /(whisker:\/\/\/[^\s():]+):(\d+):(\d+)/;

/**
 * Rewrites a stack text: frames in `bundle` become `file.ts:line:column`, frames elsewhere in
 * `whisker:///` (runtime scripts, unmapped generated code) are dropped, other lines stay.
 * Returns the first mapped frame as `source`.
 */
export function mapStack(stack: string, bundle: BundleMap): { stack: string; source?: SourceLocation } {
  let source: SourceLocation | undefined;
  const lines: string[] = [];
  for (const line of stack.split('\n')) {
    const match = FRAME_POSITION.exec(line);
    if (match === null) {
      lines.push(line);
      continue;
    }
    const [whole, file, lineText, columnText] = match as unknown as [string, string, string, string];
    if (file !== bundle.file) continue;
    const location = bundle.locate(Number(lineText), Number(columnText));
    if (location === undefined) continue;
    source ??= location;
    lines.push(line.replace(whole, `${location.file}:${location.line}:${location.column}`));
  }
  const result: { stack: string; source?: SourceLocation } = { stack: lines.join('\n') };
  if (source !== undefined) result.source = source;
  return result;
}

/** Maps an error's stack (and its causes') in place; sets `source` from the first user frame. */
export function mapErrorData(error: ErrorData, bundle: BundleMap): ErrorData {
  const mapped: ErrorData = { ...error };
  if (error.stack !== undefined) {
    const { stack, source } = mapStack(error.stack, bundle);
    mapped.stack = stack;
    if (source !== undefined && mapped.source === undefined) mapped.source = source;
  }
  if (error.cause !== undefined) mapped.cause = mapErrorData(error.cause, bundle);
  return mapped;
}
