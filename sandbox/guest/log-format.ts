/**
 * Turns `console.log(...)` / `log.info(...)` arguments into one line of text, like Node's
 * `util.format` but small: printf-style `%s %d %i %f %j %o %O %%` in a leading string, and a
 * bounded inspection of everything else (cycles, depth and length limits).
 */

/** Log lines longer than this are cut (a log is a journal event, not a data channel). */
export const MAX_LOG_TEXT = 16 * 1024;

export function formatLogArgs(args: readonly unknown[]): string {
  let text = '';
  let rest = args;
  const first = args[0];
  if (typeof first === 'string' && first.includes('%')) {
    let index = 1;
    text = first.replace(/%([sdifjoO%])/g, (match, spec: string) => {
      if (spec === '%') return '%';
      if (index >= args.length) return match;
      const value = args[index++];
      switch (spec) {
        case 's':
          return typeof value === 'string' ? value : inspect(value, 1);
        case 'd':
        case 'i':
          return typeof value === 'bigint'
            ? `${value}n`
            : String(spec === 'i' ? Math.trunc(Number(value)) : Number(value));
        case 'f':
          return String(Number(value));
        case 'j':
          try {
            return JSON.stringify(value);
          } catch {
            return '[Circular]';
          }
        default:
          return inspect(value, 4);
      }
    });
    rest = args.slice(index);
  } else if (typeof first === 'string') {
    text = first;
    rest = args.slice(1);
  } else if (args.length > 0) {
    text = inspect(first, 3);
    rest = args.slice(1);
  }
  for (const value of rest) text += ' ' + (typeof value === 'string' ? value : inspect(value, 3));
  return text.length > MAX_LOG_TEXT
    ? `${text.slice(0, MAX_LOG_TEXT)}… (${text.length - MAX_LOG_TEXT} more characters)`
    : text;
}

/** A readable, bounded rendering of any value. */
export function inspect(value: unknown, depth = 3): string {
  return render(value, depth, new Set());
}

function render(value: unknown, depth: number, seen: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'bigint':
      return `${value}n`;
    case 'boolean':
    case 'undefined':
      return String(value);
    case 'symbol':
      return value.toString();
    case 'function':
      return `[Function: ${value.name || '(anonymous)'}]`;
  }
  if (value === null) return 'null';
  const object = value as object;
  if (seen.has(object)) return '[Circular]';
  if (object instanceof Error) return object.stack ?? `${object.name}: ${object.message}`;
  if (object instanceof Date) return Number.isNaN(object.getTime()) ? 'Invalid Date' : object.toISOString();
  if (object instanceof RegExp) return String(object);
  if (depth < 0) return Array.isArray(object) ? '[Array]' : '[Object]';
  seen.add(object);
  try {
    if (Array.isArray(object)) return list(object, depth, seen, '[', ']');
    if (object instanceof Map) {
      const entries = [...object]
        .slice(0, 50)
        .map(([k, v]) => `${render(k, depth - 1, seen)} => ${render(v, depth - 1, seen)}`);
      return `Map(${object.size}) {${entries.length > 0 ? ` ${entries.join(', ')} ` : ''}}`;
    }
    if (object instanceof Set) return `Set(${object.size}) ${list([...object], depth, seen, '{', '}')}`;
    if (ArrayBuffer.isView(object)) {
      const bytes = new Uint8Array(object.buffer, object.byteOffset, Math.min(object.byteLength, 50));
      return `${object.constructor.name}(${object.byteLength}) [${[...bytes].join(', ')}${object.byteLength > 50 ? ', ...' : ''}]`;
    }
    if (object instanceof ArrayBuffer) return `ArrayBuffer { byteLength: ${object.byteLength} }`;
    const keys = Object.keys(object);
    const entries = keys.slice(0, 50).map((key) => {
      const label = /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
      return `${label}: ${render((object as Record<string, unknown>)[key], depth - 1, seen)}`;
    });
    if (keys.length > 50) entries.push(`... ${keys.length - 50} more`);
    const name = object.constructor?.name;
    const prefix = name !== undefined && name !== 'Object' && name !== '' ? `${name} ` : '';
    return `${prefix}{${entries.length > 0 ? ` ${entries.join(', ')} ` : ''}}`;
  } finally {
    seen.delete(object);
  }
}

function list(
  items: readonly unknown[],
  depth: number,
  seen: Set<object>,
  open: string,
  close: string,
): string {
  const shown = items.slice(0, 100).map((item) => render(item, depth - 1, seen));
  if (items.length > 100) shown.push(`... ${items.length - 100} more`);
  return `${open}${shown.length > 0 ? ` ${shown.join(', ')} ` : ''}${close}`;
}
