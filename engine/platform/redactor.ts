/**
 * Removes secret values from what is about to be journaled or shown: log lines, errors, and
 * activity results. A secret value is replaced by `[redacted:NAME]` wherever it occurs in a string,
 * at any depth of a structured value. Redaction happens BEFORE the value is journaled or given to
 * workflow code, so live execution and replay see the same (redacted) data.
 */
import type { ErrorData } from '../../common/index.js';

/** Values shorter than this are not redacted: they would mangle ordinary text ("1", "yes"). */
const MIN_SECRET_LENGTH = 4;

export class Redactor {
  private readonly secrets: [value: string, name: string][];

  constructor(secrets: Record<string, string>) {
    this.secrets = Object.entries(secrets)
      .filter(([, value]) => value.length >= MIN_SECRET_LENGTH)
      .map(([name, value]): [string, string] => [value, name])
      // Longest first, so a secret containing another is replaced whole.
      .sort((a, b) => b[0].length - a[0].length);
  }

  get empty(): boolean {
    return this.secrets.length === 0;
  }

  text(text: string): string {
    let out = text;
    for (const [value, name] of this.secrets) {
      if (out.includes(value)) out = out.split(value).join(`[redacted:${name}]`);
    }
    return out;
  }

  error(error: ErrorData): ErrorData {
    if (this.empty) return error;
    const out: ErrorData = { ...error, message: this.text(error.message) };
    if (error.stack !== undefined) out.stack = this.text(error.stack);
    if (error.details !== undefined) out.details = this.value(error.details);
    if (error.cause !== undefined) out.cause = this.error(error.cause);
    return out;
  }

  /** Deep copy of `value` with secrets redacted in every string (keys included). */
  value(value: unknown): unknown {
    if (this.empty) return value;
    return this.walk(value, new Map());
  }

  private walk(value: unknown, seen: Map<object, unknown>): unknown {
    if (typeof value === 'string') return this.text(value);
    if (typeof value !== 'object' || value === null) return value;
    const known = seen.get(value);
    if (known !== undefined) return known;
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      seen.set(value, out);
      for (const item of value) out.push(this.walk(item, seen));
      return out;
    }
    if (value instanceof Map) {
      const out = new Map<unknown, unknown>();
      seen.set(value, out);
      for (const [k, v] of value) out.set(this.walk(k, seen), this.walk(v, seen));
      return out;
    }
    if (value instanceof Set) {
      const out = new Set<unknown>();
      seen.set(value, out);
      for (const v of value) out.add(this.walk(v, seen));
      return out;
    }
    if (value instanceof Date || ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return value;
    const out: Record<string, unknown> = {};
    seen.set(value, out);
    for (const [k, v] of Object.entries(value)) out[this.text(k)] = this.walk(v, seen);
    return out;
  }
}
