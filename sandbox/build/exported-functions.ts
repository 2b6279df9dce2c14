/**
 * Lists the functions each source file exports, statically, with TypeScript's parser: the build
 * runs in the engine process, which never executes user code.
 *
 * Forms recognised: `export [async] function f`, `export const f = (...) => ...` / `function`,
 * `export { f }`, `export { f as g }`, `export default function` / arrow / identifier (name
 * `default`), and re-exports from other project files (`export { f } from './x.js'`,
 * `export * from './x.js'`, `import { f } from './x.js'; export { f }`).
 */
import ts from 'typescript';

import { SOURCE_EXTENSIONS, extensionOf } from './file-kinds.js';

export interface ExportedFunctionSite {
  /** Project-relative file that exports the function. */
  file: string;
  name: string;
  /** 1-based position of the exported name (or of `export default`). */
  line: number;
  column: number;
}

type ExportEntry =
  | { kind: 'local'; exported: string; local: string; at: number }
  | { kind: 'function'; exported: string; at: number }
  | { kind: 'reexport'; exported: string; imported: string; from: string; at: number }
  | { kind: 'star'; from: string; at: number };

interface ModuleSummary {
  file: string;
  sourceFile: ts.SourceFile;
  /** Names of module-level bindings that hold a function. */
  localFunctions: Set<string>;
  /** Local name → where it is imported from. */
  imports: Map<string, { from: string; imported: string }>;
  exports: ExportEntry[];
}

/**
 * Exported functions of every given file, keyed by project-relative path.
 * @param sources project-relative path → source text, for every source file of the project.
 */
export function listExportedFunctions(
  sources: ReadonlyMap<string, string>,
): Map<string, ExportedFunctionSite[]> {
  const summaries = new Map<string, ModuleSummary>();
  for (const [file, text] of sources) summaries.set(file, summarize(file, text));
  const resolver = new ExportResolver(summaries);
  const result = new Map<string, ExportedFunctionSite[]>();
  for (const file of summaries.keys()) result.set(file, resolver.functionsOf(file));
  return result;
}

function summarize(file: string, text: string): ModuleSummary {
  const sourceFile = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, scriptKindOf(file));
  const summary: ModuleSummary = {
    file,
    sourceFile,
    localFunctions: new Set(),
    imports: new Map(),
    exports: [],
  };
  for (const statement of sourceFile.statements) collect(summary, statement);
  return summary;
}

function collect(summary: ModuleSummary, statement: ts.Statement): void {
  const { sourceFile } = summary;
  if (ts.isFunctionDeclaration(statement)) {
    if (statement.body === undefined || hasModifier(statement, ts.SyntaxKind.DeclareKeyword)) return;
    const isExported = hasModifier(statement, ts.SyntaxKind.ExportKeyword);
    const isDefault = hasModifier(statement, ts.SyntaxKind.DefaultKeyword);
    if (statement.name !== undefined) summary.localFunctions.add(statement.name.text);
    if (isExported) {
      const exported = isDefault ? 'default' : statement.name?.text;
      if (exported === undefined) return;
      const at = (isDefault ? statement : (statement.name ?? statement)).getStart(sourceFile);
      summary.exports.push({ kind: 'function', exported, at });
    }
    return;
  }
  if (ts.isVariableStatement(statement)) {
    if (hasModifier(statement, ts.SyntaxKind.DeclareKeyword)) return;
    const isExported = hasModifier(statement, ts.SyntaxKind.ExportKeyword);
    for (const declaration of statement.declarationList.declarations) {
      if (!ts.isIdentifier(declaration.name)) continue;
      if (declaration.initializer === undefined || !isFunctionExpression(declaration.initializer)) continue;
      summary.localFunctions.add(declaration.name.text);
      if (isExported) {
        summary.exports.push({
          kind: 'function',
          exported: declaration.name.text,
          at: declaration.name.getStart(sourceFile),
        });
      }
    }
    return;
  }
  if (ts.isExportAssignment(statement)) {
    // `export default <expression>` (not `export =`, which is CommonJS).
    if (statement.isExportEquals === true) return;
    const at = statement.getStart(sourceFile);
    const expression = unwrap(statement.expression);
    if (isFunctionExpression(expression)) summary.exports.push({ kind: 'function', exported: 'default', at });
    else if (ts.isIdentifier(expression)) {
      summary.exports.push({ kind: 'local', exported: 'default', local: expression.text, at });
    }
    return;
  }
  if (ts.isImportDeclaration(statement)) {
    if (statement.importClause === undefined || statement.importClause.isTypeOnly) return;
    if (!ts.isStringLiteral(statement.moduleSpecifier)) return;
    const from = statement.moduleSpecifier.text;
    const clause = statement.importClause;
    if (clause.name !== undefined) summary.imports.set(clause.name.text, { from, imported: 'default' });
    if (clause.namedBindings !== undefined && ts.isNamedImports(clause.namedBindings)) {
      for (const element of clause.namedBindings.elements) {
        if (element.isTypeOnly) continue;
        const imported = (element.propertyName ?? element.name).text;
        summary.imports.set(element.name.text, { from, imported });
      }
    }
    return;
  }
  if (ts.isExportDeclaration(statement)) {
    if (statement.isTypeOnly) return;
    const from =
      statement.moduleSpecifier !== undefined && ts.isStringLiteral(statement.moduleSpecifier)
        ? statement.moduleSpecifier.text
        : undefined;
    const clause = statement.exportClause;
    if (clause === undefined) {
      if (from !== undefined)
        summary.exports.push({ kind: 'star', from, at: statement.getStart(summary.sourceFile) });
      return;
    }
    // `export * as ns from '...'` exports a namespace object, not a function.
    if (!ts.isNamedExports(clause)) return;
    for (const element of clause.elements) {
      if (element.isTypeOnly) continue;
      const exported = moduleExportNameText(element.name);
      const local = moduleExportNameText(element.propertyName ?? element.name);
      const at = element.name.getStart(summary.sourceFile);
      if (from === undefined) summary.exports.push({ kind: 'local', exported, local, at });
      else summary.exports.push({ kind: 'reexport', exported, imported: local, from, at });
    }
  }
}

