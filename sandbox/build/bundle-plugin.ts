/**
 * The esbuild plugin that confines a bundle to its project:
 *
 * - every file comes from the project snapshot (or, for vendored packages and files the scan
 *   skips, from inside the project directory), and nothing outside the project is bundled;
 * - `whisker/workflow` and `whisker/activity` become the injected API object, never files;
 * - Node built-ins and host packages are rejected with one diagnostic per import;
 * - in the workflow bundle, activity modules are replaced by stubs that schedule the activity.
 *
 * Policy violations are reported as esbuild warnings carrying `detail.code` (so esbuild attaches
 * the importing file:line:col) and resolve to an empty module, which lets the bundler go on to
 * link and report every other problem in the same build; `bundle.ts` turns them into errors.
 */
import type { Loader, OnLoadResult, OnResolveArgs, OnResolveResult, Plugin, PluginBuild } from 'esbuild';
import { readFile, stat } from 'node:fs/promises';

import type { ProjectFile, ProjectSnapshot } from './project-files.js';
import { extensionOf, resourceLoaderFor } from './file-kinds.js';
import {
  NOT_AVAILABLE_HINT,
  isBareSpecifier,
  isNodeBuiltin,
  packageNameOf,
  replacementFor,
} from './import-policy.js';
import { isInside, toRelative } from './project-files.js';

export type BundleKind = 'workflow' | 'activity';

/** Name of the wrapper function's parameter holding `{ workflow, activity }` (see `bundle.ts`). */
export const API_PARAMETER = '__whiskerApi';

/** esbuild namespace of generated modules; they appear in source maps as `whisker:<path>`. */
export const VIRTUAL_NAMESPACE = 'whisker';
export const ENTRY_SPECIFIER = 'whisker:entry';

export interface PolicyDetail {
  code: string;
  hint?: string;
  /** The import specifier as written, for the summary of forbidden imports. */
  specifier?: string;
  replacement?: string;
}

export interface BundlePluginInput {
  kind: BundleKind;
  snapshot: ProjectSnapshot;
  /** Files whose module namespaces the bundle returns, project-relative. */
  entryFiles: readonly string[];
  /** Workflow bundle: activity module → the activity names it exports (its stub's exports). */
  activityExports: ReadonlyMap<string, readonly string[]>;
  maxFileBytes: number;
}

/** Passed to nested `build.resolve` calls so the plugin does not intercept its own lookups. */
const NESTED = Symbol('whisker-nested-resolve');

export function bundlePlugin(input: BundlePluginInput): Plugin {
  return {
    name: 'whisker',
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => resolveImport(build, input, args));
      build.onLoad({ filter: /.*/, namespace: VIRTUAL_NAMESPACE }, (args) => loadVirtual(input, args.path));
      build.onLoad({ filter: /.*/, namespace: 'file' }, (args) => loadFile(input, args.path));
    },
  };
}

async function resolveImport(
  build: PluginBuild,
  input: BundlePluginInput,
  args: OnResolveArgs,
): Promise<OnResolveResult | undefined> {
  if (args.pluginData === NESTED) return undefined;
  const specifier = args.path;
  if (args.kind === 'entry-point') {
    return specifier === ENTRY_SPECIFIER
      ? { path: `entry/${input.kind}`, namespace: VIRTUAL_NAMESPACE }
      : undefined;
  }
  if (specifier === 'whisker/workflow' || specifier === 'whisker/activity') {
    return { path: `api/${specifier.slice('whisker/'.length)}`, namespace: VIRTUAL_NAMESPACE };
  }
  if (specifier === 'whisker' || specifier.startsWith('whisker/')) {
    return rejected(specifier, {
      code: 'UNKNOWN_WHISKER_MODULE',
      message: `"${specifier}" is not a Whisker module: only "whisker/workflow" and "whisker/activity" can be imported.`,
      hint: 'Import the workflow API from "whisker/workflow" and the activity API from "whisker/activity".',
    });
  }
  if (isNodeBuiltin(specifier)) {
    const replacement = replacementFor(specifier);
    return rejected(specifier, {
      code: 'FORBIDDEN_IMPORT',
      message: `Node.js built-in module "${specifier}" cannot be imported: sandboxed code has no Node.js APIs.`,
      hint: `Instead: ${replacement}.`,
      replacement,
    });
  }

  const resolved = await build.resolve(specifier, {
    kind: args.kind,
    importer: args.importer,
    resolveDir: args.resolveDir,
    namespace: 'file',
    pluginData: NESTED,
    with: args.with,
  });
  // Unresolvable: let esbuild report it in its own words (bundle.ts adds the hint).
  if (resolved.errors.length > 0 || resolved.path === '') return undefined;

  const root = input.snapshot.root;
  if (!isInside(root, resolved.path)) {
    if (isBareSpecifier(specifier)) {
      const name = packageNameOf(specifier);
      const known = replacementFor(specifier);
      const replacement =
        known === NOT_AVAILABLE_HINT
          ? "vendor it in the project's own node_modules (pure JavaScript only)"
          : known;
      return rejected(specifier, {
        code: 'FORBIDDEN_IMPORT',
        message: `Package "${name}" is not part of the project: it resolves to a package of the host, outside the project directory.`,
        hint: `Instead: ${replacement}.`,
        replacement,
      });
    }
    return rejected(specifier, {
      code: 'IMPORT_OUTSIDE_PROJECT',
      message: `"${specifier}" resolves to a file outside the project directory; a build only bundles the project's own files.`,
      hint: 'Move the file into the project, or vendor it as a package in the project node_modules.',
    });
  }
  if (extensionOf(resolved.path) === '.node') {
    return rejected(specifier, {
      code: 'NATIVE_ADDON',
      message: `"${specifier}" is a native Node.js addon (${toRelative(root, resolved.path)}); sandboxed code runs JavaScript only.`,
      hint: 'Use a pure JavaScript package instead.',
    });
  }

  const file = input.snapshot.byAbsolutePath.get(resolved.path);
  if (input.kind === 'workflow' && file?.kind === 'activity') {
    return { path: `activity-stub/${file.path}`, namespace: VIRTUAL_NAMESPACE };
  }
  return {
    path: resolved.path,
    namespace: 'file',
    sideEffects: resolved.sideEffects,
    suffix: resolved.suffix,
  };
}

