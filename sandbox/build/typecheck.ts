/**
 * Type checks a project with the TypeScript compiler API over an in-memory compiler host.
 *
 * - Project files come from the snapshot; reads are confined to the project, TypeScript's `lib`
 *   folder and Whisker's own sources (for the guest API types). Packages of the host are invisible.
 * - `whisker/workflow` and `whisker/activity` map (`paths`) to the real guest API modules.
 * - Parsed (and bound) `lib` and guest API files are kept across builds: they are most of the
 *   work of a small project's check, and they never change while the process runs (guest files are
 *   re-read when their mtime changes).
 * - Only diagnostics in the project's own files (and its config) are reported.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import ts from 'typescript';

import type { GuestApiTypes } from './build-options.js';
import type { BuildDiagnostic } from './diagnostics.js';
import { extensionOf, resourceLoaderFor } from './file-kinds.js';
import type { ProjectConfig } from './project-config.js';
import { tsDiagnostic } from './project-config.js';
import type { ProjectSnapshot } from './project-files.js';
import { isInside } from './project-files.js';
import { sandboxEnvDeclarations } from './sandbox-env.js';
import { sharedSourceFiles, sharedTexts } from './typecheck-cache.js';

export interface TypecheckInput {
  snapshot: ProjectSnapshot;
  config: ProjectConfig;
  guestApiTypes: GuestApiTypes;
  /** Folders outside the project the checker may read (Whisker's sources, for the guest API). */
  readableRoots: readonly string[];
}

const LIB_DIR = dirname(ts.getDefaultLibFilePath({}));

/** Defaults when the project has no tsconfig.json: strict, modern, no DOM, no Node types. */
const DEFAULT_OPTIONS: Readonly<ts.CompilerOptions> = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ['lib.es2022.d.ts'],
  strict: true,
  allowJs: true,
  checkJs: false,
  skipLibCheck: true,
  resolveJsonModule: true,
  isolatedModules: true,
  esModuleInterop: true,
  allowImportingTsExtensions: true,
  forceConsistentCasingInFileNames: true,
  types: [],
};

/** Options that only matter when emitting, or that would reject the guest API files (`rootDir`). */
const EMIT_OPTIONS: readonly (keyof ts.CompilerOptions)[] = [
  'rootDir',
  'outDir',
  'outFile',
  'declarationDir',
  'composite',
  'incremental',
  'tsBuildInfoFile',
  'declaration',
  'declarationMap',
  'emitDeclarationOnly',
  'sourceMap',
  'inlineSourceMap',
  'inlineSources',
];

export function compilerOptionsFor(config: ProjectConfig, guest: GuestApiTypes): ts.CompilerOptions {
  const options: ts.CompilerOptions =
    config.compilerOptions === undefined
      ? { ...DEFAULT_OPTIONS }
      : {
          lib: DEFAULT_OPTIONS.lib,
          types: [],
          allowImportingTsExtensions: true,
          skipLibCheck: true,
          ...config.compilerOptions,
        };
  for (const key of EMIT_OPTIONS) delete options[key];
  options.noEmit = true;
  options.paths = {
    ...options.paths,
    'whisker/workflow': [guest.workflow],
    'whisker/activity': [guest.activity],
  };
  if (config.configSourceFile !== undefined) options.configFile = config.configSourceFile;
  return options;
}

export function typecheckProject(input: TypecheckInput): BuildDiagnostic[] {
  const { snapshot, config, guestApiTypes } = input;
  const options = compilerOptionsFor(config, guestApiTypes);
  const envFile = join(snapshot.root, '.whisker-build', 'sandbox-env.d.ts');
  const libs = (options.lib ?? []).map((lib) => lib.toLowerCase());
  const hasWebGlobals = libs.some(
    (lib) => /\blib\.(dom|webworker)\b/.test(lib) || lib === 'dom' || lib === 'webworker',
  );
  const binaryExtensions = snapshot.files
    .filter((f) => f.kind === 'resource' && resourceLoaderFor(f.path) === 'binary')
    .map((f) => extensionOf(f.path));
  const envText = sandboxEnvDeclarations(binaryExtensions, !hasWebGlobals);

  const userFiles = snapshot.files.filter(
    (f) =>
      (f.kind === 'workflow' || f.kind === 'activity' || f.kind === 'declaration') &&
      (options.allowJs === true || scriptKindIsTs(f.path)),
  );
  const host = createHost(input, options, envFile, envText);
  const program = ts.createProgram({
    rootNames: [...userFiles.map((f) => f.absolutePath), envFile],
    options,
    host,
  });

  const configFile = config.configFile;
  const found: ts.Diagnostic[] = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
  for (const file of userFiles) {
    const sourceFile = program.getSourceFile(file.absolutePath);
    if (sourceFile === undefined) continue;
    found.push(...program.getSyntacticDiagnostics(sourceFile), ...program.getSemanticDiagnostics(sourceFile));
  }
  return found
    .filter((d) => d.category === ts.DiagnosticCategory.Error || d.category === ts.DiagnosticCategory.Warning)
    .filter(
      (d) =>
        d.file === undefined || (isInside(snapshot.root, d.file.fileName) && d.file.fileName !== envFile),
    )
    .map((d) => withSandboxHint(tsDiagnostic(d, snapshot, configFile), d.code));
}

