import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { LintContext, ManifestDiagnostic } from '../../../../engine/platform/manifest/index.js';

export function fixture(name: string): string {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
}

/** The project behind the complete fixture, as a build artifact would describe it. */
export const projectContext: Omit<LintContext, 'sourceMap'> = {
  files: ['handlers.ts', 'jobs/nightly.ts', 'activities.ts', 'lib/util.ts'],
  exportedFunctions: [
    { file: 'handlers.ts', name: 'onHello' },
    { file: 'handlers.ts', name: 'onSigned' },
    { file: 'handlers.ts', name: 'onPlain' },
    { file: 'handlers.ts', name: 'run' },
    { file: 'handlers.ts', name: 'onIssue' },
    { file: 'handlers.ts', name: 'onMessage' },
    { file: 'jobs/nightly.ts', name: 'run' },
    { file: 'jobs/nightly.ts', name: 'tick' },
  ],
  activities: [{ file: 'activities.ts', name: 'fetchIssue' }],
  now: new Date('2025-01-01T00:00:00Z'),
};

/** `code path line` for compact, exact comparisons. */
export function summarise(diagnostics: readonly ManifestDiagnostic[]): string[] {
  return diagnostics.map((d) => `${d.code} ${d.path || '(root)'} ${d.line ?? '?'}:${d.column ?? '?'}`);
}

/** `expect.stringContaining`, typed: an asymmetric matcher standing for a string in `toMatchObject`. */
export function containing(text: string): string {
  return expect.stringContaining(text) as string;
}
