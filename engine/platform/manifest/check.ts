/** Parse and lint in one call: what a build does with a manifest's text. */
import { sortDiagnostics } from './diagnostics.js';
import { lintManifest } from './lint.js';
import type { LintContext } from './lint.js';
import { parseManifest } from './parse.js';
import type { ParseManifestOptions, ParseManifestResult } from './parse.js';

/**
 * `parseManifest` then, when the document has the manifest's shape, `lintManifest`; every
 * diagnostic of both, sorted by position. Reject the manifest when `hasErrors(diagnostics)`.
 */
export function checkManifest(
  text: string,
  context: Omit<LintContext, 'sourceMap' | 'file'>,
  options: ParseManifestOptions = {},
): ParseManifestResult {
  const parsed = parseManifest(text, options);
  if (parsed.manifest === undefined) return parsed;
  const lint = lintManifest(parsed.manifest, { ...context, sourceMap: parsed.sourceMap });
  return { ...parsed, diagnostics: sortDiagnostics([...parsed.diagnostics, ...lint]) };
}
