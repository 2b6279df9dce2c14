/**
 * The one host implementation of sandboxed `fetch` (the built-in `whisker.fetch` activity and
 * `fetch` inside activities): http/https only; DNS resolved here and every resolved address
 * checked against the policy, then the connection made to that vetted address (Host header and
 * TLS SNI keep the name, so no second lookup can be steered elsewhere); redirects followed by hand
 * with the same check on every hop; one deadline for the whole chain; a response size limit.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupAddress } from 'node:dns';
import type { IncomingMessage, RequestOptions } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Readable } from 'node:stream';

import { WhiskerError } from '../../common/index.js';
import type { FetchRequestData, FetchResultData } from '../protocol.js';
import { AddressPolicy, isIpLiteral } from './address-policy.js';
import type { CompiledFetchPolicy } from './wire.js';

/** A failed fetch; `retryable` says whether trying again can help. */
export class FetchError extends WhiskerError {
  constructor(
    code: string,
    message: string,
    readonly url: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export class PolicyFetch {
  private readonly addresses: AddressPolicy;

  constructor(private readonly policy: CompiledFetchPolicy) {
    this.addresses = new AddressPolicy(policy);
  }

  async fetch(request: FetchRequestData, signal?: AbortSignal): Promise<FetchResultData> {
    const deadline = AbortSignal.timeout(this.policy.timeoutMs);
    const combined = signal === undefined ? deadline : AbortSignal.any([signal, deadline]);
    let url = this.parseUrl(request.url, request.url);
    let method = request.method.toUpperCase();
    let body = request.body;
    let headers = request.headers;
    for (let hop = 0; ; hop++) {
      const response = await this.send(url, method, headers, body, combined, request.url);
      const location = response.headers.location;
      if (!REDIRECT_STATUSES.has(response.statusCode ?? 0) || location === undefined) {
        return this.finish(response, url, hop > 0, combined, request.url);
      }
      response.resume();
      if (hop >= this.policy.maxRedirects) {
        throw new FetchError(
          'FETCH_TOO_MANY_REDIRECTS',
          `fetch ${request.url}: more than ${this.policy.maxRedirects} redirects (last to ${location}); the limit is the operator's fetch.maxRedirects.`,
          request.url,
          false,
        );
      }
      const next = this.parseUrl(new URL(location, url).toString(), request.url);
      const status = response.statusCode ?? 0;
      // As the Fetch standard: 303 (and 301/302 after POST) become GET without a body.
      if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
        if (method !== 'HEAD') method = 'GET';
        body = undefined;
        headers = headers.filter(([name]) => !/^content-/i.test(name));
      }
      // Credentials do not follow a redirect to another origin.
      if (next.origin !== url.origin)
        headers = headers.filter(([name]) => !/^(authorization|cookie)$/i.test(name));
      url = next;
    }
  }

  private parseUrl(text: string, original: string): URL {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new FetchError(
        'FETCH_INVALID_URL',
        `fetch: ${JSON.stringify(text)} is not a valid URL.`,
        original,
        false,
      );
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new FetchError(
        'FETCH_PROTOCOL_NOT_ALLOWED',
        `fetch ${original}: ${url.protocol} URLs are not allowed; only http: and https:.`,
        original,
        false,
      );
    }
    return url;
  }

  /** Resolves the URL's host and returns the addresses the policy allows (refuses if none). */
  private async vet(url: URL, original: string): Promise<LookupAddress[]> {
    const hostname = url.hostname.replace(/^\[|\]$/g, '');
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    let candidates: LookupAddress[];
    if (isIpLiteral(hostname)) candidates = [{ address: hostname, family: hostname.includes(':') ? 6 : 4 }];
    else {
      try {
        candidates = await dnsLookup(hostname, { all: true, verbatim: true });
      } catch (error) {
        throw new FetchError(
          'FETCH_DNS_FAILED',
          `fetch ${original}: cannot resolve ${hostname} (${(error as NodeJS.ErrnoException).code ?? String(error)}).`,
          original,
          true,
          { cause: error },
        );
      }
    }
    const verdicts = candidates.map((candidate) => ({
      candidate,
      verdict: this.addresses.check(hostname, port, candidate.address),
    }));
    const allowed = verdicts.filter(({ verdict }) => verdict.allowed).map(({ candidate }) => candidate);
    if (allowed.length > 0) return allowed;
    const refused = verdicts.map(({ verdict }) => `${verdict.address} (${verdict.range})`).join(', ');
    throw new FetchError(
      'FETCH_ADDRESS_REFUSED',
      `fetch ${original}: ${url.host} resolves to ${refused}, which sandboxed code may not reach: only public addresses are allowed. An operator can allow it with fetch.allowedPrivateHosts (e.g. "${url.host}") or fetch.allowPrivateNetwork.`,
      original,
      false,
    );
  }

