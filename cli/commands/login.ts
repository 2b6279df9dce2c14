/** `whisker login`: check a server URL and token, and save them (owner-only) for later commands. */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { ApiClient } from '../client.js';
import { DEFAULT_URL, loginFile, writeCredentials } from '../credentials.js';
import type { CommandGroup } from './command-group.js';

function register(program: Command, context: CliContext): void {
  program
    .command('login')
    .description(
      'save the server URL and an API token for later commands (the token is read from stdin or a prompt)',
    )
    .addHelpText(
      'after',
      `
The URL comes from --url (or WHISKER_URL, default ${DEFAULT_URL}); the token from --token, else stdin,
else a prompt that does not echo. The login is checked against the server, then saved owner-only in
$XDG_CONFIG_HOME/whisker/login.json (default ~/.config/whisker/login.json).

Example:
  whisker login --url https://whisker.example.com`,
    )
    .action(async (_options: object, command: Command) => {
      const out = context.output(command);
      const globals = context.globals(command);
      const url = globals.url ?? (context.io.env['WHISKER_URL'] || DEFAULT_URL);
      const token = globals.token ?? (await context.readSecret(`API token for ${url}: `)).trim();
      // Checks both: the server answers, and the token is accepted.
      await new ApiClient(url, token).request('GET', '/api/v1/tokens');
      const file = loginFile(context.io.env);
      await writeCredentials(file, { url, token });
      out.result({ url, file }, () => out.line(`Logged in to ${url} (saved in ${file}).`));
    });
}

export const loginCommand: CommandGroup = { name: 'login', register };
