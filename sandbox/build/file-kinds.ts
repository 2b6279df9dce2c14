/**
 * What each file of a project is, decided from its project-relative path alone:
 * source (workflow code or an activity module), a type declaration, project configuration,
 * a test, or a resource (everything else).
 */

/** Extensions of source files that are bundled. */
export const SOURCE_EXTENSIONS: readonly string[] = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'];

/**
 * Files at the project root that configure the project rather than belong to its code or data.
 * They are neither bundled as sources nor shipped as resources (a deployment carries its own
 * configuration), though code may still `import` one explicitly.
 */
const PROJECT_CONFIG_FILES: ReadonlySet<string> = new Set([
  'tsconfig.json',
  'jsconfig.json',
  'package.json',
  'package-lock.json',
  'npm-shrinkwrap.json',
  'whisker.yaml',
  'whisker.yml',
]);

/**
 * Resource extensions imported as text (a `string`). `.json` is imported as parsed JSON; any other
 * extension is imported as bytes (`Uint8Array`).
 */
export const TEXT_RESOURCE_EXTENSIONS: readonly string[] = [
  '.txt',
  '.text',
  '.md',
  '.markdown',
  '.html',
  '.htm',
  '.css',
  '.csv',
  '.tsv',
  '.xml',
  '.svg',
  '.yaml',
  '.yml',
  '.toml',
  '.ini',
  '.sql',
  '.graphql',
  '.gql',
  '.hbs',
  '.handlebars',
  '.mustache',
  '.ejs',
  '.njk',
  '.tpl',
  '.tmpl',
  '.eml',
  '.pem',
];

export type FileKind = 'workflow' | 'activity' | 'declaration' | 'config' | 'test' | 'resource';

/** How an imported resource becomes a value: `text` → string, `json` → parsed, `binary` → Uint8Array. */
export type ResourceLoader = 'text' | 'json' | 'binary';

/** The extension of a path including the dot (`.ts`), `''` when there is none. Dotfiles have none. */
export function extensionOf(relativePath: string): string {
  const base = relativePath.slice(relativePath.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot).toLowerCase() : '';
}

export function isDeclarationPath(relativePath: string): boolean {
  return /\.d\.[cm]?ts$/i.test(relativePath);
}

export function isSourcePath(relativePath: string): boolean {
  return SOURCE_EXTENSIONS.includes(extensionOf(relativePath)) && !isDeclarationPath(relativePath);
}

/** `*.test.*` and `*.spec.*` files are tests: never bundled, never resources. */
export function isTestPath(relativePath: string): boolean {
  const base = relativePath.slice(relativePath.lastIndexOf('/') + 1);
  return /\.(test|spec)\.[^/]+$/i.test(base);
}

/**
 * Activity modules by convention (see `sandbox/artifact.ts`): `activities.ts` / `activities.js`
 * (any source extension), `*.activities.ts`, or any source file under an `activities/` folder.
 */
export function isActivityModulePath(relativePath: string): boolean {
  if (!isSourcePath(relativePath)) return false;
  const segments = relativePath.split('/');
  const base = segments[segments.length - 1] ?? '';
  if (segments.slice(0, -1).includes('activities')) return true;
  const stem = base.slice(0, base.length - extensionOf(base).length);
  return stem === 'activities' || stem.endsWith('.activities');
}

export function classifyFile(relativePath: string): FileKind {
  if (isTestPath(relativePath)) return 'test';
  if (!relativePath.includes('/') && PROJECT_CONFIG_FILES.has(relativePath)) return 'config';
  if (isDeclarationPath(relativePath)) return 'declaration';
  if (isSourcePath(relativePath)) return isActivityModulePath(relativePath) ? 'activity' : 'workflow';
  return 'resource';
}

export function resourceLoaderFor(relativePath: string): ResourceLoader {
  const extension = extensionOf(relativePath);
  if (extension === '.json') return 'json';
  return TEXT_RESOURCE_EXTENSIONS.includes(extension) ? 'text' : 'binary';
}
