/**
 * `whisker/activity`: the API activity code imports. Its exports ARE the module user code gets
 * (the build type-checks user projects against this file).
 *
 * Activities do the I/O a workflow must not: each attempt runs in a fresh sandboxed context with
 * the capabilities listed here, plus a global `fetch` backed by the host (with its address policy,
 * timeouts and size limit). An attempt has a wall-clock start-to-close limit; an attempt past it
 * is discarded and retried per the workflow's retry policy. Activities run at least once: use
 * `activityInfo()` (`sessionId`, `seq`) to build idempotency keys.
 */
import type { ActivityInfo } from '../protocol.js';
import { activityRuntime } from './activity-runtime.js';
import { ApplicationFailure, CancelledFailure, isCancellation } from './failures.js';
import type { ApplicationFailureOptions } from './failures.js';
import { createLogger } from './logger.js';
import type { Logger } from './logger.js';
import { readResourceBytes, readResourceText } from './resources.js';

export type { ActivityInfo, ApplicationFailureOptions };
export { ApplicationFailure, CancelledFailure, isCancellation };

/** This attempt: session, seq, attempt number (1-based), activity name, when it was scheduled. */
export function activityInfo(): ActivityInfo {
  return { ...activityRuntime('activityInfo()').info };
}

/**
 * Tells the engine the attempt is alive (and, with `details`, how far it got). Required when the
 * activity has a `heartbeatTimeout`. `details` must be structured-clone safe.
 */
export function heartbeat(details?: unknown): void {
  activityRuntime('heartbeat()').heartbeat(details);
}

/** The attempt's cancellation, as an `AbortSignal` (pass it to `fetch`, or check `aborted`). */
export interface ActivityCancellationSignal {
  readonly aborted: boolean;
  /** A `CancelledFailure` once aborted. */
  readonly reason: unknown;
  throwIfAborted(): void;
  onabort: ((event: { type: 'abort' }) => void) | null;
  addEventListener(
    type: 'abort',
    listener: (event: { type: 'abort' }) => void,
    options?: { once?: boolean },
  ): void;
  removeEventListener(type: 'abort', listener: (event: { type: 'abort' }) => void): void;
}

/** Fires when the engine cancels this attempt (the workflow cancelled it, or the session stops). */
export function cancellationSignal(): ActivityCancellationSignal {
  return activityRuntime('cancellationSignal()').controller.signal;
}

/** A project variable (secret or not, as configured for the project). */
export function getVariable(name: string): string | undefined {
  return activityRuntime('getVariable()').variable(name);
}

/** A project secret, decrypted for this attempt. Never log it: logs are stored. */
export function getSecret(name: string): string | undefined {
  return activityRuntime('getSecret()').secret(name);
}

/** A file of the project shipped with the build (project-relative path), as bytes. */
export function readResource(path: string): Uint8Array {
  return readResourceBytes(path);
}

/** A file of the project shipped with the build, decoded as UTF-8. */
export function readTextResource(path: string): string {
  return readResourceText(path);
}

export type { Logger };

/** The activity's logs (`console.*` goes here too). */
export const log: Logger = createLogger((level, text) => activityRuntime('log').log(level, text));
