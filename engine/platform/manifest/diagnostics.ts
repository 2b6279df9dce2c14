/**
 * Diagnostics: every problem found in a manifest, from YAML syntax to lint rules, as data.
 *
 * Codes are stable: tools and tests match on them, and docs/manifest.md documents each one
 * (a test checks that). Never rename a code; add a new one instead.
 */

export type DiagnosticSeverity = 'error' | 'warning';

/** The stage that reports a code: `load` (reading the file), `parse` (YAML and schema), `lint`. */
export type DiagnosticStage = 'load' | 'parse' | 'lint';

export interface DiagnosticCodeInfo {
  severity: DiagnosticSeverity;
  stage: DiagnosticStage;
  description: string;
}

/** Every code a manifest diagnostic can have, with its severity and what it means. */
export const MANIFEST_DIAGNOSTIC_CODES = {
  MANIFEST_NOT_FOUND: {
    severity: 'error',
    stage: 'load',
    description: 'The project directory has no whisker.yaml.',
  },
  MANIFEST_UNREADABLE: {
    severity: 'error',
    stage: 'load',
    description: 'whisker.yaml exists but cannot be read (not a file, no permission, not UTF-8).',
  },
  MANIFEST_TOO_LARGE: {
    severity: 'error',
    stage: 'load',
    description: 'whisker.yaml is larger than the limit (1 MiB).',
  },
  MANIFEST_EMPTY: {
    severity: 'error',
    stage: 'parse',
    description: 'whisker.yaml has no content (empty, or only comments).',
  },
  YAML_SYNTAX: {
    severity: 'error',
    stage: 'parse',
    description:
      'The file is not valid YAML (bad indentation, unclosed quote, tab indentation, several documents...).',
  },
  YAML_DUPLICATE_KEY: {
    severity: 'error',
    stage: 'parse',
    description: 'A mapping has the same key twice.',
  },
  YAML_WARNING: {
    severity: 'warning',
    stage: 'parse',
    description: 'The YAML parser reported a warning (for example an unknown tag).',
  },
  UNSUPPORTED_VERSION: {
    severity: 'error',
    stage: 'parse',
    description: '`version` is not a manifest format version this Whisker understands (only 1).',
  },
  SCHEMA_UNKNOWN_FIELD: {
    severity: 'error',
    stage: 'parse',
    description:
      'A field that the schema does not define (often a typo, or a field of another trigger type).',
  },
  SCHEMA_MISSING_FIELD: {
    severity: 'error',
    stage: 'parse',
    description: 'A required field is absent.',
  },
  SCHEMA_WRONG_TYPE: {
    severity: 'error',
    stage: 'parse',
    description:
      'A field has the wrong type (a number where a string is expected, a mapping where a list is...).',
  },
  SCHEMA_INVALID_VALUE: {
    severity: 'error',
    stage: 'parse',
    description:
      'A field has the right type but a value the schema does not allow (name format, enum, duration format...).',
  },
  SECRET_VALUE_IN_MANIFEST: {
    severity: 'error',
    stage: 'parse',
    description:
      'A variable marked `secret: true` has a `value` in the file. Secret values are set through the API or CLI, never committed; the value is dropped and never repeated in any message.',
  },
  DUPLICATE_VARIABLE_NAME: {
    severity: 'error',
    stage: 'lint',
    description: 'Two variables have the same name.',
  },
  DUPLICATE_CONNECTION_NAME: {
    severity: 'error',
    stage: 'lint',
    description: 'Two connections have the same name.',
  },
  DUPLICATE_TRIGGER_NAME: {
    severity: 'error',
    stage: 'lint',
    description: 'Two triggers have the same name.',
  },
  RESERVED_VARIABLE_NAME: {
    severity: 'error',
    stage: 'lint',
    description: 'A variable name starts with `WHISKER_`, which is reserved for the platform.',
  },
  EMPTY_VARIABLE: {
    severity: 'warning',
    stage: 'lint',
    description:
      'A non-secret variable has no value or an empty one in the file; code reading it gets an empty value unless it is set through the API or CLI.',
  },
  MALFORMED_CALL: {
    severity: 'error',
    stage: 'lint',
    description:
      '`call` is not `file:function` (a project-relative file path, a colon, a JavaScript identifier).',
  },
  CALL_FILE_NOT_FOUND: {
    severity: 'error',
    stage: 'lint',
    description: 'The file named by `call` is not a source file of the project.',
  },
  CALL_FUNCTION_NOT_EXPORTED: {
    severity: 'error',
    stage: 'lint',
    description:
      'The file named by `call` does not export the function (or it is an activity, which a trigger cannot start).',
  },
  UNKNOWN_CONNECTION: {
    severity: 'error',
    stage: 'lint',
    description: 'A connection trigger names a connection that is not declared under `connections`.',
  },
  INVALID_CRON: {
    severity: 'error',
    stage: 'lint',
    description: 'A schedule is not a valid cron expression (5 or 6 fields, or a nickname such as `@daily`).',
  },
  SCHEDULE_NEVER_FIRES: {
    severity: 'warning',
    stage: 'lint',
    description: 'A valid cron expression that matches no date in the future (for example 30 February).',
  },
  INVALID_TIMEZONE: {
    severity: 'error',
    stage: 'lint',
    description: '`timezone` is not an IANA time zone name known to the runtime (such as `Europe/Paris`).',
  },
  INVALID_FILTER: {
    severity: 'error',
    stage: 'lint',
    description:
      '`filter` is not a valid CEL expression over `event` (syntax error, unknown variable or function, a type error in a constant part, or a result that can never be a boolean).',
  },
  WEBHOOK_TIMEOUT_OUT_OF_RANGE: {
    severity: 'error',
    stage: 'lint',
    description: '`webhook.timeout` is zero or longer than the 5 minute limit.',
  },
  WEBHOOK_TIMEOUT_WITHOUT_SYNC: {
    severity: 'warning',
    stage: 'lint',
    description:
      '`webhook.timeout` is set but `webhook.sync` is not true, so nothing waits and the timeout is ignored.',
  },
  SIGNATURE_SECRET_NOT_DECLARED: {
    severity: 'error',
    stage: 'lint',
    description: '`webhook.signature.secret` names a variable that is not declared under `vars`.',
  },
  SIGNATURE_SECRET_NOT_SECRET: {
    severity: 'error',
    stage: 'lint',
    description:
      '`webhook.signature.secret` names a variable that is not marked `secret: true` (a signing key must be a secret).',
  },
  DUPLICATE_TRIGGER: {
    severity: 'warning',
    stage: 'lint',
    description:
      'Two schedule or connection triggers with different names do exactly the same thing (same schedule or event, filter and call): every occurrence would start two sessions.',
  },
  NO_TRIGGERS: {
    severity: 'warning',
    stage: 'lint',
    description: 'The project declares no triggers, so nothing but the API can start a session.',
  },
} as const satisfies Record<string, DiagnosticCodeInfo>;

