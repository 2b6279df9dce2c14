/**
 * Bundles one half of a project (workflow or activity code) with esbuild into the bundle shape of
 * `sandbox/artifact.ts`: a classic script whose completion value is
 * `(whisker) => { modules: Record<file, namespace> }`.
 */
import type { BuildFailure, BuildOptions as EsbuildOptions, Message, Metafile, TsconfigRaw } from 'esbuild';
import { join, sep } from 'node:path';

import type { BundleCode } from '../artifact.js';
import type { BuildDiagnostic } from './diagnostics.js';
import { codeFrame, lineFrame } from './diagnostics.js';
import type { BundlePluginInput, PolicyDetail } from './bundle-plugin.js';
import { API_PARAMETER, ENTRY_SPECIFIER, VIRTUAL_NAMESPACE, bundlePlugin } from './bundle-plugin.js';
import { isBareSpecifier, packageNameOf } from './import-policy.js';
import type { ProjectSnapshot } from './project-files.js';

export interface BundleRequest extends BundlePluginInput {
  /** The project's compiler options that change how esbuild compiles TypeScript. */
  tsconfigRaw: TsconfigRaw;
  maxBundleBytes: number;
}

export type BundleResult =
  | { ok: true; bundle: BundleCode; inputs: string[]; warnings: BuildDiagnostic[] }
  | { ok: false; diagnostics: BuildDiagnostic[] };

/** Holds esbuild's IIFE result inside the wrapper function (a local, never a global). */
const RESULT_VARIABLE = '__whiskerBundle';

/**
 * Lines around esbuild's output. esbuild counts them when it writes the source map, so
 * mappings stay exact. `"use strict"` because the sources are ES modules (strict by definition).
 */
const BANNER = `(function (${API_PARAMETER}) {\n"use strict";`;
const FOOTER = `return { modules: ${RESULT_VARIABLE}.modules };\n})`;

/**
 * V8 in isolated-vm 5 is Node's own (Node 20 and later), which runs ES2022 and more; ES2022 is the
 * floor we promise users, and newer syntax is lowered to it.
 */
const TARGET = 'es2022';

export async function bundle(request: BundleRequest): Promise<BundleResult> {
  const root = request.snapshot.root;
  const options: EsbuildOptions & { write: false; metafile: true } = {
    absWorkingDir: root,
    entryPoints: [ENTRY_SPECIFIER],
    bundle: true,
    write: false,
    metafile: true,
    format: 'iife',
    globalName: RESULT_VARIABLE,
    // Neutral: no Node.js assumptions (Buffer, require); binary resources decode without Buffer.
    platform: 'neutral',
    mainFields: ['module', 'main'],
    target: TARGET,
    // The output name only anchors relative `sources` at the project root; nothing is written.
    outfile: join(root, `whisker-${request.kind}.js`),
    sourcemap: 'external',
    sourcesContent: true,
    banner: { js: BANNER },
    footer: { js: FOOTER },
    // Many pure-JS packages branch on this; there is no `process` in the sandbox.
    define: { 'process.env.NODE_ENV': '"production"' },
    // Given explicitly so esbuild never reads a tsconfig.json outside the project.
    tsconfigRaw: request.tsconfigRaw,
    plugins: [bundlePlugin(request)],
    logLevel: 'silent',
    logLimit: 0,
  };

  let result: {
    errors: Message[];
    warnings: Message[];
    outputFiles: { path: string; text: string }[];
    metafile: Metafile;
  };
  try {
    // Loaded on first use: a process that never bundles (the engine: builds run in a child
    // process) does not carry esbuild's module (~15 MB of RSS).
    const { build } = await import('esbuild');
    result = await build(options);
  } catch (error) {
    if (!isBuildFailure(error)) throw error;
    const diagnostics = [
      ...error.errors.map((m) => toDiagnostic(m, 'error', request.snapshot)),
      ...error.warnings.map((m) => toDiagnostic(m, 'warning', request.snapshot)),
    ];
    return { ok: false, diagnostics };
  }

  const all = result.warnings.map((m) => toDiagnostic(m, 'warning', request.snapshot));
  const policyErrors = all.filter((d) => d.severity === 'error');
  if (policyErrors.length > 0) return { ok: false, diagnostics: all };

  const code = result.outputFiles.find((f) => f.path.endsWith('.js'))?.text;
  const sourceMap = result.outputFiles.find((f) => f.path.endsWith('.js.map'))?.text;
  if (code === undefined || sourceMap === undefined) {
    throw new Error(
      `esbuild produced no ${request.kind} bundle or no source map (outputs: ${result.outputFiles.length})`,
    );
  }
  const size = Buffer.byteLength(code) + Buffer.byteLength(sourceMap);
  if (size > request.maxBundleBytes) {
    return {
      ok: false,
      diagnostics: [
        {
          code: 'BUNDLE_TOO_LARGE',
          severity: 'error',
          message: `The ${request.kind} bundle is ${size} bytes (code and source map), over the limit of ${request.maxBundleBytes} bytes.`,
          hint: 'Bundle fewer or smaller packages, or raise limits.maxBundleBytes.',
        },
      ],
    };
  }
  const inputs = Object.keys(result.metafile.inputs).filter(
    (input) => !input.startsWith(`${VIRTUAL_NAMESPACE}:`),
  );
  return { ok: true, bundle: { code, sourceMap }, inputs, warnings: all };
}

