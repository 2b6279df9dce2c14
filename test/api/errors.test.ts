/**
 * The error registry: every code is documented in docs/api-errors.md with its status, and every
 * stable code the engine and the layers below can throw has a status in the registry (a new code
 * must be mapped before it can reach a client as an unexplained 500).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { API_ERROR_CODES } from '../../api/index.js';
import { errorResponse } from '../../api/error-response.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(ROOT, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await sourceFiles(path)));
    else if (entry.name.endsWith('.ts')) out.push(path);
  }
  return out;
}

describe('error registry', () => {
  it('documents every code, with its status, in docs/api-errors.md', async () => {
    const doc = await readFile(join(ROOT, 'docs/api-errors.md'), 'utf8');
    const rows = new Map<string, number>();
    for (const match of doc.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \| (\d{3}) \|/gm))
      rows.set(match[1] as string, Number(match[2]));
    for (const [code, info] of Object.entries(API_ERROR_CODES)) {
      expect(rows.get(code), `${code} in docs/api-errors.md`).toBe(info.status);
    }
    expect(
      [...rows.keys()].filter((code) => !(code in API_ERROR_CODES)),
      'documented but not in the registry',
    ).toEqual([]);
  });

  it('maps every code the engine, sandbox, journal and common modules throw', async () => {
    const thrown = new Set<string>();
    for (const dir of ['engine', 'sandbox', 'journal', 'common']) {
      for (const file of await sourceFiles(dir)) {
        const text = await readFile(join(ROOT, file), 'utf8');
        for (const match of text.matchAll(/super\(\s*'([A-Z][A-Z0-9_]+)'/g)) thrown.add(match[1] as string);
        // Errors that take their code as a parameter declare the codes as a union: `code: | 'A' | 'B'`.
        for (const union of text.matchAll(/constructor\(\s*code:\s*((?:\|?\s*'[A-Z][A-Z0-9_]+'\s*)+)[,)]/g)) {
          for (const match of (union[1] as string).matchAll(/'([A-Z][A-Z0-9_]+)'/g))
            thrown.add(match[1] as string);
        }
      }
    }
    expect(thrown.size).toBeGreaterThan(30);
    expect([...thrown].filter((code) => !(code in API_ERROR_CODES)).sort()).toEqual([]);
  });

  it('gives engine errors their status and their facts as details', () => {
    const error = Object.assign(new Error('project "x" does not exist'), {
      code: 'PROJECT_NOT_FOUND',
      project: 'x',
    });
    expect(errorResponse(error)).toEqual({
      status: 404,
      internal: false,
      body: { code: 'PROJECT_NOT_FOUND', message: 'project "x" does not exist', details: { project: 'x' } },
    });
    expect(errorResponse(new TypeError('x is undefined'))).toEqual({
      status: 500,
      internal: true,
      body: {
        code: 'INTERNAL_ERROR',
        message: 'internal error; the server log has the details (look for this request id)',
        details: {},
      },
    });
    expect(errorResponse(Object.assign(new Error('odd'), { code: 'SOMETHING_NEW' }))).toMatchObject({
      status: 500,
      body: { code: 'INTERNAL_ERROR', details: { code: 'SOMETHING_NEW' } },
    });
  });
});
