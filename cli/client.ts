/**
 * The command line's HTTP client of the Whisker API: JSON in and out, archive uploads, errors
 * turned back into `CliError`s with the API's code, message and details, and server-sent event
 * streams read as async iterables.
 */
import { CliError } from './errors.js';

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  json?: unknown;
  /** A raw body (an archive). */
  body?: Uint8Array;
  contentType?: string;
}

export interface StreamEvent {
  id?: string;
  event: string;
  data: unknown;
}

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string | undefined,
  ) {}

  url(path: string, query: RequestOptions['query'] = {}): string {
    const url = new URL(path, this.baseUrl);
    for (const [key, value] of Object.entries(query))
      if (value !== undefined) url.searchParams.set(key, String(value));
    return url.toString();
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = {};
    if (this.token !== undefined) headers['authorization'] = `Bearer ${this.token}`;
    let body: string | Uint8Array | undefined;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.body !== undefined) {
      headers['content-type'] = options.contentType ?? 'application/gzip';
      body = options.body;
    }
    const response = await this.fetch(this.url(path, options.query), {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
    });
    const text = await response.text();
    if (!response.ok) throw this.errorOf(response.status, text);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  /** Server-sent events of `path`; ends when the server ends the stream. */
  async *events(
    path: string,
    query: RequestOptions['query'] = {},
    lastEventId?: string,
  ): AsyncGenerator<StreamEvent> {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (this.token !== undefined) headers['authorization'] = `Bearer ${this.token}`;
    if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
    const response = await this.fetch(this.url(path, query), { headers });
    if (!response.ok || response.body === null) throw this.errorOf(response.status, await response.text());
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let id: string | undefined;
        let event = 'message';
        let data: string | undefined;
        for (const line of frame.split('\n')) {
          if (line.startsWith('id: ')) id = line.slice(4);
          else if (line.startsWith('event: ')) event = line.slice(7);
          else if (line.startsWith('data: ')) data = line.slice(6);
        }
        if (data !== undefined)
          yield { ...(id !== undefined ? { id } : {}), event, data: JSON.parse(data) as unknown };
      }
    }
  }

  private async fetch(url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, init);
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(
        'SERVER_UNREACHABLE',
        `cannot reach the Whisker server at ${this.baseUrl} (${cause?.code ?? cause?.message ?? String(error)}); start one with \`whisker up\`, or point WHISKER_URL (or --url) at it`,
        { url: this.baseUrl },
      );
    }
  }

  private errorOf(status: number, text: string): CliError {
    let body: { code?: unknown; message?: unknown; details?: unknown } | undefined;
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      body = undefined;
    }
    if (typeof body?.code === 'string' && typeof body.message === 'string') {
      let message = body.message;
      if (body.code === 'UNAUTHENTICATED' && this.token === undefined) {
        message =
          'no API token: run `whisker login`, set WHISKER_TOKEN, or start a local server with `whisker up` (it saves its admin token for this command line)';
      }
      const details =
        typeof body.details === 'object' && body.details !== null
          ? (body.details as Record<string, unknown>)
          : {};
      return new CliError(body.code, message, details, status);
    }
    return new CliError('HTTP_ERROR', `the server answered ${status}: ${text.slice(0, 200)}`, {}, status);
  }
}
