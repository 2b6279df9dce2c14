/**
 * `buildProject`: a project directory in, an immutable content-addressed artifact (or every
 * problem found) out. Steps: read the project once into memory, list exported functions, bundle the
 * workflow and activity halves (esbuild), type check (TypeScript), then hash.
 */
import { performance } from 'node:perf_hooks';
import { dirname, sep } from 'node:path';

import type { BuildArtifact, ExportedFunction } from '../artifact.js';
import { computeArtifactHash } from './artifact-hash.js';
import type { BuildOptions } from './build-options.js';
import { compileBuildOptions } from './build-options.js';
import type { BundleResult } from './bundle.js';
import { bundle, policyDetailOf, scrub } from './bundle.js';
import { NOT_AVAILABLE_HINT } from './import-policy.js';
import type { BuildDiagnostic } from './diagnostics.js';
import { BuildFailedError, sortDiagnostics } from './diagnostics.js';
import type { ExportedFunctionSite } from './exported-functions.js';
import { GUEST_DIR, WHISKER_ROOT, defaultGuestApiTypes } from './guest-api-types.js';
import type { ProjectSnapshot } from './project-files.js';
import { readProject } from './project-files.js';

export type BuildResult =
  | { ok: true; artifact: BuildArtifact; warnings: BuildDiagnostic[]; durationMs: number }
  | { ok: false; diagnostics: BuildDiagnostic[] };

export type BuildSuccess = Extract<BuildResult, { ok: true }>;

/**
 * Bundles, checks and packages the project in `projectDir`. Never throws for problems in the
 * project (they are diagnostics); throws `InvalidBuildOptionError` for invalid options.
 */
