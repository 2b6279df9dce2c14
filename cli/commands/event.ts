/** `whisker event list|get|redispatch`. */
import type { Command } from 'commander';
import type { ApiDispatchResult, ApiEventDetail, ApiEventPage } from '../../api/index.js';
import type { CliContext } from '../context.js';
import { brief, formatTime, stateColor } from '../output.js';
import { integerOption } from '../values.js';
import type { CommandGroup } from './command-group.js';

function register(program: Command, context: CliContext): void {
  const event = program
    .command('event')
    .description('events: every trigger occurrence, recorded before dispatch');

  event
    .command('list')
    .description('list events, newest first')
    .option('--project <project>', 'only this project')
    .option('--trigger <trigger-id>', 'only this trigger')
    .option('--type <type>', 'webhook, schedule, manual or connection')
    .option('--status <status>', 'dispatched, filtered, not-dispatched or received')
    .option('--limit <n>', 'page size (default 50)')
    .option('--cursor <cursor>', 'the next page (printed after a full page)')
    .action(
      async (
        options: {
          project?: string;
          trigger?: string;
          type?: string;
          status?: string;
          limit?: string;
          cursor?: string;
        },
        command: Command,
      ) => {
        const out = context.output(command);
        const page = await (
          await context.client(command)
        ).request<ApiEventPage>('GET', '/api/v1/events', {
          query: {
            project: options.project,
            triggerId: options.trigger,
            type: options.type,
            status: options.status,
            limit: integerOption(options.limit, '--limit', 1),
            cursor: options.cursor,
          },
        });
        out.result(page, () => {
          out.table(page.events, [
            { header: 'EVENT', value: (e) => e.eventId },
            { header: 'TYPE', value: (e) => e.type },
            { header: 'TRIGGER', value: (e) => e.triggerName ?? e.entry ?? '' },
            { header: 'STATUS', value: (e) => e.status, color: (e) => stateColor(e.status) },
            { header: 'SESSION', value: (e) => e.sessionId ?? e.reason ?? '' },
            { header: 'TIME', value: (e) => formatTime(e.time) },
          ]);
          if (page.nextCursor !== undefined)
            out.line(`${page.total} in all; next page: --cursor ${page.nextCursor}`);
        });
      },
    );

  event
    .command('get')
    .description('show an event and its data')
    .argument('<event-id>', 'event id (evt_…)')
    .action(async (id: string, _options: object, command: Command) => {
      const out = context.output(command);
      const e = await (
        await context.client(command)
      ).request<ApiEventDetail>('GET', `/api/v1/events/${encodeURIComponent(id)}`);
      out.result(e, () => {
        out.fields([
          ['event', e.eventId],
          ['type', e.type],
          [
            'status',
            `${out.paint(e.status, stateColor(e.status))}${e.reason === undefined ? '' : ` (${e.reason})`}`,
          ],
          ['project', e.projectId],
          ['trigger', e.triggerName === undefined ? e.entry : `${e.triggerName} (${e.triggerId ?? ''})`],
          ['deployment', e.deploymentId],
          ['session', e.sessionId],
          ['redispatches', e.redispatchOf],
          ['time', formatTime(e.time)],
          ['data', brief(e.data, 200)],
        ]);
      });
    });

  event
    .command('redispatch')
    .description('record a new event with the same data and dispatch it')
    .argument('<event-id>', 'event id (evt_…)')
    .option('--deployment <deployment-id>', 'send it to this deployment (default: the active one)')
    .action(async (id: string, options: { deployment?: string }, command: Command) => {
      const out = context.output(command);
      const result = await (
        await context.client(command)
      ).request<ApiDispatchResult>('POST', `/api/v1/events/${encodeURIComponent(id)}/redispatch`, {
        json: options.deployment === undefined ? {} : { deploymentId: options.deployment },
      });
      out.result(result, () =>
        out.line(
          `New event ${result.eventId} ${out.paint(result.status, stateColor(result.status))}${result.sessionId === undefined ? '' : `: session ${result.sessionId}`}${result.reason === undefined ? '' : ` (${result.reason})`}`,
        ),
      );
    });
}

export const eventCommands: CommandGroup = { name: 'event', register };
