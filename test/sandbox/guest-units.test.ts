/**
 * The guest's small pure parts, run in Node: UTF-8, log formatting, serializability checks,
 * activity options, Headers/Response/fetch arguments, failures, cancellation scopes.
 */
import { describe, expect, it } from 'vitest';

import { compileActivityOptions } from '../../sandbox/guest/activity-options.js';
import { CancellationScope } from '../../sandbox/guest/cancellation-scope.js';
import { errorToData, failureFromData } from '../../sandbox/guest/error-data.js';
import { ApplicationFailure, CancelledFailure, isCancellation } from '../../sandbox/guest/failures.js';
import { Headers, Response, toFetchRequest } from '../../sandbox/guest/http.js';
import { formatLogArgs, inspect } from '../../sandbox/guest/log-format.js';
import { normalizeResourcePath } from '../../sandbox/guest/resources.js';
import { assertSerializable } from '../../sandbox/guest/serializable.js';
import { TextDecoder, TextEncoder, utf8Decode, utf8Encode } from '../../sandbox/guest/text-encoding.js';

describe('UTF-8', () => {
  it('round-trips every kind of character as Node encodes them', () => {
    for (const text of [
      '',
      'ascii',
      'héllo',
      '€ and 漢字',
      'emoji 😀 🚀',
      '\u0000\u007f\u0080\u07ff\u0800\uffff',
    ]) {
      expect(Buffer.from(utf8Encode(text)).equals(Buffer.from(text, 'utf8'))).toBe(true);
      expect(utf8Decode(utf8Encode(text))).toBe(text);
    }
  });

  it('replaces malformed input, or throws when fatal', () => {
    const bad = new Uint8Array([0x61, 0xff, 0x62, 0xc3]);
    expect(utf8Decode(bad)).toBe('a\ufffdb\ufffd');
    expect(() => utf8Decode(bad, true)).toThrow(TypeError);
    expect(utf8Encode('\ud800x')).toEqual(new Uint8Array([0xef, 0xbf, 0xbd, 0x78]));
  });

  it('offers TextEncoder/TextDecoder for UTF-8 only', () => {
    expect(new TextDecoder().decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x68, 0x69]))).toBe('hi');
    expect(() => new TextDecoder('latin1')).toThrow(/only utf-8/);
    const target = new Uint8Array(4);
    expect(new TextEncoder().encodeInto('a€', target)).toEqual({ read: 2, written: 4 });
    expect(new TextEncoder().encodeInto('a€', new Uint8Array(3))).toEqual({ read: 1, written: 1 });
  });
});

describe('log formatting', () => {
  it('formats like util.format, bounded', () => {
    expect(formatLogArgs(['%s has %d items (%i%%)', 'cart', 3.5, 42.9])).toBe('cart has 3.5 items (42%)');
    expect(formatLogArgs(['a', 1, { b: [1, 'x'] }, null, undefined])).toBe(
      'a 1 { b: [ 1, "x" ] } null undefined',
    );
    expect(formatLogArgs([{ m: new Map([['k', 1n]]), s: new Set([1]), d: new Date(0) }])).toBe(
      '{ m: Map(1) { "k" => 1n }, s: Set(1) { 1 }, d: 1970-01-01T00:00:00.000Z }',
    );
    const cyclic: Record<string, unknown> = { name: 'x' };
    cyclic.self = cyclic;
    expect(inspect(cyclic)).toBe('{ name: "x", self: [Circular] }');
    expect(formatLogArgs(['x'.repeat(20_000)])).toMatch(/… \(3616 more characters\)$/);
  });
});

