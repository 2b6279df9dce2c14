/**
 * Schema validation that reports every problem once, at the right place.
 *
 * TypeBox's validator checks the plain parts of the schema. Discriminated unions (a trigger is a
 * webhook, schedule, manual or connection trigger, chosen by `type`) are handled here instead:
 * the variant is picked by its discriminator and the value is checked against that variant
 * alone, so a webhook trigger with a typo gets "unknown field" for the typo, not four sets of
 * errors for four variants.
 *
 * TypeBox buffers at most `maxErrors` (a process-wide setting, default 8) per call; we raise it
 * for the duration of each synchronous call only, so every problem is reported and other users
 * of TypeBox in the process (the HTTP API) keep their setting.
 */
import Schema from 'typebox/schema';
import { Settings } from 'typebox/system';
import type { TSchema } from 'typebox';
import type { TLocalizedValidationError } from 'typebox/error';
import type { PathSegment } from './path.js';

export type SchemaProblem =
  | { kind: 'unknown-field'; path: PathSegment[]; allowed: string[] }
  | { kind: 'missing-field'; path: PathSegment[]; allowed?: unknown[] }
  | { kind: 'wrong-type'; path: PathSegment[]; expected: string }
  | { kind: 'not-allowed'; path: PathSegment[]; allowed: unknown[] }
  | { kind: 'bad-format'; path: PathSegment[]; keyword: string; limit?: number | string; schema: JsonSchema };

/** A JSON Schema node as plain data. */
export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  const?: unknown;
  enum?: unknown[];
  pattern?: string;
  description?: string;
  additionalProperties?: boolean | JsonSchema;
  [keyword: string]: unknown;
}

interface Union {
  discriminator: string;
  variants: Map<unknown, JsonSchema>;
}

type CompiledValidator = ReturnType<typeof Schema.Compile>;

/** Validates `value` against a schema and returns every problem. */
export class SchemaChecker {
  private readonly root: JsonSchema;
  private readonly shallow = new Map<JsonSchema, { schema: JsonSchema; validator: CompiledValidator }>();

  constructor(schema: TSchema) {
    // A plain JSON copy: TypeBox metadata is non-enumerable, so this is exactly the published schema.
    this.root = JSON.parse(JSON.stringify(schema)) as JsonSchema;
    delete this.root.$schema;
  }

  check(value: unknown): SchemaProblem[] {
    const problems: SchemaProblem[] = [];
    this.checkNode(this.root, value, [], problems);
    return problems;
  }

  private checkNode(schema: JsonSchema, value: unknown, path: PathSegment[], out: SchemaProblem[]): void {
    const union = asDiscriminatedUnion(schema);
    if (union !== undefined) {
      this.checkUnion(union, value, path, out);
      return;
    }
    const { schema: shallow, validator } = this.shallowValidator(schema);
    const [, errors] = validator.Check(value) ? [true, []] : collectAllErrors(() => validator.Errors(value));
    const problems = errors.flatMap((error) => toProblems(error, value, path, shallow));
    out.push(...dropShadowed(problems));
    this.visitUnionSites(schema, value, path, out);
  }

  private checkUnion(union: Union, value: unknown, path: PathSegment[], out: SchemaProblem[]): void {
    if (!isPlainObject(value)) {
      out.push({ kind: 'wrong-type', path, expected: 'object' });
      return;
    }
    const allowed = [...union.variants.keys()];
    const tag = value[union.discriminator];
    if (tag === undefined) {
      out.push({ kind: 'missing-field', path: [...path, union.discriminator], allowed });
      return;
    }
    const variant = union.variants.get(tag);
    if (variant === undefined) {
      out.push({ kind: 'not-allowed', path: [...path, union.discriminator], allowed });
      return;
    }
    this.checkNode(variant, value, path, out);
  }

  /** Finds the discriminated unions under `schema` that have a value, and checks each. */
  private visitUnionSites(
    schema: JsonSchema,
    value: unknown,
    path: PathSegment[],
    out: SchemaProblem[],
  ): void {
    const descend = (child: JsonSchema, childValue: unknown, childPath: PathSegment[]) => {
      if (asDiscriminatedUnion(child) !== undefined) this.checkNode(child, childValue, childPath, out);
      else this.visitUnionSites(child, childValue, childPath, out);
    };
    if (schema.properties !== undefined && isPlainObject(value)) {
      for (const [name, child] of Object.entries(schema.properties)) {
        if (Object.hasOwn(value, name)) descend(child, value[name], [...path, name]);
      }
    }
    if (schema.items !== undefined && Array.isArray(value)) {
      const items = schema.items;
      value.forEach((item, index) => descend(items, item, [...path, index]));
    }
  }

