/**
 * The state of one activity attempt, inside its own context. Capabilities come from the host as
 * callbacks handed in on purpose: asynchronous host operations (`fetch`, timers) go out through
 * `hostCall(id, op, arg)` and come back through the `resolve` entry point; heartbeats and logs are
 * fire-and-forget; the outcome goes out through `done` as soon as the function settles (for pure
 * computation, in the same turn as the start).
 */
import type { ErrorData } from '../../common/index.js';
import type { ActivityInfo, ActivityOutcome, FetchResultData, LogLevel } from '../protocol.js';
import { AbortController } from './abort.js';
import { errorToData, failureFromData } from './error-data.js';
import { CancelledFailure, WrongContextError } from './failures.js';
import type { RequestInit } from './http.js';
import { Response, toFetchRequest } from './http.js';
import { assertSerializable } from './serializable.js';

export type HostCall = (id: number, op: string, arg: unknown) => void;

export interface ActivityHost {
  call: HostCall;
  heartbeat(details: unknown): void;
  log(level: LogLevel, text: string): void;
  done(outcome: ActivityOutcome): void;
}

export interface ActivityRuntimeSetup {
  info: ActivityInfo;
  variables: Record<string, string>;
  secrets: Record<string, string>;
}

interface PendingHostOp {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export class ActivityRuntime {
  controller = new AbortController();
  private setup: ActivityRuntimeSetup | undefined;
  private readonly host: ActivityHost;
  private nextId = 1;
  private readonly pending = new Map<number, PendingHostOp>();
  private outcome: ActivityOutcome | undefined;

  /** The context is prepared before its attempt is known; `configure` hands the attempt in. */
  constructor(host: ActivityHost) {
    this.host = host;
  }

  /**
   * Hands in the next attempt. A context is reused for attempts one after another (never two at
   * once), so the per-attempt state starts afresh: a new abort signal, no outcome, no pending operation.
   */
  configure(setup: ActivityRuntimeSetup): void {
    this.setup = setup;
    this.controller = new AbortController();
    this.outcome = undefined;
    this.pending.clear();
  }

  private get attempt(): ActivityRuntimeSetup {
    if (this.setup === undefined)
      throw new WrongContextError('The activity API', 'while an activity runs (not in module code)');
    return this.setup;
  }

  get info(): ActivityInfo {
    return this.attempt.info;
  }

  private get variables(): Record<string, string> {
    return this.attempt.variables;
  }

  private get secrets(): Record<string, string> {
    return this.attempt.secrets;
  }

  variable(name: string): string | undefined {
    return Object.prototype.hasOwnProperty.call(this.variables, name) ? this.variables[name] : undefined;
  }

  secret(name: string): string | undefined {
    return Object.prototype.hasOwnProperty.call(this.secrets, name) ? this.secrets[name] : undefined;
  }

  heartbeat(details: unknown): void {
    if (details !== undefined) assertSerializable(details, 'heartbeat details', 'details');
    this.host.heartbeat(details);
  }

  log(level: LogLevel, text: string): void {
    this.host.log(level, text);
  }

  /** Starts an asynchronous host operation; `onStart` receives its id (for cancelling it). */
  hostOperation(op: string, arg: unknown, onStart?: (id: number) => void): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      onStart?.(id);
      this.host.call(id, op, arg);
    });
  }

  /** Fire-and-forget host operation (no answer expected). */
  notifyHost(op: string, arg: unknown): void {
    this.host.call(0, op, arg);
  }

  /** Entry point: the host finished operation `id`. */
  resolveHostOperation(id: number, ok: boolean, value: unknown): void {
    const op = this.pending.get(id);
    if (op === undefined) return;
    this.pending.delete(id);
    if (ok) op.resolve(value);
    else op.reject(failureFromData(value as ErrorData));
  }

  /** Rejects pending operation `id` from the guest side (an aborted fetch). */
  private rejectHostOperation(id: number, error: unknown): void {
    const op = this.pending.get(id);
    if (op === undefined) return;
    this.pending.delete(id);
    op.reject(error);
  }

  async fetch(input: unknown, init: RequestInit = {}): Promise<Response> {
    const request = toFetchRequest(input, init);
    const signal = init.signal as
      { aborted?: boolean; reason?: unknown; addEventListener?: unknown } | undefined | null;
    if (signal?.aborted === true) throw signal.reason;
    let requestId = 0;
    let onAbort: (() => void) | undefined;
    const result = this.hostOperation('fetch', request, (id) => {
      requestId = id;
    });
    if (signal !== undefined && signal !== null && typeof signal.addEventListener === 'function') {
      onAbort = () => {
        this.notifyHost('fetchAbort', requestId);
        this.rejectHostOperation(requestId, signal.reason);
      };
      (signal.addEventListener as (type: string, fn: () => void, options: { once: boolean }) => void)(
        'abort',
        onAbort,
        {
          once: true,
        },
      );
    }
    return Response.fromResult((await result) as FetchResultData);
  }

  /** Entry point: runs the activity function; the outcome is sent with `done` once it settles. */
  start(fn: (...args: unknown[]) => unknown, args: unknown[]): void {
    let result: unknown;
    try {
      result = fn(...args);
    } catch (error) {
      this.settle({ ok: false, error: errorToData(error) });
      return;
    }
    if (
      typeof result === 'object' &&
      result !== null &&
      typeof (result as { then?: unknown }).then === 'function'
    ) {
      Promise.resolve(result).then(
        (value) => this.settleValue(value),
        (error: unknown) => this.settle({ ok: false, error: errorToData(error) }),
      );
    } else this.settleValue(result);
  }

  private settleValue(value: unknown): void {
    try {
      assertSerializable(value, `activity ${this.info.name}`, 'result');
    } catch (error) {
      this.settle({ ok: false, error: errorToData(error) });
      return;
    }
    this.settle({ ok: true, result: value });
  }

  private settle(outcome: ActivityOutcome): void {
    if (this.outcome !== undefined) return;
    this.outcome = outcome;
    this.host.done(outcome);
  }

  /** Entry point: the attempt is cancelled; the activity's signal fires. */
  abort(reason: string): void {
    this.controller.abort(new CancelledFailure(reason));
  }
}

let installed: ActivityRuntime | undefined;

export function installActivityRuntime(runtime: ActivityRuntime): void {
  installed = runtime;
}

export function activityRuntime(api: string): ActivityRuntime {
  if (installed === undefined) throw new WrongContextError(api, 'in activity code while an activity runs');
  return installed;
}