export async function buildProject(projectDir: string, options?: BuildOptions): Promise<BuildResult> {
  const started = performance.now();
  const compiled = compileBuildOptions(options);
  const read = await readProject(projectDir, compiled.limits);
  if (!read.ok) return { ok: false, diagnostics: sortDiagnostics(read.diagnostics) };
  const { snapshot } = read;

  const { listExportedFunctions, readProjectConfig, typecheckProject } =
    await import('./typescript-steps.js');
  const config = readProjectConfig(snapshot);
  const diagnostics: BuildDiagnostic[] = [...read.warnings, ...config.diagnostics];

  const sources = new Map(
    snapshot.files
      .filter((f) => f.kind === 'workflow' || f.kind === 'activity')
      .map((f): [string, string] => [f.path, f.text ?? '']),
  );
  const exported = listExportedFunctions(sources);
  const workflowFiles = snapshot.files.filter((f) => f.kind === 'workflow').map((f) => f.path);
  const activityFiles = snapshot.files.filter((f) => f.kind === 'activity').map((f) => f.path);
  const entryPoints = workflowFiles.flatMap((file) => exported.get(file) ?? []);
  const activities = activityFiles.flatMap((file) => exported.get(file) ?? []);
  diagnostics.push(...duplicateActivities(activities));

  const activityExports = new Map(
    activityFiles.map((file) => [file, (exported.get(file) ?? []).map((a) => a.name)]),
  );
  const common = {
    snapshot,
    activityExports,
    maxFileBytes: compiled.limits.maxFileBytes,
    maxBundleBytes: compiled.limits.maxBundleBytes,
    tsconfigRaw: config.tsconfigRaw,
  };
  // Both bundles at once (esbuild compiles in its own process; our plugin answers on this thread),
  // then the type check, which is synchronous: running it first would only hold the plugin up.
  const [workflowBundle, activityBundle] = await Promise.all([
    bundle({ ...common, kind: 'workflow', entryFiles: workflowFiles }),
    bundle({ ...common, kind: 'activity', entryFiles: activityFiles }),
  ]);

  let typeDiagnostics: BuildDiagnostic[] = [];
  const guest = compiled.typecheck ? (compiled.guestApiTypes ?? defaultGuestApiTypes()) : undefined;
  if (compiled.typecheck) {
    if (guest === undefined) {
      diagnostics.push({
        code: 'GUEST_API_TYPES_MISSING',
        severity: 'error',
        message: `Cannot type check: Whisker's guest API types are missing (sandbox/guest/workflow and activity, as .ts or .d.ts, in the Whisker installation).`,
        hint: 'Reinstall Whisker, or build with { typecheck: false }.',
      });
    } else {
      const readableRoots = [WHISKER_ROOT, dirname(guest.workflow), dirname(guest.activity)];
      typeDiagnostics = typecheckProject({ snapshot, config, guestApiTypes: guest, readableRoots });
    }
  }

  const bundleDiagnostics = [...diagnosticsOf(workflowBundle), ...diagnosticsOf(activityBundle)];
  diagnostics.push(...bundleDiagnostics, ...withoutBundlerDuplicates(typeDiagnostics, bundleDiagnostics));
  const forbidden = forbiddenImportSummary(diagnostics);
  if (forbidden !== undefined) diagnostics.push(forbidden);
  if (entryPoints.length === 0 && activities.length === 0) {
    diagnostics.push({
      code: 'NO_EXPORTED_FUNCTIONS',
      severity: 'warning',
      message: 'The project exports no functions: there is no entry point a trigger or a session could call.',
      hint: 'Export the workflow functions, e.g. `export async function main(input) { ... }`.',
    });
  }

  const guestDirs = [
    ...new Set([
      GUEST_DIR,
      ...(guest === undefined ? [] : [dirname(guest.workflow), dirname(guest.activity)]),
    ]),
  ];
  const scrubbed = diagnostics.map((d) => scrubDiagnostic(d, snapshot, guestDirs));
  if (!workflowBundle.ok || !activityBundle.ok || scrubbed.some((d) => d.severity === 'error')) {
    return { ok: false, diagnostics: sortDiagnostics(scrubbed) };
  }

  const artifactContent: Omit<BuildArtifact, 'hash'> = {
    formatVersion: 1,
    workflowBundle: workflowBundle.bundle,
    activityBundle: activityBundle.bundle,
    entryPoints: toExportedFunctions(entryPoints),
    activities: toExportedFunctions(activities),
    resources: resourcesOf(snapshot),
    sources: sourcesOf(snapshot, workflowBundle.inputs, activityBundle.inputs),
  };
  const artifact: BuildArtifact = { ...artifactContent, hash: computeArtifactHash(artifactContent) };
  return {
    ok: true,
    artifact,
    warnings: sortDiagnostics(scrubbed),
    durationMs: performance.now() - started,
  };
}

/** `buildProject`, throwing `BuildFailedError` (code `BUILD_FAILED`) when the build has errors. */
export async function buildProjectOrThrow(projectDir: string, options?: BuildOptions): Promise<BuildSuccess> {
  const result = await buildProject(projectDir, options);
  if (!result.ok) throw new BuildFailedError(result.diagnostics, projectDir);
  return result;
}

function diagnosticsOf(result: BundleResult): BuildDiagnostic[] {
  return result.ok ? result.warnings : result.diagnostics;
}

function duplicateActivities(activities: readonly ExportedFunctionSite[]): BuildDiagnostic[] {
  const first = new Map<string, ExportedFunctionSite>();
  const diagnostics: BuildDiagnostic[] = [];
  for (const activity of activities) {
    const earlier = first.get(activity.name);
    if (earlier === undefined) {
      first.set(activity.name, activity);
      continue;
    }
    diagnostics.push({
      code: 'DUPLICATE_ACTIVITY',
      severity: 'error',
      message: `Activity "${activity.name}" is exported by both ${earlier.file}:${earlier.line}:${earlier.column} and ${activity.file}:${activity.line}:${activity.column}; activity names must be unique across the project.`,
      file: activity.file,
      line: activity.line,
      column: activity.column,
      hint: `Rename one of them (workflow code schedules activities by name).`,
    });
  }
  return diagnostics;
}

/**
 * TypeScript and the bundler both notice some problems (a syntax error, an import that cannot be
 * resolved); the bundler's diagnostic says more, so a type diagnostic on a line the bundler already
 * reported is dropped.
 */
