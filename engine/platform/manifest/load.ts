/**
 * `loadProjectManifest(dir)`: reads `dir/whisker.yaml` and parses it. The only function of the
 * module that does I/O. Problems with the file itself (missing, unreadable, too big, not UTF-8)
 * are diagnostics like any other, so a build can record them.
 */
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { makeDiagnostic } from './diagnostics.js';
import type { ManifestDiagnosticCode } from './diagnostics.js';
import { DEFAULT_MANIFEST_FILE, parseManifest } from './parse.js';
import type { ParseManifestResult } from './parse.js';
import { ManifestSourceMap } from './source-map.js';
import { MAX_MANIFEST_BYTES } from './types.js';

export async function loadProjectManifest(dir: string): Promise<ParseManifestResult> {
  const file = DEFAULT_MANIFEST_FILE;
  const path = join(dir, file);
  const fail = (code: ManifestDiagnosticCode, problem: string, hint?: string): ParseManifestResult => ({
    diagnostics: [makeDiagnostic(code, { path: '', file, problem, hint })],
    sourceMap: new ManifestSourceMap(file),
  });

  let bytes: Buffer;
  try {
    const info = await stat(path);
    if (!info.isFile()) return fail('MANIFEST_UNREADABLE', `${path} is not a regular file`);
    if (info.size > MAX_MANIFEST_BYTES) {
      return fail(
        'MANIFEST_TOO_LARGE',
        `${path} is ${info.size} bytes; the limit is ${MAX_MANIFEST_BYTES}`,
        'a manifest declares the project; keep data in resource files',
      );
    }
    // Read at most one byte past the limit, in case the file grows between stat and read.
    const handle = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(MAX_MANIFEST_BYTES + 1);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      if (bytesRead > MAX_MANIFEST_BYTES) {
        return fail('MANIFEST_TOO_LARGE', `${path} is larger than the limit of ${MAX_MANIFEST_BYTES} bytes`);
      }
      bytes = buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      const alternative = await existingAlternative(dir);
      return fail(
        'MANIFEST_NOT_FOUND',
        `${dir} has no ${file}`,
        alternative !== undefined
          ? `found ${alternative}: rename it to ${file}`
          : `create ${file} with \`version: 1\` and a \`project:\` with a \`name\``,
      );
    }
    return fail('MANIFEST_UNREADABLE', `cannot read ${path}: ${(error as Error).message}`);
  }

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return fail('MANIFEST_UNREADABLE', `${path} is not valid UTF-8 text`, 'save the file as UTF-8');
  }
  return parseManifest(text, { file });
}

async function existingAlternative(dir: string): Promise<string | undefined> {
  for (const name of ['whisker.yml', 'Whisker.yaml', 'whisker.json']) {
    try {
      if ((await stat(join(dir, name))).isFile()) return name;
    } catch {
      // not there either
    }
  }
  return undefined;
}
