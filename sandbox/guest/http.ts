/**
 * The small part of the Fetch API that sandboxed code gets: `Headers`, `Response`, and turning
 * `fetch(input, init)` arguments into `FetchRequestData` (what the host's fetch executes).
 */
import type { FetchRequestData, FetchResultData } from '../protocol.js';
import { InvalidArgumentError, rejection } from './failures.js';
import { bytesOf, utf8Decode, utf8Encode } from './text-encoding.js';

export type HeadersInit = Headers | [string, string][] | Record<string, string>;

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Case-insensitive header list (names lower-cased, insertion order kept, like the standard). */
export class Headers implements Iterable<[string, string]> {
  private readonly list: [string, string][] = [];

  constructor(init?: HeadersInit) {
    if (init === undefined || init === null) return;
    if (init instanceof Headers) for (const [name, value] of init) this.append(name, value);
    else if (Array.isArray(init)) {
      for (const pair of init) {
        if (!Array.isArray(pair) || pair.length !== 2) {
          throw new TypeError('Headers: each header must be a [name, value] pair');
        }
        this.append(String(pair[0]), String(pair[1]));
      }
    } else if (typeof init === 'object') {
      for (const name of Object.keys(init)) this.append(name, String(init[name]));
    } else throw new TypeError('Headers: init must be a Headers object, an array of pairs, or a record');
  }

  append(name: string, value: string): void {
    this.list.push([normalizeName(name), normalizeValue(value)]);
  }

  delete(name: string): void {
    const key = normalizeName(name);
    for (let i = this.list.length - 1; i >= 0; i--) if (this.list[i]?.[0] === key) this.list.splice(i, 1);
  }

  get(name: string): string | null {
    const key = normalizeName(name);
    const values = this.list.filter(([n]) => n === key).map(([, v]) => v);
    return values.length === 0 ? null : values.join(', ');
  }

  getSetCookie(): string[] {
    return this.list.filter(([n]) => n === 'set-cookie').map(([, v]) => v);
  }

  has(name: string): boolean {
    const key = normalizeName(name);
    return this.list.some(([n]) => n === key);
  }

  set(name: string, value: string): void {
    const key = normalizeName(name);
    const index = this.list.findIndex(([n]) => n === key);
    this.delete(key);
    const entry: [string, string] = [key, normalizeValue(value)];
    if (index === -1) this.list.push(entry);
    else this.list.splice(index, 0, entry);
  }

  forEach(callback: (value: string, name: string, headers: Headers) => void): void {
    for (const [name, value] of this) callback(value, name, this);
  }

  /** Sorted and combined, as the standard iterates (set-cookie values stay separate). */
  *entries(): IterableIterator<[string, string]> {
    const names = [...new Set(this.list.map(([n]) => n))].sort();
    for (const name of names) {
      if (name === 'set-cookie') for (const value of this.getSetCookie()) yield [name, value];
      else yield [name, this.get(name) ?? ''];
    }
  }

  *keys(): IterableIterator<string> {
    for (const [name] of this.entries()) yield name;
  }

  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  /** The raw list, in insertion order (what is sent). */
  toPairs(): [string, string][] {
    return this.list.map(([n, v]) => [n, v]);
  }
}

function normalizeName(name: string): string {
  const text = String(name);
  if (!HEADER_NAME.test(text))
    throw new TypeError(`Headers: ${JSON.stringify(text)} is not a valid header name`);
  return text.toLowerCase();
}

function normalizeValue(value: string): string {
  const text = String(value).trim();
  if (/[\r\n\0]/.test(text)) throw new TypeError('Headers: header values must not contain CR, LF or NUL');
  return text;
}

export type BodyInit = string | ArrayBuffer | ArrayBufferView;

export interface ResponseInit {
  status?: number;
  statusText?: string;
  headers?: HeadersInit;
}

/** A fetched (or constructed) response with a fully buffered body. */
export class Response {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Headers;
  readonly url: string;
  readonly redirected: boolean;
  readonly type = 'basic';
  private readonly bytesOfBody: Uint8Array;
  private used = false;

