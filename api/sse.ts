/**
 * Server-sent event streams over a hijacked Fastify reply: the `text/event-stream` framing,
 * keep-alive comments, a bound on what a slow client may leave unread (past it the stream is
 * closed: the client resumes with `Last-Event-ID`), a liveness check on every keep-alive (the
 * token still valid, the session still there), and a registry so the server ends every open
 * stream when it closes.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface SseOptions {
  keepAliveMs: number;
  maxBufferedBytes: number;
  /** Checked before each write and on each keep-alive: false ends the stream. */
  stillAllowed?: () => boolean;
}

export interface SseMessage {
  id?: number | string;
  event?: string;
  /** JSON-ready data (already mapped with `toJsonValue`). */
  data: unknown;
}

export class StreamRegistry {
  private readonly streams = new Set<SseStream>();

  add(stream: SseStream): void {
    this.streams.add(stream);
  }

  delete(stream: SseStream): void {
    this.streams.delete(stream);
  }

  get size(): number {
    return this.streams.size;
  }

  /** Ends every open stream (the server is closing). */
  endAll(): void {
    for (const stream of [...this.streams]) stream.end();
  }
}

export class SseStream {
  private timer: NodeJS.Timeout | undefined;
  private ended = false;
  private readonly cleanups: (() => void)[] = [];

  constructor(
    private readonly reply: FastifyReply,
    request: FastifyRequest,
    private readonly options: SseOptions,
    private readonly registry: StreamRegistry,
  ) {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // Proxies such as nginx would otherwise buffer the stream.
      'x-accel-buffering': 'no',
    });
    // Clients reconnect after 3 s when the connection drops.
    raw.write('retry: 3000\n\n');
    registry.add(this);
    request.raw.on('close', () => this.end());
    raw.on('close', () => this.end());
    raw.on('error', () => this.end());
    this.timer = setInterval(() => {
      if (this.allowed()) this.write(': keep-alive\n\n');
    }, options.keepAliveMs);
    this.timer.unref();
  }

  get closed(): boolean {
    return this.ended;
  }

  /** Runs `fn` when the stream ends (client gone, server closing, or `end()`). */
  onEnd(fn: () => void): void {
    if (this.ended) fn();
    else this.cleanups.push(fn);
  }

  send(message: SseMessage): void {
    if (!this.allowed()) return;
    let frame = '';
    if (message.id !== undefined) frame += `id: ${String(message.id)}\n`;
    if (message.event !== undefined) frame += `event: ${message.event}\n`;
    // JSON has no raw newlines, so the data is one `data:` line.
    frame += `data: ${JSON.stringify(message.data)}\n\n`;
    this.write(frame);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.registry.delete(this);
    for (const fn of this.cleanups.splice(0)) {
      try {
        fn();
      } catch {
        // A cleanup's failure must not keep the others from running.
      }
    }
    const raw = this.reply.raw;
    if (!raw.writableEnded) raw.end();
  }

  private allowed(): boolean {
    if (this.ended) return false;
    if (this.options.stillAllowed !== undefined && !this.options.stillAllowed()) {
      this.end();
      return false;
    }
    return true;
  }

  private write(frame: string): void {
    const raw = this.reply.raw;
    if (this.ended || raw.destroyed) return;
    raw.write(frame);
    // A client that does not read: stop buffering for it; it can resume from its last event id.
    if (raw.writableLength > this.options.maxBufferedBytes) {
      this.end();
      raw.destroy();
    }
  }
}
