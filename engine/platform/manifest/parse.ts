/**
 * `parseManifest`: YAML text → normalised `Manifest`, with every syntax and schema problem
 * reported at once, each with its path, line and column. Pure: no I/O.
 */
import { LineCounter, parseDocument } from 'yaml';
import type { YAMLError } from 'yaml';
import { makeDiagnostic, sortDiagnostics } from './diagnostics.js';
import type { ManifestDiagnostic } from './diagnostics.js';
import { normaliseManifest } from './normalise.js';
import { formatPath } from './path.js';
import { manifestSchema } from './schema.js';
import type { ManifestDocument } from './schema.js';
import { schemaProblemToDiagnostic } from './schema-diagnostics.js';
import { buildSourceMap, ManifestSourceMap } from './source-map.js';
import { quote } from './describe.js';
import { MAX_MANIFEST_BYTES } from './types.js';
import type { Manifest } from './types.js';
import { isPlainObject, SchemaChecker } from './validate.js';

export interface ParseManifestOptions {
  /** The file name used in diagnostics. Default `whisker.yaml`. */
  file?: string;
}

export interface ParseManifestResult {
  /**
   * Present when the document has the manifest's shape (no YAML or schema error). Other errors
   * may still be listed (e.g. `SECRET_VALUE_IN_MANIFEST`): check `hasErrors(diagnostics)`.
   */
  manifest?: Manifest;
  /** Sorted by position in the file. */
  diagnostics: ManifestDiagnostic[];
  /** Positions of every path, for `lintManifest` (pass it in the lint context). */
  sourceMap: ManifestSourceMap;
}

export const DEFAULT_MANIFEST_FILE = 'whisker.yaml';

/** Aliases expanded at most this many times (YAML "billion laughs" protection). */
const MAX_ALIAS_COUNT = 100;

let checker: SchemaChecker | undefined;

export function parseManifest(text: string, options: ParseManifestOptions = {}): ParseManifestResult {
  const file = options.file ?? DEFAULT_MANIFEST_FILE;
  if (text.length > MAX_MANIFEST_BYTES) {
    return {
      diagnostics: [
        makeDiagnostic('MANIFEST_TOO_LARGE', {
          path: '',
          file,
          problem: `${file} has ${text.length} characters; the limit is ${MAX_MANIFEST_BYTES}`,
          hint: 'a manifest declares the project; keep data in resource files',
        }),
      ],
      sourceMap: new ManifestSourceMap(file),
    };
  }
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const lineCounter = new LineCounter();
  const document = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const sourceMap = buildSourceMap(document, lineCounter, source, file);
  const diagnostics: ManifestDiagnostic[] = [];
  const position = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };

  // One diagnostic per line: a single typo often makes the YAML parser report several errors.
  const linesWithErrors = new Set<number>();
  for (const error of document.errors) {
    const diagnostic = yamlDiagnostic(error, file, position, source, sourceMap);
    if (linesWithErrors.has(diagnostic.line ?? 0)) continue;
    linesWithErrors.add(diagnostic.line ?? 0);
    diagnostics.push(diagnostic);
  }
  for (const warning of document.warnings) {
    diagnostics.push(
      makeDiagnostic('YAML_WARNING', {
        path: '',
        file,
        problem: warning.message,
        position: position(warning.pos[0]),
      }),
    );
  }
  // A document with syntax errors is not worth checking further: its structure is a guess.
  // Duplicate keys leave a sound structure, so the schema is still checked to list everything.
  const onlyDuplicateKeys = document.errors.every((error) => error.code === 'DUPLICATE_KEY');
  if (!onlyDuplicateKeys) return { diagnostics: sortDiagnostics(diagnostics), sourceMap };
  if (document.contents === null) {
    diagnostics.push(
      makeDiagnostic('MANIFEST_EMPTY', {
        path: '',
        file,
        problem: `${file} is empty`,
        position: { line: 1, column: 1 },
        hint: 'start with `version: 1` and a `project:` with a `name`',
      }),
    );
    return { diagnostics: sortDiagnostics(diagnostics), sourceMap };
  }

  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    diagnostics.push(
      makeDiagnostic('YAML_SYNTAX', {
        path: '',
        file,
        problem: `cannot expand the document: ${(error as Error).message}`,
        position: { line: 1, column: 1 },
        hint: `aliases may be expanded at most ${MAX_ALIAS_COUNT} times`,
      }),
    );
    return { diagnostics: sortDiagnostics(diagnostics), sourceMap };
  }

  checker ??= new SchemaChecker(manifestSchema);
  const problems = checker.check(value);
  for (const problem of problems) diagnostics.push(schemaProblemToDiagnostic(problem, value, sourceMap));
  diagnostics.push(...secretValueDiagnostics(value, sourceMap));

  const valid = document.errors.length === 0 && problems.length === 0;
  const result: ParseManifestResult = { diagnostics: sortDiagnostics(diagnostics), sourceMap };
  if (valid) result.manifest = normaliseManifest(value as ManifestDocument);
  return result;
}

