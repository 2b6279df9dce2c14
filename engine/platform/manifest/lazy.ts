/**
 * The manifest's parser and checker, loaded on first use. They bring YAML, the JSON-schema
 * validator and CEL (~30 MB of RSS together): an engine that never reads a whisker.yaml (an
 * embedding app, the sleeping-sessions benchmark) does not carry them.
 */
import type { checkManifest } from './check.js';
import type { compileFilter } from './filter.js';
import type { parseManifest } from './parse.js';

export interface ManifestTools {
  parseManifest: typeof parseManifest;
  checkManifest: typeof checkManifest;
  compileFilter: typeof compileFilter;
}

let loading: Promise<ManifestTools> | undefined;

export function manifestTools(): Promise<ManifestTools> {
  loading ??= Promise.all([import('./parse.js'), import('./check.js'), import('./filter.js')]).then(
    ([parse, check, filter]) => ({
      parseManifest: parse.parseManifest,
      checkManifest: check.checkManifest,
      compileFilter: filter.compileFilter,
    }),
  );
  return loading;
}