  /** The schema with every discriminated union below it replaced by "anything", compiled once. */
  private shallowValidator(schema: JsonSchema): { schema: JsonSchema; validator: CompiledValidator } {
    let cached = this.shallow.get(schema);
    if (cached === undefined) {
      const shallow = withoutUnions(schema, true);
      cached = { schema: shallow, validator: Schema.Compile(shallow as Schema.XSchema) };
      this.shallow.set(schema, cached);
    }
    return cached;
  }
}

/** Enough for any manifest under the size limit; a bound still, against pathological input. */
const MAX_ERRORS_PER_CHECK = 10_000;

function collectAllErrors<T>(run: () => T): T {
  const previous = Settings.Get().maxErrors;
  Settings.Set({ maxErrors: MAX_ERRORS_PER_CHECK });
  try {
    return run();
  } finally {
    Settings.Set({ maxErrors: previous });
  }
}

function withoutUnions(schema: JsonSchema, isRoot: boolean): JsonSchema {
  if (!isRoot && asDiscriminatedUnion(schema) !== undefined) {
    return schema.description === undefined ? {} : { description: schema.description };
  }
  const copy: JsonSchema = { ...schema };
  if (schema.properties !== undefined) {
    copy.properties = Object.fromEntries(
      Object.entries(schema.properties).map(([name, child]) => [name, withoutUnions(child, false)]),
    );
  }
  if (schema.items !== undefined) copy.items = withoutUnions(schema.items, false);
  return copy;
}

function asDiscriminatedUnion(schema: JsonSchema): Union | undefined {
  const variants = schema.anyOf;
  if (variants === undefined || variants.length === 0) return undefined;
  const first = variants[0]?.properties ?? {};
  for (const [discriminator, property] of Object.entries(first)) {
    if (property.const === undefined) continue;
    const byTag = new Map<unknown, JsonSchema>();
    for (const variant of variants) {
      const tag = variant.properties?.[discriminator]?.const;
      if (tag === undefined || byTag.has(tag)) break;
      byTag.set(tag, variant);
    }
    if (byTag.size === variants.length) return { discriminator, variants: byTag };
  }
  return undefined;
}

function toProblems(
  error: TLocalizedValidationError,
  root: unknown,
  base: PathSegment[],
  schema: JsonSchema,
): SchemaProblem[] {
  const path = [...base, ...decodePointer(error.instancePath, root)];
  const at = resolveSchema(schema, error.schemaPath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const names = (params.additionalProperties as string[] | undefined) ?? [];
      const allowed = Object.keys(at?.properties ?? {});
      return names.map((name) => ({ kind: 'unknown-field', path: [...path, name], allowed }));
    }
    case 'boolean':
      // The per-property echo of `additionalProperties: false`, already reported above.
      return error.schemaPath.endsWith('/additionalProperties') ? [] : [notAllowed(path, [])];
    case 'required': {
      const names = (params.requiredProperties as string[] | undefined) ?? [];
      return names.map((name) => ({ kind: 'missing-field', path: [...path, name] }));
    }
    case 'type':
      return [{ kind: 'wrong-type', path, expected: String(params.type) }];
    case 'const':
      return [notAllowed(path, [params.allowedValue])];
    case 'enum':
      return [notAllowed(path, (params.allowedValues as unknown[] | undefined) ?? [])];
    default: {
      const limit = params.limit ?? params.pattern ?? params.format;
      return [
        {
          kind: 'bad-format',
          path,
          keyword: error.keyword,
          ...(typeof limit === 'number' || typeof limit === 'string' ? { limit } : {}),
          schema: at ?? {},
        },
      ];
    }
  }
}

function notAllowed(path: PathSegment[], allowed: unknown[]): SchemaProblem {
  return { kind: 'not-allowed', path, allowed };
}

/** A value of the wrong type also fails its `const`/`pattern`: report the type only. */
function dropShadowed(problems: SchemaProblem[]): SchemaProblem[] {
  const wrongType = new Set(
    problems.filter((p) => p.kind === 'wrong-type').map((p) => p.path.join('\u0000')),
  );
  return problems.filter((p) => p.kind === 'wrong-type' || !wrongType.has(p.path.join('\u0000')));
}

/** `/triggers/2/call` → `['triggers', 2, 'call']` (indexes as numbers where the value is a list). */
function decodePointer(pointer: string, root: unknown): PathSegment[] {
  if (pointer === '') return [];
  const segments: PathSegment[] = [];
  let current: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(current)) {
      const index = Number(token);
      segments.push(index);
      current = current[index];
    } else {
      segments.push(token);
      current = isPlainObject(current) ? current[token] : undefined;
    }
  }
  return segments;
}

function resolveSchema(schema: JsonSchema, pointer: string): JsonSchema | undefined {
  let current: unknown = schema;
  for (const raw of pointer.replace(/^#/, '').split('/').slice(1)) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[token];
  }
  return typeof current === 'object' && current !== null ? (current as JsonSchema) : undefined;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}
