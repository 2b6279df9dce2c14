/**
 * Schema pieces every route group uses: the error body, JSON values, timestamps, ids, and the
 * diagnostics of invalid projects.
 */
import { Type } from 'typebox';

/** Milliseconds since the Unix epoch. */
export const Timestamp = Type.Integer({ description: 'Milliseconds since the Unix epoch' });

/** A user value (input, result, payload, event data) mapped to JSON as docs/api.md "Values" describes. */
export const JsonValue = Type.Unknown({
  description:
    'A value in Whisker\'s JSON mapping: bytes as {"$base64"}, Map as {"$map"}, Set as {"$set"}, bigint as {"$bigint"}, Date as an ISO string (see docs/api.md)',
});

/** Free-form object (configuration, error details). */
export const OpenObject = Type.Object({}, { additionalProperties: true });

export const ErrorBody = Type.Object(
  {
    code: Type.String({ description: 'Stable error code (docs/api-errors.md)' }),
    message: Type.String({ description: 'What happened, which ids, and what to do' }),
    details: Type.Object(
      {},
      { additionalProperties: true, description: 'The facts: field, ids, diagnostics, errors…' },
    ),
  },
  { description: 'An error (docs/api-errors.md lists every code)' },
);

/** Response entries every route has: errors in the one shape. */
export const errorResponses = {
  '4xx': ErrorBody,
  '5xx': ErrorBody,
};

/** A 204 with no body. */
export const NoContent = Type.Null({ description: 'No content' });

export const ProjectRef = Type.String({
  minLength: 1,
  maxLength: 200,
  description: 'A project id (prj_…) or name',
});

export function idParam(name: string, prefix: string) {
  return Type.Object({
    [name]: Type.String({ minLength: 1, maxLength: 100, description: `An id (${prefix}_…)` }),
  });
}

export const Diagnostic = Type.Object(
  {
    code: Type.String(),
    severity: Type.String({ description: '"error" or "warning"' }),
    message: Type.String(),
    file: Type.Optional(Type.String()),
    line: Type.Optional(Type.Integer({ description: '1-based' })),
    column: Type.Optional(Type.Integer({ description: '1-based' })),
    path: Type.Optional(Type.String({ description: 'Manifest field, e.g. triggers[2].call' })),
    excerpt: Type.Optional(Type.String()),
    hint: Type.Optional(Type.String()),
  },
  { description: 'A problem in the manifest or the code' },
);

export const ErrorData = Type.Object(
  {
    name: Type.String(),
    message: Type.String(),
    code: Type.Optional(Type.String()),
    stack: Type.Optional(Type.String()),
    source: Type.Optional(Type.Object({ file: Type.String(), line: Type.Integer(), column: Type.Integer() })),
    retryable: Type.Optional(Type.Boolean()),
    retryAfterMs: Type.Optional(Type.Number()),
    details: Type.Optional(JsonValue),
    cause: Type.Optional(OpenObject),
  },
  { additionalProperties: true, description: 'An error as data (stack mapped to the project sources)' },
);

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'Page size (default 50)' })),
  cursor: Type.Optional(Type.String({ maxLength: 100, description: 'The nextCursor of the previous page' })),
};
