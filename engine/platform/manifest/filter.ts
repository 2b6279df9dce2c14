/**
 * Trigger filters: CEL expressions over the incoming event, evaluated with `@bufbuild/cel`
 * (Buf's CEL implementation, pure TypeScript, conformance-tested against the CEL spec).
 *
 * Compile once (`compileFilter`), evaluate per event. Evaluation never throws: a runtime error or
 * a non-boolean result is "no match", with the reason.
 *
 * The event is the variable `event`, a plain object `{ type, trigger, data }`. JSON numbers are
 * CEL doubles; `==` and `<` compare ints and doubles, but arithmetic needs one type
 * (`event.data.count + 1.0`, or `int(event.data.count) + 1`). The `strings` extension is on
 * (`lowerAscii`, `indexOf`, `split`, `replace`, ...).
 */
import { celEnv, CelScalar, isCelError, isCelList, isCelMap, parse, plan } from '@bufbuild/cel';
import type { CelInput, CelValue } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { analyseFilter } from './filter-analysis.js';
import type { FilterPositions } from './filter-analysis.js';

/** The event a filter sees. `data` holds JSON-like values (objects, arrays, strings, numbers, booleans, null, Uint8Array). */
export interface FilterEvent {
  type: string;
  trigger: string;
  data: unknown;
  [field: string]: unknown;
}

export interface FilterMatch {
  matched: boolean;
  /** Why the filter could not decide (runtime error, non-boolean result); `matched` is then false. */
  error?: string;
}

/** A problem in a filter expression; positions are inside the expression (1-based). */
export interface FilterDiagnostic {
  message: string;
  line: number;
  column: number;
  /** 0-based offset in the expression. */
  offset: number;
}

export interface CompiledFilter {
  ok: true;
  expression: string;
  evaluate(event: FilterEvent): FilterMatch;
}

export type CompileFilterResult = CompiledFilter | { ok: false; diagnostic: FilterDiagnostic };

/** Longest accepted filter, in characters. */
export const MAX_FILTER_LENGTH = 4096;

const environment = celEnv({ variables: { event: CelScalar.DYN }, funcs: strings });

export function compileFilter(expression: string): CompileFilterResult {
  if (expression.trim() === '') return failure('the filter is empty', expression, 0);
  if (expression.length > MAX_FILTER_LENGTH) {
    return failure(
      `the filter has ${expression.length} characters; the limit is ${MAX_FILTER_LENGTH}`,
      expression,
      MAX_FILTER_LENGTH,
    );
  }
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(expression);
  } catch (error) {
    return parseFailure(error, expression);
  }
  const positions: FilterPositions = (id) => {
    const offset = parsed.sourceInfo?.positions[String(id)];
    return typeof offset === 'number' ? offset : undefined;
  };
  const problem = analyseFilter(parsed.expr, {
    isFunction: (name) => environment.funcs.find(name) !== undefined,
    evaluateClosed: (expr) => {
      const result = plan(environment, expr as unknown as Parameters<typeof plan>[1])({ event: null });
      return isCelError(result) ? { error: result.message, exprId: result.exprId } : { value: result };
    },
    positions,
  });
  if (problem !== undefined) return failure(problem.message, expression, problem.offset);

  const program = plan(environment, parsed);
  return {
    ok: true,
    expression,
    evaluate(event: FilterEvent): FilterMatch {
      try {
        const result = program({ event: toCelInput(event) });
        if (isCelError(result)) {
          const offset = result.exprId === undefined ? undefined : positions(result.exprId);
          const where =
            offset === undefined ? '' : ` (at ${formatPosition(expression, tokenStart(expression, offset))})`;
          return { matched: false, error: `${result.message}${where}` };
        }
        if (typeof result === 'boolean') return { matched: result };
        return { matched: false, error: `the filter gave ${describeCelValue(result)}, not a boolean` };
      } catch (error) {
        return { matched: false, error: `the filter failed: ${(error as Error).message}` };
      }
    },
  };
}

function failure(
  message: string,
  expression: string,
  at: number,
): { ok: false; diagnostic: FilterDiagnostic } {
  const offset = tokenStart(expression, at);
  const { line, column } = lineAndColumn(expression, offset);
  return { ok: false, diagnostic: { message, line, column, offset } };
}

/** The parser places an operator at the blank before it: point at the operator itself. */
function tokenStart(expression: string, offset: number): number {
  let at = offset;
  while (at < expression.length && /\s/.test(expression[at] ?? '')) at++;
  return at < expression.length ? at : offset;
}

function parseFailure(error: unknown, expression: string): { ok: false; diagnostic: FilterDiagnostic } {
  const location = (error as { location?: { start?: { offset?: number } } }).location;
  const offset = location?.start?.offset ?? 0;
  const raw = (error as { rawMessage?: unknown }).rawMessage;
  const text = typeof raw === 'string' ? raw : (error as Error).message;
  return failure(`syntax error: ${text}`, expression, offset);
}

export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, offset));
  const lines = before.split('\n');
  return { line: lines.length, column: (lines[lines.length - 1]?.length ?? 0) + 1 };
}

function formatPosition(expression: string, offset: number): string {
  const { line, column } = lineAndColumn(expression, offset);
  return expression.includes('\n') ? `line ${line}, column ${column}` : `column ${column}`;
}

function describeCelValue(value: CelValue): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return `a string (${JSON.stringify(value.slice(0, 40))})`;
  if (typeof value === 'bigint') return `an int (${value})`;
  if (typeof value === 'number') return `a double (${value})`;
  if (value instanceof Uint8Array) return 'bytes';
  if (isCelList(value)) return 'a list';
  if (isCelMap(value)) return 'a map';
  return 'a non-boolean value';
}

/** Depth beyond which event data is cut (cycles, pathological nesting). */
const MAX_EVENT_DEPTH = 64;

/**
 * The event as CEL input: JSON-like values pass as they are; what JSON would drop or change is
 * made JSON-like (undefined fields dropped, undefined in lists → null, Date → ISO string,
 * functions and symbols dropped). Copies only when something needs changing.
 */
function toCelInput(event: FilterEvent): CelInput {
  return (isJsonLike(event, 0) ? event : toJsonLike(event, 0)) as CelInput;
}

function isJsonLike(value: unknown, depth: number): boolean {
  if (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    typeof value === 'bigint'
  ) {
    return true;
  }
  if (typeof value === 'number') return true;
  if (typeof value !== 'object' || depth > MAX_EVENT_DEPTH) return false;
  if (value instanceof Uint8Array) return true;
  if (Array.isArray(value)) return value.every((item) => isJsonLike(item, depth + 1));
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return false;
  for (const key in value) {
    if (!isJsonLike((value as Record<string, unknown>)[key], depth + 1)) return false;
  }
  return true;
}

function toJsonLike(value: unknown, depth: number): unknown {
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return undefined;
  if (value === null || typeof value !== 'object') return value;
  if (depth > MAX_EVENT_DEPTH) return null;
  if (value instanceof Uint8Array) return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (Array.isArray(value)) return value.map((item) => toJsonLike(item, depth + 1) ?? null);
  if (value instanceof Map) {
    return toJsonLike(Object.fromEntries([...value].map(([key, item]) => [String(key), item])), depth);
  }
  if (value instanceof Set) return toJsonLike([...value], depth);
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const converted = toJsonLike(item, depth + 1);
    if (converted !== undefined) out[key] = converted;
  }
  return out;
}
