/**
 * Where the command line finds its server and token, first match wins:
 * 1. `--url` / `--token`, then `WHISKER_URL` / `WHISKER_TOKEN`;
 * 2. a saved login (`whisker login`): `$XDG_CONFIG_HOME/whisker/login.json` (default `~/.config`);
 * 3. the credentials a local `whisker up` saves: `<data dir>/credentials.json` (data dir
 *    `$WHISKER_DATA_DIR`, default `~/.whisker`).
 * A token from a file is only used for the URL saved with it. Files are written owner-only (0600).
 */
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { CliError } from './errors.js';

export const DEFAULT_PORT = 9990;
export const DEFAULT_URL = `http://127.0.0.1:${DEFAULT_PORT}`;

export interface SavedCredentials {
  url: string;
  token?: string;
  tokenId?: string;
  savedAt?: string;
}

export interface ResolvedServer {
  url: string;
  token?: string;
  /** Where they came from (for `whisker login --show` and error messages). */
  source: string;
}

function home(env: NodeJS.ProcessEnv): string {
  return env['HOME'] ?? homedir();
}

export function defaultDataDir(env: NodeJS.ProcessEnv, cwd: string): string {
  const configured = env['WHISKER_DATA_DIR'];
  return configured !== undefined && configured !== ''
    ? resolve(cwd, configured)
    : join(home(env), '.whisker');
}

export function loginFile(env: NodeJS.ProcessEnv): string {
  const config = env['XDG_CONFIG_HOME'];
  return join(
    config !== undefined && config !== '' ? config : join(home(env), '.config'),
    'whisker',
    'login.json',
  );
}

export function credentialsFile(dataDir: string): string {
  return join(dataDir, 'credentials.json');
}

export async function readCredentials(file: string): Promise<SavedCredentials | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const data = JSON.parse(text) as Partial<SavedCredentials>;
    if (typeof data.url !== 'string') return undefined;
    return {
      url: data.url,
      ...(typeof data.token === 'string' ? { token: data.token } : {}),
      ...(typeof data.tokenId === 'string' ? { tokenId: data.tokenId } : {}),
    };
  } catch {
    throw new CliError(
      'CREDENTIALS_UNREADABLE',
      `${file} is not valid JSON; delete it and log in again (whisker login)`,
    );
  }
}

/** Writes owner-only (0600), atomically (a temporary file renamed over the old one). */
export async function writeCredentials(file: string, credentials: SavedCredentials): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(
    temporary,
    `${JSON.stringify({ ...credentials, savedAt: new Date().toISOString() }, null, 2)}\n`,
    {
      mode: 0o600,
    },
  );
  await chmod(temporary, 0o600);
  await rename(temporary, file);
}

const sameServer = (a: string, b: string): boolean => a.replace(/\/+$/, '') === b.replace(/\/+$/, '');

export async function resolveServer(
  flags: { url?: string; token?: string },
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<ResolvedServer> {
  const login = await readCredentials(loginFile(env));
  const local = await readCredentials(credentialsFile(defaultDataDir(env, cwd)));
  const given = flags.url ?? nonEmpty(env['WHISKER_URL']);
  const url = given ?? login?.url ?? local?.url ?? DEFAULT_URL;
  let token = flags.token ?? nonEmpty(env['WHISKER_TOKEN']);
  let source = flags.token !== undefined ? '--token' : token !== undefined ? 'WHISKER_TOKEN' : 'none';
  if (token === undefined && login?.token !== undefined && sameServer(login.url, url)) {
    token = login.token;
    source = loginFile(env);
  }
  if (token === undefined && local?.token !== undefined && sameServer(local.url, url)) {
    token = local.token;
    source = credentialsFile(defaultDataDir(env, cwd));
  }
  try {
    new URL(url);
  } catch {
    throw new CliError(
      'INVALID_URL',
      `${JSON.stringify(url)} is not a URL; give the server as http://host:port`,
    );
  }
  return { url, ...(token !== undefined ? { token } : {}), source };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
