/** `whisker project create|list|get|delete|lint|plan|apply`. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { ApiLintResult, ApiPlan, ApiProject, ApiProjectSummary } from '../../api/index.js';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import type { Output } from '../output.js';
import { formatDiagnostic, formatTime, stateColor } from '../output.js';
import { packProject } from '../pack.js';
import { manifestName } from '../values.js';
import type { CommandGroup } from './command-group.js';

/** The triggers of a project, with webhook URLs made absolute. */
export function printTriggers(out: Output, baseUrl: string, project: ApiProject): void {
  out.table(project.triggers, [
    { header: 'TRIGGER', value: (t) => t.name },
    { header: 'TYPE', value: (t) => t.type },
    { header: 'CALL', value: (t) => t.call },
    {
      header: 'TARGET',
      value: (t) =>
        t.webhookPath !== undefined
          ? `${t.sync === true ? 'sync ' : ''}${new URL(t.webhookPath, baseUrl).toString()}`
          : t.schedule !== undefined
            ? `${t.schedule} (${t.timezone ?? 'UTC'})`
            : t.connection !== undefined
              ? `${t.connection}${t.eventType !== undefined ? ` ${t.eventType}` : ''}`
              : '',
    },
  ]);
}

export function printDiagnostics(out: Output, diagnostics: ApiLintResult['diagnostics']): void {
  for (const d of diagnostics)
    out.line(`  ${out.paint(formatDiagnostic(d), d.severity === 'error' ? 'red' : 'yellow')}`);
}

/** The project named by `--project`, else by the manifest of `dir`. */
async function projectOf(dir: string, given: string | undefined): Promise<string> {
  if (given !== undefined) return given;
  const name = await manifestName(dir);
  if (name === undefined) {
    throw new CliError(
      'PROJECT_NAME_UNKNOWN',
      `cannot read project.name from ${dir}/whisker.yaml; give --project <name>`,
    );
  }
  return name;
}

