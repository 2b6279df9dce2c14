/**
 * Journal export: a session's journal as a self-contained journal file (docs/journal-format.md),
 * binary or JSON, optionally with the build, for `whisker journal export` and offline replay.
 */
import { Type } from 'typebox';

import { encodeJournalFile, exportSessionJournal } from '../../engine/index.js';
import type { RouteGroup } from '../route-group.js';
import { errorResponses } from '../schemas/common.js';
import { SessionParams } from '../schemas/sessions.js';

const JournalQuery = Type.Object({
  withBuild: Type.Optional(
    Type.Boolean({
      default: false,
      description: 'Include the build the session runs on (the file then replays alone)',
    }),
  ),
  format: Type.Optional(
    Type.Union([Type.Literal('binary'), Type.Literal('json')], {
      default: 'binary',
      description: '`binary` (application/vnd.whisker.journal) or the readable `json`',
    }),
  ),
});

const JournalFileBody = Type.Unsafe<Uint8Array>({
  type: 'string',
  format: 'binary',
  description: 'The journal file: binary (application/vnd.whisker.journal) or JSON (application/json)',
});

export const JOURNAL_MEDIA_TYPE = 'application/vnd.whisker.journal';

export const journalRoutes: RouteGroup = {
  name: 'journal',
  description: "Journal export: a session's journal as a file, for offline replay",
  prefix: '/api/v1',
  plugin: (app, { engine }, done) => {
    app.get(
      '/sessions/:sessionId/journal',
      {
        schema: {
          tags: ['journal'],
          summary: "Download the session's journal file (replay it offline with `whisker replay`)",
          params: SessionParams,
          querystring: JournalQuery,
          response: { 200: JournalFileBody, ...errorResponses },
        },
      },
      async (request, reply) => {
        const { sessionId } = request.params;
        const format = request.query.format ?? 'binary';
        const file = await exportSessionJournal(engine, sessionId, {
          withBuild: request.query.withBuild === true,
        });
        const bytes = encodeJournalFile(file, { format });
        const extension = format === 'json' ? 'journal.json' : 'journal';
        return reply
          .header('content-type', format === 'json' ? 'application/json; charset=utf-8' : JOURNAL_MEDIA_TYPE)
          .header('content-disposition', `attachment; filename="${sessionId}.${extension}"`)
          .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      },
    );
    done();
  },
};
