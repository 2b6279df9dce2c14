/** Validation of read options, shared by every backend. */
import { InvalidArgumentError } from './errors.js';
import { checkOptionalInteger } from './validation.js';
import type { ReadAllOptions, ReadStreamOptions } from './types.js';

export interface StreamRange {
  /** Revisions to return, in order (may be empty). */
  from: number;
  count: number;
  backwards: boolean;
}

/** Turns read options into a concrete revision range for a stream whose revisions are `0..count-1`. */
export function streamRange(
  stream: string,
  options: ReadStreamOptions | undefined,
  count: number,
): StreamRange {
  const call = `readStream(${JSON.stringify(stream)}, options`;
  const direction = options?.direction ?? 'forwards';
  if (direction !== 'forwards' && direction !== 'backwards') {
    throw new InvalidArgumentError(
      `${call}.direction)`,
      `must be 'forwards' or 'backwards'; got ${JSON.stringify(direction)}`,
    );
  }
  const fromRevision = checkOptionalInteger(`${call}.fromRevision)`, options?.fromRevision, 0);
  const maxCount = checkOptionalInteger(`${call}.maxCount)`, options?.maxCount, 0) ?? Number.MAX_SAFE_INTEGER;
  if (direction === 'forwards') {
    const from = fromRevision ?? 0;
    return { from, count: Math.max(0, Math.min(maxCount, count - from)), backwards: false };
  }
  const from = Math.min(fromRevision ?? count - 1, count - 1);
  return { from, count: Math.max(0, Math.min(maxCount, from + 1)), backwards: true };
}

export function readAllBounds(options: ReadAllOptions | undefined): { after: number; maxCount: number } {
  return {
    after: checkOptionalInteger('readAll(options.after)', options?.after, -1) ?? -1,
    maxCount:
      checkOptionalInteger('readAll(options.maxCount)', options?.maxCount, 0) ?? Number.MAX_SAFE_INTEGER,
  };
}