export type ManifestDiagnosticCode = keyof typeof MANIFEST_DIAGNOSTIC_CODES;

/** One problem in a manifest. Positions are 1-based and refer to `file`. */
export interface ManifestDiagnostic {
  code: ManifestDiagnosticCode;
  severity: DiagnosticSeverity;
  /** Where in the manifest, e.g. `triggers[2].call`; `''` for the whole file. */
  path: string;
  /** Starts with the path, names the value: `triggers[2].call: file "handlers.ts" has no exported function "onIssue"`. */
  message: string;
  /** The manifest file, as given to the parser (default `whisker.yaml`). */
  file: string;
  line?: number;
  column?: number;
  /** What to do about it, when there is something specific to say. */
  hint?: string;
}

/** True when at least one diagnostic is an error (the manifest must be rejected). */
export function hasErrors(diagnostics: readonly ManifestDiagnostic[]): boolean {
  return diagnostics.some((diagnostic) => diagnostic.severity === 'error');
}

/** `whisker.yaml:3:5: error SCHEMA_UNKNOWN_FIELD triggers[0].tiemzone: ... (hint: ...)` */
export function formatDiagnostic(diagnostic: ManifestDiagnostic): string {
  const where =
    diagnostic.line === undefined
      ? diagnostic.file
      : `${diagnostic.file}:${diagnostic.line}:${diagnostic.column ?? 1}`;
  const hint = diagnostic.hint === undefined ? '' : ` (hint: ${diagnostic.hint})`;
  return `${where}: ${diagnostic.severity} ${diagnostic.code} ${diagnostic.message}${hint}`;
}

/** Sorts by position in the file (diagnostics without a position first), then by path. Stable. */
export function sortDiagnostics(diagnostics: readonly ManifestDiagnostic[]): ManifestDiagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0) || a.path.localeCompare(b.path),
  );
}

/** Builds a diagnostic: severity from the registry, message prefixed with the path. */
export function makeDiagnostic(
  code: ManifestDiagnosticCode,
  fields: {
    path: string;
    /** The problem, without the path (it is prepended). */
    problem: string;
    file: string;
    position?: { line: number; column: number } | undefined;
    hint?: string | undefined;
  },
): ManifestDiagnostic {
  const diagnostic: ManifestDiagnostic = {
    code,
    severity: MANIFEST_DIAGNOSTIC_CODES[code].severity,
    path: fields.path,
    message: fields.path === '' ? fields.problem : `${fields.path}: ${fields.problem}`,
    file: fields.file,
  };
  if (fields.position !== undefined) {
    diagnostic.line = fields.position.line;
    diagnostic.column = fields.position.column;
  }
  if (fields.hint !== undefined) diagnostic.hint = fields.hint;
  return diagnostic;
}
