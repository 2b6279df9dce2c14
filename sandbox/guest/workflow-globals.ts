/**
 * The global object of a workflow context: ECMAScript's built-ins made deterministic, minus what
 * cannot be replayed, plus a few Web APIs. Installed before the user's bundle runs.
 *
 * - `Date()` / `new Date()` / `Date.now()`: the current job's time (constant within a job).
 * - `Math.random`, `crypto.getRandomValues`, `crypto.randomUUID`: the session's seeded stream.
 * - `setTimeout` / `clearTimeout`: durable timers; `setInterval` is a determinism violation.
 * - `WeakRef`, `FinalizationRegistry`: determinism violations (garbage collection is not replayed).
 * - `SharedArrayBuffer`, `Atomics`, `WebAssembly`: removed.
 * - `console.*`: journaled logs; `fetch`: the built-in `whisker.fetch` activity.
 * - `Headers`, `Response`, `TextEncoder`, `TextDecoder`, `queueMicrotask`: plain implementations.
 *
 * `test/sandbox/security.test.ts` pins the resulting global names (`WORKFLOW_GLOBALS`).
 */
import type { LogLevel } from '../protocol.js';
import { FETCH_ACTIVITY_NAME } from '../protocol.js';
import { InvalidArgumentError } from './failures.js';
import type { RequestInit } from './http.js';
import { Headers, Response, toFetchRequest } from './http.js';
import { formatLogArgs } from './log-format.js';
import { uuid4From } from './prng.js';
import { TextDecoder, TextEncoder, bytesOf } from './text-encoding.js';
import type { WorkflowRuntime } from './workflow-runtime.js';

/** Every own property name of a workflow context's global object, sorted. */
export const WORKFLOW_GLOBALS: readonly string[] = [
  'AggregateError',
  'Array',
  'ArrayBuffer',
  'BigInt',
  'BigInt64Array',
  'BigUint64Array',
  'Boolean',
  'DataView',
  'Date',
  'Error',
  'EvalError',
  'FinalizationRegistry',
  'Float32Array',
  'Float64Array',
  'Function',
  'Headers',
  'Infinity',
  'Int16Array',
  'Int32Array',
  'Int8Array',
  'Intl',
  'JSON',
  'Map',
  'Math',
  'NaN',
  'Number',
  'Object',
  'Promise',
  'Proxy',
  'RangeError',
  'ReferenceError',
  'Reflect',
  'RegExp',
  'Response',
  'Set',
  'String',
  'Symbol',
  'SyntaxError',
  'TextDecoder',
  'TextEncoder',
  'TypeError',
  'URIError',
  'Uint16Array',
  'Uint32Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'WeakMap',
  'WeakRef',
  'WeakSet',
  'clearInterval',
  'clearTimeout',
  'console',
  'crypto',
  'decodeURI',
  'decodeURIComponent',
  'encodeURI',
  'encodeURIComponent',
  'escape',
  'eval',
  'fetch',
  'globalThis',
  'isFinite',
  'isNaN',
  'parseFloat',
  'parseInt',
  'queueMicrotask',
  'setInterval',
  'setTimeout',
  'undefined',
  'unescape',
];

/** Removed from every sandboxed context: shared memory and Wasm (non-deterministic, not needed). */
export const REMOVED_GLOBALS = ['SharedArrayBuffer', 'Atomics', 'WebAssembly'] as const;

export function defineGlobal(name: string, value: unknown): void {
  Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
}

export function removeGlobals(): void {
  const global = globalThis as Record<string, unknown>;
  for (const name of REMOVED_GLOBALS) delete global[name];
}

/** `console` whose methods become log lines at the given levels. */
export function makeConsole(log: (level: LogLevel, text: string) => void): Record<string, unknown> {
  const at =
    (level: LogLevel) =>
    (...args: unknown[]): void =>
      log(level, formatLogArgs(args));
  return Object.freeze({
    log: at('info'),
    info: at('info'),
    debug: at('debug'),
    trace: at('debug'),
    warn: at('warn'),
    error: at('error'),
  });
}

const MAX_RANDOM_BYTES = 65_536;

/** `crypto.getRandomValues`'s checks, shared by workflows and activities. */
export function checkRandomTarget(array: unknown): Uint8Array {
  const integerArray =
    array instanceof Int8Array ||
    array instanceof Uint8Array ||
    array instanceof Uint8ClampedArray ||
    array instanceof Int16Array ||
    array instanceof Uint16Array ||
    array instanceof Int32Array ||
    array instanceof Uint32Array ||
    array instanceof BigInt64Array ||
    array instanceof BigUint64Array;
  if (!integerArray) {
    throw new InvalidArgumentError('crypto.getRandomValues', 'array', array, 'an integer typed array');
  }
  if (array.byteLength > MAX_RANDOM_BYTES) {
    throw new InvalidArgumentError(
      'crypto.getRandomValues',
      'array.byteLength',
      array.byteLength,
      `at most ${MAX_RANDOM_BYTES}`,
    );
  }
  return bytesOf(array);
}

