/**
 * Where each part of the manifest is in the file: a map from a path (`triggers[2].call`) to the
 * line and column of its value and of its key. Built once from the YAML document so schema and
 * lint diagnostics can all point at a line.
 */
import { isAlias, isMap, isScalar, isSeq } from 'yaml';
import type { Document, LineCounter, Node } from 'yaml';
import { formatPath } from './path.js';
import type { PathSegment } from './path.js';

/** 1-based line and column. */
export interface SourcePosition {
  line: number;
  column: number;
}

export type ScalarStyle = 'PLAIN' | 'QUOTE_SINGLE' | 'QUOTE_DOUBLE' | 'BLOCK_LITERAL' | 'BLOCK_FOLDED';

export interface SourceEntry {
  /** Start of the value node. */
  value: SourcePosition;
  /** Start of the key, for mapping entries. */
  key?: SourcePosition;
  /** For scalar values: how they were written, to locate a position inside them. */
  scalar?: { style: ScalarStyle; raw: string };
  /** The enclosing path (`triggers[2]` for `triggers[2].call`); absent for the document. */
  parent?: string;
}

/** Maximum nesting followed through aliases (a manifest is a few levels deep). */
const MAX_DEPTH = 64;

export class ManifestSourceMap {
  constructor(
    /** The file the positions refer to. */
    readonly file: string,
    private readonly entries: ReadonlyMap<string, SourceEntry> = new Map(),
  ) {}

  get(path: string): SourceEntry | undefined {
    return this.entries.get(path);
  }

  /** The path whose key starts at `position` (for a duplicate key: its later occurrence). */
  pathOfKeyAt(position: SourcePosition): string | undefined {
    for (const [path, entry] of this.entries) {
      if (entry.key?.line === position.line && entry.key.column === position.column) return path;
    }
    return undefined;
  }

  /** Position of the value at `path`, or of its closest ancestor present in the file. */
  valuePosition(path: string): SourcePosition | undefined {
    for (let entry = this.entries.get(path), guard = 0; guard < MAX_DEPTH; guard++) {
      if (entry !== undefined) return entry.value;
      const parent = parentPath(path);
      if (parent === undefined) return undefined;
      path = parent;
      entry = this.entries.get(path);
    }
    return undefined;
  }

  /** Position of the key of `path` (falls back to the value, then to ancestors). */
  keyPosition(path: string): SourcePosition | undefined {
    const entry = this.entries.get(path);
    return entry?.key ?? this.valuePosition(path);
  }

  /**
   * Position in the file of a position inside a scalar string value (1-based line and column
   * within the value), e.g. where a CEL error is inside `filter`. Exact for plain and quoted
   * single-line scalars without escapes and for literal blocks (`|`); otherwise the scalar's start.
   */
  positionInside(path: string, innerLine: number, innerColumn: number): SourcePosition | undefined {
    const entry = this.entries.get(path);
    if (entry === undefined) return this.valuePosition(path);
    const scalar = entry.scalar;
    if (scalar === undefined) return entry.value;
    const { style, raw } = scalar;
    if (style === 'PLAIN' && !raw.includes('\n') && innerLine === 1) {
      return { line: entry.value.line, column: entry.value.column + innerColumn - 1 };
    }
    if ((style === 'QUOTE_SINGLE' || style === 'QUOTE_DOUBLE') && innerLine === 1 && !raw.includes('\n')) {
      const rawOffset = rawOffsetOfQuoted(raw.slice(1, -1), style, innerColumn - 1);
      return { line: entry.value.line, column: entry.value.column + 1 + rawOffset };
    }
    if (style === 'BLOCK_LITERAL') {
      const lines = raw.split('\n');
      const firstContent = lines.slice(1).find((line) => line.trim() !== '');
      const indent = firstContent === undefined ? 0 : firstContent.length - firstContent.trimStart().length;
      return { line: entry.value.line + innerLine, column: indent + innerColumn };
    }
    return entry.value;
  }
}

/**
 * Offset in the source text of a quoted scalar (quotes excluded) of the character at `valueOffset`
 * in its value: `''` is one character in single quotes; an escape (`\n`, `\xNN`, `\uNNNN`, ...)
 * is one in double quotes.
 */
function rawOffsetOfQuoted(
  inner: string,
  style: 'QUOTE_SINGLE' | 'QUOTE_DOUBLE',
  valueOffset: number,
): number {
  let raw = 0;
  for (let value = 0; value < valueOffset && raw < inner.length; value++) {
    if (style === 'QUOTE_SINGLE') {
      raw += inner.startsWith("''", raw) ? 2 : 1;
    } else if (inner[raw] === '\\') {
      const escape = inner[raw + 1];
      raw += escape === 'x' ? 4 : escape === 'u' ? 6 : escape === 'U' ? 10 : 2;
    } else {
      raw += 1;
    }
  }
  return raw;
}

/** `triggers[2].call` → `triggers[2]`; `triggers[2]` → `triggers`; `version` → `''`; `''` → undefined. */
export function parentPath(path: string): string | undefined {
  if (path === '') return undefined;
  const match = /^(.*?)(\[[^\]]*\]|\.?[^.[]+)$/.exec(path);
  return match?.[1] ?? '';
}

/** Walks the document and records a position for every node (the alias itself, not what it names). */
export function buildSourceMap(
  document: Document,
  lineCounter: LineCounter,
  text: string,
  file: string,
): ManifestSourceMap {
  const entries = new Map<string, SourceEntry>();
  const position = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };

  const visit = (
    node: unknown,
    segments: PathSegment[],
    key: SourcePosition | undefined,
    depth: number,
  ): void => {
    if (depth > MAX_DEPTH || node === null || typeof node !== 'object') return;
    // An alias is not followed (aliases can nest exponentially): paths under it fall back to it.
    const target = isAlias(node) ? undefined : node;
    const located = node as Node;
    if (located.range === undefined || located.range === null) return;
    const path = formatPath(segments);
    const entry: SourceEntry = { value: position(located.range[0]) };
    if (key !== undefined) entry.key = key;
    if (segments.length > 0) entry.parent = formatPath(segments.slice(0, -1));
    if (isScalar(node) && typeof node.type === 'string') {
      entry.scalar = { style: node.type, raw: text.slice(located.range[0], located.range[1]) };
    }
    entries.set(path, entry);
    if (isMap(target)) {
      for (const pair of target.items) {
        const keyNode = pair.key;
        const name = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
        const keyPos = isScalar(keyNode) && keyNode.range ? position(keyNode.range[0]) : undefined;
        if (pair.value === null) {
          // `name:` with nothing after it: point at the key.
          if (keyPos !== undefined)
            entries.set(formatPath([...segments, name]), { value: keyPos, key: keyPos, parent: path });
          continue;
        }
        visit(pair.value, [...segments, name], keyPos, depth + 1);
      }
    } else if (isSeq(target)) {
      target.items.forEach((item, index) => visit(item, [...segments, index], undefined, depth + 1));
    }
  };

  visit(document.contents, [], undefined, 0);
  return new ManifestSourceMap(file, entries);
}
