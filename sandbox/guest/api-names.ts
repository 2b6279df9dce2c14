/**
 * The names `whisker/workflow` and `whisker/activity` export at run time. A bundle gets both API
 * objects; the one for the other kind of code holds the shared error helpers and, for everything
 * else, functions that throw a clear error (an activity calling `sleep()`, a workflow calling
 * `heartbeat()`). `test/sandbox/guest-api.test.ts` checks these lists against the modules.
 */
import { ApplicationFailure, CancelledFailure, WrongContextError, isCancellation } from './failures.js';

export const WORKFLOW_API_NAMES = [
  'ApplicationFailure',
  'CancellationScope',
  'CancelledFailure',
  'condition',
  'defineQuery',
  'defineSignal',
  'deprecatePatch',
  'executeChild',
  'getVariable',
  'isCancellation',
  'log',
  'nextSignal',
  'patched',
  'proxyActivities',
  'readResource',
  'readTextResource',
  'respond',
  'setHandler',
  'sleep',
  'startChild',
  'uuid4',
  'workflowInfo',
] as const;

export const ACTIVITY_API_NAMES = [
  'ApplicationFailure',
  'CancelledFailure',
  'activityInfo',
  'cancellationSignal',
  'getSecret',
  'getVariable',
  'heartbeat',
  'isCancellation',
  'log',
  'readResource',
  'readTextResource',
] as const;

const SHARED: Record<string, unknown> = { ApplicationFailure, CancelledFailure, isCancellation };

function throwing(module: string, name: string, where: string): unknown {
  if (name === 'log') {
    const fail = (): never => {
      throw new WrongContextError(`${module} log`, where);
    };
    return Object.freeze({ debug: fail, info: fail, warn: fail, error: fail });
  }
  return function unavailable(): never {
    throw new WrongContextError(`${module}'s ${name}()`, where);
  };
}

/** The API object of the other kind of code (see the header). */
export function foreignApi(
  names: readonly string[],
  module: string,
  where: string,
): Readonly<Record<string, unknown>> {
  const api: Record<string, unknown> = {};
  for (const name of names) api[name] = SHARED[name] ?? throwing(module, name, where);
  return Object.freeze(api);
}

/** The API object user code gets: frozen, and its functions too (user code cannot swap them). */
export function frozenApi(namespace: object): Readonly<Record<string, unknown>> {
  const api: Record<string, unknown> = { ...namespace };
  for (const value of Object.values(api)) if (typeof value === 'function') Object.freeze(value);
  return Object.freeze(api);
}
