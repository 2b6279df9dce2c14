import type { StreamState } from './state.js';

/**
 * The streams as appends are decided (the file store decides each append at once, before the
 * write of the batches queued ahead of it commits): the committed streams, plus what is decided and
 * not yet committed — a stream created (its state) or deleted (`null`). Only those differences are
 * kept, not a second map of every stream (~46 B per stream, what 100,000 sleeping sessions pay).
 */
export class TentativeStreams {
  private readonly decided = new Map<string, StreamState | null>();

  constructor(private readonly committed: () => ReadonlyMap<string, StreamState>) {}

  get(name: string): StreamState | undefined {
    const decided = this.decided.get(name);
    if (decided !== undefined) return decided ?? undefined;
    return this.committed().get(name);
  }

  /** A new life of `name` is decided (its first append). */
  created(name: string, state: StreamState): void {
    this.decided.set(name, state);
  }

  /** The deletion of `name` is decided. */
  deleted(name: string): void {
    this.decided.set(name, null);
  }

  /** Called once a record of `name` (or its deletion) committed: forgets what committed now shows. */
  settle(name: string): void {
    const decided = this.decided.get(name);
    if (decided === undefined) return;
    const committed = this.committed().get(name);
    if (decided === null ? committed === undefined : decided === committed) this.decided.delete(name);
  }

  clear(): void {
    this.decided.clear();
  }
}
