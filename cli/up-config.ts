/**
 * The configuration of `whisker up`, from flags, environment variables and an optional config file
 * (YAML or JSON), in that order of precedence, then defaults. One table lists every setting with
 * its flag, variable, file key and default; `whisker up --help` is generated from it.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { parseDuration } from '../common/index.js';
import { DEFAULT_PORT, defaultDataDir } from './credentials.js';
import { CliError } from './errors.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface UpConfig {
  host: string;
  port: number;
  dataDir: string;
  secretKeyFile?: string;
  runners?: number;
  typecheck: boolean;
  bodyLimit: number;
  uploadLimit: number;
  requestTimeoutMs: number;
  /** Requests per window per token or address; 0 turns the limit off. */
  rateLimit: number;
  rateWindowMs: number;
  logLevel: LogLevel;
  uiDir?: string;
  trustProxy: boolean;
}

interface Setting {
  key: keyof UpConfig;
  /** The commander option (camelCase) and flag as shown. */
  option: string;
  flag: string;
  env: string;
  description: string;
  /** As shown in --help. */
  shownDefault: string;
  /** Parses a value from the command line, the environment (strings) or the file (any JSON/YAML value). */
  parse(value: unknown, where: string, base: string): unknown;
}

function invalid(where: string, value: unknown, expected: string): CliError {
  return new CliError('UP_CONFIG_INVALID', `${where}: ${JSON.stringify(value)} is not ${expected}`, {
    where,
  });
}

const integer =
  (min: number, max: number) =>
  (value: unknown, where: string): number => {
    const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max)
      throw invalid(where, value, `a whole number from ${min} to ${max}`);
    return n;
  };

const text = (value: unknown, where: string): string => {
  if (typeof value !== 'string' || value.trim() === '') throw invalid(where, value, 'a non-empty string');
  return value.trim();
};

const path = (value: unknown, where: string, base: string): string => resolve(base, text(value, where));

const boolean = (value: unknown, where: string): boolean => {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(1|true|yes|on)$/i.test(value.trim())) return true;
  if (typeof value === 'string' && /^(0|false|no|off)$/i.test(value.trim())) return false;
  throw invalid(where, value, 'true or false');
};

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
};

/** Bytes, or with a unit: `512KiB`, `16MiB` (k, KB, KiB all mean 1024). */
const size = (value: unknown, where: string): number => {
  if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
  const match = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value) : null;
  const unit = SIZE_UNITS[(match?.[2] ?? '').toLowerCase()];
  const bytes = match === null || unit === undefined ? NaN : Math.round(Number(match[1]) * unit);
  if (!Number.isInteger(bytes) || bytes < 1)
    throw invalid(where, value, 'a size such as 1048576, 512KiB or 16MiB');
  return bytes;
};

const duration = (value: unknown, where: string): number => {
  try {
    const ms = parseDuration(value as string | number, where);
    if (ms < 1) throw new Error('zero');
    return ms;
  } catch {
    throw invalid(where, value, "a duration such as '30s', '1m' or milliseconds");
  }
};

const level = (value: unknown, where: string): LogLevel => {
  if (typeof value !== 'string' || !(LOG_LEVELS as readonly string[]).includes(value))
    throw invalid(where, value, `one of ${LOG_LEVELS.join(', ')}`);
  return value as LogLevel;
};

export const UP_SETTINGS: readonly Setting[] = [
  {
    key: 'host',
    option: 'host',
    flag: '--host <host>',
    env: 'WHISKER_HOST',
    description: 'address to listen on (0.0.0.0 for every interface)',
    shownDefault: '127.0.0.1',
    parse: text,
  },
  {
    key: 'port',
    option: 'port',
    flag: '--port <port>',
    env: 'WHISKER_PORT',
    description: 'port to listen on (0: any free port)',
    shownDefault: String(DEFAULT_PORT),
    parse: integer(0, 65535),
  },
  {
    key: 'dataDir',
    option: 'dataDir',
    flag: '--data-dir <dir>',
    env: 'WHISKER_DATA_DIR',
    description: 'data directory: journal, secret key, credentials',
    shownDefault: '~/.whisker',
    parse: path,
  },
  {
    key: 'secretKeyFile',
    option: 'secretKeyFile',
    flag: '--secret-key-file <file>',
    env: 'WHISKER_SECRET_KEY_FILE',
    description: 'file with the base64 key of secrets at rest (WHISKER_SECRET_KEY gives the key itself)',
    shownDefault: '<data dir>/secret.key, generated',
    parse: path,
  },
  {
    key: 'runners',
    option: 'runners',
    flag: '--runners <n>',
    env: 'WHISKER_RUNNERS',
    description: 'sandbox runner processes that run user code',
    shownDefault: 'one per CPU core',
    parse: integer(1, 256),
  },
  {
    key: 'typecheck',
    option: 'typecheck',
    flag: '--no-typecheck',
    env: 'WHISKER_TYPECHECK',
    description: 'skip the TypeScript type check of builds (faster, catches less)',
    shownDefault: 'type-check',
    parse: boolean,
  },
  {
    key: 'bodyLimit',
    option: 'bodyLimit',
    flag: '--body-limit <size>',
    env: 'WHISKER_BODY_LIMIT',
    description: 'largest request body (413 beyond)',
    shownDefault: '1MiB',
    parse: size,
  },
  {
    key: 'uploadLimit',
    option: 'uploadLimit',
    flag: '--upload-limit <size>',
    env: 'WHISKER_UPLOAD_LIMIT',
    description: 'largest project upload',
    shownDefault: '16MiB',
    parse: size,
  },
  {
    key: 'requestTimeoutMs',
    option: 'requestTimeout',
    flag: '--request-timeout <duration>',
    env: 'WHISKER_REQUEST_TIMEOUT',
    description: 'time to receive a whole request',
    shownDefault: '30s',
    parse: duration,
  },
  {
    key: 'rateLimit',
    option: 'rateLimit',
    flag: '--rate-limit <n>',
    env: 'WHISKER_RATE_LIMIT',
    description: 'requests per window per token or address (0: no limit)',
    shownDefault: '3000',
    parse: integer(0, 1_000_000_000),
  },
  {
    key: 'rateWindowMs',
    option: 'rateWindow',
    flag: '--rate-window <duration>',
    env: 'WHISKER_RATE_WINDOW',
    description: 'the rate limit window',
    shownDefault: '1m',
    parse: duration,
  },
  {
    key: 'logLevel',
    option: 'logLevel',
    flag: '--log-level <level>',
    env: 'WHISKER_LOG_LEVEL',
    description: `server log level (${LOG_LEVELS.join(', ')}); JSON lines on stdout`,
    shownDefault: 'warn',
    parse: level,
  },
  {
    key: 'uiDir',
    option: 'uiDir',
    flag: '--ui-dir <dir>',
    env: 'WHISKER_UI_DIR',
    description: 'web UI files served at /',
    shownDefault: '<package>/ui/dist when built',
    parse: path,
  },
  {
    key: 'trustProxy',
    option: 'trustProxy',
    flag: '--trust-proxy',
    env: 'WHISKER_TRUST_PROXY',
    description: 'trust X-Forwarded-* headers (behind a reverse proxy)',
    shownDefault: 'off',
    parse: boolean,
  },
];

