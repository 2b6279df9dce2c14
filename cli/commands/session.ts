/** `whisker session start|list|get|log [--follow]|watch|stop|restart|delete|signal`. */
import type { Command } from 'commander';
import type { ApiDispatchResult, ApiLogEntry, ApiSession, ApiSessionPage } from '../../api/index.js';
import type { ApiClient, StreamEvent } from '../client.js';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import type { Output } from '../output.js';
import { brief, formatClock, formatDuration, formatTime, stateColor } from '../output.js';
import { integerOption, jsonOption, timeOption } from '../values.js';
import type { CommandGroup } from './command-group.js';

const path = (id: string): string => `/api/v1/sessions/${encodeURIComponent(id)}`;

function logLine(out: Output, entry: ApiLogEntry): string {
  const level = entry.level.padEnd(5);
  const color =
    entry.level === 'error'
      ? 'red'
      : entry.level === 'warn'
        ? 'yellow'
        : entry.kind === 'lifecycle'
          ? 'gray'
          : undefined;
  return out.paint(`${formatClock(entry.time)} ${level} ${entry.text}`, color);
}

function printSession(out: Output, s: ApiSession): void {
  out.fields([
    ['session', s.sessionId],
    ['status', out.paint(s.status, stateColor(s.status))],
    ['entry', s.entry],
    ['project', s.projectId],
    ['deployment', s.deploymentId],
    ['build', s.buildId === s.startBuildId ? s.buildId : `${s.buildId} (started on ${s.startBuildId})`],
    [
      'trigger',
      s.trigger === undefined
        ? undefined
        : [s.trigger.kind, s.trigger.eventId, s.trigger.sessionId].filter(Boolean).join(' '),
    ],
    ['parent', s.parentSessionId],
    ['started', formatTime(s.startedAt)],
    [
      'ended',
      s.endedAt === undefined ? undefined : `${formatTime(s.endedAt)} (${formatDuration(s.durationMs)})`,
    ],
    [
      'waiting for',
      s.waitingFor === undefined
        ? undefined
        : `${s.waitingFor.activities} activities, ${s.waitingFor.timers} timers, ${s.waitingFor.children} children`,
    ],
    ['input', brief(s.input, 120)],
    ['result', s.status === 'completed' ? brief(s.result, 120) : undefined],
    ['error', s.error === undefined ? undefined : out.paint(`${s.error.name}: ${s.error.message}`, 'red')],
    ['stopped', s.stopReason],
    [
      'parked',
      s.parked === undefined ? undefined : out.paint(`${s.parked.code}: ${s.parked.message}`, 'red'),
    ],
  ]);
}

/** The session's journal as a live stream, reconnecting (with Last-Event-ID) if the connection drops. */
async function* follow(client: ApiClient, sessionId: string): AsyncGenerator<StreamEvent> {
  let lastEventId: string | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      for await (const event of client.events(`${path(sessionId)}/events`, {}, lastEventId)) {
        if (event.id !== undefined) lastEventId = event.id;
        attempt = 0;
        yield event;
        if (event.event === 'end') return;
      }
    } catch (error) {
      if (error instanceof CliError && error.code !== 'SERVER_UNREACHABLE') throw error;
      if (attempt >= 5) throw error;
    }
    // The stream closed early (server restart, slow reader): resume after the last event seen.
    await new Promise((resolve) => setTimeout(resolve, 500 * (attempt + 1)));
  }
}

