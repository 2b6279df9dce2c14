/**
 * The `whisker` program: global options, every command group of `commands/index.ts`, and one
 * place that turns failures into an exit code and a message naming the error's code (with the
 * diagnostics of an invalid project as `file:line:col`).
 *
 * Exit codes: 0 success, 1 failure (the error's code and message are printed), 2 bad usage.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { commandGroups } from './commands/index.js';
import type { CliContext } from './context.js';
import { createContext } from './context.js';
import { DEFAULT_URL } from './credentials.js';
import type { DiagnosticLike, Io } from './output.js';
import { formatDiagnostic } from './output.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

function version(): string {
  const relative = import.meta.url.endsWith('.ts') ? '../package.json' : '../../package.json';
  const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function createProgram(context: CliContext): Command {
  const { io } = context;
  const program = new Command('whisker')
    .description(
      'Whisker: durable automation. Run a server with `whisker up`, deploy a project with `whisker deploy <dir>`.',
    )
    .version(version(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for a command')
    .addOption(
      new Option('--url <url>', `the server (env WHISKER_URL, else a saved login, else ${DEFAULT_URL})`),
    )
    .addOption(
      new Option(
        '--token <token>',
        "the API token (env WHISKER_TOKEN, else a saved login or the local server's credentials)",
      ),
    )
    .option('--json', 'print JSON for scripts instead of tables')
    .option('--no-color', 'no colours (also when NO_COLOR is set or the output is not a terminal)')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .exitOverride();
  program.addHelpText(
    'after',
    `
The server and token: --url/--token, then WHISKER_URL/WHISKER_TOKEN, then a saved login (whisker login),
then the credentials a local \`whisker up\` saves in its data directory (~/.whisker or $WHISKER_DATA_DIR).

Exit codes: 0 success, 1 failure (the error code and message are printed), 2 bad usage.`,
  );
  for (const group of commandGroups) group.register(program, context);
  return program;
}

/** Runs the command line; returns the exit code. */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  const context = createContext(io);
  const program = createProgram(context);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(error.code))
        return EXIT_OK;
      // Commander printed the problem already.
      return EXIT_USAGE;
    }
    reportError(error, argv.includes('--json'), io);
    return EXIT_FAILURE;
  }
}

function reportError(error: unknown, json: boolean, io: Io): void {
  const e = error as { code?: unknown; message?: unknown; details?: unknown };
  const code = typeof e.code === 'string' ? e.code : 'INTERNAL_ERROR';
  const message = typeof e.message === 'string' ? e.message : String(error);
  const details =
    typeof e.details === 'object' && e.details !== null ? (e.details as Record<string, unknown>) : {};
  if (json) {
    io.stderr.write(`${JSON.stringify({ error: { code, message, details } })}\n`);
    return;
  }
  io.stderr.write(`error ${code}: ${message}\n`);
  const diagnostics = details['diagnostics'];
  if (Array.isArray(diagnostics)) {
    for (const d of diagnostics as DiagnosticLike[]) io.stderr.write(`  ${formatDiagnostic(d)}\n`);
  }
  const errors = details['errors'];
  if (Array.isArray(errors) && errors.length > 1) {
    for (const item of errors as { field: string; message: string }[])
      io.stderr.write(`  ${item.field}: ${item.message}\n`);
  }
  if (
    code === 'INTERNAL_ERROR' &&
    error instanceof Error &&
    error.stack !== undefined &&
    io.env['WHISKER_DEBUG'] !== undefined
  ) {
    io.stderr.write(`${error.stack}\n`);
  }
}
