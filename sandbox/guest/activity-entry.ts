/**
 * Entry of the activity runtime script (compiled once per activity isolate, run once per
 * attempt's context). Its completion value is `setupActivity`: the runner calls it with the
 * capabilities (callbacks), hands the user's bundle factory to `dispatch` (module code runs), and
 * later starts the attempt with its setup and arguments. A context is prepared ahead of its
 * attempt, so an attempt starts without waiting for context creation.
 */
import type { ErrorData } from '../../common/index.js';
import type { ActivityOutcome, LogLevel } from '../protocol.js';
import { AbortController, AbortSignal } from './abort.js';
import type { ActivityRuntimeSetup, HostCall } from './activity-runtime.js';
import { ActivityRuntime, installActivityRuntime } from './activity-runtime.js';
import * as activityApi from './activity.js';
import { WORKFLOW_API_NAMES, foreignApi, frozenApi } from './api-names.js';
import { ActivityOp } from './entry-points.js';
import { errorToData } from './error-data.js';
import { InvalidArgumentError } from './failures.js';
import type { RequestInit } from './http.js';
import type { ResourceReader } from './resources.js';
import { installResourceReader } from './resources.js';
import { installStackControl } from './stack.js';
import type { BundleAnswer } from './workflow-entry.js';
import {
  checkRandomTarget,
  defineGlobal,
  defineWebGlobals,
  makeConsole,
  removeGlobals,
} from './workflow-globals.js';

type BundleFactory = (whisker: { workflow: unknown; activity: unknown }) => {
  modules: Record<string, unknown>;
};

export interface ActivitySetup extends ActivityRuntimeSetup {
  /** The activity module (project-relative) and the exported function to run. */
  file: string;
  name: string;
}

/** Globals of activity contexts besides the workflow context's set (see `security.test.ts`). */
export const ACTIVITY_EXTRA_GLOBALS = ['AbortController', 'AbortSignal'] as const;

export function setupActivity(
  hostCall: HostCall,
  heartbeat: (details: unknown) => void,
  log: (level: LogLevel, text: string) => void,
  done: (outcome: ActivityOutcome) => void,
  readResource: ResourceReader,
  randomBytes: (length: number) => Uint8Array,
): (op: number, arg: unknown) => unknown {
  installStackControl();
  const runtime = new ActivityRuntime({ call: hostCall, heartbeat, log, done });
  installActivityRuntime(runtime);
  installResourceReader(readResource);
  installActivityGlobals(runtime, randomBytes);
  let modules: Record<string, unknown> | undefined;

  return function dispatch(op: number, arg: unknown): unknown {
    switch (op) {
      case ActivityOp.start: {
        const { setup, args } = arg as { setup: ActivitySetup; args: unknown[] };
        runtime.configure(setup);
        const fn = (modules?.[setup.file] as Record<string, unknown> | undefined)?.[setup.name];
        if (typeof fn !== 'function') {
          done({ ok: false, error: activityNotFound(setup) });
          return undefined;
        }
        runtime.start(fn as (...args: unknown[]) => unknown, args);
        return undefined;
      }
      case ActivityOp.resolve: {
        const [id, ok, value] = arg as [number, boolean, unknown];
        runtime.resolveHostOperation(id, ok, value);
        return undefined;
      }
      case ActivityOp.abort:
        runtime.abort(String(arg));
        return undefined;
      case ActivityOp.bundle: {
        const answer = instantiate(arg as BundleFactory);
        if (!answer.ok) return answer;
        modules = answer.modules;
        return { ok: true };
      }
      default:
        throw new Error(`whisker runtime: unknown operation ${op}`);
    }
  };
}

function instantiate(
  factory: BundleFactory,
): (BundleAnswer & { ok: false }) | { ok: true; modules: Record<string, unknown> } {
  try {
    const api = {
      workflow: foreignApi(WORKFLOW_API_NAMES, 'whisker/workflow', 'in workflow code (this is an activity)'),
      activity: frozenApi(activityApi),
    };
    return { ok: true, modules: factory(api).modules };
  } catch (error) {
    return { ok: false, code: 'ACTIVITY_INIT_FAILED', error: errorToData(error) };
  }
}

function activityNotFound(setup: ActivitySetup): ErrorData {
  return {
    name: 'ActivityNotFoundError',
    code: 'ACTIVITY_NOT_FOUND',
    message: `Activity ${JSON.stringify(setup.name)} is not a function exported by ${setup.file} in this build.`,
    retryable: false,
  };
}

function installActivityGlobals(runtime: ActivityRuntime, randomBytes: (length: number) => Uint8Array): void {
  removeGlobals();
  defineGlobal(
    'console',
    makeConsole((level, text) => runtime.log(level, text)),
  );
  defineGlobal('fetch', (input: unknown, init?: RequestInit) => runtime.fetch(input, init));
  defineGlobal('AbortController', AbortController);
  defineGlobal('AbortSignal', AbortSignal);
  defineGlobal(
    'crypto',
    Object.freeze({
      getRandomValues<T>(array: T): T {
        const target = checkRandomTarget(array);
        target.set(randomBytes(target.length));
        return array;
      },
      randomUUID(): string {
        const bytes = randomBytes(16);
        bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
        bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
        const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
        return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
      },
    }),
  );
  installActivityTimers(runtime);
  defineGlobal('queueMicrotask', (callback: unknown): void => {
    if (typeof callback !== 'function')
      throw new InvalidArgumentError('queueMicrotask', 'callback', callback, 'a function');
    void Promise.resolve().then(() => (callback as () => void)());
  });
  defineWebGlobals();
}

/** Real timers, backed by the host (`sleep` operations); handles are numbers. */
function installActivityTimers(runtime: ActivityRuntime): void {
  let nextHandle = 1;
  const live = new Set<number>();
  const schedule = (handle: number, callback: () => void, ms: number, repeat: boolean): void => {
    void runtime.hostOperation('sleep', ms).then(() => {
      if (!live.has(handle)) return;
      if (!repeat) live.delete(handle);
      callback();
      if (repeat && live.has(handle)) schedule(handle, callback, ms, true);
    });
  };
  const start =
    (repeat: boolean) =>
    (callback: unknown, ms?: unknown, ...args: unknown[]): number => {
      if (typeof callback !== 'function') {
        throw new InvalidArgumentError(
          repeat ? 'setInterval' : 'setTimeout',
          'callback',
          callback,
          'a function',
        );
      }
      const handle = nextHandle++;
      live.add(handle);
      const delay = Math.max(repeat ? 1 : 0, Math.floor(Number(ms) || 0));
      schedule(handle, () => (callback as (...a: unknown[]) => void)(...args), delay, repeat);
      return handle;
    };
  const clear = (handle: unknown): void => {
    if (typeof handle === 'number') live.delete(handle);
  };
  defineGlobal('setTimeout', start(false));
  defineGlobal('setInterval', start(true));
  defineGlobal('clearTimeout', clear);
  defineGlobal('clearInterval', clear);
}