function isBuildFailure(error: unknown): error is BuildFailure {
  return error instanceof Error && Array.isArray((error as Partial<BuildFailure>).errors);
}

const STUB_PREFIX = `${VIRTUAL_NAMESPACE}:activity-stub/`;

/** An esbuild message as a diagnostic: our policy codes, or a code from the message's kind. */
export function toDiagnostic(
  message: Message,
  severity: 'error' | 'warning',
  snapshot: ProjectSnapshot,
): BuildDiagnostic {
  const detail = isPolicyDetail(message.detail) ? message.detail : undefined;
  const diagnostic: BuildDiagnostic = {
    code: 'SYNTAX_ERROR',
    severity,
    message: scrub(message.text, snapshot.root),
  };
  const location = message.location;
  if (location !== null) {
    const file = projectRelative(location.file, snapshot.root);
    const column = utf16Length(location.lineText, location.column) + 1;
    const length = Math.max(1, utf16Length(location.lineText.slice(column - 1), location.length));
    diagnostic.file = file;
    diagnostic.line = location.line;
    diagnostic.column = column;
    const text = snapshot.byPath.get(file)?.text;
    const excerpt =
      text !== undefined
        ? codeFrame(text, location.line, column, length)
        : lineFrame(location.lineText, location.line, column, length);
    if (excerpt !== undefined) diagnostic.excerpt = excerpt;
  }

  if (detail !== undefined) {
    policyDetails.set(diagnostic, detail);
    diagnostic.code = detail.code;
    diagnostic.severity = 'error';
    if (detail.hint !== undefined) diagnostic.hint = detail.hint;
    return diagnostic;
  }
  if (severity === 'warning') {
    diagnostic.code =
      message.id === '' ? 'BUNDLER_WARNING' : `BUNDLER_${message.id.replace(/-/g, '_').toUpperCase()}`;
    return diagnostic;
  }

  const unresolved = /^Could not resolve "(.+)"$/.exec(message.text);
  const missing = /^No matching export in "(.+)" for import "(.+)"$/.exec(message.text);
  if (unresolved?.[1] !== undefined) {
    const specifier = unresolved[1];
    diagnostic.code = 'UNRESOLVED_IMPORT';
    diagnostic.hint = isBareSpecifier(specifier)
      ? `Install "${packageNameOf(specifier)}" into the project's own node_modules (pure JavaScript packages are bundled).`
      : 'Check the path: relative imports are resolved from the importing file, within the project.';
  } else if (missing?.[1] !== undefined && missing[2] !== undefined) {
    const [, module, name] = missing;
    if (module.startsWith(STUB_PREFIX)) {
      const activityFile = module.slice(STUB_PREFIX.length);
      diagnostic.code = 'ACTIVITY_NOT_EXPORTED';
      diagnostic.message = `Activity module ${activityFile} exports no function "${name}"; workflow code can import only the functions an activity module exports (each call becomes a durable activity call).`;
      diagnostic.hint = `Export "${name}" as a function from ${activityFile}, or move shared values and types to a module that is not an activity module.`;
    } else {
      diagnostic.code = 'MISSING_EXPORT';
      diagnostic.message = `Module ${module} has no export named "${name}".`;
      diagnostic.hint = `Check the name, or export "${name}" from ${module}.`;
    }
  } else if (message.text.startsWith('Top-level await is currently not supported')) {
    diagnostic.code = 'TOP_LEVEL_AWAIT';
    diagnostic.message = 'Top-level await is not supported: modules are loaded synchronously in the sandbox.';
    diagnostic.hint = 'Move the await into the exported function that needs the value.';
  } else {
    if (location === null) diagnostic.code = 'BUNDLE_ERROR';
    const notes = message.notes.map((n) => scrub(n.text, snapshot.root)).filter((n) => n !== '');
    if (notes.length > 0) diagnostic.hint = notes.join(' ');
  }
  return diagnostic;
}

/** The policy facts behind a diagnostic made from a rejected import (for the summary). */
const policyDetails = new WeakMap<BuildDiagnostic, PolicyDetail>();

export function policyDetailOf(diagnostic: BuildDiagnostic): PolicyDetail | undefined {
  return policyDetails.get(diagnostic);
}

function isPolicyDetail(detail: unknown): detail is PolicyDetail {
  return (
    typeof detail === 'object' && detail !== null && typeof (detail as { code?: unknown }).code === 'string'
  );
}

/** Number of UTF-16 code units in the first `bytes` UTF-8 bytes of `text` (esbuild counts bytes). */
function utf16Length(text: string, bytes: number): number {
  return Buffer.from(text, 'utf8').subarray(0, bytes).toString('utf8').length;
}

function projectRelative(file: string, root: string): string {
  return file.startsWith(root + sep)
    ? file
        .slice(root.length + 1)
        .split(sep)
        .join('/')
    : file;
}

/** Removes the project's absolute location from text meant for users (it means nothing to them). */
export function scrub(text: string, root: string): string {
  return text.split(root + sep).join('');
}
