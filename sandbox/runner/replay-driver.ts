/**
 * The replay-debugging loop over one workflow context, shared by the plain replay (synchronous
 * calls, `WorkflowHost.replay`) and the inspected one (asynchronous calls, so the runner's event
 * loop can relay the debugger's messages while the code is paused: `inspected-replay.ts`).
 *
 * Recorded jobs are delivered from inside the context (`replayNext`: no argument crosses the
 * boundary), then `endReplay` checks that every recorded command was issued, then the pending
 * facts are delivered live; an `until` point ends it early. A snapshot of the workflow's state and
 * the conclusion (commands, trace, divergence) close it. The raw results are mapped to the user's
 * sources by `replay-outcome.ts`.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';

import type { Job } from '../protocol.js';
import { DeliverStatus, WorkflowOp } from '../guest/entry-points.js';
import type { Conclusion, RawStateSnapshot } from '../guest/workflow-runtime.js';

/** One call into the context: `round` counts condition re-checks of the same call (0 first). */
export type ContextCall = (
  op: number,
  arg: unknown,
  copyResult: boolean,
  round: number,
  started: number,
) => unknown;

export interface DriveOptions {
  pending: Job[];
  /** Most condition re-checks of one call before `onConditionLoop` is thrown. */
  maxConditionRounds: number;
  onConditionLoop: () => Error;
  /** Yield to the event loop after this much work (plain replays: health checks go on). */
  sliceMs?: number;
}

export interface DriveResult {
  conclusion: Conclusion;
  snapshot: RawStateSnapshot;
  /** The `until` point was reached. */
  until: boolean;
}

export async function driveReplay(call: ContextCall, options: DriveOptions): Promise<DriveResult> {
  // A plain replay's calls are synchronous: its first round is taken without a promise (one job
  // per call, thousands per replay); only condition re-checks and inspected calls are awaited.
  const deliver = (op: number, arg: unknown): number | Promise<number> => {
    const started = performance.now();
    const first = call(op, arg, false, 0, started);
    if (first !== DeliverStatus.retry && typeof first === 'number') return first;
    return retryRounds(op, arg, first, started);
  };
  const retryRounds = async (op: number, arg: unknown, first: unknown, started: number): Promise<number> => {
    let status = (await first) as number;
    for (let round = 1; status === DeliverStatus.retry; round++) {
      if (round > options.maxConditionRounds) throw options.onConditionLoop();
      status = (await call(op, arg, false, round, started)) as number;
    }
    return status;
  };
  let sliceStart = performance.now();
  let status: number;
  for (;;) {
    const next = deliver(WorkflowOp.replayNext, undefined);
    status = typeof next === 'number' ? next : await next;
    if (status !== DeliverStatus.delivered) break;
    if (options.sliceMs !== undefined && performance.now() - sliceStart > options.sliceMs) {
      await nextTurn();
      sliceStart = performance.now();
    }
  }
  const until = status === DeliverStatus.until;
  if (status === DeliverStatus.exhausted) {
    status = await deliver(WorkflowOp.endReplay, undefined);
    if (status !== DeliverStatus.stopped) {
      for (const job of options.pending) {
        if ((await deliver(WorkflowOp.job, job)) === DeliverStatus.stopped) break;
      }
    }
  }
  const started = performance.now();
  let conclusion: Conclusion | number;
  for (let round = 0; ; round++) {
    conclusion = (await call(WorkflowOp.conclude, undefined, true, round, started)) as Conclusion | number;
    if (typeof conclusion !== 'number') break;
    if (round >= options.maxConditionRounds) throw options.onConditionLoop();
  }
  const snapshot = (await call(
    WorkflowOp.snapshot,
    undefined,
    true,
    0,
    performance.now(),
  )) as RawStateSnapshot;
  return { conclusion, snapshot, until };
}
