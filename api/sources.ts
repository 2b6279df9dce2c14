/**
 * Project sources as clients send them: JSON `{ files: { path: base64 } }` or a `.tar.gz` body.
 * Never a directory path: the server builds only what it was sent.
 */
import type { FastifyInstance } from 'fastify';
import { ApiError } from './errors.js';
import { fieldSuffix } from './json-values.js';
import { readTarball } from './tarball.js';

/** Content types of archive uploads. */
export const ARCHIVE_CONTENT_TYPES = [
  'application/gzip',
  'application/x-gzip',
  'application/x-tar',
  'application/octet-stream',
];

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Lets the routes of `app` (an encapsulated route group) take archive bodies as bytes. */
export function acceptArchives(app: FastifyInstance): void {
  app.addContentTypeParser(ARCHIVE_CONTENT_TYPES, { parseAs: 'buffer' }, (_request, body, done) => {
    done(null, body);
  });
}

/** Decodes `{ path: base64 }`; a bad value is a validation error naming the file. */
export function decodeFiles(files: Record<string, string>, field = 'body.files'): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  for (const [path, text] of Object.entries(files)) {
    if (!BASE64.test(text) || text.length % 4 === 1) {
      const where = `${field}${fieldSuffix(path)}`;
      throw new ApiError('VALIDATION_FAILED', `${where}: must be base64`, {
        errors: [{ field: where, message: 'must be base64' }],
      });
    }
    const bytes = Buffer.from(text, 'base64');
    out[path] = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  }
  return out;
}

/** The files of a request body: an archive (bytes) or the JSON `files` field. */
export async function filesOfBody(body: unknown): Promise<Record<string, Uint8Array>> {
  if (Buffer.isBuffer(body)) return readTarball(body);
  const files = (body as { files?: Record<string, string> } | undefined)?.files;
  if (files === undefined) {
    throw new ApiError('VALIDATION_FAILED', 'body.files: is required', {
      errors: [{ field: 'body.files', message: 'is required' }],
    });
  }
  return decodeFiles(files);
}
