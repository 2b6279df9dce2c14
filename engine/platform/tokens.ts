/**
 * API tokens: created and revoked through the engine, stored hashed (SHA-256 of a 256-bit random
 * token: a fast hash is enough for a secret this long), verified by constant-time comparison.
 * The token text is shown once, when created. Journaled in the `tokens` stream.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { EventStore, RecordedEvent } from '../../journal/index.js';
import { WhiskerError } from '../../common/index.js';
import { InvalidArgumentError } from '../errors.js';
import { newId } from '../ids.js';

export const TOKENS_STREAM = 'tokens';
const TOKEN_PREFIX = 'wsk_';

export interface TokenInfo {
  tokenId: string;
  name: string;
  createdAt: number;
  revokedAt?: number;
  lastUsedAt?: number;
}

export interface CreatedToken extends TokenInfo {
  /** The secret: shown only now. */
  token: string;
}

interface TokenCreatedData {
  tokenId: string;
  name: string;
  hash: Uint8Array;
  time: number;
}

interface TokenRevokedData {
  tokenId: string;
  time: number;
}

export class TokenNotFoundError extends WhiskerError {
  constructor(readonly tokenId: string) {
    super('TOKEN_NOT_FOUND', `token ${tokenId} does not exist`);
  }
}

function hashToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

export class TokenStore {
  private readonly tokens = new Map<string, TokenInfo & { hash: Buffer }>();
  private readonly byHash = new Map<string, string>();
  private revision: number | undefined;

  constructor(private readonly store: EventStore) {}

  recoverEvent(event: RecordedEvent): void {
    this.revision = event.revision;
    if (event.type === 'TokenCreated') {
      const d = event.data as TokenCreatedData;
      const hash = Buffer.from(d.hash);
      this.tokens.set(d.tokenId, { tokenId: d.tokenId, name: d.name, createdAt: d.time, hash });
      this.byHash.set(hash.toString('hex'), d.tokenId);
    } else if (event.type === 'TokenRevoked') {
      const d = event.data as TokenRevokedData;
      const token = this.tokens.get(d.tokenId);
      if (token !== undefined) {
        token.revokedAt = d.time;
        this.byHash.delete(token.hash.toString('hex'));
      }
    }
  }

  async create(name: string): Promise<CreatedToken> {
    if (typeof name !== 'string' || name.trim() === '' || name.length > 100) {
      throw new InvalidArgumentError('name', 'a token needs a name of 1 to 100 characters');
    }
    const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const data: TokenCreatedData = {
      tokenId: newId('token'),
      name: name.trim(),
      hash: hashToken(token),
      time: Date.now(),
    };
    await this.append({ type: 'TokenCreated', data });
    return { tokenId: data.tokenId, name: data.name, createdAt: data.time, token };
  }

  async revoke(tokenId: string): Promise<TokenInfo> {
    const token = this.tokens.get(tokenId);
    if (token === undefined) throw new TokenNotFoundError(tokenId);
    if (token.revokedAt === undefined)
      await this.append({ type: 'TokenRevoked', data: { tokenId, time: Date.now() } });
    return this.info(token);
  }

  list(): TokenInfo[] {
    return [...this.tokens.values()].map((t) => this.info(t)).sort((a, b) => a.createdAt - b.createdAt);
  }

  /** The token's info when it is valid (not revoked), else undefined. Constant-time on the secret. */
  verify(token: string): TokenInfo | undefined {
    if (typeof token !== 'string' || !token.startsWith(TOKEN_PREFIX) || token.length > 200) return undefined;
    const hash = hashToken(token);
    const tokenId = this.byHash.get(hash.toString('hex'));
    const found = tokenId === undefined ? undefined : this.tokens.get(tokenId);
    if (found === undefined || !timingSafeEqual(found.hash, hash) || found.revokedAt !== undefined)
      return undefined;
    found.lastUsedAt = Date.now();
    return this.info(found);
  }

  /** On a first start (no token at all): creates the admin token and returns it, once. */
  async ensureAdmin(): Promise<CreatedToken | undefined> {
    if (this.tokens.size > 0) return undefined;
    return this.create('admin');
  }

  private info(token: TokenInfo & { hash: Buffer }): TokenInfo {
    const info: TokenInfo = { tokenId: token.tokenId, name: token.name, createdAt: token.createdAt };
    if (token.revokedAt !== undefined) info.revokedAt = token.revokedAt;
    if (token.lastUsedAt !== undefined) info.lastUsedAt = token.lastUsedAt;
    return info;
  }

  private async append(event: { type: string; data: TokenCreatedData | TokenRevokedData }): Promise<void> {
    const result = await this.store.append(TOKENS_STREAM, [event], {
      expectedRevision: this.revision === undefined ? 'no-stream' : this.revision,
    });
    this.recoverEvent({
      id: '',
      stream: TOKENS_STREAM,
      type: event.type,
      data: event.data,
      metadata: undefined,
      revision: result.nextExpectedRevision,
      position: result.position,
      recordedAt: Date.now(),
    });
  }
}
