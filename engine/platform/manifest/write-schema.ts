/**
 * Writes the published JSON Schema next to this file, formatted as the repository formats JSON:
 *   node --import tsx engine/platform/manifest/write-schema.ts
 * A test fails when the committed whisker.schema.json differs from `manifestSchemaJson()`.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { manifestSchemaJson } from './schema.js';

const file = fileURLToPath(new URL('./whisker.schema.json', import.meta.url));
// Prettier is a development tool: loaded only when this script runs.
const prettier = await import('prettier');
const options = (await prettier.resolveConfig(file)) ?? {};
await writeFile(file, await prettier.format(manifestSchemaJson(), { ...options, parser: 'json' }));
process.stdout.write(`wrote ${file}\n`);
