/**
 * `whisker replay <file...>`: replays journal files offline (no server: the command starts a sandbox
 * runner itself) against the recorded build or `--build <dir|artifact>`, prints the timeline and the
 * verdict, or one line per journal for many. Exit code 0 when compatible, 1 otherwise.
 */
import type { Command } from 'commander';

import type { ReplayResult } from '../../engine/index.js';
import {
  formatReplayReport,
  formatReplaySummary,
  loadReplayBuild,
  replayJournal,
  replayJournals,
  toTaggedJson,
} from '../../engine/index.js';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { integerOption } from '../values.js';
import type { CommandGroup } from './command-group.js';

interface ReplayOptions {
  build?: string;
  until?: string;
  inspect?: boolean;
  inspectPort?: string;
  inspectHost?: string;
  typecheck?: boolean;
}

function verdictError(result: ReplayResult): CliError | undefined {
  if (result.verdict === 'compatible' || result.verdict === 'stopped') return undefined;
  if (result.verdict === 'divergent') {
    return new CliError(
      'REPLAY_DIVERGENT',
      `the code diverges from the journal of ${result.session.sessionId} at step ${result.divergence?.step ?? '?'}`,
    );
  }
  return new CliError(
    'REPLAY_FAILED',
    `the replay of ${result.session.sessionId} failed: ${result.error?.code ?? result.error?.name ?? 'error'}: ${result.error?.message ?? ''}`,
  );
}

function register(program: Command, context: CliContext): void {
  program
    .command('replay')
    .description(
      'replay journal files offline (no server): the timeline and the verdict, compatible or the first divergence',
    )
    .argument('<files...>', 'journal files (from `whisker journal export`)')
    .option(
      '--build <dir|artifact>',
      'replay against this project directory (built now) or build artifact; default: the build in the file',
    )
    .option('--until <step>', 'stop once the code issued this step and print the workflow state there')
    .option('--inspect', 'open a V8 inspector and wait for Chrome DevTools or VS Code before replaying')
    .option('--inspect-port <port>', 'inspector port (0: any free one)', '9229')
    .option(
      '--inspect-host <host>',
      'inspector interface (anyone who reaches it controls the replay)',
      '127.0.0.1',
    )
    .option('--typecheck', 'type-check a --build project directory before replaying')
    .action(async (files: string[], options: ReplayOptions, command: Command) => {
      const out = context.output(command);
      const build =
        options.build === undefined
          ? undefined
          : await loadReplayBuild(options.build, { typecheck: options.typecheck === true });
      const until = integerOption(options.until, '--until', 1);
      if (files.length > 1) {
        if (until !== undefined || options.inspect === true) {
          throw new CliError('INVALID_USAGE', '--until and --inspect replay one journal file; give just one');
        }
        const results = await replayJournals({ ...(build !== undefined ? { build } : {}), journals: files });
        out.result(toTaggedJson(results), () => out.line(formatReplaySummary(results).trimEnd()));
        const failed = results.filter((r) => r.verdict !== 'compatible').length;
        if (failed > 0)
          throw new CliError(
            'REPLAY_DIVERGENT',
            `${failed} of ${results.length} journals are not compatible with this code`,
          );
        return;
      }
      const port = integerOption(options.inspectPort, '--inspect-port', 0) ?? 9229;
      const result = await replayJournal({
        journal: files[0] as string,
        ...(build !== undefined ? { build } : {}),
        ...(until !== undefined ? { until } : {}),
        ...(options.inspect === true
          ? {
              inspect: {
                port,
                host: options.inspectHost ?? '127.0.0.1',
                onListening: (endpoint) =>
                  out.note(
                    `Debugger listening on ${endpoint.url}\n` +
                      `The replay waits for a debugger: Chrome → chrome://inspect (Configure… ${endpoint.host}:${endpoint.port}), or ${endpoint.devtoolsUrl}\n` +
                      `VS Code → an "attach" configuration on port ${endpoint.port} (see docs/replay.md).`,
                  ),
              },
            }
          : {}),
      });
      out.result(toTaggedJson(result), () => out.line(formatReplayReport(result).trimEnd()));
      const error = verdictError(result);
      if (error !== undefined) throw error;
    });
}

export const replayCommand: CommandGroup = { name: 'replay', register };
