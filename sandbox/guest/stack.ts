/**
 * Stack capture inside the isolate. Positions stay raw (bundle line/column); the runner maps them
 * to the user's files with the bundle's source map, outside the isolate.
 *
 * `Error.prepareStackTrace` becomes an accessor so the runtime can read structured frames (or
 * V8's default text) even when user code installed its own formatter, which it still may: the
 * user's value is kept and used for the user's own errors.
 */

/** V8's CallSite, as far as the runtime uses it. */
interface CallSite {
  getFileName(): string | undefined | null;
  getLineNumber(): number | null;
  getColumnNumber(): number | null;
}

type PrepareStackTrace = (error: Error, frames: CallSite[]) => unknown;

/** The V8-specific statics of `Error`. */
interface V8ErrorConstructor {
  captureStackTrace(target: object, constructorOpt?: unknown): void;
  stackTraceLimit: number;
}

/** Position of a frame in a bundle: 1-based line and column, as V8 reports them. */
export interface RawPosition {
  line: number;
  column: number;
}

let userPrepare: unknown;
/** undefined: the user's formatter; 'default': V8's own text; a function: the runtime's. */
let mode: undefined | 'default' | PrepareStackTrace;

/** Installs the accessor once per context, before user code runs. */
export function installStackControl(): void {
  const error = Error as unknown as Record<string, unknown>;
  userPrepare = error.prepareStackTrace;
  Object.defineProperty(Error, 'prepareStackTrace', {
    configurable: false,
    enumerable: false,
    get: () => (mode === undefined ? userPrepare : mode === 'default' ? undefined : mode),
    set: (value: unknown) => {
      userPrepare = value;
    },
  });
  (Error as unknown as V8ErrorConstructor).stackTraceLimit = 30;
}

/** Captures the current stack cheaply (frames only; nothing is formatted until read). */
export function captureSite(): object {
  const holder = {};
  (Error as unknown as V8ErrorConstructor).captureStackTrace(holder);
  return holder;
}

/** Frames of a site the runner tries, innermost first (generated code, such as activity stubs, is skipped there). */
const MAX_SITE_FRAMES = 4;

/**
 * The innermost frames of `holder`'s captured stack that lie in `file` (the user's bundle). The
 * runner maps them in order and keeps the first that is in a user's file.
 */
export function siteSource(holder: object, file: string): RawPosition[] | undefined {
  mode = (_error, frames) => {
    const positions: RawPosition[] = [];
    for (const frame of frames) {
      if (frame.getFileName() !== file) continue;
      const line = frame.getLineNumber();
      const column = frame.getColumnNumber();
      if (line !== null && column !== null) positions.push({ line, column });
      if (positions.length === MAX_SITE_FRAMES) break;
    }
    return positions.length > 0 ? positions : undefined;
  };
  try {
    return (holder as { stack?: RawPosition[] }).stack;
  } finally {
    mode = undefined;
  }
}

/** The error's stack in V8's default format, whatever formatter user code installed (if not read before). */
export function defaultStack(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  mode = 'default';
  try {
    const stack = (error as { stack?: unknown }).stack;
    return typeof stack === 'string' ? stack : undefined;
  } catch {
    return undefined;
  } finally {
    mode = undefined;
  }
}

/** The current stack as text (V8's format), headed by `message`. */
export function currentStack(message: string): string {
  mode = 'default';
  try {
    return new Error(message).stack ?? message;
  } finally {
    mode = undefined;
  }
}
