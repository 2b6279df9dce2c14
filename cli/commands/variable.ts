/** `whisker var set|get|delete|list`. Secret values come from stdin or a prompt: never the command line. */
import type { Command } from 'commander';
import type { ApiVariable } from '../../api/index.js';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { formatTime } from '../output.js';
import type { CommandGroup } from './command-group.js';

function shown(v: ApiVariable): string {
  if (v.secret) return v.isSet ? '(secret, set)' : '(secret, not set)';
  return v.value ?? '(not set)';
}

function register(program: Command, context: CliContext): void {
  const variable = program.command('var').description('project variables and secrets');
  const path = (project: string, name?: string): string =>
    `/api/v1/projects/${encodeURIComponent(project)}/variables${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;

  variable
    .command('set')
    .description('set a variable; with --secret the value is read from stdin or a prompt (never echoed)')
    .argument('<project>', 'project name or id')
    .argument('<name>', 'variable name')
    .argument('[value]', 'the value (plain variables; omit it to read stdin)')
    .option('--secret', 'store it as a secret (encrypted; never shown again)')
    .addHelpText(
      'after',
      '\nExamples:\n  whisker var set shop REGION eu\n  whisker var set shop API_KEY --secret          (prompts)\n  printf %s "$KEY" | whisker var set shop API_KEY --secret',
    )
    .action(
      async (
        project: string,
        name: string,
        value: string | undefined,
        options: { secret?: boolean },
        command: Command,
      ) => {
        const out = context.output(command);
        const secret = options.secret === true;
        if (secret && value !== undefined) {
          throw new CliError(
            'SECRET_ON_COMMAND_LINE',
            'a secret value on the command line would stay in your shell history; pipe it in or let the command prompt for it',
          );
        }
        if (!secret && value === undefined && context.io.stdin.isTTY === true) {
          throw new CliError(
            'INVALID_OPTION',
            `give the value (whisker var set ${project} ${name} <value>) or pipe it in`,
          );
        }
        const text =
          value ??
          (secret
            ? await context.readSecret(`Value of ${name}: `)
            : (await context.readStdin()).replace(/\r?\n$/, ''));
        const result = await (
          await context.client(command)
        ).request<ApiVariable>('PUT', path(project, name), {
          json: { value: text, ...(secret ? { secret: true } : {}) },
        });
        out.result(result, () =>
          out.line(`Set ${result.name} on ${project}${result.secret ? ' (secret)' : ''}.`),
        );
      },
    );

  variable
    .command('get')
    .description('show a variable (a secret shows only whether it is set)')
    .argument('<project>', 'project name or id')
    .argument('<name>', 'variable name')
    .action(async (project: string, name: string, _options: object, command: Command) => {
      const out = context.output(command);
      const v = await (await context.client(command)).request<ApiVariable>('GET', path(project, name));
      out.result(v, () => out.line(shown(v)));
    });

  variable
    .command('delete')
    .description('delete a variable and its value')
    .argument('<project>', 'project name or id')
    .argument('<name>', 'variable name')
    .action(async (project: string, name: string, _options: object, command: Command) => {
      const out = context.output(command);
      await (await context.client(command)).request('DELETE', path(project, name));
      out.result({ deleted: name }, () => out.line(`Deleted ${name} from ${project}.`));
    });

  variable
    .command('list')
    .description('list the variables of a project')
    .argument('<project>', 'project name or id')
    .action(async (project: string, _options: object, command: Command) => {
      const out = context.output(command);
      const { variables } = await (
        await context.client(command)
      ).request<{ variables: ApiVariable[] }>('GET', path(project));
      out.result(variables, () =>
        out.table(variables, [
          { header: 'NAME', value: (v) => v.name },
          { header: 'VALUE', value: shown, color: (v) => (v.isSet ? undefined : 'yellow') },
          { header: 'DECLARED', value: (v) => (v.declared ? 'yes' : 'no') },
          { header: 'UPDATED', value: (v) => formatTime(v.updatedAt) },
        ]),
      );
    });
}

export const variableCommands: CommandGroup = { name: 'var', register };
