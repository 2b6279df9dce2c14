/** `whisker token create|list|revoke`. */
import type { Command } from 'commander';
import type { ApiCreatedToken, ApiToken } from '../../api/index.js';
import type { CliContext } from '../context.js';
import { formatTime } from '../output.js';
import type { CommandGroup } from './command-group.js';

function register(program: Command, context: CliContext): void {
  const token = program.command('token').description('API tokens');

  token
    .command('create')
    .description('create a token (its secret is printed once)')
    .argument('<name>', 'what it is for, e.g. ci')
    .action(async (name: string, _options: object, command: Command) => {
      const out = context.output(command);
      const created = await (
        await context.client(command)
      ).request<ApiCreatedToken>('POST', '/api/v1/tokens', { json: { name } });
      out.result(created, () => {
        out.line(`Created token ${created.tokenId} (${created.name}). Its secret, shown only now:`);
        out.line(`  ${created.token}`);
      });
    });

  token
    .command('list')
    .description('list tokens (never their secrets)')
    .action(async (_options: object, command: Command) => {
      const out = context.output(command);
      const { tokens } = await (
        await context.client(command)
      ).request<{ tokens: ApiToken[] }>('GET', '/api/v1/tokens');
      out.result(tokens, () =>
        out.table(tokens, [
          { header: 'TOKEN', value: (t) => t.tokenId },
          { header: 'NAME', value: (t) => t.name },
          { header: 'CREATED', value: (t) => formatTime(t.createdAt) },
          { header: 'LAST USED', value: (t) => formatTime(t.lastUsedAt) },
          {
            header: 'REVOKED',
            value: (t) => formatTime(t.revokedAt),
            color: (t) => (t.revokedAt === undefined ? undefined : 'red'),
          },
        ]),
      );
    });

  token
    .command('revoke')
    .description('revoke a token: it stops working at once')
    .argument('<token-id>', 'token id (tok_…)')
    .action(async (id: string, _options: object, command: Command) => {
      const out = context.output(command);
      const revoked = await (
        await context.client(command)
      ).request<ApiToken>('DELETE', `/api/v1/tokens/${encodeURIComponent(id)}`);
      out.result(revoked, () => out.line(`Revoked ${revoked.tokenId} (${revoked.name}).`));
    });
}

export const tokenCommands: CommandGroup = { name: 'token', register };