  constructor(body?: BodyInit | null, init: ResponseInit = {}) {
    this.status = init.status ?? 200;
    if (!Number.isInteger(this.status) || this.status < 200 || this.status > 599) {
      throw new RangeError(`Response: status ${String(init.status)} is not in the range 200 to 599`);
    }
    this.statusText = init.statusText ?? '';
    this.headers = new Headers(init.headers);
    this.url = '';
    this.redirected = false;
    this.bytesOfBody = body === undefined || body === null ? new Uint8Array(0) : bodyBytes(body, 'Response');
  }

  /** A response from the host's `FetchResultData` (status may be any HTTP status). */
  static fromResult(result: FetchResultData): Response {
    const response = Object.create(Response.prototype) as Response;
    const fields: Record<string, unknown> = {
      status: result.status,
      statusText: result.statusText,
      headers: new Headers(result.headers),
      url: result.url,
      redirected: result.redirected,
      type: 'basic',
      bytesOfBody: result.body,
      used: false,
    };
    Object.assign(response, fields);
    return response;
  }

  get ok(): boolean {
    return this.status >= 200 && this.status <= 299;
  }

  get bodyUsed(): boolean {
    return this.used;
  }

  private consume(): Uint8Array {
    if (this.used) throw new TypeError('Response: body has already been read');
    this.used = true;
    return this.bytesOfBody;
  }

  text(): Promise<string> {
    try {
      return Promise.resolve(utf8Decode(this.consume()));
    } catch (error) {
      return rejection(error);
    }
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text()) as unknown;
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    try {
      const bytes = this.consume();
      return Promise.resolve(bytes.slice().buffer);
    } catch (error) {
      return rejection(error);
    }
  }

  bytes(): Promise<Uint8Array> {
    try {
      return Promise.resolve(this.consume().slice());
    } catch (error) {
      return rejection(error);
    }
  }

  clone(): Response {
    if (this.used) throw new TypeError('Response: cannot clone a response whose body has been read');
    return Response.fromResult({
      status: this.status,
      statusText: this.statusText,
      url: this.url,
      redirected: this.redirected,
      headers: this.headers.toPairs(),
      body: this.bytesOfBody,
    });
  }
}

function bodyBytes(body: BodyInit, api: string): Uint8Array {
  if (typeof body === 'string') return utf8Encode(body);
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return bytesOf(body).slice();
  throw new InvalidArgumentError(api, 'body', body, 'a string, an ArrayBuffer or a typed array');
}

export interface RequestInit {
  method?: string;
  headers?: HeadersInit;
  body?: BodyInit | null;
  redirect?: 'follow' | 'error' | 'manual';
  /** Honoured in activities; workflow code cancels through `CancellationScope`. */
  signal?: unknown;
}

const METHOD = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** `fetch(input, init)` arguments as data. */
export function toFetchRequest(input: unknown, init: RequestInit = {}): FetchRequestData {
  let url: string;
  if (typeof input === 'string') url = input;
  else if (
    typeof input === 'object' &&
    input !== null &&
    typeof (input as { href?: unknown }).href === 'string'
  ) {
    url = (input as { href: string }).href;
  } else if (
    typeof input === 'object' &&
    input !== null &&
    typeof (input as { url?: unknown }).url === 'string'
  ) {
    url = (input as { url: string }).url;
  } else throw new InvalidArgumentError('fetch', 'input', input, 'a URL string');
  if (!/^https?:\/\//i.test(url)) {
    throw new InvalidArgumentError('fetch', 'input', url, 'an absolute http:// or https:// URL');
  }
  const method = (init.method ?? 'GET').toUpperCase();
  if (!METHOD.test(method))
    throw new InvalidArgumentError('fetch', 'init.method', init.method, 'an HTTP method');
  if (init.redirect !== undefined && init.redirect !== 'follow') {
    throw new InvalidArgumentError(
      'fetch',
      'init.redirect',
      init.redirect,
      "'follow' (the only mode the sandbox supports)",
    );
  }
  const request: FetchRequestData = { url, method, headers: new Headers(init.headers).toPairs() };
  if (init.body !== undefined && init.body !== null) {
    if (method === 'GET' || method === 'HEAD') {
      throw new InvalidArgumentError('fetch', 'init.body', '(a body)', `no body with a ${method} request`);
    }
    request.body = bodyBytes(init.body, 'fetch');
  }
  return request;
}