describe('serializability', () => {
  it('accepts structured-clone values and names the path of the first one that is not', () => {
    expect(() =>
      assertSerializable({ a: [1, 'x', new Date(), new Map([[1, new Set([2n])]]), new Uint8Array(2)] }, 'x'),
    ).not.toThrow();
    expect(() => assertSerializable({ user: { save: () => 1 } }, 'activity save', 'args[0]')).toThrow(
      /activity save: args\[0\]\.user\.save is a function \(save\)/,
    );
    expect(() => assertSerializable([Promise.resolve()], 'result')).toThrow(
      /value\[0\] is a Promise \(did you forget `await`\?\)/,
    );
    expect(() => assertSerializable({ s: Symbol('x') }, 'x')).toThrow(/value\.s is a symbol/);
    expect(() => assertSerializable(new Map([['k', () => 1]]), 'x')).toThrow(
      /value\.get\("k"\) is a function/,
    );
  });
});

describe('activity options', () => {
  it('compiles durations to ms and keeps only what was set', () => {
    expect(compileActivityOptions()).toEqual({});
    expect(
      compileActivityOptions({
        startToCloseTimeout: '1m',
        heartbeatTimeout: 5000,
        retry: { maximumAttempts: 3, initialInterval: '2s', nonRetryableErrorTypes: ['CardDeclined'] },
        cancellationType: 'abandon',
      }),
    ).toEqual({
      startToCloseTimeoutMs: 60_000,
      heartbeatTimeoutMs: 5000,
      retry: { maximumAttempts: 3, initialIntervalMs: 2000, nonRetryableErrorNames: ['CardDeclined'] },
      cancellationType: 'abandon',
    });
  });

  it('names the invalid option and the value', () => {
    expect(() => compileActivityOptions({ startToCloseTimeout: 'soon' })).toThrow(
      /proxyActivities: option startToCloseTimeout is "soon"; expected a duration/,
    );
    expect(() => compileActivityOptions({ startToCloseTimout: '1m' } as never)).toThrow(
      /option startToCloseTimout .*no such option/,
    );
    expect(() => compileActivityOptions({ retry: { maximumAttempts: -1 } })).toThrow(
      /retry\.maximumAttempts is -1/,
    );
    expect(() => compileActivityOptions({ retry: { backoffCoefficient: 0.5 } })).toThrow(
      /backoffCoefficient/,
    );
    expect(() => compileActivityOptions({ cancellationType: 'never' as never })).toThrow(
      /cancellationType is "never"/,
    );
    expect(() =>
      compileActivityOptions({ retry: { initialInterval: '10s', maximumInterval: '1s' } }),
    ).toThrow(/maximumInterval/);
  });
});

