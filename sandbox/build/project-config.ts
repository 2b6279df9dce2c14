/**
 * The project's `tsconfig.json` (or `jsconfig.json`), validated with TypeScript's own parser: its
 * compiler options drive type checking, and the few that change how TypeScript compiles drive the
 * bundler. Without one, strict defaults apply.
 */
import type { TsconfigRaw } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import ts from 'typescript';

import type { BuildDiagnostic } from './diagnostics.js';
import { codeFrame } from './diagnostics.js';
import type { ProjectSnapshot } from './project-files.js';
import { isInside, toRelative } from './project-files.js';

export interface ProjectConfig {
  /** Project-relative name of the config file, when there is one. */
  configFile: string | undefined;
  /** Parsed compiler options (without Whisker's overrides); undefined without a config file. */
  compilerOptions: ts.CompilerOptions | undefined;
  /** The parsed config file, so option errors found later point into it. */
  configSourceFile: ts.TsConfigSourceFile | undefined;
  /** What esbuild needs to compile TypeScript as `tsc` would. */
  tsconfigRaw: TsconfigRaw;
  /** Errors and warnings in the config file. */
  diagnostics: BuildDiagnostic[];
}

const CONFIG_NAMES = ['tsconfig.json', 'jsconfig.json'] as const;

/** "No inputs were found in config file": the build chooses the files, not `include`. */
const IGNORED_CONFIG_CODES: ReadonlySet<number> = new Set([18003]);

export function readProjectConfig(snapshot: ProjectSnapshot): ProjectConfig {
  const file = CONFIG_NAMES.map((name) => snapshot.byPath.get(name)).find((f) => f !== undefined);
  if (file?.text === undefined) {
    return {
      configFile: undefined,
      compilerOptions: undefined,
      configSourceFile: undefined,
      tsconfigRaw: {},
      diagnostics: [],
    };
  }
  const root = snapshot.root;
  // Not JSON (TypeScript's JSON dialect: comments and trailing commas allowed): the first error.
  const syntax = ts.parseConfigFileTextToJson(file.absolutePath, file.text).error;
  if (syntax !== undefined) {
    return {
      configFile: file.path,
      compilerOptions: undefined,
      configSourceFile: undefined,
      tsconfigRaw: {},
      diagnostics: [configDiagnostic(syntax, snapshot, file.path)],
    };
  }
  const sourceFile = ts.parseJsonText(file.absolutePath, file.text);
  // Reads are confined to the project: `extends` may name a file or a vendored package inside it.
  const host: ts.ParseConfigHost = {
    useCaseSensitiveFileNames: true,
    readDirectory: () => [],
    fileExists: (path) => isInside(root, path) && (snapshot.byAbsolutePath.has(path) || existsSync(path)),
    readFile: (path) => {
      if (!isInside(root, path)) return undefined;
      const known = snapshot.byAbsolutePath.get(path);
      if (known?.text !== undefined) return known.text;
      try {
        return readFileSync(path, 'utf8');
      } catch {
        return undefined;
      }
    },
  };
  const parsed = ts.parseJsonSourceFileConfigFileContent(
    sourceFile,
    host,
    root,
    undefined,
    file.absolutePath,
  );
  const diagnostics = parsed.errors
    .filter((d) => !IGNORED_CONFIG_CODES.has(d.code))
    .map((d) => configDiagnostic(d, snapshot, file.path));
  const options = parsed.options;
  return {
    configFile: file.path,
    compilerOptions: options,
    configSourceFile: sourceFile,
    tsconfigRaw: esbuildTsconfig(options, root),
    diagnostics,
  };
}

function esbuildTsconfig(options: ts.CompilerOptions, root: string): TsconfigRaw {
  const target = options.target ?? ts.ScriptTarget.ES2022;
  const compilerOptions: NonNullable<TsconfigRaw['compilerOptions']> = {
    // tsc's default: define semantics for class fields from ES2022 on.
    useDefineForClassFields: options.useDefineForClassFields ?? target >= ts.ScriptTarget.ES2022,
  };
  if (options.experimentalDecorators !== undefined)
    compilerOptions.experimentalDecorators = options.experimentalDecorators;
  if (options.verbatimModuleSyntax !== undefined)
    compilerOptions.verbatimModuleSyntax = options.verbatimModuleSyntax;
  if (options.preserveValueImports !== undefined)
    compilerOptions.preserveValueImports = options.preserveValueImports;
  if (options.paths !== undefined) {
    // esbuild resolves `paths` against `baseUrl`, or the project root; results are still confined.
    compilerOptions.baseUrl = options.baseUrl ?? root;
    compilerOptions.paths = options.paths;
  }
  return { compilerOptions };
}

/** A TypeScript diagnostic as a build diagnostic; `fallbackFile` when it has no file of its own. */
export function tsDiagnostic(
  d: ts.Diagnostic,
  snapshot: ProjectSnapshot,
  fallbackFile?: string,
): BuildDiagnostic {
  const diagnostic: BuildDiagnostic = {
    code: `TS${d.code}`,
    severity: d.category === ts.DiagnosticCategory.Error ? 'error' : 'warning',
    message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
  };
  if (d.file !== undefined && d.start !== undefined) {
    const position = d.file.getLineAndCharacterOfPosition(d.start);
    diagnostic.file = isInside(snapshot.root, d.file.fileName)
      ? toRelative(snapshot.root, d.file.fileName)
      : d.file.fileName;
    diagnostic.line = position.line + 1;
    diagnostic.column = position.character + 1;
    const excerpt = codeFrame(d.file.text, diagnostic.line, diagnostic.column, d.length ?? 1);
    if (excerpt !== undefined) diagnostic.excerpt = excerpt;
  } else if (fallbackFile !== undefined) {
    diagnostic.file = fallbackFile;
  }
  return diagnostic;
}

function configDiagnostic(d: ts.Diagnostic, snapshot: ProjectSnapshot, configFile: string): BuildDiagnostic {
  const diagnostic = tsDiagnostic(d, snapshot, configFile);
  diagnostic.hint = `Fix ${configFile}; see https://www.typescriptlang.org/tsconfig for the options.`;
  return diagnostic;
}
