/** `whisker build create|list|get`. */
import type { Command } from 'commander';
import type { ApiBuild } from '../../api/index.js';
import type { CliContext } from '../context.js';
import type { Output } from '../output.js';
import { formatDuration, formatTime, stateColor } from '../output.js';
import type { CommandGroup } from './command-group.js';
import { printDiagnostics } from './project.js';

function printBuild(out: Output, build: ApiBuild): void {
  out.fields([
    ['build', build.buildId],
    ['project', build.projectId],
    ['status', out.paint(build.status, stateColor(build.status))],
    ['hash', build.hash],
    ['sources', build.sourcesHash],
    ['took', formatDuration(build.durationMs)],
    ['created', formatTime(build.createdAt)],
  ]);
  if (build.diagnostics.length > 0) {
    out.line();
    printDiagnostics(out, build.diagnostics);
  }
}

function register(program: Command, context: CliContext): void {
  const build = program.command('build').description('builds: bundled, checked code of a project');

  build
    .command('create')
    .description('build the sources last applied to a project (a failed build is recorded with its errors)')
    .argument('<project>', 'project name or id')
    .action(async (project: string, _options: object, command: Command) => {
      const out = context.output(command);
      const result = await (
        await context.client(command)
      ).request<ApiBuild>('POST', `/api/v1/projects/${encodeURIComponent(project)}/builds`);
      out.result(result, () => printBuild(out, result));
    });

  build
    .command('list')
    .description('list builds, newest first')
    .option('--project <project>', 'only this project')
    .action(async (options: { project?: string }, command: Command) => {
      const out = context.output(command);
      const { builds } = await (
        await context.client(command)
      ).request<{ builds: ApiBuild[] }>('GET', '/api/v1/builds', {
        query: { project: options.project },
      });
      out.result(builds, () =>
        out.table(builds, [
          { header: 'BUILD', value: (b) => b.buildId },
          { header: 'STATUS', value: (b) => b.status, color: (b) => stateColor(b.status) },
          { header: 'PROJECT', value: (b) => b.projectId },
          { header: 'PROBLEMS', value: (b) => String(b.diagnostics.length) },
          { header: 'CREATED', value: (b) => formatTime(b.createdAt) },
        ]),
      );
    });

  build
    .command('get')
    .description('show a build (with its errors when it failed)')
    .argument('<build-id>', 'build id (bld_…)')
    .action(async (buildId: string, _options: object, command: Command) => {
      const out = context.output(command);
      const result = await (
        await context.client(command)
      ).request<ApiBuild>('GET', `/api/v1/builds/${encodeURIComponent(buildId)}`);
      out.result(result, () => printBuild(out, result));
    });
}

export const buildCommands: CommandGroup = { name: 'build', register };
