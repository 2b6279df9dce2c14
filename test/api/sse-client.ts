/** A minimal server-sent events client for tests, over fetch's streaming body. */

export interface SseEvent {
  id?: string;
  event: string;
  data: unknown;
}

export interface SseConnection {
  status: number;
  /** The JSON body of a refused (non-200) request. */
  error?: unknown;
  /** The next event; undefined when the stream ended. Rejects after `timeoutMs`. */
  next(timeoutMs?: number): Promise<SseEvent | undefined>;
  /** Events until (and including) the first that satisfies `until`. */
  collect(until: (event: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent[]>;
  /** Keep-alive comments seen so far. */
  comments(): number;
  /** Resolves when the server ends the stream. */
  ended(timeoutMs?: number): Promise<void>;
  close(): void;
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseConnection> {
  const abort = new AbortController();
  const response = await fetch(url, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: abort.signal,
  });
  if (response.status !== 200 || response.body === null) {
    const text = await response.text();
    return {
      status: response.status,
      error: text === '' ? undefined : (JSON.parse(text) as unknown),
      next: () => Promise.resolve(undefined),
      collect: () => Promise.resolve([]),
      comments: () => 0,
      ended: () => Promise.resolve(),
      close: () => abort.abort(),
    };
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const queue: SseEvent[] = [];
  const waiters: (() => void)[] = [];
  let buffer = '';
  let comments = 0;
  let done = false;

  const wake = (): void => {
    for (const waiter of waiters.splice(0)) waiter();
  };
  void (async () => {
    try {
      for (;;) {
        const chunk = await reader.read();
        if (chunk.done) break;
        buffer += decoder.decode(chunk.value as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event: Partial<SseEvent> & { dataText?: string } = {};
          for (const line of frame.split('\n')) {
            if (line.startsWith(':')) comments++;
            else if (line.startsWith('id: ')) event.id = line.slice(4);
            else if (line.startsWith('event: ')) event.event = line.slice(7);
            else if (line.startsWith('data: ')) event.dataText = line.slice(6);
          }
          if (event.dataText !== undefined) {
            queue.push({
              ...(event.id !== undefined ? { id: event.id } : {}),
              event: event.event ?? 'message',
              data: JSON.parse(event.dataText) as unknown,
            });
          }
          wake();
        }
      }
    } catch {
      // Aborted by close().
    }
    done = true;
    wake();
  })();

  const waitFor = (condition: () => boolean, timeoutMs: number, what: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`SSE: timed out waiting for ${what}`)), timeoutMs);
      const check = (): void => {
        if (condition()) {
          clearTimeout(timer);
          resolve();
        } else waiters.push(check);
      };
      check();
    });

  const next = async (timeoutMs = 5000): Promise<SseEvent | undefined> => {
    await waitFor(() => queue.length > 0 || done, timeoutMs, 'an event');
    return queue.shift();
  };

  return {
    status: 200,
    next,
    collect: async (until, timeoutMs = 5000) => {
      const out: SseEvent[] = [];
      for (;;) {
        const event = await next(timeoutMs);
        if (event === undefined) throw new Error(`SSE: the stream ended after ${JSON.stringify(out)}`);
        out.push(event);
        if (until(event)) return out;
      }
    },
    comments: () => comments,
    ended: (timeoutMs = 5000) => waitFor(() => done, timeoutMs, 'the end of the stream'),
    close: () => abort.abort(),
  };
}
