/**
 * `whisker/workflow`: the API workflow code imports. Its exports ARE the module user code gets
 * (the build type-checks user projects against this file).
 *
 * Workflow code is deterministic and durable: it is replayed from the session's journal, so it
 * must reach the outside world only through this API (activities, timers, child sessions,
 * signals). Inside a workflow, `Date.now()` is the workflow time, `Math.random()` and
 * `crypto.randomUUID()` are seeded per session, `setTimeout` is a durable timer, `fetch` is an
 * activity, and `console.*` are journaled logs (silent while replaying). The global object and
 * the built-ins are read-only (the sessions of a build share a context): assigning a global
 * throws a TypeError, and a session that changes `Array.prototype` or `Object.prototype` fails
 * with a determinism violation. Keep state in your modules: each session has its own instance.
 *
 * Names follow Temporal's TypeScript SDK where it has one.
 */
import type { Duration } from '../../common/index.js';
import { parseDuration } from '../../common/index.js';
import type { HttpResponseData, WorkflowInfo } from '../protocol.js';
import type { ActivityOptions, RetryOptions } from './activity-options.js';
import { compileActivityOptions } from './activity-options.js';
import type { ActivityOptions as CompiledActivityOptions } from '../protocol.js';
import { CancellationScope } from './cancellation-scope.js';
import type { CancellationScopeOptions } from './cancellation-scope.js';
import { ApplicationFailure, CancelledFailure, InvalidArgumentError, isCancellation } from './failures.js';
import type { ApplicationFailureOptions } from './failures.js';
import { createLogger } from './logger.js';
import type { Logger } from './logger.js';
import { uuid4From } from './prng.js';
import { readResourceBytes, readResourceText } from './resources.js';
import { assertSerializable } from './serializable.js';
import type { ChildHandle } from './workflow-runtime.js';
import { workflowRuntime } from './workflow-runtime.js';

export type { Duration, WorkflowInfo, ActivityOptions, RetryOptions, ChildHandle, CancellationScopeOptions };
export type { ApplicationFailureOptions };
export { ApplicationFailure, CancelledFailure, CancellationScope, isCancellation };

// ---------------------------------------------------------------------------------------------
// Activities.

/** An activity function as workflow code calls it: same arguments, always a promise. */
export type ActivityFunction<A extends unknown[], R> = (...args: A) => Promise<Awaited<R>>;

/** The workflow-side view of an activity module: `proxyActivities<typeof import('./activities')>()`. */
export type ActivityInterfaceFor<T> = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- matches any activity signature
  [K in keyof T as T[K] extends (...args: any[]) => unknown ? K : never]: T[K] extends (
    ...args: infer A
  ) => infer R
    ? ActivityFunction<A, R>
    : never;
};

/**
 * Activities as functions that schedule them: each call is a durable activity call (journaled,
 * retried by the engine per `options.retry`, run at least once).
 *
 * ```ts
 * const { sendEmail } = proxyActivities<typeof import('./activities')>({
 *   startToCloseTimeout: '1m',
 *   retry: { maximumAttempts: 3 },
 * });
 * await sendEmail(to, body);
 * ```
 * Invalid options throw at once, naming the option. Importing an activity module directly from
 * workflow code gives the same functions with default options.
 */
export function proxyActivities<T = Record<string, (...args: unknown[]) => unknown>>(
  options?: ActivityOptions,
): ActivityInterfaceFor<T> {
  // Without options (what imported activity stubs call on every call): one shared proxy.
  if (options === undefined) {
    defaultProxy ??= makeProxy(compileActivityOptions());
    return defaultProxy as ActivityInterfaceFor<T>;
  }
  return makeProxy(compileActivityOptions(options)) as ActivityInterfaceFor<T>;
}

let defaultProxy: object | undefined;