function register(program: Command, context: CliContext): void {
  const project = program.command('project').description('create, inspect and change projects');

  project
    .command('create')
    .description('create a project: from a directory (its whisker.yaml is applied) or empty, with --name')
    .argument('[dir]', 'project directory (holds whisker.yaml)')
    .option('--name <name>', "project name (default: the manifest's)")
    .option('--description <text>', 'description')
    .action(
      async (dir: string | undefined, options: { name?: string; description?: string }, command: Command) => {
        const out = context.output(command);
        const client = await context.client(command);
        const query = { name: options.name, description: options.description };
        const created =
          dir === undefined
            ? await client.request<ApiProject>('POST', '/api/v1/projects', {
                json: {
                  ...(options.name !== undefined ? { name: options.name } : {}),
                  ...(options.description !== undefined ? { description: options.description } : {}),
                },
              })
            : await client.request<ApiProject>('POST', '/api/v1/projects', {
                query,
                body: await packProject(resolve(context.io.cwd, dir)),
              });
        out.result(created, () => {
          out.line(`Created project ${created.name} (${created.projectId}).`);
          if (created.triggers.length > 0) printTriggers(out, client.baseUrl, created);
        });
      },
    );

  project
    .command('list')
    .description('list projects')
    .action(async (_options: object, command: Command) => {
      const out = context.output(command);
      const { projects } = await (
        await context.client(command)
      ).request<{ projects: ApiProjectSummary[] }>('GET', '/api/v1/projects');
      out.result(projects, () =>
        out.table(projects, [
          { header: 'NAME', value: (p) => p.name },
          { header: 'ID', value: (p) => p.projectId },
          { header: 'ACTIVE DEPLOYMENT', value: (p) => p.activeDeploymentId ?? '-' },
          { header: 'SESSIONS', value: (p) => `${p.sessions.total} (${p.sessions.open} open)` },
          { header: 'UPDATED', value: (p) => formatTime(p.updatedAt) },
        ]),
      );
    });

  project
    .command('get')
    .description('show a project: triggers, variables, deployments')
    .argument('<project>', 'project name or id')
    .action(async (name: string, _options: object, command: Command) => {
      const out = context.output(command);
      const client = await context.client(command);
      const p = await client.request<ApiProject>('GET', `/api/v1/projects/${encodeURIComponent(name)}`);
      out.result(p, () => {
        out.fields([
          ['name', p.name],
          ['id', p.projectId],
          ['description', p.description],
          ['active', p.activeDeploymentId ?? '-'],
          ['sessions', `${p.sessions.total} (${p.sessions.open} open)`],
          ['created', formatTime(p.createdAt)],
        ]);
        out.line();
        printTriggers(out, client.baseUrl, p);
        out.line();
        out.table(
          p.variables,
          [
            { header: 'VARIABLE', value: (v) => v.name },
            {
              header: 'VALUE',
              value: (v) =>
                v.secret ? (v.isSet ? '(secret, set)' : '(secret, not set)') : (v.value ?? '(not set)'),
            },
          ],
          '(no variables)',
        );
        out.line();
        out.table(
          p.deployments.slice(0, 5),
          [
            { header: 'DEPLOYMENT', value: (d) => d.deploymentId },
            { header: 'STATE', value: (d) => d.state, color: (d) => stateColor(d.state) },
            { header: 'BUILD', value: (d) => d.buildId },
            { header: 'CREATED', value: (d) => formatTime(d.createdAt) },
          ],
          '(no deployments)',
        );
      });
    });

  project
    .command('delete')
    .description('delete a project (it must have no active or draining deployment)')
    .argument('<project>', 'project name or id')
    .action(async (name: string, _options: object, command: Command) => {
      const out = context.output(command);
      await (await context.client(command)).request('DELETE', `/api/v1/projects/${encodeURIComponent(name)}`);
      out.result({ deleted: name }, () => out.line(`Deleted project ${name}.`));
    });

  project
    .command('lint')
    .description('check a project directory (manifest and code) without changing anything')
    .argument('<dir>', 'project directory')
    .action(async (dir: string, _options: object, command: Command) => {
      const out = context.output(command);
      const result = await (
        await context.client(command)
      ).request<ApiLintResult>('POST', '/api/v1/lint', {
        body: await packProject(resolve(context.io.cwd, dir)),
      });
      out.result(result, () => {
        if (result.diagnostics.length === 0) out.line('No problems found.');
        else printDiagnostics(out, result.diagnostics);
      });
      if (!result.ok) {
        const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
        // The diagnostics are the output above; the error only sets the exit code and says so.
        throw new CliError(
          'PROJECT_INVALID',
          `${dir}: ${errors} error${errors === 1 ? '' : 's'} (listed above)`,
        );
      }
    });

  for (const action of ['plan', 'apply'] as const) {
    project
      .command(action)
      .description(
        action === 'plan'
          ? 'show what applying a project directory would change (nothing is changed)'
          : 'apply a project directory: store its sources and configuration (build and deploy separately)',
      )
      .argument('<dir>', 'project directory')
      .option('--project <project>', "the project to apply to (default: the manifest's name)")
      .action(async (dir: string, options: { project?: string }, command: Command) => {
        const out = context.output(command);
        const path = resolve(context.io.cwd, dir);
        const name = await projectOf(path, options.project);
        const plan = await (
          await context.client(command)
        ).request<ApiPlan>('POST', `/api/v1/projects/${encodeURIComponent(name)}/${action}`, {
          body: await packProject(path),
        });
        out.result(plan, () => {
          out.line(plan.text.trimEnd());
          printDiagnostics(out, plan.diagnostics);
          if (action === 'apply') out.line(`Applied to project ${name}.`);
        });
      });
  }
}

export const projectCommands: CommandGroup = { name: 'project', register };
