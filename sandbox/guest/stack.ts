/**
 * Stack capture inside the isolate. Positions stay raw (bundle line/column); the runner maps them
 * to the user's files with the bundle's source map, outside the isolate.
 *
 * `Error.prepareStackTrace` becomes an accessor so the runtime can read structured frames (or
 * V8's default text) even when user code installed its own formatter, which it still may: the
 * user's value is kept and used for the user's own errors.
 */

/** The V8-specific statics of `Error`. */
interface V8ErrorConstructor {
  captureStackTrace(target: object, constructorOpt?: unknown): void;
  stackTraceLimit: number;
}

let userPrepare: unknown;
/** undefined: the user's formatter; 'default': V8's own text. */
let mode: undefined | 'default';

/** Frames kept in error stacks unless user code changes `Error.stackTraceLimit`. */
const DEFAULT_STACK_TRACE_LIMIT = 30;

/** Installs the accessor once per context, before user code runs. */
export function installStackControl(): void {
  const error = Error as unknown as Record<string, unknown>;
  userPrepare = error.prepareStackTrace;
  Object.defineProperty(Error, 'prepareStackTrace', {
    configurable: false,
    enumerable: false,
    get: () => (mode === undefined ? userPrepare : undefined),
    set: (value: unknown) => {
      userPrepare = value;
    },
  });
  (Error as unknown as V8ErrorConstructor).stackTraceLimit = DEFAULT_STACK_TRACE_LIMIT;
}

/**
 * What user code may set on `Error` (its formatter and frame limit). In a context shared by
 * several sessions each keeps its own: they are swapped with the session (`swapStackPreferences`).
 */
export interface StackPreferences {
  prepare: unknown;
  limit: number;
}

export function defaultStackPreferences(): StackPreferences {
  return { prepare: undefined, limit: DEFAULT_STACK_TRACE_LIMIT };
}

/** Makes `next` the preferences in force; returns the ones it replaces. */
export function swapStackPreferences(next: StackPreferences): StackPreferences {
  const errorConstructor = Error as unknown as V8ErrorConstructor;
  const previous: StackPreferences = { prepare: userPrepare, limit: errorConstructor.stackTraceLimit };
  userPrepare = next.prepare;
  errorConstructor.stackTraceLimit = next.limit;
  return previous;
}

/**
 * Captures the stack below `boundary` (the API function user code called), a few frames only:
 * the user's call site is the first frame, or the second after a generated activity stub.
 * Nothing is formatted until read (`siteStack`).
 */
export function captureSite(boundary: unknown): object {
  const holder = {};
  const errorConstructor = Error as unknown as V8ErrorConstructor;
  const limit = errorConstructor.stackTraceLimit;
  errorConstructor.stackTraceLimit = SITE_FRAMES;
  errorConstructor.captureStackTrace(holder, boundary);
  errorConstructor.stackTraceLimit = limit;
  return holder;
}

const SITE_FRAMES = 4;

/**
 * The captured stack as V8's default text (formatted in C++, cheap even in a cold context); the
 * runner finds the first frame in a user's file. Read once: the text is cached on the holder.
 */
export function siteStack(holder: object): string | undefined {
  mode = 'default';
  try {
    const stack = (holder as { stack?: unknown }).stack;
    return typeof stack === 'string' ? stack : undefined;
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
