/**
 * Engine ↔ runner transport: length-prefixed msgpackr frames over a pipe (the child's fd 3).
 * Measured against Node's IPC channel with `serialization: 'advanced'` (`npm run bench -- sandbox`
 * prints both): msgpackr frames are faster for the batched messages that carry the load, and keep
 * Date, Map, Set, typed arrays, bigint and undefined (like the journal, which uses msgpackr too).
 *
 * Every message is a batch: all requests made in one tick go to a runner in one frame, and the
 * runner answers in batches.
 */
import { Packr } from 'msgpackr';
import type { Readable, Writable } from 'node:stream';

import type { ErrorData } from '../../common/index.js';
import type { BuildArtifact } from '../artifact.js';
import type {
  ActivationOutcome,
  ActivityOutcome,
  ActivityTask,
  InspectorEndpoint,
  LogLevel,
  QueryOutcome,
  ReplayOutcome,
  ReplayRequest,
  WorkflowActivation,
  WorkflowQuery,
} from '../protocol.js';

/** Options a runner starts with (compiled: every field set). */
export interface RunnerOptions {
  activationCpuLimitMs: number;
  isolateMemoryLimitMb: number;
  fetch: CompiledFetchPolicy;
  /** How long an activity's inline start may hold the runner's thread (default `INLINE_START_BUDGET_MS`). */
  inlineStartBudgetMs?: number;
}

export interface CompiledFetchPolicy {
  allowPrivateNetwork: boolean;
  allowedPrivateHosts: string[];
  timeoutMs: number;
  maxResponseBytes: number;
  maxRedirects: number;
}

/** The guest runtime scripts (bundled once by the host). */
export interface RuntimeScripts {
  workflow: string;
  activity: string;
}

/** What a runner needs of a build. */
export type RunnerBuild = Pick<
  BuildArtifact,
  'hash' | 'workflowBundle' | 'activityBundle' | 'activities' | 'entryPoints' | 'resources'
>;

/** The part of an artifact a runner gets (no sources, no hash inputs beyond the hash). */
export function runnerBuildOf(artifact: RunnerBuild): RunnerBuild {
  return {
    hash: artifact.hash,
    workflowBundle: artifact.workflowBundle,
    activityBundle: artifact.activityBundle,
    activities: artifact.activities,
    entryPoints: artifact.entryPoints,
    resources: artifact.resources,
  };
}

export type HostRequest =
  | { op: 'build'; build: RunnerBuild }
  | { op: 'activate'; id: number; activation: WorkflowActivation }
  | { op: 'query'; id: number; query: WorkflowQuery }
  | { op: 'replay'; id: number; request: ReplayRequest }
  | { op: 'evict'; sessionId: string }
  /**
   * `chain`: when the attempt succeeds and this runner holds the session's context, activate it
   * with the result at once and answer both in one `activityDone` (see `ActivityChain`).
   */
  | { op: 'activity'; id: number; task: ActivityTask; chain?: true }
  | { op: 'cancelActivity'; id: number; reason: string }
  /** No chained activation for activity `id` from now on; answered `unchained` (after one made before). */
  | { op: 'unchain'; id: number }
  | { op: 'ping'; id: number };

export type HostMessage =
  | { t: 'start'; options: RunnerOptions; runtime: RuntimeScripts }
  | { t: 'batch'; items: HostRequest[] }
  | { t: 'shutdown' }
  /** Transport measurement: answered with the same payload. */
  | { t: 'echo'; payload: unknown };

export type RunnerReply =
  | { op: 'activated'; id: number; outcome: ActivationOutcome }
  | { op: 'queried'; id: number; outcome: QueryOutcome }
  | { op: 'replayed'; id: number; outcome: ReplayOutcome }
  /** An inspected replay's inspector is listening (it waits for a debugger). */
  | { op: 'inspectorListening'; id: number; endpoint: InspectorEndpoint }
  | { op: 'activityDone'; id: number; outcome: ActivityOutcome; chained?: ChainedActivation }
  | { op: 'unchained'; id: number }
  | { op: 'heartbeat'; id: number; details: unknown }
  | { op: 'activityLog'; id: number; level: LogLevel; text: string }
  | { op: 'pong'; id: number; contexts: number }
  /** Contexts the runner dropped on its own (an isolate hit its memory limit). */
  | { op: 'lost'; sessionIds: string[]; error: ErrorData };

/** The activation a chained activity's success led to in its runner (`resolveActivity` at `time`). */
export interface ChainedActivation {
  time: number;
  outcome: ActivationOutcome;
}

export type RunnerMessage =
  | { t: 'ready'; pid: number }
  | { t: 'batch'; items: RunnerReply[] }
  | { t: 'echo'; payload: unknown }
  /** The runner could not start (bad runtime script...). */
  | { t: 'fatal'; error: ErrorData };

const packr = new Packr({ structuredClone: true, moreTypes: true, useRecords: true, mapsAsObjects: false });

const HEADER_BYTES = 4;

/**
 * `value` as the other side of the wire will see it (encoded and decoded): what a chained
 * activation gives the code, so that it equals what the engine journals and a replay gives.
 */
export function throughWire<T>(value: T): T {
  return packr.unpack(packr.pack(value)) as T;
}

export function encodeFrame(message: HostMessage | RunnerMessage): Buffer {
  const body = packr.pack(message);
  const frame = Buffer.allocUnsafe(HEADER_BYTES + body.length);
  frame.writeUInt32LE(body.length, 0);
  body.copy(frame, HEADER_BYTES);
  return frame;
}

/** Writes one frame; resolves when the stream accepted it (backpressure is the caller's choice). */
export function writeFrame(stream: Writable, message: HostMessage | RunnerMessage): boolean {
  return stream.write(encodeFrame(message));
}

/** Calls `onMessage` for each whole frame read from `stream`. */
export function readFrames<T>(stream: Readable, onMessage: (message: T) => void): void {
  let chunks: Buffer[] = [];
  let buffered = 0;
  let needed = -1;
  stream.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    buffered += chunk.length;
    for (;;) {
      if (needed === -1) {
        if (buffered < HEADER_BYTES) return;
        const head = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, buffered);
        chunks = [head];
        needed = head.readUInt32LE(0);
      }
      if (buffered < HEADER_BYTES + needed) return;
      const all = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, buffered);
      const body = all.subarray(HEADER_BYTES, HEADER_BYTES + needed);
      const rest = all.subarray(HEADER_BYTES + needed);
      chunks = rest.length > 0 ? [rest] : [];
      buffered = rest.length;
      needed = -1;
      onMessage(packr.unpack(body) as T);
    }
  });
}