function register(program: Command, context: CliContext): void {
  const session = program.command('session').description('sessions: durable runs of workflow code');

  session
    .command('start')
    .description(
      'start a session: a manual trigger, or any entry point of the deployed build (recorded as an event)',
    )
    .argument('<project>', 'project name or id')
    .option('--trigger <name>', 'a manual trigger of the project')
    .option('--entry <file:function>', 'an entry point, e.g. handlers.ts:main')
    .option('--input <json>', 'the input: JSON, @file.json, or - for stdin')
    .option('--deployment <deployment-id>', 'run on this deployment (default: the active one)')
    .action(
      async (
        project: string,
        options: { trigger?: string; entry?: string; input?: string; deployment?: string },
        command: Command,
      ) => {
        const out = context.output(command);
        if ((options.trigger === undefined) === (options.entry === undefined)) {
          throw new CliError(
            'INVALID_OPTION',
            'give exactly one of --trigger <name> or --entry <file:function>',
          );
        }
        const input = await jsonOption(context, options.input, '--input');
        const result = await (
          await context.client(command)
        ).request<ApiDispatchResult>('POST', '/api/v1/sessions', {
          json: {
            project,
            ...(options.trigger !== undefined ? { trigger: options.trigger } : {}),
            ...(options.entry !== undefined ? { entry: options.entry } : {}),
            ...(input !== undefined ? { input } : {}),
            ...(options.deployment !== undefined ? { deploymentId: options.deployment } : {}),
          },
        });
        out.result(result, () => {
          if (result.sessionId !== undefined)
            out.line(`Started session ${result.sessionId} (event ${result.eventId}).`);
          else
            out.line(
              `Event ${result.eventId} ${result.status}${result.reason === undefined ? '' : `: ${result.reason}`}`,
            );
        });
        if (result.sessionId === undefined) {
          throw new CliError(
            'NOT_DISPATCHED',
            `no session started: event ${result.eventId} was ${result.status}${result.reason === undefined ? '' : ` (${result.reason})`}`,
            {
              eventId: result.eventId,
            },
          );
        }
      },
    );

  session
    .command('list')
    .description('list sessions, newest first')
    .option('--project <project>', 'only this project')
    .option('--deployment <deployment-id>', 'only this deployment')
    .option(
      '--status <status>',
      'only these states, comma-separated: created, running, waiting, completed, failed, stopped, parked',
    )
    .option('--entry <file:function>', 'only this entry point')
    .option('--since <time>', 'started since: 30m, 2h, 1d (ago) or an ISO date')
    .option('--limit <n>', 'page size (default 50)')
    .option('--cursor <cursor>', 'the next page (printed after a full page)')
    .action(
      async (
        options: {
          project?: string;
          deployment?: string;
          status?: string;
          entry?: string;
          since?: string;
          limit?: string;
          cursor?: string;
        },
        command: Command,
      ) => {
        const out = context.output(command);
        const page = await (
          await context.client(command)
        ).request<ApiSessionPage>('GET', '/api/v1/sessions', {
          query: {
            project: options.project,
            deploymentId: options.deployment,
            status: options.status,
            entry: options.entry,
            startedAfter: timeOption(options.since, '--since'),
            limit: integerOption(options.limit, '--limit', 1),
            cursor: options.cursor,
          },
        });
        out.result(page, () => {
          out.table(page.sessions, [
            { header: 'SESSION', value: (s) => s.sessionId },
            { header: 'STATUS', value: (s) => s.status, color: (s) => stateColor(s.status) },
            { header: 'ENTRY', value: (s) => s.entry },
            { header: 'STARTED', value: (s) => formatTime(s.startedAt) },
            { header: 'DURATION', value: (s) => formatDuration(s.durationMs) },
          ]);
          if (page.nextCursor !== undefined)
            out.line(`${page.total} in all; next page: --cursor ${page.nextCursor}`);
        });
      },
    );

  session
    .command('get')
    .description('show a session: status, input, result or error')
    .argument('<session-id>', 'session id (ses_…)')
    .action(async (id: string, _options: object, command: Command) => {
      const out = context.output(command);
      const s = await (await context.client(command)).request<ApiSession>('GET', path(id));
      out.result(s, () => printSession(out, s));
    });

  session
    .command('log')
    .description("print a session's log (what the code printed and its life cycle); --follow streams it live")
    .argument('<session-id>', 'session id (ses_…)')
    .option('-f, --follow', 'keep printing new lines until the session ends')
    .action(async (id: string, options: { follow?: boolean }, command: Command) => {
      const out = context.output(command);
      const client = await context.client(command);
      if (options.follow !== true) {
        const { entries } = await client.request<{ entries: ApiLogEntry[] }>('GET', `${path(id)}/log`);
        out.result(entries, () => {
          for (const entry of entries) out.line(logLine(out, entry));
        });
        return;
      }
      for await (const event of follow(client, id)) {
        if (event.event !== 'journal') continue;
        for (const entry of (event.data as { log: ApiLogEntry[] }).log) {
          if (out.json) out.jsonLine(entry);
          else out.line(logLine(out, entry));
        }
      }
    });

  session
    .command('watch')
    .description(
      'follow a session live: its state changes and log, then its result; fails if the session does',
    )
    .argument('<session-id>', 'session id (ses_…)')
    .action(async (id: string, _options: object, command: Command) => {
      const out = context.output(command);
      const client = await context.client(command);
      let status: string | undefined;
      for await (const event of follow(client, id)) {
        if (out.json) {
          out.jsonLine({
            event: event.event,
            ...(event.id !== undefined ? { id: Number(event.id) } : {}),
            data: event.data,
          });
          if (event.event === 'session') status = (event.data as ApiSession).status;
          if (event.event === 'end') status = (event.data as { status?: string }).status;
          continue;
        }
        if (event.event === 'session') {
          const s = event.data as ApiSession;
          status = s.status;
          out.line(`${s.sessionId} ${s.entry}: ${out.paint(s.status, stateColor(s.status))}`);
        } else if (event.event === 'journal') {
          const data = event.data as { status?: string; log: ApiLogEntry[] };
          for (const entry of data.log) out.line(logLine(out, entry));
          if (data.status !== undefined && data.status !== status) {
            status = data.status;
            out.line(`→ ${out.paint(status, stateColor(status))}`);
          }
        } else if (event.event === 'end') {
          status = (event.data as { status?: string }).status ?? status;
        }
      }
      const final = await client.request<ApiSession>('GET', path(id));
      if (!out.json) {
        out.line();
        printSession(out, final);
      }
      if (final.status === 'failed') {
        throw new CliError(
          'SESSION_FAILED',
          `session ${id} failed: ${final.error?.name ?? 'Error'}: ${final.error?.message ?? ''}`,
          { sessionId: id },
        );
      }
      if (final.status === 'stopped') {
        throw new CliError('SESSION_STOPPED', `session ${id} was stopped: ${final.stopReason ?? ''}`, {
          sessionId: id,
        });
      }
    });

  session
    .command('stop')
    .description('stop a session: its code gets a cancellation and may clean up (--force: at once)')
    .argument('<session-id>', 'session id (ses_…)')
    .option('--force', 'stop at once: no more code runs')
    .option('--reason <text>', 'why (recorded)')
    .action(async (id: string, options: { force?: boolean; reason?: string }, command: Command) => {
      const out = context.output(command);
      const s = await (
        await context.client(command)
      ).request<ApiSession>('POST', `${path(id)}/stop`, {
        json: {
          ...(options.force === true ? { force: true } : {}),
          ...(options.reason !== undefined ? { reason: options.reason } : {}),
        },
      });
      out.result(s, () =>
        out.line(`Session ${s.sessionId} is ${out.paint(s.status, stateColor(s.status))}.`),
      );
    });

  session
    .command('restart')
    .description('start a new session with the same entry point and input (on the active deployment)')
    .argument('<session-id>', 'session id (ses_…)')
    .action(async (id: string, _options: object, command: Command) => {
      const out = context.output(command);
      const s = await (await context.client(command)).request<ApiSession>('POST', `${path(id)}/restart`);
      out.result(s, () => out.line(`Started session ${s.sessionId} (restart of ${id}).`));
    });

  session
    .command('delete')
    .description('delete an ended session and its journal')
    .argument('<session-id>', 'session id (ses_…)')
    .action(async (id: string, _options: object, command: Command) => {
      const out = context.output(command);
      await (await context.client(command)).request('DELETE', path(id));
      out.result({ deleted: id }, () => out.line(`Deleted session ${id}.`));
    });

  session
    .command('signal')
    .description('send a signal to a session')
    .argument('<session-id>', 'session id (ses_…)')
    .argument('<name>', 'signal name')
    .option('--payload <json>', 'the payload: JSON, @file.json, or - for stdin')
    .action(async (id: string, name: string, options: { payload?: string }, command: Command) => {
      const out = context.output(command);
      const payload = await jsonOption(context, options.payload, '--payload');
      const result = await (
        await context.client(command)
      ).request<{ sessionId: string; name: string }>('POST', `${path(id)}/signals`, {
        json: { name, ...(payload !== undefined ? { payload } : {}) },
      });
      out.result(result, () => out.line(`Sent ${name} to ${id}.`));
    });
}

export const sessionCommands: CommandGroup = { name: 'session', register };
