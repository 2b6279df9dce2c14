import { execFileSync, spawnSync } from 'node:child_process';
import { chmod, mkdir, symlink, truncate, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

import type { BuildDiagnostic, BuildOptions } from '../../../sandbox/build/index.js';
import { InvalidBuildOptionError, buildProject } from '../../../sandbox/build/index.js';
import { buildFails, only, tempDir, writeProject } from './helpers.js';

const NO_TYPECHECK = { typecheck: false } as const;

async function failsWith(files: Record<string, string | Uint8Array>, options: BuildOptions = NO_TYPECHECK) {
  const project = await writeProject(files);
  try {
    return { diagnostics: await buildFails(project.dir, options), dir: project.dir };
  } finally {
    await project.cleanup();
  }
}

describe('bad input gives a clear error naming the path', () => {
  it('a directory that does not exist', async () => {
    const diagnostics = await buildFails('/nonexistent/whisker/project', NO_TYPECHECK);
    expect(diagnostics).toEqual([
      expect.objectContaining({
        code: 'PROJECT_NOT_FOUND',
        message: 'Project directory /nonexistent/whisker/project does not exist.',
      }),
    ]);
  });

  it('a file instead of a directory', async () => {
    const project = await writeProject({ 'main.ts': 'export function main() {}\n' });
    try {
      const file = join(project.dir, 'main.ts');
      const d = only(await buildFails(file, NO_TYPECHECK), 'PROJECT_NOT_A_DIRECTORY');
      expect(d.message).toBe(`Project path ${file} is a file, not a directory.`);
    } finally {
      await project.cleanup();
    }
  });

  it('an empty project, and one without source files', async () => {
    const empty = await tempDir();
    try {
      const d = only(await buildFails(empty.dir, NO_TYPECHECK), 'EMPTY_PROJECT');
      expect(d.message).toContain(`No source files in ${empty.dir}`);
    } finally {
      await empty.cleanup();
    }
    const { diagnostics } = await failsWith({
      'README.md': '# hi',
      'main.test.ts': 'export {}',
      'types.d.ts': '',
    });
    expect(diagnostics.map((d) => d.code)).toEqual(['EMPTY_PROJECT']);
  });

  it('an unreadable file (built as an unprivileged user when the tests run as root)', async () => {
    const project = await writeProject({
      'main.ts': 'export function main() {}\n',
      'data/secret.txt': 'top secret',
    });
    try {
      await chmod(join(project.dir, 'data/secret.txt'), 0o000);
      let diagnostics: BuildDiagnostic[];
      if (process.getuid?.() === 0) {
        // root reads anything: build in a child process running as `nobody`.
        for (let dir = project.dir; dir !== '/tmp' && dir !== '/'; dir = dirname(dir))
          await chmod(dir, 0o755);
        const child = spawnSync(
          process.execPath,
          [
            '--no-node-snapshot',
            '--import',
            'tsx',
            fileURLToPath(new URL('./build-child.ts', import.meta.url)),
            project.dir,
          ],
          {
            uid: 65534,
            gid: 65534,
            encoding: 'utf8',
            cwd: process.cwd(),
            env: { ...process.env, HOME: '/tmp' },
          },
        );
        expect(child.status, child.stderr).toBe(0);
        diagnostics = (JSON.parse(child.stdout) as { diagnostics: BuildDiagnostic[] }).diagnostics;
      } else {
        diagnostics = await buildFails(project.dir, NO_TYPECHECK);
      }
      expect(diagnostics).toEqual([
        expect.objectContaining({
          code: 'FILE_UNREADABLE',
          file: 'data/secret.txt',
          message: 'data/secret.txt cannot be read (EACCES).',
        }),
      ]);
    } finally {
      await project.cleanup();
    }
  });

  it('a file over the size limit (not read at all)', async () => {
    const project = await writeProject({ 'main.ts': 'export function main() {}\n', 'big.bin': '' });
    try {
      // Sparse: a 1 GiB file costs no disk, and the build must not read it.
      await truncate(join(project.dir, 'big.bin'), 1024 ** 3);
      const d = only(await buildFails(project.dir, NO_TYPECHECK), 'FILE_TOO_LARGE');
      expect(d).toMatchObject({
        file: 'big.bin',
        message: `big.bin is ${1024 ** 3} bytes, over the limit of 8388608 bytes per file.`,
      });
    } finally {
      await project.cleanup();
    }
  });

  it('too many files, and resources over their total limit', async () => {
    const files = Object.fromEntries(
      Array.from({ length: 12 }, (_, i) => [`data/${i}.txt`, 'x'.repeat(100)]),
    );
    const many = await failsWith(
      { ...files, 'main.ts': 'export function main() {}\n' },
      { typecheck: false, limits: { maxFiles: 10 } },
    );
    expect(only(many.diagnostics, 'TOO_MANY_FILES').message).toBe(
      `${many.dir} has more than 10 files (outside node_modules/ and hidden folders).`,
    );
    const heavy = await failsWith(
      { ...files, 'main.ts': 'export function main() {}\n' },
      {
        typecheck: false,
        limits: { maxResourceBytes: 1000 },
      },
    );
    expect(only(heavy.diagnostics, 'RESOURCES_TOO_LARGE').message).toBe(
      "The project's resource files total 1200 bytes, over the limit of 1000 bytes.",
    );
  });

  it('a vendored file over the size limit, and a bundle over its limit', async () => {
    const vendored = await failsWith(
      {
        'main.ts': "import big from 'big-package';\nexport function main() { return big; }\n",
        'node_modules/big-package/package.json': '{ "name": "big-package", "main": "index.js" }',
        'node_modules/big-package/index.js': `module.exports = ${JSON.stringify('x'.repeat(5000))};\n`,
      },
      { typecheck: false, limits: { maxFileBytes: 4000 } },
    );
    expect(only(vendored.diagnostics, 'FILE_TOO_LARGE')).toMatchObject({
      file: 'main.ts',
      line: 1,
      message: 'node_modules/big-package/index.js is 5021 bytes, over the limit of 4000 bytes per file.',
    });
    const bundled = await failsWith(
      { 'main.ts': 'export function main() {}\n' },
      { typecheck: false, limits: { maxBundleBytes: 100 } },
    );
    expect(bundled.diagnostics.map((d) => d.code)).toEqual(['BUNDLE_TOO_LARGE', 'BUNDLE_TOO_LARGE']);
  });

  it('special files and links out of the project', async () => {
    const outside = await tempDir();
    const project = await writeProject({ 'main.ts': 'export function main() {}\n' });
    try {
      await writeFile(join(outside.dir, 'passwords.txt'), 'hunter2');
      await symlink(join(outside.dir, 'passwords.txt'), join(project.dir, 'linked.txt'));
      await mkdir(join(project.dir, 'io'));
      execFileSync('mkfifo', [join(project.dir, 'io/pipe')]);
      const diagnostics = await buildFails(project.dir, NO_TYPECHECK);
      expect(diagnostics.map((d) => [d.code, d.file])).toEqual([
        ['NOT_A_REGULAR_FILE', 'io/pipe'],
        ['SYMLINK_OUTSIDE_PROJECT', 'linked.txt'],
      ]);
    } finally {
      await project.cleanup();
      await outside.cleanup();
    }
  });

  it('a source file that is not UTF-8', async () => {
    const { diagnostics } = await failsWith({ 'main.ts': new Uint8Array([0x65, 0x78, 0xff, 0xfe, 0x0a]) });
    expect(diagnostics).toEqual([
      expect.objectContaining({
        code: 'INVALID_ENCODING',
        file: 'main.ts',
        message: 'main.ts is not valid UTF-8 text; source files must be UTF-8.',
      }),
    ]);
  });

  it('invalid options throw (a programming error, not a project problem)', async () => {
    await expect(buildProject('.', { limits: { maxFiles: -1 } })).rejects.toThrow(InvalidBuildOptionError);
    await expect(buildProject('.', { limits: { maxFiles: -1 } })).rejects.toThrow(
      'Build option limits.maxFiles is -1; expected a positive integer.',
    );
    await expect(
      buildProject('.', { guestApiTypes: { workflow: 'relative.ts', activity: '/a.ts' } }),
    ).rejects.toThrow(/guestApiTypes\.workflow is "relative\.ts"; expected an absolute path/);
  });
});
