/** `whisker deploy <dir>`: lint → apply (creating the project if needed) → build → deploy → activate. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { ApiBuild, ApiDeployment, ApiLintResult, ApiPlan, ApiProject } from '../../api/index.js';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { formatBytes, formatDiagnostic } from '../output.js';
import { packProjectCounted } from '../pack.js';
import { manifestName } from '../values.js';
import type { CommandGroup } from './command-group.js';
import { printTriggers } from './project.js';

function register(program: Command, context: CliContext): void {
  program
    .command('deploy')
    .description('deploy a project directory in one go: check, apply, build, deploy and activate')
    .argument('<dir>', 'project directory (holds whisker.yaml)')
    .option('--no-activate', 'create the deployment without making it the active one')
    .addHelpText('after', '\nExample:\n  whisker deploy examples/hello')
    .action(async (dir: string, options: { activate: boolean }, command: Command) => {
      const out = context.output(command);
      const client = await context.client(command);
      const step = (text: string): void => {
        if (!out.json) out.note(text);
      };
      const path = resolve(context.io.cwd, dir);

      const packed = await packProjectCounted(path);
      step(
        `• packed ${dir}: ${packed.files} file${packed.files === 1 ? '' : 's'}, ${formatBytes(packed.archive.length)}`,
      );

      const lint = await client.request<ApiLintResult>('POST', '/api/v1/lint', { body: packed.archive });
      // Warnings are shown here; errors end the command and are printed with it.
      for (const d of lint.diagnostics)
        if (d.severity !== 'error') step(`  ${out.paint(formatDiagnostic(d), 'yellow')}`);
      if (!lint.ok) {
        const errors = lint.diagnostics.filter((d) => d.severity === 'error');
        throw new CliError(
          'PROJECT_INVALID',
          `${dir} has ${errors.length} error${errors.length === 1 ? '' : 's'}; fix them and deploy again`,
          {
            diagnostics: errors,
          },
        );
      }
      step(
        `• checked: ${lint.diagnostics.length === 0 ? 'no problems' : `${lint.diagnostics.length} warning(s)`}`,
      );

      const name = await manifestName(path);
      if (name === undefined)
        throw new CliError('PROJECT_NAME_UNKNOWN', `cannot read project.name from ${dir}/whisker.yaml`);
      const projectPath = `/api/v1/projects/${encodeURIComponent(name)}`;
      let created = false;
      try {
        await client.request<ApiProject>('GET', projectPath);
      } catch (error) {
        if ((error as { code?: string }).code !== 'PROJECT_NOT_FOUND') throw error;
        await client.request<ApiProject>('POST', '/api/v1/projects', { json: { name } });
        created = true;
      }
      const plan = await client.request<ApiPlan>('POST', `${projectPath}/apply`, { body: packed.archive });
      step(`• ${created ? 'created project' : 'applied to project'} ${name}`);
      if (!out.json) for (const line of plan.text.trimEnd().split('\n')) step(line === '' ? '' : `  ${line}`);

      const build = await client.request<ApiBuild>('POST', `${projectPath}/builds`);
      if (build.status !== 'succeeded') {
        throw new CliError(
          'BUILD_FAILED',
          `build ${build.buildId} of ${name} failed; fix the errors and deploy again`,
          {
            diagnostics: build.diagnostics,
            buildId: build.buildId,
          },
        );
      }
      step(`• built ${build.buildId} in ${Math.round(build.durationMs)} ms`);

      const deployment = await client.request<ApiDeployment>('POST', '/api/v1/deployments', {
        json: { buildId: build.buildId, activate: options.activate },
      });
      step(`• deployed ${deployment.deploymentId} (${deployment.state})`);
      const project = await client.request<ApiProject>('GET', projectPath);
      out.result({ project, plan, build, deployment }, () => {
        out.line(`Deployed ${name}: ${deployment.deploymentId} is ${deployment.state}.`);
        if (project.triggers.length > 0) {
          out.line();
          printTriggers(out, client.baseUrl, project);
        }
      });
    });
}

export const deployCommand: CommandGroup = { name: 'deploy', register };
