/**
 * Where the guest API's types live: `sandbox/guest/workflow.ts` and `activity.ts` next to this
 * module in the source tree, or their emitted `.d.ts` in `dist/`. Their exports ARE
 * `whisker.workflow` and `whisker.activity`, so user code type-checks against the real API.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { GuestApiTypes } from './build-options.js';

const HERE = dirname(fileURLToPath(import.meta.url));

/** The Whisker package's root: the repository in development, `dist/` when built. */
export const WHISKER_ROOT = join(HERE, '..', '..');

/** Where the guest runtime lives (`sandbox/guest/`). */
export const GUEST_DIR = join(HERE, '..', 'guest');

function locate(name: 'workflow' | 'activity'): string | undefined {
  return [`${name}.ts`, `${name}.d.ts`].map((file) => join(GUEST_DIR, file)).find((path) => existsSync(path));
}

/** The shipped guest API modules, or undefined when this installation lacks them. */
export function defaultGuestApiTypes(): GuestApiTypes | undefined {
  const workflow = locate('workflow');
  const activity = locate('activity');
  return workflow !== undefined && activity !== undefined ? { workflow, activity } : undefined;
}