describe('Headers, Response and fetch arguments', () => {
  it('keeps headers case-insensitive, combined and ordered like the standard', () => {
    const headers = new Headers({ 'Content-Type': 'text/plain' });
    headers.append('X-A', '1');
    headers.append('x-a', '2');
    headers.append('Set-Cookie', 'a=1');
    headers.append('Set-Cookie', 'b=2');
    expect(headers.get('x-a')).toBe('1, 2');
    expect(headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect([...headers]).toEqual([
      ['content-type', 'text/plain'],
      ['set-cookie', 'a=1'],
      ['set-cookie', 'b=2'],
      ['x-a', '1, 2'],
    ]);
    headers.set('X-A', '3');
    expect(headers.get('X-A')).toBe('3');
    expect(() => headers.append('bad name', 'x')).toThrow(/not a valid header name/);
    expect(() => headers.append('x', 'a\r\nb')).toThrow(/CR, LF/);
  });

  it('reads a response body once, as text, JSON or bytes', async () => {
    const response = Response.fromResult({
      status: 404,
      statusText: 'Not Found',
      url: 'https://x/',
      headers: [['content-type', 'application/json']],
      body: utf8Encode('{"a":1}'),
      redirected: true,
    });
    expect(response.ok).toBe(false);
    expect(response.redirected).toBe(true);
    const copy = response.clone();
    expect(await response.json()).toEqual({ a: 1 });
    await expect(response.text()).rejects.toThrow(/already been read/);
    expect(new Uint8Array(await copy.arrayBuffer())).toEqual(utf8Encode('{"a":1}'));
    expect(await new Response('hi', { status: 201 }).text()).toBe('hi');
  });

  it('turns fetch arguments into request data, refusing what the host cannot do', () => {
    expect(
      toFetchRequest('https://a.example/x', { method: 'post', headers: [['a', 'b']], body: 'hi' }),
    ).toEqual({
      url: 'https://a.example/x',
      method: 'POST',
      headers: [['a', 'b']],
      body: utf8Encode('hi'),
    });
    expect(toFetchRequest({ href: 'http://a.example/' }).url).toBe('http://a.example/');
    expect(() => toFetchRequest('ftp://a/')).toThrow(/absolute http/);
    expect(() => toFetchRequest('https://a/', { body: 'x' })).toThrow(/no body with a GET request/);
    expect(() => toFetchRequest('https://a/', { redirect: 'manual' })).toThrow(/'follow'/);
  });
});

describe('failures as data', () => {
  it('keeps ApplicationFailure fields through ErrorData and back', () => {
    const failure = ApplicationFailure.create({
      message: 'declined',
      type: 'CardDeclined',
      nonRetryable: true,
      details: [{ id: 1 }],
      nextRetryDelay: '5s',
    });
    const data = errorToData(failure);
    expect(data).toMatchObject({
      name: 'ApplicationFailure',
      message: 'declined',
      code: 'CardDeclined',
      retryable: false,
      details: [{ id: 1 }],
      retryAfterMs: 5000,
    });
    const back = failureFromData({ ...data, name: 'PaymentError' });
    expect(back).toBeInstanceOf(ApplicationFailure);
    expect(back).toMatchObject({
      name: 'PaymentError',
      type: 'CardDeclined',
      nonRetryable: true,
      details: [{ id: 1 }],
    });
    expect(ApplicationFailure.retryable('x', 'T', 1, 2)).toMatchObject({
      nonRetryable: false,
      details: [1, 2],
    });
  });

  it('recognises cancellations by class, code or cause', () => {
    expect(isCancellation(new CancelledFailure())).toBe(true);
    expect(isCancellation({ code: 'CANCELLED' })).toBe(true);
    expect(isCancellation(new Error('x', { cause: new CancelledFailure() }))).toBe(true);
    expect(isCancellation(new Error('x'))).toBe(false);
    expect(failureFromData({ name: 'CancelledFailure', message: 'stop', code: 'CANCELLED' })).toBeInstanceOf(
      CancelledFailure,
    );
    expect(errorToData('plain string')).toEqual({
      name: 'Error',
      message: 'A non-error value was thrown: "plain string"',
    });
  });
});

describe('cancellation scopes', () => {
  it('propagates cancellation to cancellable children and not through non-cancellable ones', async () => {
    const root = new CancellationScope({ parent: undefined as never });
    const child = new CancellationScope({ parent: root });
    const shield = new CancellationScope({ parent: root, cancellable: false });
    const shielded = new CancellationScope({ parent: shield });
    const seen: string[] = [];
    child.onCancel((failure) => seen.push(`child: ${failure.message}`));
    shielded.onCancel(() => seen.push('shielded'));
    root.cancel('stop');
    expect(seen).toEqual(['child: stop']);
    expect(child.consideredCancelled).toBe(true);
    expect(shielded.consideredCancelled).toBe(false);
    await expect(child.cancelRequested).rejects.toBeInstanceOf(CancelledFailure);
    expect(() => child.onCancel(() => undefined)).toThrow(CancelledFailure);
  });

  it('runs a callback in the scope and restores the current scope', async () => {
    const root = new CancellationScope({ parent: undefined as never });
    const inner = new CancellationScope({ parent: root });
    const seen: CancellationScope[] = [];
    await inner.run(() => {
      seen.push(CancellationScope.current());
      return Promise.resolve();
    });
    expect(seen).toEqual([inner]);
  });
});

describe('resource paths', () => {
  it('normalises project-relative paths', () => {
    expect(normalizeResourcePath('./a//b/../c.txt')).toBe('a/c.txt');
    expect(normalizeResourcePath('/templates\\mail.html')).toBe('templates/mail.html');
  });
});
