/**
 * Typed ids: a prefix naming the kind and a ULID (`ses_01J…`), so an id says what it is and
 * sorts by creation time.
 */
import { createHash } from 'node:crypto';
import { monotonicFactory } from 'ulid';

import { pooledRandom } from '../common/random-pool.js';

export const ID_PREFIXES = {
  project: 'prj',
  build: 'bld',
  deployment: 'dep',
  session: 'ses',
  event: 'evt',
  trigger: 'trg',
  connection: 'con',
  token: 'tok',
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

// Monotonic: ids made in the same millisecond still sort in creation order. Random parts come from
// a pool (the package's default asks the OS once per character).
const ulid = monotonicFactory(pooledRandom);

export function newId(kind: IdKind, now = Date.now()): string {
  return `${ID_PREFIXES[kind]}_${ulid(now)}`;
}

const ULID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** True when `id` is a well-formed id of `kind`. */
export function isId(kind: IdKind, id: unknown): id is string {
  if (typeof id !== 'string') return false;
  const prefix = `${ID_PREFIXES[kind]}_`;
  return id.startsWith(prefix) && ULID_PATTERN.test(id.slice(prefix.length));
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A session id derived from its parent and the child's seq: the same on every replay, so creating
 * the child is idempotent (a crash between the parent's journal append and the child's creation is
 * repaired by recreating the same id). Keeps the parent's ULID time part so ids still sort.
 */
export function childSessionId(parentSessionId: string, seq: number): string {
  const parentUlid = parentSessionId.slice(parentSessionId.indexOf('_') + 1);
  const timePart = parentUlid.slice(0, 10);
  const digest = createHash('sha256').update(`${parentSessionId}/child/${seq}`).digest();
  let randomPart = '';
  for (let i = 0; i < 16; i++) randomPart += CROCKFORD[(digest[i] ?? 0) & 31];
  return `${ID_PREFIXES.session}_${timePart}${randomPart}`;
}
