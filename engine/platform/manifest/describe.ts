/** How values are shown in messages: short, quoted, and never a variable's value. */
import type { PathSegment } from './path.js';

const MAX_SHOWN = 60;

/** `"Hello"`, `5`, `true`, `an empty value (null)`, `a list`, `a mapping`. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'an empty value (null)';
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (Array.isArray(value)) return 'a list';
  if (ArrayBuffer.isView(value)) return 'binary data';
  if (value instanceof Date) return `a date (${value.toISOString()})`;
  if (typeof value === 'object') return 'a mapping';
  return typeof value;
}

/** The kind of a value, for "expected X, got Y". */
export function describeKind(value: unknown): string {
  if (value === null || value === undefined) return 'an empty value (null)';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'number') return 'a number';
  if (typeof value === 'boolean') return 'a boolean';
  if (Array.isArray(value)) return 'a list';
  if (ArrayBuffer.isView(value)) return 'binary data';
  if (value instanceof Date) return 'a date';
  return 'a mapping';
}

/** JSON Schema type name → words. */
export function describeExpectedType(type: string): string {
  switch (type) {
    case 'object':
      return 'a mapping';
    case 'array':
      return 'a list';
    case 'boolean':
      return 'true or false';
    case 'number':
    case 'integer':
      return 'a number';
    case 'string':
      return 'a string';
    default:
      return type;
  }
}

/** JSON-quoted, cut to a readable length. */
export function quote(text: string): string {
  const cut = text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text;
  return JSON.stringify(cut);
}

/** True for `vars[i].value`: a variable's value is never repeated in a message (it may be a secret). */
export function isVariableValuePath(path: readonly PathSegment[]): boolean {
  return path.length === 3 && path[0] === 'vars' && typeof path[1] === 'number' && path[2] === 'value';
}

export function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let current = root;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PathSegment, unknown>)[segment];
  }
  return current;
}

/** 30000 → `30s`, 90000 → `1m30s`, 1500 → `1.5s`, 250 → `250ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000 || ms % 1000 !== 0) return `${ms / 1000}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = (ms % 60_000) / 1000;
  return seconds === 0 ? `${minutes}m` : `${minutes}m${seconds}s`;
}
