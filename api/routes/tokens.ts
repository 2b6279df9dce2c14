/** API tokens: create (the secret is shown once), list, revoke (effective at once). */
import { Type } from 'typebox';
import type { RouteGroup } from '../route-group.js';
import { errorResponses } from '../schemas/common.js';
import { CreatedToken, TokenInfo } from '../schemas/tokens.js';

export const tokenRoutes: RouteGroup = {
  name: 'tokens',
  description: 'API tokens (stored hashed; the secret is shown once)',
  prefix: '/api/v1',
  plugin: (app, { engine }, done) => {
    const tags = ['tokens'];

    app.post(
      '/tokens',
      {
        schema: {
          tags,
          summary: 'Create a token',
          body: Type.Object(
            { name: Type.String({ minLength: 1, maxLength: 100 }) },
            { additionalProperties: false },
          ),
          response: { 201: CreatedToken, ...errorResponses },
        },
      },
      async (request, reply) => reply.code(201).send(await engine.tokens.create(request.body.name)),
    );

    app.get(
      '/tokens',
      {
        schema: {
          tags,
          summary: 'List tokens (never their secrets)',
          response: { 200: Type.Object({ tokens: Type.Array(TokenInfo) }), ...errorResponses },
        },
      },
      () => ({ tokens: engine.tokens.list() }),
    );

    app.delete(
      '/tokens/:tokenId',
      {
        schema: {
          tags,
          summary: 'Revoke a token: requests with it fail at once, open streams close',
          params: Type.Object({ tokenId: Type.String({ minLength: 1, maxLength: 100 }) }),
          response: { 200: TokenInfo, ...errorResponses },
        },
      },
      async (request) => engine.tokens.revoke(request.params.tokenId),
    );
    done();
  },
};
