/**
 * `whisker journal export <session-id> [-o file] [--with-build] [--format json]`: downloads a
 * session's journal file from the server (`GET /api/v1/sessions/:id/journal`) for offline replay.
 */
import type { Command } from 'commander';
import { writeFile } from 'node:fs/promises';

import type { CliContext } from '../context.js';
import { resolveServer } from '../credentials.js';
import { CliError } from '../errors.js';
import { formatBytes } from '../output.js';
import type { CommandGroup } from './command-group.js';

interface ExportOptions {
  output?: string;
  withBuild?: boolean;
  format?: string;
}

async function download(
  context: CliContext,
  command: Command,
  sessionId: string,
  options: { withBuild: boolean; format: 'binary' | 'json' },
): Promise<Uint8Array> {
  const globals = context.globals(command);
  const server = await resolveServer(
    {
      ...(globals.url !== undefined ? { url: globals.url } : {}),
      ...(globals.token !== undefined ? { token: globals.token } : {}),
    },
    context.io.env,
    context.io.cwd,
  );
  const url = new URL(`/api/v1/sessions/${encodeURIComponent(sessionId)}/journal`, server.url);
  url.searchParams.set('withBuild', String(options.withBuild));
  url.searchParams.set('format', options.format);
  let response: Response;
  try {
    response = await fetch(url, {
      headers: server.token === undefined ? {} : { authorization: `Bearer ${server.token}` },
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    throw new CliError(
      'SERVER_UNREACHABLE',
      `cannot reach the Whisker server at ${server.url} (${cause?.code ?? String(error)}); start one with \`whisker up\`, or point WHISKER_URL (or --url) at it`,
      { url: server.url },
    );
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (!response.ok) {
    let body: { code?: unknown; message?: unknown; details?: unknown } | undefined;
    try {
      body = JSON.parse(Buffer.from(bytes).toString('utf8')) as typeof body;
    } catch {
      body = undefined;
    }
    if (typeof body?.code === 'string' && typeof body.message === 'string') {
      const details =
        typeof body.details === 'object' && body.details !== null
          ? (body.details as Record<string, unknown>)
          : {};
      throw new CliError(body.code, body.message, details, response.status);
    }
    throw new CliError('HTTP_ERROR', `the server answered ${response.status}`, {}, response.status);
  }
  return bytes;
}

function register(program: Command, context: CliContext): void {
  const journal = program.command('journal').description("sessions' journals as files, for offline replay");
  journal
    .command('export')
    .description("download a session's journal file (replay it with `whisker replay <file>`)")
    .argument('<session-id>', 'the session (ses_…)')
    .option('-o, --output <file>', 'write to this file (default: standard output)')
    .option('--with-build', 'include the build, so the file replays with nothing else')
    .option('--format <format>', 'binary (default) or json (readable)', 'binary')
    .action(async (sessionId: string, options: ExportOptions, command: Command) => {
      const format = options.format ?? 'binary';
      if (format !== 'binary' && format !== 'json') {
        throw new CliError('INVALID_USAGE', `--format must be binary or json, got ${JSON.stringify(format)}`);
      }
      const out = context.output(command);
      if (options.output === undefined && format === 'binary' && context.io.stdout.isTTY === true) {
        throw new CliError(
          'INVALID_USAGE',
          'a binary journal is not for a terminal: give -o <file>, or --format json',
        );
      }
      const bytes = await download(context, command, sessionId, {
        withBuild: options.withBuild === true,
        format,
      });
      if (options.output === undefined) {
        context.io.stdout.write(bytes);
        return;
      }
      await writeFile(options.output, bytes);
      out.result({ file: options.output, bytes: bytes.length, sessionId, format }, () =>
        out.line(
          `wrote ${options.output} (${formatBytes(bytes.length)}, ${format}${options.withBuild === true ? ', with the build' : ''})`,
        ),
      );
    });
}

export const journalCommands: CommandGroup = { name: 'journal', register };
