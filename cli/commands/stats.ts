/** `whisker stats`: session statistics of a project, a deployment, or everything. */
import type { Command } from 'commander';
import type { ApiStats } from '../../api/index.js';
import type { CliContext } from '../context.js';
import { formatDuration, stateColor } from '../output.js';
import { timeOption } from '../values.js';
import type { CommandGroup } from './command-group.js';

const percent = (rate: number | undefined): string =>
  rate === undefined ? '-' : `${(rate * 100).toFixed(1)}%`;

function register(program: Command, context: CliContext): void {
  program
    .command('stats')
    .description('session statistics: counts by state, success rate, durations, start delays')
    .option('--project <project>', 'only this project')
    .option('--deployment <deployment-id>', 'only this deployment')
    .option('--since <time>', 'sessions started since: 30m, 2h, 1d (ago) or an ISO date')
    .action(async (options: { project?: string; deployment?: string; since?: string }, command: Command) => {
      const out = context.output(command);
      const since = timeOption(options.since, '--since');
      const stats = await (
        await context.client(command)
      ).request<ApiStats>('GET', '/api/v1/stats', {
        query: { project: options.project, deploymentId: options.deployment, since },
      });
      out.result(stats, () => {
        out.table(
          Object.entries(stats.byStatus).filter(([, n]) => n > 0),
          [
            { header: 'STATUS', value: ([status]) => status, color: ([status]) => stateColor(status) },
            { header: 'SESSIONS', value: ([, n]) => String(n) },
          ],
          '(no sessions)',
        );
        out.line();
        out.fields([
          ['total', String(stats.total)],
          ['success', percent(stats.successRate)],
          ['failure', percent(stats.failureRate)],
          [
            'duration',
            stats.durationMs.count === 0
              ? '-'
              : `p50 ${formatDuration(stats.durationMs.p50)}, p95 ${formatDuration(stats.durationMs.p95)}, max ${formatDuration(stats.durationMs.max)}`,
          ],
          [
            'start delay',
            stats.startDelayMs.count === 0
              ? '-'
              : `p50 ${formatDuration(stats.startDelayMs.p50)}, p95 ${formatDuration(stats.startDelayMs.p95)}`,
          ],
        ]);
      });
    });
}

export const statsCommand: CommandGroup = { name: 'stats', register };
