/** `whisker up` configuration: flags > environment > config file > defaults, each value checked. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveUpConfig } from '../../cli/index.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'whisker-up-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function sources(flags: Record<string, unknown>, env: NodeJS.ProcessEnv = {}, configFile?: string) {
  return {
    flags,
    fromCommandLine: (option: string) => option in flags,
    env: { HOME: '/home/ada', ...env },
    cwd: '/work',
    ...(configFile !== undefined ? { configFile } : {}),
  };
}

describe('resolveUpConfig', () => {
  it('has documented defaults', async () => {
    expect(await resolveUpConfig(sources({}))).toEqual({
      host: '127.0.0.1',
      port: 9990,
      dataDir: '/home/ada/.whisker',
      typecheck: true,
      bodyLimit: 1024 * 1024,
      uploadLimit: 16 * 1024 * 1024,
      requestTimeoutMs: 30_000,
      rateLimit: 3000,
      rateWindowMs: 60_000,
      logLevel: 'warn',
      trustProxy: false,
    });
  });

  it('takes flags over the environment over the file', async () => {
    const file = join(dir, 'whisker.yaml');
    await writeFile(
      file,
      'host: 0.0.0.0\nport: 8000\ndataDir: ./data\nrateLimit: 10\nrequestTimeout: 1m\nbodyLimit: 2MiB\ntypecheck: false\nrunners: 3\nlogLevel: info\n',
    );
    const config = await resolveUpConfig(
      sources(
        { port: '7000', dataDir: 'flag-data' },
        {
          WHISKER_PORT: '6000',
          WHISKER_RATE_LIMIT: '0',
          WHISKER_DATA_DIR: '/env/data',
          WHISKER_UPLOAD_LIMIT: '512KiB',
        },
        file,
      ),
    );
    expect(config).toEqual({
      host: '0.0.0.0',
      port: 7000,
      dataDir: '/work/flag-data',
      runners: 3,
      typecheck: false,
      bodyLimit: 2 * 1024 * 1024,
      uploadLimit: 512 * 1024,
      requestTimeoutMs: 60_000,
      rateLimit: 0,
      rateWindowMs: 60_000,
      logLevel: 'info',
      trustProxy: false,
    });
    // Paths in the file are relative to the file.
    expect((await resolveUpConfig(sources({}, {}, file))).dataDir).toBe(join(dir, 'data'));
    expect((await resolveUpConfig(sources({}, { WHISKER_CONFIG: file }))).port).toBe(8000);
  });

  it('names the setting and the source of a bad value', async () => {
    await expect(resolveUpConfig(sources({ port: 'http' }))).rejects.toMatchObject({
      code: 'UP_CONFIG_INVALID',
      message: '--port: "http" is not a whole number from 0 to 65535',
    });
    await expect(resolveUpConfig(sources({}, { WHISKER_REQUEST_TIMEOUT: 'soon' }))).rejects.toMatchObject({
      message: `WHISKER_REQUEST_TIMEOUT: "soon" is not a duration such as '30s', '1m' or milliseconds`,
    });
    await expect(resolveUpConfig(sources({}, { WHISKER_TYPECHECK: 'maybe' }))).rejects.toMatchObject({
      message: 'WHISKER_TYPECHECK: "maybe" is not true or false',
    });
    const file = join(dir, 'bad.yaml');
    await writeFile(file, 'prot: 80\n');
    await expect(resolveUpConfig(sources({}, {}, file))).rejects.toMatchObject({
      code: 'UP_CONFIG_INVALID',
      message: expect.stringMatching(
        /bad\.yaml: unknown setting "prot"; the settings are host, port, dataDir,/,
      ) as unknown,
    });
    await writeFile(file, 'bodyLimit: lots\n');
    await expect(resolveUpConfig(sources({}, {}, file))).rejects.toMatchObject({
      message: `${file}: bodyLimit: "lots" is not a size such as 1048576, 512KiB or 16MiB`,
    });
    await writeFile(file, '[1, 2]\n');
    await expect(resolveUpConfig(sources({}, {}, file))).rejects.toMatchObject({
      message: `${file} must be a mapping of settings (host, port, dataDir, …)`,
    });
    await expect(resolveUpConfig(sources({}, {}, join(dir, 'missing.yaml')))).rejects.toMatchObject({
      message: `cannot read the config file ${join(dir, 'missing.yaml')}`,
    });
  });
});