export function defineWebGlobals(): void {
  defineGlobal('Headers', Headers);
  defineGlobal('Response', Response);
  defineGlobal('TextEncoder', TextEncoder);
  defineGlobal('TextDecoder', TextDecoder);
}

/**
 * `active()` is the runtime of the session whose code runs now: the globals are installed once per
 * context and act for whichever session of the context is running.
 */
export function installWorkflowGlobals(active: () => WorkflowRuntime): void {
  removeGlobals();
  installDeterministicDate(active);
  Math.random = () => active().random.nextFloat();
  defineGlobal(
    'crypto',
    Object.freeze({
      getRandomValues<T>(array: T): T {
        active().random.fillBytes(checkRandomTarget(array));
        return array;
      },
      randomUUID: () => uuid4From(active().random),
    }),
  );

  const setTimeout = (callback: unknown, ms?: unknown, ...args: unknown[]): number => {
    if (typeof callback !== 'function') {
      throw new InvalidArgumentError(
        'setTimeout',
        'callback',
        callback,
        'a function (strings are not evaluated)',
      );
    }
    const delay = Math.max(0, Math.floor(Number(ms) || 0));
    return active().setTimer(callback as (...args: unknown[]) => unknown, delay, args, setTimeout);
  };
  const clearTimeout = (handle: unknown): void => active().clearTimer(handle, clearTimeout);
  defineGlobal('setTimeout', setTimeout);
  defineGlobal('clearTimeout', clearTimeout);
  defineGlobal('setInterval', (): never => {
    throw active().violate('setInterval() has no durable equivalent; use a loop with `await sleep(...)`');
  });
  defineGlobal('clearInterval', (): void => undefined);
  defineGlobal('queueMicrotask', (callback: unknown): void => {
    if (typeof callback !== 'function')
      throw new InvalidArgumentError('queueMicrotask', 'callback', callback, 'a function');
    const runtime = active();
    Promise.resolve()
      .then(() => (callback as () => void)())
      .catch((error: unknown) => runtime.failWith(error));
  });

  const weakRef = function WeakRef(): never {
    throw active().violate(
      'WeakRef observes garbage collection, which is not replayed; hold a normal reference',
    );
  };
  const finalizationRegistry = function FinalizationRegistry(): never {
    throw active().violate(
      'FinalizationRegistry observes garbage collection, which is not replayed; release resources explicitly',
    );
  };
  defineGlobal('WeakRef', weakRef);
  defineGlobal('FinalizationRegistry', finalizationRegistry);

  defineGlobal(
    'console',
    makeConsole((level, text) => active().log(level, text)),
  );
  const fetch = async (input: unknown, init?: RequestInit): Promise<Response> => {
    if (init?.signal !== undefined && init.signal !== null) {
      throw new InvalidArgumentError(
        'fetch',
        'init.signal',
        init.signal,
        'no signal in workflow code (cancel with CancellationScope)',
      );
    }
    const request = toFetchRequest(input, init);
    const result = await active().scheduleActivity(FETCH_ACTIVITY_NAME, [request], {}, fetch);
    return Response.fromResult(result as Parameters<typeof Response.fromResult>[0]);
  };
  defineGlobal('fetch', fetch);
  defineWebGlobals();
}

/** `Date` whose "now" is the workflow time; everything else is the built-in `Date`. */
function installDeterministicDate(active: () => WorkflowRuntime): void {
  const RealDate = Date;
  const DeterministicDate = function Date(this: unknown, ...args: unknown[]): unknown {
    if (new.target === undefined) return new RealDate(active().now).toString();
    return Reflect.construct(
      RealDate,
      args.length === 0 ? [active().now] : args,
      new.target as typeof RealDate,
    );
  } as unknown as DateConstructor;
  Object.defineProperties(DeterministicDate, {
    prototype: { value: RealDate.prototype, writable: false, enumerable: false, configurable: false },
    now: { value: () => active().now, writable: true, enumerable: false, configurable: true },
    parse: { value: RealDate.parse.bind(RealDate), writable: true, enumerable: false, configurable: true },
    UTC: { value: RealDate.UTC.bind(RealDate), writable: true, enumerable: false, configurable: true },
  });
  Object.defineProperty(RealDate.prototype, 'constructor', {
    value: DeterministicDate,
    writable: true,
    enumerable: false,
    configurable: true,
  });
  defineGlobal('Date', DeterministicDate);
}