function yamlDiagnostic(
  error: YAMLError,
  file: string,
  position: (offset: number) => { line: number; column: number },
  source: string,
  sourceMap: ManifestSourceMap,
): ManifestDiagnostic {
  const at = position(error.pos[0]);
  if (error.code === 'DUPLICATE_KEY') {
    const key = (/^[^:\n]*/.exec(source.slice(error.pos[0]))?.[0] ?? '').trim();
    const path = sourceMap.pathOfKeyAt(at) ?? '';
    return makeDiagnostic('YAML_DUPLICATE_KEY', {
      path,
      file,
      problem: `key ${quote(key)} appears twice in the same mapping`,
      position: at,
      hint: 'remove or rename one of them',
    });
  }
  const message =
    error.code === 'MULTIPLE_DOCS'
      ? 'the file contains several YAML documents (separated by ---)'
      : error.message;
  return makeDiagnostic('YAML_SYNTAX', {
    path: '',
    file,
    problem: `${message} (YAML ${error.code})`,
    position: at,
    hint: yamlHint(error, source),
  });
}

function yamlHint(error: YAMLError, source: string): string | undefined {
  const lineStart = source.lastIndexOf('\n', error.pos[0] - 1) + 1;
  const lineEnd = source.indexOf('\n', error.pos[0]);
  const line = source.slice(lineStart, lineEnd === -1 ? undefined : lineEnd);
  if (/:\s*\*/.test(line) || /^\s*-\s*\*/.test(line)) {
    return 'a value starting with `*` is read as a YAML alias: quote it, e.g. schedule: "*/5 * * * *"';
  }
  if (error.code === 'TAB_AS_INDENT') return 'indent with spaces, not tabs';
  if (error.code === 'MULTIPLE_DOCS') return 'a manifest is one YAML document: remove the extra `---`';
  return undefined;
}

/**
 * A secret variable with a value in the file: an error, reported on the raw document (even when
 * other parts are invalid) and never repeating the value. Normalisation drops the value.
 */
function secretValueDiagnostics(document: unknown, sourceMap: ManifestSourceMap): ManifestDiagnostic[] {
  if (!isPlainObject(document) || !Array.isArray(document.vars)) return [];
  const out: ManifestDiagnostic[] = [];
  document.vars.forEach((variable: unknown, index) => {
    if (!isPlainObject(variable) || variable.secret !== true || !Object.hasOwn(variable, 'value')) return;
    const path = formatPath(['vars', index, 'value']);
    const name = typeof variable.name === 'string' ? ` ${variable.name}` : '';
    out.push(
      makeDiagnostic('SECRET_VALUE_IN_MANIFEST', {
        path,
        file: sourceMap.file,
        problem: `secret variable${name} has a value in the manifest; secret values must not be written in the project`,
        position: sourceMap.keyPosition(path),
        hint: 'remove `value`, set the secret through the API or CLI, and rotate it if this file was ever committed',
      }),
    );
  });
  return out;
}