function withoutBundlerDuplicates(
  typeDiagnostics: readonly BuildDiagnostic[],
  bundleDiagnostics: readonly BuildDiagnostic[],
): BuildDiagnostic[] {
  const reported = new Set(
    bundleDiagnostics
      .filter((d) => d.severity === 'error' && d.file !== undefined)
      .map((d) => `${d.file}:${d.line}`),
  );
  return typeDiagnostics.filter((d) => d.file === undefined || !reported.has(`${d.file}:${d.line}`));
}

/** One summary of every forbidden import and what to use instead, after the per-import errors. */
function forbiddenImportSummary(diagnostics: readonly BuildDiagnostic[]): BuildDiagnostic | undefined {
  const forbidden = sortDiagnostics(diagnostics.filter((d) => d.code === 'FORBIDDEN_IMPORT'));
  if (forbidden.length === 0) return undefined;
  const bySpecifier = new Map<string, { places: string[]; instead: string }>();
  for (const d of forbidden) {
    const detail = policyDetailOf(d);
    const specifier = detail?.specifier ?? '?';
    const entry = bySpecifier.get(specifier) ?? {
      places: [],
      instead: detail?.replacement ?? NOT_AVAILABLE_HINT,
    };
    entry.places.push(`${d.file ?? '?'}:${d.line ?? '?'}:${d.column ?? '?'}`);
    bySpecifier.set(specifier, entry);
  }
  const lines = [...bySpecifier].map(
    ([specifier, { places, instead }]) => `  ${specifier} (${places.join(', ')}): ${instead}`,
  );
  return {
    code: 'FORBIDDEN_IMPORTS',
    severity: 'error',
    message: `The project imports ${bySpecifier.size} module${bySpecifier.size === 1 ? '' : 's'} that sandboxed code cannot use:\n${lines.join('\n')}`,
    hint: 'Sandboxed code has no Node.js built-ins and no packages of the host; vendor pure JavaScript packages in the project node_modules.',
  };
}

/**
 * Paths of this machine mean nothing to users (and are not theirs to know): the project's own
 * location is dropped, the guest API's folder reads `whisker/`, Whisker's installation `whisker:`.
 */
function scrubDiagnostic(
  d: BuildDiagnostic,
  snapshot: ProjectSnapshot,
  guestDirs: readonly string[],
): BuildDiagnostic {
  const clean = (text: string): string => {
    let out = scrub(text, snapshot.root);
    for (const dir of guestDirs) out = out.split(dir + sep).join('whisker/');
    return out.split(WHISKER_ROOT + sep).join('whisker:');
  };
  const out: BuildDiagnostic = { ...d, message: clean(d.message) };
  if (d.hint !== undefined) out.hint = clean(d.hint);
  return out;
}

function toExportedFunctions(sites: readonly ExportedFunctionSite[]): ExportedFunction[] {
  return sites
    .map((s) => ({ file: s.file, name: s.name }))
    .sort((a, b) => (a.file === b.file ? compare(a.name, b.name) : compare(a.file, b.file)));
}

function resourcesOf(snapshot: ProjectSnapshot): Record<string, Uint8Array> {
  // fromEntries defines own properties for every name (even `__proto__`).
  return Object.fromEntries(
    snapshot.files.filter((f) => f.kind === 'resource').map((f) => [f.path, f.bytes]),
  );
}

/** The project's own sources plus every vendored file the bundles took in, sorted. */
function sourcesOf(snapshot: ProjectSnapshot, ...bundleInputs: string[][]): string[] {
  const sources = new Set(
    snapshot.files.filter((f) => f.kind === 'workflow' || f.kind === 'activity').map((f) => f.path),
  );
  for (const inputs of bundleInputs) {
    for (const input of inputs) {
      const file = snapshot.byPath.get(input);
      if (file === undefined || file.kind === 'workflow' || file.kind === 'activity') sources.add(input);
    }
  }
  return [...sources].sort(compare);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