/** Config file keys: the setting keys, with `requestTimeout` and `rateWindow` for the durations. */
const FILE_KEYS = new Map(UP_SETTINGS.map((s) => [s.option, s]));

export interface UpConfigSources {
  /** Commander option values and whether each came from the command line. */
  flags: Record<string, unknown>;
  fromCommandLine(option: string): boolean;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** `--config` (or WHISKER_CONFIG). */
  configFile?: string;
}

export async function resolveUpConfig(sources: UpConfigSources): Promise<UpConfig> {
  const { env, cwd } = sources;
  const fileName =
    sources.configFile ??
    (env['WHISKER_CONFIG'] !== undefined && env['WHISKER_CONFIG'] !== '' ? env['WHISKER_CONFIG'] : undefined);
  let file: Record<string, unknown> = {};
  let fileBase = cwd;
  if (fileName !== undefined) {
    const filePath = resolve(cwd, fileName);
    fileBase = dirname(filePath);
    let content: string;
    try {
      content = await readFile(filePath, 'utf8');
    } catch {
      throw new CliError('UP_CONFIG_INVALID', `cannot read the config file ${filePath}`, { where: filePath });
    }
    let parsed: unknown;
    try {
      parsed = parse(content);
    } catch (error) {
      throw new CliError(
        'UP_CONFIG_INVALID',
        `${filePath} is not YAML or JSON: ${(error as Error).message}`,
        { where: filePath },
      );
    }
    if (parsed !== null && parsed !== undefined) {
      if (typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw new CliError(
          'UP_CONFIG_INVALID',
          `${filePath} must be a mapping of settings (host, port, dataDir, …)`,
          { where: filePath },
        );
      }
      file = parsed as Record<string, unknown>;
      for (const key of Object.keys(file)) {
        if (!FILE_KEYS.has(key)) {
          throw new CliError(
            'UP_CONFIG_INVALID',
            `${filePath}: unknown setting ${JSON.stringify(key)}; the settings are ${[...FILE_KEYS.keys()].join(', ')}`,
            { where: `${filePath}: ${key}` },
          );
        }
      }
    }
  }

  const config: Partial<Record<keyof UpConfig, unknown>> = {};
  for (const setting of UP_SETTINGS) {
    if (sources.fromCommandLine(setting.option)) {
      config[setting.key] = setting.parse(
        sources.flags[setting.option],
        setting.flag.split(' ')[0] ?? setting.option,
        cwd,
      );
    } else if (env[setting.env] !== undefined && env[setting.env] !== '') {
      config[setting.key] = setting.parse(env[setting.env], setting.env, cwd);
    } else if (setting.option in file) {
      config[setting.key] = setting.parse(
        file[setting.option],
        `${fileName ?? 'config'}: ${setting.option}`,
        fileBase,
      );
    }
  }
  return {
    host: (config.host as string | undefined) ?? '127.0.0.1',
    port: (config.port as number | undefined) ?? DEFAULT_PORT,
    dataDir: (config.dataDir as string | undefined) ?? defaultDataDir({ ...env, WHISKER_DATA_DIR: '' }, cwd),
    ...(config.secretKeyFile !== undefined ? { secretKeyFile: config.secretKeyFile as string } : {}),
    ...(config.runners !== undefined ? { runners: config.runners as number } : {}),
    typecheck: (config.typecheck as boolean | undefined) ?? true,
    bodyLimit: (config.bodyLimit as number | undefined) ?? 1024 * 1024,
    uploadLimit: (config.uploadLimit as number | undefined) ?? 16 * 1024 * 1024,
    requestTimeoutMs: (config.requestTimeoutMs as number | undefined) ?? 30_000,
    rateLimit: (config.rateLimit as number | undefined) ?? 3000,
    rateWindowMs: (config.rateWindowMs as number | undefined) ?? 60_000,
    logLevel: (config.logLevel as LogLevel | undefined) ?? 'warn',
    ...(config.uiDir !== undefined ? { uiDir: config.uiDir as string } : {}),
    trustProxy: (config.trustProxy as boolean | undefined) ?? false,
  };
}