  private async send(
    url: URL,
    method: string,
    headers: [string, string][],
    body: Uint8Array | undefined,
    signal: AbortSignal,
    original: string,
  ): Promise<IncomingMessage> {
    const addresses = await this.vet(url, original);
    const first = addresses[0] as LookupAddress;
    const outgoing: Record<string, string | string[]> = {};
    for (const [name, value] of headers) {
      const key = name.toLowerCase();
      if (key === 'host' || key === 'connection' || key === 'content-length' || key === 'transfer-encoding')
        continue;
      const existing = outgoing[key];
      outgoing[key] =
        existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
    }
    if (body !== undefined) outgoing['content-length'] = String(body.length);
    // Connect only to the vetted addresses; the name stays in Host and TLS SNI.
    const lookup: RequestOptions['lookup'] = (_hostname, options, callback) => {
      const cb = callback;
      if ((options as { all?: boolean }).all === true) cb(null, addresses);
      else cb(null, first.address, first.family);
    };
    const options: RequestOptions = {
      method,
      headers: outgoing,
      lookup,
      signal,
      agent: false,
    };
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<IncomingMessage>((resolve, reject) => {
      const req = send(url, options, resolve);
      req.on('error', (error) => reject(this.networkError(error, signal, original)));
      if (body !== undefined) req.end(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
      else req.end();
    });
  }

  private networkError(error: unknown, signal: AbortSignal, original: string): FetchError {
    if (signal.aborted) {
      const reason: unknown = signal.reason;
      if (reason instanceof Error && reason.name === 'TimeoutError') {
        return new FetchError(
          'FETCH_TIMEOUT',
          `fetch ${original}: no complete response within ${this.policy.timeoutMs} ms (the operator's fetch.timeoutMs, redirects included).`,
          original,
          true,
        );
      }
      return new FetchError('CANCELLED', `fetch ${original} was cancelled.`, original, false);
    }
    const code = (error as NodeJS.ErrnoException).code;
    return new FetchError(
      'FETCH_FAILED',
      `fetch ${original}: ${code ?? ''} ${(error as Error).message}`.replace(/\s+/g, ' ').trim(),
      original,
      true,
      { cause: error },
    );
  }

  private async finish(
    response: IncomingMessage,
    url: URL,
    redirected: boolean,
    signal: AbortSignal,
    original: string,
  ): Promise<FetchResultData> {
    const limit = this.policy.maxResponseBytes;
    const tooLarge = (size: string): FetchError =>
      new FetchError(
        'FETCH_RESPONSE_TOO_LARGE',
        `fetch ${original}: the response body is ${size}, over the limit of ${limit} bytes (the operator's fetch.maxResponseBytes).`,
        original,
        false,
      );
    const declared = Number(response.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      response.destroy();
      throw tooLarge(`${declared} bytes`);
    }
    const stream = decoded(response);
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > limit) {
          response.destroy();
          throw tooLarge('larger');
        }
        chunks.push(chunk);
      }
    } catch (error) {
      if (error instanceof FetchError) throw error;
      throw this.networkError(error, signal, original);
    }
    const raw = response.rawHeaders;
    const headers: [string, string][] = [];
    for (let i = 0; i + 1 < raw.length; i += 2)
      headers.push([(raw[i] as string).toLowerCase(), raw[i + 1] as string]);
    const body = Buffer.concat(chunks, size);
    return {
      status: response.statusCode ?? 0,
      statusText: response.statusMessage ?? '',
      url: url.toString(),
      headers,
      body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength),
      redirected,
    };
  }
}

/** The body with its content-encoding undone (as `fetch` does); headers are kept as received. */
function decoded(response: IncomingMessage): Readable {
  const encoding = String(response.headers['content-encoding'] ?? '')
    .trim()
    .toLowerCase();
  if (encoding === 'gzip' || encoding === 'x-gzip') return response.pipe(createGunzip());
  if (encoding === 'deflate') return response.pipe(createInflate());
  if (encoding === 'br') return response.pipe(createBrotliDecompress());
  return response;
}

/** The outcome data of a fetch error (for `ActivityOutcome` / host operations). */
export function fetchErrorData(error: unknown): {
  name: string;
  message: string;
  code: string;
  retryable: boolean;
} {
  if (error instanceof FetchError) {
    return { name: 'FetchError', message: error.message, code: error.code, retryable: error.retryable };
  }
  return {
    name: 'FetchError',
    message: `fetch failed: ${String((error as Error)?.message ?? error)}`,
    code: 'FETCH_FAILED',
    retryable: true,
  };
}
