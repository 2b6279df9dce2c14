/**
 * `AbortController` / `AbortSignal` for activity contexts (isolates have no DOM events): enough
 * of the standard for `signal.aborted`, `reason`, `throwIfAborted()`, `onabort` and
 * `addEventListener('abort', ...)`, and for passing a signal to `fetch`.
 */

/** Events carry `target` too; listeners need not read it. */
type AbortListener = (event: { type: 'abort' }) => void;

export class AbortSignal {
  private abortedReason: unknown = undefined;
  private isAborted = false;
  private readonly listeners = new Set<AbortListener>();
  onabort: AbortListener | null = null;

  get aborted(): boolean {
    return this.isAborted;
  }

  get reason(): unknown {
    return this.abortedReason;
  }

  throwIfAborted(): void {
    if (this.isAborted) throw this.abortedReason;
  }

  addEventListener(type: string, listener: AbortListener, options?: { once?: boolean }): void {
    if (type !== 'abort' || typeof listener !== 'function') return;
    if (options?.once === true) {
      const once: AbortListener = (event) => {
        this.listeners.delete(once);
        listener(event);
      };
      this.listeners.add(once);
    } else this.listeners.add(listener);
  }

  removeEventListener(type: string, listener: AbortListener): void {
    if (type === 'abort') this.listeners.delete(listener);
  }

  /** Runtime side: fires the signal once. */
  fire(reason: unknown): void {
    if (this.isAborted) return;
    this.isAborted = true;
    this.abortedReason = reason;
    const event = { type: 'abort' as const, target: this };
    const listeners = [...this.listeners];
    if (typeof this.onabort === 'function') listeners.unshift(this.onabort);
    for (const listener of listeners) {
      try {
        listener(event);
      } catch {
        // A throwing listener must not stop the others (as with DOM events).
      }
    }
  }

  static abort(reason: unknown = abortError()): AbortSignal {
    const signal = new AbortSignal();
    signal.fire(reason);
    return signal;
  }
}

export class AbortController {
  readonly signal = new AbortSignal();

  abort(reason: unknown = abortError()): void {
    this.signal.fire(reason);
  }
}

function abortError(): Error {
  const error = new Error('This operation was aborted');
  error.name = 'AbortError';
  return error;
}
