/**
 * `whisker up`: the engine on the embedded file store and the HTTP API, in this process. Prints
 * where it listens, where its data is and, on the first start, the admin token, which it also
 * saves for this command line in `<data dir>/credentials.json` (0600), so `whisker deploy` in
 * another terminal needs no copy-paste. Stops gracefully on SIGINT/SIGTERM and exits 0.
 */
import { mkdir } from 'node:fs/promises';
import { Option } from 'commander';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { credentialsFile, readCredentials, writeCredentials } from '../credentials.js';
import { resolveUpConfig, UP_SETTINGS } from '../up-config.js';
import type { CommandGroup } from './command-group.js';

function register(program: Command, context: CliContext): void {
  const up = program
    .command('up')
    .description('run a Whisker server here: the engine on the embedded file store and the HTTP API');
  for (const setting of UP_SETTINGS) {
    up.addOption(
      new Option(
        setting.flag,
        `${setting.description} (env ${setting.env}; default ${setting.shownDefault})`,
      ),
    );
  }
  up.addOption(new Option('--config <file>', 'a YAML or JSON file of settings (env WHISKER_CONFIG)'));
  up.addOption(
    new Option(
      '--new-admin-token',
      'create a new admin token now, print it and save it (when the saved one is lost)',
    ),
  );
  up.addHelpText(
    'after',
    `
Settings come from flags, then environment variables, then the config file, then the defaults.
The config file takes the flag names in camelCase, e.g.:

  host: 0.0.0.0
  port: 9990
  dataDir: /var/lib/whisker
  rateLimit: 600
  requestTimeout: 1m

On the first start on a data directory the admin token is printed and saved (owner-only) in
<data dir>/credentials.json, where the command line finds it for a local server.`,
  );
  up.action(async (options: Record<string, unknown>, command: Command) => {
    const { io } = context;
    const out = context.output(command);
    const config = await resolveUpConfig({
      flags: options,
      fromCommandLine: (option) => command.getOptionValueSource(option) === 'cli',
      env: io.env,
      cwd: io.cwd,
      ...(typeof options['config'] === 'string' ? { configFile: options['config'] } : {}),
    });
    await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
    // Loaded here, not at the top: other commands only talk HTTP and start faster without the engine.
    const { startServer } = await import('../../api/index.js');
    const server = await startServer({
      dataDir: config.dataDir,
      host: config.host,
      port: config.port,
      engine: {
        typecheck: config.typecheck,
        ...(config.secretKeyFile !== undefined ? { secretKeyFile: config.secretKeyFile } : {}),
        ...(config.runners !== undefined ? { sandboxOptions: { runners: config.runners } } : {}),
      },
      api: {
        bodyLimit: config.bodyLimit,
        uploadBodyLimit: config.uploadLimit,
        requestTimeout: config.requestTimeoutMs,
        rateLimit: config.rateLimit === 0 ? false : { max: config.rateLimit, window: config.rateWindowMs },
        logger: config.logLevel === 'silent' ? false : { level: config.logLevel, stream: io.stdout },
        trustProxy: config.trustProxy,
        ...(config.uiDir !== undefined ? { uiDir: config.uiDir } : {}),
      },
    });

    const stopped = new Promise<void>((resolve) => {
      let stopping = false;
      const remove = context.onSignal(() => {
        if (stopping) {
          // A second Ctrl+C: do not wait any longer.
          io.stderr.write('Stopping now.\n');
          process.exit(130);
        }
        stopping = true;
        io.stderr.write('Stopping: finishing requests in flight (Ctrl+C again to quit at once)…\n');
        void server.close().then(() => {
          remove();
          io.stderr.write('Stopped.\n');
          resolve();
        });
      });
    });

    const file = credentialsFile(config.dataDir);
    let admin = server.adminToken;
    if (options['newAdminToken'] === true) {
      const created = await server.engine.tokens.create('admin');
      admin = { token: created.token, tokenId: created.tokenId };
    }
    const saved = await readCredentials(file).catch(() => undefined);
    const token = admin?.token ?? saved?.token;
    const tokenId = admin?.tokenId ?? saved?.tokenId;
    await writeCredentials(file, {
      url: server.url,
      ...(token !== undefined ? { token } : {}),
      ...(tokenId !== undefined ? { tokenId } : {}),
    });

    if (out.json) {
      out.jsonLine({
        url: server.url,
        api: `${server.url}/api/v1`,
        docs: `${server.url}/docs`,
        dataDir: config.dataDir,
        credentialsFile: file,
        ...(admin !== undefined ? { adminToken: admin.token } : {}),
      });
    } else {
      out.line(`Whisker is up on ${out.paint(server.url, 'bold')}`);
      out.fields([
        ['  API', `${server.url}/api/v1  (reference: ${server.url}/docs)`],
        ['  Webhooks', `${server.url}/webhooks/<slug>`],
        ['  Data', config.dataDir],
      ]);
      if (admin !== undefined) {
        out.line(`  Admin token (shown once; saved for the command line in ${file}):`);
        out.line(`    ${admin.token}`);
      } else if (token === undefined) {
        out.line(`  No saved token in ${file}: run \`whisker up --new-admin-token\` to make one.`);
      }
      out.line(`Deploy a project from another terminal:  whisker deploy examples/hello`);
      out.line('Press Ctrl+C to stop.');
    }
    await stopped;
    // Whatever is still open (a keep-alive socket) must not keep a stopped server's process alive.
    setTimeout(() => process.exit(0), 2000).unref();
  });
}

export const upCommand: CommandGroup = { name: 'up', register };