function rejected(
  specifier: string,
  problem: { code: string; message: string; hint: string; replacement?: string },
): OnResolveResult {
  const detail: PolicyDetail = { code: problem.code, hint: problem.hint, specifier };
  if (problem.replacement !== undefined) detail.replacement = problem.replacement;
  return {
    path: `rejected/${specifier}`,
    namespace: VIRTUAL_NAMESPACE,
    warnings: [{ text: problem.message, detail }],
  };
}

function loadVirtual(input: BundlePluginInput, path: string): OnLoadResult {
  if (path.startsWith('entry/'))
    return { contents: entryModule(input.entryFiles), loader: 'js', resolveDir: input.snapshot.root };
  if (path === 'api/workflow' || path === 'api/activity') {
    // CommonJS on purpose: named imports become property reads of the live API object, so the
    // bundle does not need to know the API's names.
    return { contents: `module.exports = ${API_PARAMETER}.${path.slice('api/'.length)};\n`, loader: 'js' };
  }
  if (path.startsWith('activity-stub/')) {
    const file = path.slice('activity-stub/'.length);
    return { contents: activityStubModule(input.activityExports.get(file) ?? []), loader: 'js' };
  }
  // A rejected import: an empty module so the build goes on to report every other problem.
  return { contents: 'module.exports = {};\n', loader: 'js' };
}

/** `modules` maps each entry file to its namespace; `Object.fromEntries` so any file name is an own key. */
function entryModule(entryFiles: readonly string[]): string {
  const lines = entryFiles.map((file, i) => `import * as m${i} from ${JSON.stringify(`./${file}`)};`);
  const pairs = entryFiles.map((file, i) => `[${JSON.stringify(file)}, m${i}]`);
  lines.push(`export const modules = Object.fromEntries([${pairs.join(', ')}]);`);
  return `${lines.join('\n')}\n`;
}

/**
 * The workflow-side replacement of an activity module: each exported activity becomes a function
 * that schedules it by name, so calling an activity from workflow code is a durable activity call.
 * Object-literal keys give the stubs the activities' names (visible in stack traces).
 */
function activityStubModule(names: readonly string[]): string {
  const lines = [
    `const stubs = {`,
    ...names.map(
      (name) =>
        `  ${JSON.stringify(name)}: (...args) => ${API_PARAMETER}.workflow.proxyActivities()[${JSON.stringify(name)}](...args),`,
    ),
    `};`,
    ...names.map((name, i) => `const a${i} = stubs[${JSON.stringify(name)}];`),
  ];
  if (names.length > 0) {
    lines.push(`export { ${names.map((name, i) => `a${i} as ${exportName(name)}`).join(', ')} };`);
  }
  return `${lines.join('\n')}\n`;
}

function exportName(name: string): string {
  return name === 'default' || /^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name);
}

const SOURCE_LOADERS: Readonly<Record<string, Loader>> = {
  '.ts': 'ts',
  '.mts': 'ts',
  '.cts': 'ts',
  '.js': 'js',
  '.mjs': 'js',
  '.cjs': 'js',
};

async function loadFile(input: BundlePluginInput, absolutePath: string): Promise<OnLoadResult> {
  const file: ProjectFile | undefined = input.snapshot.byAbsolutePath.get(absolutePath);
  if (file !== undefined) return { contents: file.bytes, loader: loaderFor(file.path) };
  // Not in the snapshot: a vendored package file or a file the scan skips (hidden, configuration).
  // The resolver already confined it to the project; check its size before reading it.
  const path = toRelative(input.snapshot.root, absolutePath);
  const { size } = await stat(absolutePath);
  if (size > input.maxFileBytes) {
    return {
      errors: [
        {
          text: `${path} is ${size} bytes, over the limit of ${input.maxFileBytes} bytes per file.`,
          detail: { code: 'FILE_TOO_LARGE', hint: 'Use a smaller package, or raise limits.maxFileBytes.' },
        },
      ],
    };
  }
  return { contents: new Uint8Array(await readFile(absolutePath)), loader: loaderFor(path) };
}

function loaderFor(path: string): Loader {
  const extension = extensionOf(path);
  if (/\.d\.[cm]?ts$/i.test(path)) return 'ts';
  return SOURCE_LOADERS[extension] ?? resourceLoaderFor(path);
}
