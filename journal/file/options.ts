import { InvalidArgumentError } from '../errors.js';
import { nodeIo, type JournalIo } from './io.js';

export type Durability = 'always' | 'batch' | 'none';

export interface FileEventStoreOptions {
  /** The journal's directory (created when missing). One process at a time may open it. */
  dir: string;
  /**
   * When an append is acknowledged. Default `'always'`.
   * - `'always'`: after its bytes are on disk (`fdatasync`); concurrent appends share one sync.
   * - `'batch'`: once written to the OS; the journal is synced at most every `batchIntervalMs`, so a
   *   machine crash (not a process crash) can lose that much acknowledged data.
   * - `'none'`: never synced (tests and benchmarks only).
   */
  durability?: Durability;
  /** A segment file is closed and a new one started once it reaches this size. Default 64 MiB. */
  segmentSizeBytes?: number;
  /** With `durability: 'batch'`, the longest time between syncs. Default 10 ms. */
  batchIntervalMs?: number;
  /**
   * Memory for recently written or read records kept for reads (record bytes plus a per-record
   * overhead of the objects that hold them, see `record-cache.ts`). Default 16 MiB: ~40,000 recent
   * session records, enough for replays of what was just written; the rest is read from the
   * segment files (the OS's page cache).
   */
  cacheSizeBytes?: number;
  /**
   * A closed segment whose deleted (dead) bytes reach this fraction of its size is compacted in the
   * background. Default 0.5. `compact()` compacts every segment holding deleted data regardless.
   */
  compactionThreshold?: number;
  /** Compact in the background after deletes (see `compactionThreshold`). Default true. */
  autoCompact?: boolean;
  /** Internal: the file-system calls (tests inject faults here). Default: node:fs. */
  io?: JournalIo;
  /** Internal: zero-fill the active segment ahead of the writer (faster syncs). Default true; tests counting syncs turn it off. */
  preallocate?: boolean;
}

export interface CompiledFileOptions {
  dir: string;
  durability: Durability;
  segmentSizeBytes: number;
  batchIntervalMs: number;
  cacheSizeBytes: number;
  compactionThreshold: number;
  autoCompact: boolean;
  io: JournalIo;
  preallocate: boolean;
}

function integerOption(
  name: string,
  value: unknown,
  fallback: number,
  minimum: number,
  maximum: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < minimum || value > maximum) {
    throw new InvalidArgumentError(
      `openFileEventStore(options.${name})`,
      `must be an integer from ${minimum} to ${maximum}; got ${typeof value === 'number' ? value : typeof value}`,
    );
  }
  return value;
}

export function compileFileOptions(options: FileEventStoreOptions): CompiledFileOptions {
  if (typeof options?.dir !== 'string' || options.dir.length === 0) {
    throw new InvalidArgumentError('openFileEventStore(options.dir)', 'must be a directory path');
  }
  const durability = options.durability ?? 'always';
  if (durability !== 'always' && durability !== 'batch' && durability !== 'none') {
    throw new InvalidArgumentError(
      'openFileEventStore(options.durability)',
      `must be 'always', 'batch' or 'none'; got ${JSON.stringify(durability)}`,
    );
  }
  const threshold = options.compactionThreshold ?? 0.5;
  if (typeof threshold !== 'number' || !(threshold > 0 && threshold <= 1)) {
    throw new InvalidArgumentError(
      'openFileEventStore(options.compactionThreshold)',
      'must be a number in (0, 1]',
    );
  }
  return {
    dir: options.dir,
    durability,
    segmentSizeBytes: integerOption(
      'segmentSizeBytes',
      options.segmentSizeBytes,
      64 * 1024 * 1024,
      4096,
      2 ** 30,
    ),
    batchIntervalMs: integerOption('batchIntervalMs', options.batchIntervalMs, 10, 1, 60_000),
    cacheSizeBytes: integerOption('cacheSizeBytes', options.cacheSizeBytes, 16 * 1024 * 1024, 0, 2 ** 40),
    compactionThreshold: threshold,
    autoCompact: options.autoCompact ?? true,
    io: options.io ?? nodeIo,
    preallocate: options.preallocate ?? true,
  };
}
