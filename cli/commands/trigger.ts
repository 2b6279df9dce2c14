/** `whisker trigger list|get|run`. */
import type { Command } from 'commander';
import type { ApiDispatchResult, ApiTrigger } from '../../api/index.js';
import type { CliContext } from '../context.js';
import { stateColor } from '../output.js';
import { jsonOption } from '../values.js';
import type { CommandGroup } from './command-group.js';

function register(program: Command, context: CliContext): void {
  const trigger = program
    .command('trigger')
    .description('triggers: what starts sessions (webhooks, schedules, manual, connections)');

  trigger
    .command('list')
    .description('list triggers')
    .option('--project <project>', 'only this project')
    .action(async (options: { project?: string }, command: Command) => {
      const out = context.output(command);
      const client = await context.client(command);
      const { triggers } = await client.request<{ triggers: ApiTrigger[] }>('GET', '/api/v1/triggers', {
        query: { project: options.project },
      });
      out.result(triggers, () =>
        out.table(triggers, [
          { header: 'TRIGGER', value: (t) => t.triggerId },
          { header: 'NAME', value: (t) => t.name },
          { header: 'TYPE', value: (t) => t.type },
          { header: 'CALL', value: (t) => t.call },
          {
            header: 'TARGET',
            value: (t) =>
              t.webhookPath !== undefined
                ? new URL(t.webhookPath, client.baseUrl).toString()
                : (t.schedule ?? t.connection ?? ''),
          },
        ]),
      );
    });

  trigger
    .command('get')
    .description('show a trigger')
    .argument('<trigger-id>', 'trigger id (trg_…)')
    .action(async (id: string, _options: object, command: Command) => {
      const out = context.output(command);
      const client = await context.client(command);
      const t = await client.request<ApiTrigger>('GET', `/api/v1/triggers/${encodeURIComponent(id)}`);
      out.result(t, () =>
        out.fields([
          ['trigger', t.triggerId],
          ['name', t.name],
          ['type', t.type],
          ['call', t.call],
          ['project', t.projectId],
          [
            'url',
            t.webhookPath === undefined ? undefined : new URL(t.webhookPath, client.baseUrl).toString(),
          ],
          ['sync', t.sync === undefined ? undefined : String(t.sync)],
          ['signature', t.signature],
          ['schedule', t.schedule === undefined ? undefined : `${t.schedule} (${t.timezone ?? 'UTC'})`],
          [
            'connection',
            t.connection === undefined
              ? undefined
              : `${t.connection}${t.eventType === undefined ? '' : ` ${t.eventType}`}`,
          ],
          ['filter', t.filter],
        ]),
      );
    });

  trigger
    .command('run')
    .description('run a manual trigger (recorded as an event; starts a session on the active deployment)')
    .argument('<trigger-id>', 'trigger id (trg_…)')
    .option('--input <json>', 'the input: JSON, @file.json, or - for stdin')
    .action(async (id: string, options: { input?: string }, command: Command) => {
      const out = context.output(command);
      const input = await jsonOption(context, options.input, '--input');
      const result = await (
        await context.client(command)
      ).request<ApiDispatchResult>('POST', `/api/v1/triggers/${encodeURIComponent(id)}/run`, {
        json: input === undefined ? {} : { input },
      });
      out.result(result, () =>
        out.line(
          `Event ${result.eventId} ${out.paint(result.status, stateColor(result.status))}${result.sessionId === undefined ? '' : `: session ${result.sessionId}`}${result.reason === undefined ? '' : ` (${result.reason})`}`,
        ),
      );
    });
}

export const triggerCommands: CommandGroup = { name: 'trigger', register };
