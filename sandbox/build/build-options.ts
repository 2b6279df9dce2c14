import { isAbsolute } from 'node:path';

import { WhiskerError } from '../../common/index.js';

/** Size and count limits of a build; each breach is a build error naming the file and the limit. */
export interface BuildLimits {
  /** Files in the project, outside `node_modules/` and hidden folders. Default 2,000. */
  maxFiles?: number;
  /** Size of any one project file (source or resource), and of any vendored file bundled. Default 8 MiB. */
  maxFileBytes?: number;
  /** Total size of the resources shipped in the artifact. Default 32 MiB. */
  maxResourceBytes?: number;
  /** Size of each bundle's code plus its source map. Default 64 MiB. */
  maxBundleBytes?: number;
}

/** Where `whisker/workflow` and `whisker/activity` get their types from during type checking. */
export interface GuestApiTypes {
  /** Absolute path of the module whose exports are `whisker.workflow` (`.ts` or `.d.ts`). */
  workflow: string;
  /** Absolute path of the module whose exports are `whisker.activity` (`.ts` or `.d.ts`). */
  activity: string;
}

export interface BuildOptions {
  /**
   * Run the TypeScript type checker over the project. Default true. Syntax errors are reported
   * either way (the bundler parses every file).
   */
  typecheck?: boolean;
  limits?: BuildLimits;
  /**
   * Default: the guest API shipped with Whisker (`sandbox/guest/workflow.ts` and `activity.ts`, or
   * their `.d.ts` in `dist/`). Meant for tools and tests that type-check against another API.
   */
  guestApiTypes?: GuestApiTypes;
}

/** Options with defaults applied: every field present. */
export interface CompiledBuildOptions {
  typecheck: boolean;
  limits: Required<BuildLimits>;
  guestApiTypes: GuestApiTypes | undefined;
}

const MIB = 1024 * 1024;

export const DEFAULT_BUILD_LIMITS: Readonly<Required<BuildLimits>> = Object.freeze({
  maxFiles: 2_000,
  maxFileBytes: 8 * MIB,
  maxResourceBytes: 32 * MIB,
  maxBundleBytes: 64 * MIB,
});

export class InvalidBuildOptionError extends WhiskerError {
  constructor(
    readonly option: string,
    readonly value: unknown,
    expected: string,
    /** What the option was passed to, for the message. */
    passedTo = 'buildProject()',
  ) {
    super(
      'INVALID_BUILD_OPTION',
      `Build option ${option} is ${JSON.stringify(value)}; expected ${expected}. Fix the option passed to ${passedTo}.`,
    );
  }
}

export function compileBuildOptions(options: BuildOptions = {}): CompiledBuildOptions {
  const typecheck = options.typecheck ?? true;
  if (typeof typecheck !== 'boolean') throw new InvalidBuildOptionError('typecheck', typecheck, 'a boolean');
  const limits = { ...DEFAULT_BUILD_LIMITS };
  for (const key of Object.keys(DEFAULT_BUILD_LIMITS) as (keyof BuildLimits)[]) {
    const value = options.limits?.[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
      throw new InvalidBuildOptionError(`limits.${key}`, value, 'a positive integer');
    }
    limits[key] = value;
  }
  const guest = options.guestApiTypes;
  if (guest !== undefined) {
    for (const key of ['workflow', 'activity'] as const) {
      if (typeof guest[key] !== 'string' || !isAbsolute(guest[key])) {
        throw new InvalidBuildOptionError(`guestApiTypes.${key}`, guest[key], 'an absolute path');
      }
    }
  }
  return { typecheck, limits, guestApiTypes: guest };
}
