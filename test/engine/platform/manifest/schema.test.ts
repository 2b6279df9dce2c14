import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import Schema from 'typebox/schema';
import { parse as parseYaml } from 'yaml';
import {
  MANIFEST_DIAGNOSTIC_CODES,
  manifestSchema,
  manifestSchemaJson,
} from '../../../../engine/platform/manifest/index.js';
import { fixture } from './helpers.js';

const SCHEMA_FILE = new URL('../../../../engine/platform/manifest/whisker.schema.json', import.meta.url);
const DOCS = readFileSync(new URL('../../../../docs/manifest.md', import.meta.url), 'utf8');

interface JsonSchemaNode {
  properties?: Record<string, JsonSchemaNode>;
  items?: JsonSchemaNode;
  anyOf?: JsonSchemaNode[];
  description?: string;
}

/** Every property path of the schema, as the docs write them: `triggers[].webhook.signature.header`. */
function propertyPaths(node: JsonSchemaNode, prefix = ''): { path: string; node: JsonSchemaNode }[] {
  const out: { path: string; node: JsonSchemaNode }[] = [];
  for (const variant of node.anyOf ?? []) out.push(...propertyPaths(variant, prefix));
  if (node.items !== undefined) out.push(...propertyPaths(node.items, `${prefix}[]`));
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    const path = prefix === '' ? name : `${prefix}.${name}`;
    out.push({ path, node: child }, ...propertyPaths(child, path));
  }
  return out;
}

describe('the published JSON Schema', () => {
  it('is up to date in whisker.schema.json', () => {
    // Compared as JSON (the file is formatted by the repository's formatter), keys in order.
    const committed = JSON.stringify(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')));
    expect(
      committed,
      'whisker.schema.json is stale: run `node --import tsx engine/platform/manifest/write-schema.ts`',
    ).toBe(JSON.stringify(JSON.parse(manifestSchemaJson())));
  });

  it('is a draft 2020-12 schema that a standard validator uses as is', () => {
    const published = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as Record<string, unknown>;
    expect(published.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    const validator = Schema.Compile(published as Schema.XSchema);
    expect(validator.Check(parseYaml(fixture('complete.yaml')))).toBe(true);
    expect(validator.Check(parseYaml(fixture('schema-errors.yaml')))).toBe(false);
    expect(
      validator.Check({
        version: 1,
        project: { name: 'p' },
        triggers: [{ name: 't', type: 'manual', call: 'a.ts:b', schedule: 'x' }],
      }),
    ).toBe(false);
  });

  it('describes every property, and docs/manifest.md documents each one', () => {
    const paths = propertyPaths(JSON.parse(manifestSchemaJson()) as JsonSchemaNode);
    const unique = [...new Set(paths.map((p) => p.path))];
    expect(unique.length).toBeGreaterThan(25);
    expect(paths.filter((p) => p.node.description === undefined).map((p) => p.path)).toEqual([]);
    expect(unique.filter((path) => !DOCS.includes(`\`${path}\``))).toEqual([]);
    expect(
      (manifestSchema as unknown as JsonSchemaNode & { additionalProperties?: boolean }).additionalProperties,
    ).toBe(false);
  });
});

describe('diagnostic codes', () => {
  it('are each documented in docs/manifest.md with their severity', () => {
    const undocumented = Object.entries(MANIFEST_DIAGNOSTIC_CODES)
      .filter(([code, info]) => !DOCS.includes(`| \`${code}\` | ${info.severity} |`))
      .map(([code]) => code);
    expect(undocumented).toEqual([]);
  });

  it('documents no code that does not exist', () => {
    const documented = [...DOCS.matchAll(/^\| `([A-Z_]+)` \| (?:error|warning) \|/gm)].map(
      (match) => match[1],
    );
    expect(documented.filter((code) => !(code! in MANIFEST_DIAGNOSTIC_CODES))).toEqual([]);
    expect(documented.length).toBe(Object.keys(MANIFEST_DIAGNOSTIC_CODES).length);
  });
});