class ExportResolver {
  private readonly cache = new Map<string, Map<string, ExportedFunctionSite>>();

  constructor(private readonly summaries: ReadonlyMap<string, ModuleSummary>) {}

  functionsOf(file: string): ExportedFunctionSite[] {
    return [...this.resolve(file, new Set()).values()];
  }

  /** Exported name → site, for one file; `visiting` breaks cycles of re-exports. */
  private resolve(file: string, visiting: Set<string>): Map<string, ExportedFunctionSite> {
    const cached = this.cache.get(file);
    if (cached !== undefined) return cached;
    const summary = this.summaries.get(file);
    const result = new Map<string, ExportedFunctionSite>();
    if (summary === undefined || visiting.has(file)) return result;
    visiting.add(file);
    const explicit = new Set<string>();
    for (const entry of summary.exports) {
      if (entry.kind === 'star') continue;
      explicit.add(entry.exported);
      if (this.isFunctionExport(summary, entry, visiting)) {
        result.set(entry.exported, this.site(summary, entry.exported, entry.at));
      }
    }
    // `export *` never re-exports `default`, and explicit exports shadow it.
    for (const entry of summary.exports) {
      if (entry.kind !== 'star') continue;
      const target = resolveSpecifier(file, entry.from, this.summaries);
      if (target === undefined) continue;
      for (const [name] of this.resolve(target, visiting)) {
        if (name === 'default' || explicit.has(name) || result.has(name)) continue;
        result.set(name, this.site(summary, name, entry.at));
      }
    }
    visiting.delete(file);
    if (visiting.size === 0) this.cache.set(file, result);
    return result;
  }

  private isFunctionExport(summary: ModuleSummary, entry: ExportEntry, visiting: Set<string>): boolean {
    switch (entry.kind) {
      case 'function':
        return true;
      case 'local': {
        if (summary.localFunctions.has(entry.local)) return true;
        const imported = summary.imports.get(entry.local);
        return imported !== undefined && this.isImportedFunction(summary.file, imported, visiting);
      }
      case 'reexport':
        return this.isImportedFunction(
          summary.file,
          { from: entry.from, imported: entry.imported },
          visiting,
        );
      case 'star':
        return false;
    }
  }

  private isImportedFunction(
    file: string,
    imported: { from: string; imported: string },
    visiting: Set<string>,
  ): boolean {
    const target = resolveSpecifier(file, imported.from, this.summaries);
    return target !== undefined && this.resolve(target, visiting).has(imported.imported);
  }

  private site(summary: ModuleSummary, name: string, at: number): ExportedFunctionSite {
    const position = summary.sourceFile.getLineAndCharacterOfPosition(at);
    return { file: summary.file, name, line: position.line + 1, column: position.character + 1 };
  }
}

/** Resolves a relative specifier to a project source file the way the bundler does, or undefined. */
function resolveSpecifier(
  fromFile: string,
  specifier: string,
  files: ReadonlyMap<string, unknown>,
): string | undefined {
  if (!specifier.startsWith('./') && !specifier.startsWith('../')) return undefined;
  const base = joinRelative(fromFile.slice(0, fromFile.lastIndexOf('/') + 1), specifier);
  if (base === undefined) return undefined;
  const candidates = [base];
  const extension = extensionOf(base);
  // TypeScript projects import `./x.js` for `./x.ts` (NodeNext style).
  const tsCounterpart: Record<string, string> = { '.js': '.ts', '.mjs': '.mts', '.cjs': '.cts' };
  const counterpart = tsCounterpart[extension];
  if (counterpart !== undefined) candidates.push(base.slice(0, -extension.length) + counterpart);
  for (const ext of SOURCE_EXTENSIONS) candidates.push(base + ext, `${base}/index${ext}`);
  return candidates.find((candidate) => files.has(candidate));
}

/** Joins a project-relative directory (ending in `/` or empty) with a relative specifier. */
function joinRelative(dir: string, specifier: string): string | undefined {
  const parts = (dir + specifier).split('/');
  const out: string[] = [];
  for (const part of parts) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) return undefined;
      out.pop();
    } else out.push(part);
  }
  return out.join('/');
}

function hasModifier(node: ts.Node, kind: ts.SyntaxKind): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node)?.some((m) => m.kind === kind) ?? false);
}

function unwrap(expression: ts.Expression): ts.Expression {
  let current = expression;
  while (
    ts.isParenthesizedExpression(current) ||
    ts.isAsExpression(current) ||
    ts.isSatisfiesExpression(current) ||
    ts.isTypeAssertionExpression(current) ||
    ts.isNonNullExpression(current)
  ) {
    current = current.expression;
  }
  return current;
}

function isFunctionExpression(expression: ts.Expression): boolean {
  const inner = unwrap(expression);
  return ts.isArrowFunction(inner) || ts.isFunctionExpression(inner);
}

function moduleExportNameText(name: ts.ModuleExportName): string {
  return name.text;
}

export function scriptKindOf(file: string): ts.ScriptKind {
  const extension = extensionOf(file);
  if (extension === '.ts' || extension === '.mts' || extension === '.cts') return ts.ScriptKind.TS;
  return ts.ScriptKind.JS;
}
