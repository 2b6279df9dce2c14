/** Turns schema problems into diagnostics a person can act on: path, line, value, and a hint. */
import {
  describeExpectedType,
  describeKind,
  describeValue,
  isVariableValuePath,
  quote,
  valueAt,
} from './describe.js';
import { makeDiagnostic } from './diagnostics.js';
import type { ManifestDiagnostic } from './diagnostics.js';
import { formatPath } from './path.js';
import type { ManifestSourceMap } from './source-map.js';
import { closestMatch, listWords } from './suggest.js';
import type { SchemaProblem } from './validate.js';

export function schemaProblemToDiagnostic(
  problem: SchemaProblem,
  document: unknown,
  sourceMap: ManifestSourceMap,
): ManifestDiagnostic {
  const path = formatPath(problem.path);
  const file = sourceMap.file;
  const field = problem.path[problem.path.length - 1];
  const value = valueAt(document, problem.path);
  const shown = isVariableValuePath(problem.path) ? 'the value' : describeValue(value);

  switch (problem.kind) {
    case 'unknown-field': {
      const name = String(field);
      const suggestion = closestMatch(name, problem.allowed);
      return makeDiagnostic('SCHEMA_UNKNOWN_FIELD', {
        path,
        file,
        problem: `unknown field ${quote(name)}${contextOf(problem.path, document)}`,
        position: sourceMap.keyPosition(path),
        hint:
          suggestion !== undefined
            ? `did you mean ${quote(suggestion)}?`
            : `allowed fields here: ${listWords(problem.allowed)}`,
      });
    }
    case 'missing-field': {
      const parent = formatPath(problem.path.slice(0, -1));
      const allowed = problem.allowed?.map(String);
      return makeDiagnostic('SCHEMA_MISSING_FIELD', {
        path,
        file,
        problem: `required field ${quote(String(field))} is missing${contextOf(problem.path, document)}`,
        position: sourceMap.valuePosition(parent),
        hint: allowed === undefined ? undefined : `one of ${listWords(allowed)}`,
      });
    }
    case 'wrong-type': {
      const expected = describeExpectedType(problem.expected);
      const got = describeKind(value);
      const isScalar = value !== null && typeof value !== 'object';
      return makeDiagnostic('SCHEMA_WRONG_TYPE', {
        path,
        file,
        problem: `expected ${expected}, got ${got}${isScalar && shown !== 'the value' ? ` (${shown})` : ''}`,
        position: sourceMap.valuePosition(path),
        hint:
          problem.expected === 'string' && isScalar
            ? 'quote it so YAML reads it as a string, e.g. "5" or "true"'
            : value === null
              ? 'give it a value, or remove the field'
              : undefined,
      });
    }
    case 'not-allowed': {
      const allowed = problem.allowed.map((item) => (typeof item === 'string' ? quote(item) : String(item)));
      if (path === 'version') {
        return makeDiagnostic('UNSUPPORTED_VERSION', {
          path,
          file,
          problem: `manifest version ${shown} is not supported; this Whisker reads version 1`,
          position: sourceMap.valuePosition(path),
          hint: 'write `version: 1`',
        });
      }
      return makeDiagnostic('SCHEMA_INVALID_VALUE', {
        path,
        file,
        problem:
          allowed.length === 0
            ? `${shown} is not allowed here`
            : `${shown} is not one of ${listWords(allowed)}`,
        position: sourceMap.valuePosition(path),
        hint: typeof value === 'string' ? suggestionHint(value, problem.allowed) : undefined,
      });
    }
    case 'bad-format':
      return makeDiagnostic('SCHEMA_INVALID_VALUE', {
        path,
        file,
        problem: formatProblem(problem.keyword, problem.limit, shown),
        position: sourceMap.valuePosition(path),
        hint: problem.schema.description,
      });
  }
}

function formatProblem(keyword: string, limit: number | string | undefined, shown: string): string {
  switch (keyword) {
    case 'minLength':
      return limit === 1 ? 'must not be empty' : `${shown} is shorter than ${String(limit)} characters`;
    case 'maxLength':
      return `${shown} is longer than ${String(limit)} characters`;
    case 'pattern':
      return `${shown} does not have the expected form (${String(limit)})`;
    default:
      return `${shown} is not valid (${keyword}${limit === undefined ? '' : ` ${String(limit)}`})`;
  }
}

/** ` in the webhook trigger "on-hello"`, so a message about `triggers[3]` says which one. */
function contextOf(path: readonly (string | number)[], document: unknown): string {
  if (path[0] !== 'triggers' || typeof path[1] !== 'number' || path.length < 3) return '';
  const trigger = valueAt(document, path.slice(0, 2));
  if (typeof trigger !== 'object' || trigger === null) return '';
  const { type, name } = trigger as { type?: unknown; name?: unknown };
  if (typeof type !== 'string' || path.length !== 3) return '';
  return typeof name === 'string' ? ` (${type} trigger ${quote(name)})` : ` (${type} trigger)`;
}

function suggestionHint(value: string, allowed: readonly unknown[]): string | undefined {
  const suggestion = closestMatch(value, allowed.map(String));
  return suggestion === undefined ? undefined : `did you mean ${quote(suggestion)}?`;
}