function makeProxy(compiled: CompiledActivityOptions): object {
  const cache = new Map<string, (...args: unknown[]) => Promise<unknown>>();
  return new Proxy(Object.create(null) as object, {
    get(_target, name) {
      // Not a thenable, and no symbol-named activities.
      if (typeof name !== 'string' || name === 'then') return undefined;
      let fn = cache.get(name);
      if (fn === undefined) {
        const activityName = name;
        const call = (...args: unknown[]): Promise<unknown> =>
          workflowRuntime('an activity call').scheduleActivity(activityName, args, compiled, call);
        // Named after the activity, for stack traces.
        Object.defineProperty(call, 'name', { value: activityName });
        fn = call;
        cache.set(name, fn);
      }
      return fn;
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Time.

function durationArg(api: string, value: Duration): number {
  try {
    return parseDuration(value, api);
  } catch {
    throw new InvalidArgumentError(
      api,
      'duration',
      value,
      "milliseconds (≥ 0) or a string such as '30s', '5m', '2h', '1d'",
    );
  }
}

/** A durable timer: resolves after `duration` of workflow time (`'5m'`, `'1h'`, or ms). Cancellable by its scope. */
export function sleep(duration: Duration): Promise<void> {
  const ms = durationArg('sleep', duration);
  return workflowRuntime('sleep()').sleep(ms, sleep);
}

/**
 * Waits until `fn()` returns true (checked after every change of the workflow's state). With a
 * `timeout`, resolves `false` if it did not become true in time, `true` otherwise.
 */
export function condition(fn: () => boolean, timeout?: Duration): Promise<boolean> {
  if (typeof fn !== 'function')
    throw new InvalidArgumentError('condition', 'fn', fn, 'a function returning a boolean');
  const ms = timeout === undefined ? undefined : durationArg('condition', timeout);
  return workflowRuntime('condition()').condition(fn, ms, condition);
}

// ---------------------------------------------------------------------------------------------
// Signals and queries.

/** A named signal carrying one payload of type `Payload`. */
export interface SignalDefinition<Payload = unknown> {
  readonly type: 'signal';
  readonly name: string;
  /** Type-only marker; never set. */
  readonly __payload?: Payload;
}

/** A named query taking `Args` and returning `Result`. */
export interface QueryDefinition<Result = unknown, Args extends unknown[] = []> {
  readonly type: 'query';
  readonly name: string;
  /** Type-only markers; never set. */
  readonly __result?: Result;
  readonly __args?: Args;
}

export function defineSignal<Payload = unknown>(name: string): SignalDefinition<Payload> {
  if (typeof name !== 'string' || name === '')
    throw new InvalidArgumentError('defineSignal', 'name', name, 'a non-empty string');
  return Object.freeze({ type: 'signal', name });
}

export function defineQuery<Result = unknown, Args extends unknown[] = []>(
  name: string,
): QueryDefinition<Result, Args> {
  if (typeof name !== 'string' || name === '')
    throw new InvalidArgumentError('defineQuery', 'name', name, 'a non-empty string');
  return Object.freeze({ type: 'query', name });
}

export type SignalHandler<Payload> = (payload: Payload) => void | Promise<void>;
export type QueryHandler<Result, Args extends unknown[]> = (...args: Args) => Result;

/**
 * Registers (or, with `undefined`, removes) the handler of a signal or query.
 * Signals that arrived before their handler was set are delivered to it at once, in order.
 * A signal handler that throws fails the workflow. Query handlers run synchronously and must not
 * start activities, timers or children.
 */
export function setHandler<Payload>(
  signal: SignalDefinition<Payload>,
  handler: SignalHandler<Payload> | undefined,
): void;
export function setHandler<Result, Args extends unknown[]>(
  query: QueryDefinition<Result, Args>,
  handler: QueryHandler<Result, Args> | undefined,
): void;
export function setHandler(
  definition: SignalDefinition | QueryDefinition<unknown, unknown[]>,
  handler: ((...args: never[]) => unknown) | undefined,
): void {
  const runtime = workflowRuntime('setHandler()');
  if (handler !== undefined && typeof handler !== 'function') {
    throw new InvalidArgumentError('setHandler', 'handler', handler, 'a function or undefined');
  }
  if (definition?.type === 'signal') {
    runtime.setSignalHandler(definition.name, handler as ((payload: unknown) => unknown) | undefined);
  } else if (definition?.type === 'query') {
    if (handler === undefined) runtime.queryHandlers.delete(definition.name);
    else runtime.queryHandlers.set(definition.name, handler as (...args: unknown[]) => unknown);
  } else {
    throw new InvalidArgumentError(
      'setHandler',
      'definition',
      definition,
      'a defineSignal() or defineQuery() result',
    );
  }
}

export interface NextSignalOptions {
  /** Give up after this long: the promise then resolves `undefined`. Default: wait for ever. */
  timeout?: Duration;
}

/**
 * The payload of the next signal `name` (signals that arrived earlier and were not handled are
 * buffered and returned first), or `undefined` when `timeout` passes first. Signals with a
 * handler (`setHandler`) go to the handler instead.
 */
export function nextSignal<Payload = unknown>(
  signal: string | SignalDefinition<Payload>,
  options: NextSignalOptions = {},
): Promise<Payload | undefined> {
  const name = typeof signal === 'string' ? signal : signal?.name;
  if (typeof name !== 'string' || name === '')
    throw new InvalidArgumentError('nextSignal', 'signal', signal, 'a signal name or definition');
  const ms = options.timeout === undefined ? undefined : durationArg('nextSignal', options.timeout);
  return workflowRuntime('nextSignal()').nextSignal(name, ms, nextSignal) as Promise<Payload | undefined>;
}

// ---------------------------------------------------------------------------------------------
// Child sessions.

export interface ChildOptions {
  /** The child's input (structured-clone safe). */
  input?: unknown;
  /** Makes the child findable and its start idempotent; the engine assigns the id. */
  idempotencyKey?: string;
}

/** Starts `entry` (`'file.ts:function'` of the same build) as a child session; resolves once it started. */
export function startChild<R = unknown>(entry: string, options: ChildOptions = {}): Promise<ChildHandle<R>> {
  if (options.idempotencyKey !== undefined && typeof options.idempotencyKey !== 'string') {
    throw new InvalidArgumentError(
      'startChild',
      'options.idempotencyKey',
      options.idempotencyKey,
      'a string',
    );
  }
  return workflowRuntime('startChild()').startChild(
    entry,
    options.input,
    options.idempotencyKey,
    startChild,
  ) as Promise<ChildHandle<R>>;
}

/** Starts a child session and waits for its result. */
export async function executeChild<R = unknown>(entry: string, options: ChildOptions = {}): Promise<R> {
  const handle = await startChild<R>(entry, options);
  return handle.result();
}

// ---------------------------------------------------------------------------------------------
// Information, randomness, patches, variables, responses, resources.

/** What the workflow knows about itself (fixed for the session's life). */
export function workflowInfo(): WorkflowInfo {
  const info = workflowRuntime('workflowInfo()').info;
  return { ...info, variables: { ...info.variables } };
}

/** A version 4 UUID from the session's seeded random stream (the same on every replay). */
export function uuid4(): string {
  return uuid4From(workflowRuntime('uuid4()').random);
}

/**
 * Temporal's versioning: true when this session runs the new code path for change `id`.
 * Sessions started before the change replay the old path (false); new ones and code reached
 * for the first time take the new path (true, recorded). Guard every changed step:
 * `if (patched('send-sms')) { await sendSms() } else { await sendEmail() }`.
 */
export function patched(id: string): boolean {
  return workflowRuntime('patched()').patched(id, false);
}

/** Marks change `id` as done once no session on the old path remains: then the guard can go. */
export function deprecatePatch(id: string): void {
  workflowRuntime('deprecatePatch()').patched(id, true);
}

/** A non-secret project variable, as recorded when the session started. Secrets are for activities. */
export function getVariable(name: string): string | undefined {
  const variables = workflowRuntime('getVariable()').info.variables;
  return Object.prototype.hasOwnProperty.call(variables, name) ? variables[name] : undefined;
}

export interface HttpResponse {
  /** 100–599. */
  status: number;
  headers?: Record<string, string>;
  /** Sent as JSON unless it is a string or bytes. */
  body?: unknown;
}

/** Sets the response of the synchronous webhook call that started this session. */
export function respond(response: HttpResponse): void {
  const runtime = workflowRuntime('respond()');
  if (typeof response !== 'object' || response === null) {
    throw new InvalidArgumentError('respond', 'response', response, '{ status, headers?, body? }');
  }
  if (!Number.isInteger(response.status) || response.status < 100 || response.status > 599) {
    throw new InvalidArgumentError(
      'respond',
      'response.status',
      response.status,
      'an HTTP status from 100 to 599',
    );
  }
  const data: HttpResponseData = { status: response.status };
  if (response.headers !== undefined) {
    for (const [name, value] of Object.entries(response.headers)) {
      if (typeof value !== 'string') {
        throw new InvalidArgumentError(
          'respond',
          `response.headers[${JSON.stringify(name)}]`,
          value,
          'a string',
        );
      }
    }
    data.headers = { ...response.headers };
  }
  if (response.body !== undefined) {
    assertSerializable(response.body, 'respond', 'response.body');
    data.body = response.body;
  }
  runtime.respond(data, respond);
}

/** A file of the project shipped with the build (project-relative path), as bytes. */
export function readResource(path: string): Uint8Array {
  workflowRuntime('readResource()');
  return readResourceBytes(path);
}

/** A file of the project shipped with the build, decoded as UTF-8. */
export function readTextResource(path: string): string {
  workflowRuntime('readTextResource()');
  return readResourceText(path);
}

// ---------------------------------------------------------------------------------------------
// Logging.

export type { Logger };

/** Journaled logs of the session (dropped while replaying, so each line is recorded once). */
export const log: Logger = createLogger((level, text) => workflowRuntime('log').log(level, text));
