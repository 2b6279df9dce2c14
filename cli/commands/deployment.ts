/** `whisker deployment create|list|get|activate|deactivate|delete`. */
import type { Command } from 'commander';
import type { ApiDeployment } from '../../api/index.js';
import type { CliContext } from '../context.js';
import type { Output } from '../output.js';
import { formatTime, stateColor } from '../output.js';
import type { CommandGroup } from './command-group.js';

function printDeployment(out: Output, d: ApiDeployment): void {
  out.fields([
    ['deployment', d.deploymentId],
    ['state', `${out.paint(d.state, stateColor(d.state))} (${d.reason})`],
    ['project', d.projectId],
    ['build', d.buildId],
    ['sessions', d.sessions === undefined ? undefined : `${d.sessions.total} (${d.sessions.open} open)`],
    ['triggers', d.triggers.map((t) => String((t as Record<string, unknown>)['name'])).join(', ')],
    ['created', formatTime(d.createdAt)],
    ['updated', formatTime(d.updatedAt)],
  ]);
}

function register(program: Command, context: CliContext): void {
  const deployment = program
    .command('deployment')
    .description('deployments: a build running with its configuration');
  const path = (id: string): string => `/api/v1/deployments/${encodeURIComponent(id)}`;

  deployment
    .command('create')
    .description('deploy a build (activated unless --no-activate)')
    .argument('<build-id>', 'build id (bld_…)')
    .option('--no-activate', 'leave it inactive')
    .option('--testing', 'a testing deployment: it receives only events addressed to it')
    .action(async (buildId: string, options: { activate: boolean; testing?: boolean }, command: Command) => {
      const out = context.output(command);
      const created = await (
        await context.client(command)
      ).request<ApiDeployment>('POST', '/api/v1/deployments', {
        json: { buildId, activate: options.activate, ...(options.testing === true ? { testing: true } : {}) },
      });
      out.result(created, () => printDeployment(out, created));
    });

  deployment
    .command('list')
    .description('list deployments, newest first')
    .option('--project <project>', 'only this project')
    .action(async (options: { project?: string }, command: Command) => {
      const out = context.output(command);
      const { deployments } = await (
        await context.client(command)
      ).request<{ deployments: ApiDeployment[] }>('GET', '/api/v1/deployments', {
        query: { project: options.project },
      });
      out.result(deployments, () =>
        out.table(deployments, [
          { header: 'DEPLOYMENT', value: (d) => d.deploymentId },
          { header: 'STATE', value: (d) => d.state, color: (d) => stateColor(d.state) },
          { header: 'PROJECT', value: (d) => d.projectId },
          { header: 'BUILD', value: (d) => d.buildId },
          { header: 'OPEN', value: (d) => String(d.sessions?.open ?? 0) },
          { header: 'CREATED', value: (d) => formatTime(d.createdAt) },
        ]),
      );
    });

  deployment
    .command('get')
    .description('show a deployment')
    .argument('<deployment-id>', 'deployment id (dep_…)')
    .action(async (id: string, _options: object, command: Command) => {
      const out = context.output(command);
      const d = await (await context.client(command)).request<ApiDeployment>('GET', path(id));
      out.result(d, () => printDeployment(out, d));
    });

  for (const action of ['activate', 'deactivate'] as const) {
    deployment
      .command(action)
      .description(
        action === 'activate'
          ? 'make it the active deployment of its project (the previous one drains)'
          : 'stop it receiving events (its running sessions finish)',
      )
      .argument('<deployment-id>', 'deployment id (dep_…)')
      .action(async (id: string, _options: object, command: Command) => {
        const out = context.output(command);
        const d = await (
          await context.client(command)
        ).request<ApiDeployment>('POST', `${path(id)}/${action}`);
        out.result(d, () =>
          out.line(`Deployment ${d.deploymentId} is ${out.paint(d.state, stateColor(d.state))}.`),
        );
      });
  }

  deployment
    .command('delete')
    .description('delete an inactive deployment (its sessions stay listed)')
    .argument('<deployment-id>', 'deployment id (dep_…)')
    .action(async (id: string, _options: object, command: Command) => {
      const out = context.output(command);
      await (await context.client(command)).request('DELETE', path(id));
      out.result({ deleted: id }, () => out.line(`Deleted deployment ${id}.`));
    });
}

export const deploymentCommands: CommandGroup = { name: 'deployment', register };
