/**
 * The JSON body parser: `JSON.parse` (its message says where the syntax breaks), then a check
 * that no key could poison a prototype later (`__proto__`, or `constructor` holding `prototype`),
 * walked without recursion so deeply nested bodies cannot overflow the stack.
 */
import type { FastifyInstance } from 'fastify';
import { ApiError } from './errors.js';

export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') {
    throw new ApiError(
      'INVALID_JSON',
      'the body is empty but the content type is application/json; send a JSON value',
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ApiError('INVALID_JSON', `the body is not valid JSON: ${(error as Error).message}`);
  }
  const poisoned = findPoisonedKey(value);
  if (poisoned !== undefined) {
    throw new ApiError(
      'INVALID_JSON',
      `the body has a ${JSON.stringify(poisoned)} key, which is refused (prototype poisoning); rename the field`,
      { key: poisoned },
    );
  }
  return value;
}

function findPoisonedKey(value: unknown): string | undefined {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const current = pending.pop();
    if (typeof current !== 'object' || current === null) continue;
    if (Array.isArray(current)) {
      for (const item of current) pending.push(item);
      continue;
    }
    for (const key of Object.keys(current)) {
      const item = (current as Record<string, unknown>)[key];
      if (key === '__proto__') return '__proto__';
      if (key === 'constructor' && typeof item === 'object' && item !== null && 'prototype' in item) {
        return 'constructor.prototype';
      }
      pending.push(item);
    }
  }
  return undefined;
}

/** Replaces Fastify's JSON parser in `app` (and the scopes registered under it). */
export function useJsonBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}
