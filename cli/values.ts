/** Reading values given on the command line: JSON (inline, `@file` or `-` for stdin), numbers, times, manifests. */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import type { CliContext } from './context.js';
import { CliError } from './errors.js';

/** `--input '{"a":1}'`, `--input @input.json`, `--input -` (stdin). Values use the API's JSON mapping. */
export async function jsonOption(
  context: CliContext,
  text: string | undefined,
  option: string,
): Promise<unknown> {
  if (text === undefined) return undefined;
  let source = text;
  if (text === '-') source = await context.readStdin();
  else if (text.startsWith('@')) {
    const file = resolve(context.io.cwd, text.slice(1));
    try {
      source = await readFile(file, 'utf8');
    } catch {
      throw new CliError('INVALID_OPTION', `${option}: cannot read ${file}`);
    }
  }
  try {
    return JSON.parse(source) as unknown;
  } catch (error) {
    throw new CliError(
      'INVALID_OPTION',
      `${option}: not valid JSON (${(error as Error).message}); quote strings as JSON ('"text"'), or use @file.json`,
    );
  }
}

export function integerOption(text: string | undefined, option: string, min = 0): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < min) {
    throw new CliError(
      'INVALID_OPTION',
      `${option}: ${JSON.stringify(text)} is not a whole number of at least ${min}`,
    );
  }
  return Number(text);
}

/** `1h`, `30m`, `2d` ago, or an ISO date → ms since the epoch. */
export function timeOption(text: string | undefined, option: string, now = Date.now()): number | undefined {
  if (text === undefined) return undefined;
  const relative = /^(\d+)(s|m|h|d)$/.exec(text);
  if (relative !== null) {
    const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 's' | 'm' | 'h' | 'd'];
    return now - Number(relative[1]) * unit;
  }
  const time = Date.parse(text);
  if (Number.isNaN(time)) {
    throw new CliError(
      'INVALID_OPTION',
      `${option}: ${JSON.stringify(text)} is not a time; give 30m, 2h, 1d (ago) or an ISO date`,
    );
  }
  return time;
}

/** The project name in `<dir>/whisker.yaml` (undefined when it cannot be read: the server says why). */
export async function manifestName(dir: string): Promise<string | undefined> {
  try {
    const manifest = parse(await readFile(join(dir, 'whisker.yaml'), 'utf8')) as {
      project?: { name?: unknown };
    } | null;
    const name = manifest?.project?.name;
    return typeof name === 'string' ? name : undefined;
  } catch {
    return undefined;
  }
}
