/** Schemas of API tokens. */
import { Type } from 'typebox';
import { Timestamp } from './common.js';

export const TokenInfo = Type.Object({
  tokenId: Type.String(),
  name: Type.String(),
  createdAt: Timestamp,
  revokedAt: Type.Optional(Timestamp),
  lastUsedAt: Type.Optional(Timestamp),
});

export const CreatedToken = Type.Object({
  ...TokenInfo.properties,
  token: Type.String({ description: 'The secret: shown only in this response' }),
});
