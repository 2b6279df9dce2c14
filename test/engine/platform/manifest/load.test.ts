import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProjectManifest, MAX_MANIFEST_BYTES } from '../../../../engine/platform/manifest/index.js';
import { containing, fixture, summarise } from './helpers.js';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'whisker-manifest-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function project(name: string, files: Record<string, string | Uint8Array>): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  for (const [file, content] of Object.entries(files)) await writeFile(join(dir, file), content);
  return dir;
}

describe('loadProjectManifest', () => {
  it('reads and parses whisker.yaml', async () => {
    const dir = await project('ok', { 'whisker.yaml': fixture('complete.yaml') });
    const result = await loadProjectManifest(dir);
    expect(result.diagnostics).toEqual([]);
    expect(result.manifest?.project.name).toBe('hello-world');
    expect(result.sourceMap.valuePosition('triggers[3].schedule')).toEqual({ line: 51, column: 15 });
  });

  it('reports a missing manifest, pointing at a whisker.yml if there is one', async () => {
    const empty = await project('empty', {});
    expect(await loadProjectManifest(empty)).toMatchObject({
      diagnostics: [{ code: 'MANIFEST_NOT_FOUND', severity: 'error', path: '', file: 'whisker.yaml' }],
    });
    const yml = await project('yml', { 'whisker.yml': 'version: 1\n' });
    const result = await loadProjectManifest(yml);
    expect(result.diagnostics[0]?.hint).toBe('found whisker.yml: rename it to whisker.yaml');
    expect((await loadProjectManifest(join(root, 'does-not-exist'))).diagnostics[0]?.code).toBe(
      'MANIFEST_NOT_FOUND',
    );
  });

  it('reports a manifest that is too large, a directory, or not UTF-8', async () => {
    const big = await project('big', { 'whisker.yaml': `# ${'x'.repeat(MAX_MANIFEST_BYTES)}\n` });
    expect(summarise((await loadProjectManifest(big)).diagnostics)).toEqual([
      'MANIFEST_TOO_LARGE (root) ?:?',
    ]);
    const dir = await project('dir', {});
    await mkdir(join(dir, 'whisker.yaml'));
    expect((await loadProjectManifest(dir)).diagnostics[0]?.code).toBe('MANIFEST_UNREADABLE');
    const latin1 = await project('latin1', {
      'whisker.yaml': new Uint8Array([0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xe9, 0x0a]),
    });
    expect((await loadProjectManifest(latin1)).diagnostics[0]).toMatchObject({
      code: 'MANIFEST_UNREADABLE',
      hint: 'save the file as UTF-8',
    });
  });

  it('reports a manifest it cannot open (a symbolic link loop)', async () => {
    const loop = await project('loop', {});
    await symlink('whisker.yaml', join(loop, 'whisker.yaml'));
    const result = await loadProjectManifest(loop);
    expect(result.diagnostics[0]).toMatchObject({
      code: 'MANIFEST_UNREADABLE',
      message: containing('ELOOP'),
    });
  });

  it('returns syntax and schema problems like parseManifest', async () => {
    const dir = await project('bad', { 'whisker.yaml': 'version: 1\nproject:\n  name: Bad\n' });
    expect(summarise((await loadProjectManifest(dir)).diagnostics)).toEqual([
      'SCHEMA_INVALID_VALUE project.name 3:9',
    ]);
  });
});