/** TypeScript suggests installing @types/node or adding the DOM lib; neither exists in the sandbox. */
const SANDBOX_HINTS: ReadonlyMap<number, string> = new Map([
  [2580, 'Node.js globals (process, require, Buffer, __dirname) do not exist in sandboxed code.'],
  [2591, 'Node.js globals (process, require, Buffer, __dirname) do not exist in sandboxed code.'],
  [2592, 'Node.js globals (process, require, Buffer, __dirname) do not exist in sandboxed code.'],
  [2584, 'Sandboxed code has no DOM (document, window); it has console, fetch, timers and crypto.'],
]);

function withSandboxHint(diagnostic: BuildDiagnostic, code: number): BuildDiagnostic {
  const hint = SANDBOX_HINTS.get(code);
  return hint === undefined ? diagnostic : { ...diagnostic, hint };
}

function scriptKindIsTs(path: string): boolean {
  const extension = extensionOf(path);
  return extension === '.ts' || extension === '.mts' || extension === '.cts';
}

function createHost(
  input: TypecheckInput,
  options: ts.CompilerOptions,
  envFile: string,
  envText: string,
): ts.CompilerHost {
  const { snapshot } = input;
  const root = snapshot.root;
  const readableRoots = [LIB_DIR, ...input.readableRoots];
  const bindingKey = [
    options.target,
    options.module,
    options.moduleResolution,
    options.alwaysStrict ?? options.strict,
    options.allowJs,
    options.checkJs,
    options.jsx,
  ].join(',');

  /** Text of any file the checker may see, or undefined when it is absent or out of bounds. */
  const readText = (path: string): { version: string; text: string | undefined } => {
    if (path === envFile) return { version: 'env', text: envText };
    if (isInside(root, path)) {
      const file = snapshot.byAbsolutePath.get(path);
      if (file !== undefined) {
        return { version: 'snapshot', text: file.text ?? Buffer.from(file.bytes).toString('utf8') };
      }
      // Vendored packages, package.json files, and files the scan skips: straight from disk.
      return { version: 'disk', text: readOrUndefined(path) };
    }
    if (!readableRoots.some((dir) => isInside(dir, path)) || isUnderNodeModules(path, readableRoots)) {
      return { version: 'denied', text: undefined };
    }
    // Outside the project: lib files (immutable) and Whisker's sources (re-read when they change).
    const version = path.startsWith(LIB_DIR + sep) ? 'lib' : mtimeOf(path);
    const cached = sharedTexts.get(path);
    if (cached?.version === version) return cached;
    const entry = { version, text: readOrUndefined(path) };
    sharedTexts.set(path, entry);
    return entry;
  };

  return {
    fileExists: (path) => readText(path).text !== undefined,
    readFile: (path) => readText(path).text,
    directoryExists: (path) => {
      if (isInside(root, path)) return true;
      return (
        readableRoots.some((dir) => isInside(dir, path) || isInside(path, dir)) &&
        !isUnderNodeModules(path, readableRoots)
      );
    },
    getDirectories: () => [],
    realpath: (path) => path,
    getSourceFile: (fileName, languageVersionOrOptions, onError) => {
      const { version, text } = readText(fileName);
      if (text === undefined) {
        onError?.(`File not found or not readable: ${fileName}`);
        return undefined;
      }
      const settings =
        typeof languageVersionOrOptions === 'object'
          ? languageVersionOrOptions
          : { languageVersion: languageVersionOrOptions };
      if (version === 'snapshot' || version === 'disk' || version === 'env') {
        return ts.createSourceFile(fileName, text, settings, false);
      }
      const key = `${fileName}\u0000${settings.languageVersion}\u0000${settings.impliedNodeFormat ?? ''}\u0000${bindingKey}`;
      const cached = sharedSourceFiles.get(key);
      if (cached?.version === version) return cached.sourceFile;
      const sourceFile = ts.createSourceFile(fileName, text, settings, false);
      sharedSourceFiles.set(key, { version, sourceFile });
      return sourceFile;
    },
    getDefaultLibFileName: (o) => join(LIB_DIR, ts.getDefaultLibFileName(o)),
    getDefaultLibLocation: () => LIB_DIR,
    writeFile: () => undefined,
    getCurrentDirectory: () => root,
    getCanonicalFileName: (fileName) => fileName,
    useCaseSensitiveFileNames: () => true,
    getNewLine: () => '\n',
  };
}

/** True when `path` is inside a `node_modules` folder below one of `roots` (host packages). */
function isUnderNodeModules(path: string, roots: readonly string[]): boolean {
  if (isInside(LIB_DIR, path)) return false;
  return roots.some(
    (dir) => isInside(dir, path) && path.slice(dir.length).split(sep).includes('node_modules'),
  );
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function mtimeOf(path: string): string {
  try {
    return String(statSync(path).mtimeMs);
  } catch {
    return 'missing';
  }
}
