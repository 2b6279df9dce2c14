/**
 * What every command gets: the process's streams and environment (injectable, so commands run in
 * tests without a child process), the global options, the output, and the API client.
 */
import type { Command } from 'commander';
import { ApiClient } from './client.js';
import { resolveServer } from './credentials.js';
import { CliError } from './errors.js';
import type { Io } from './output.js';
import { Output } from './output.js';

export interface GlobalOptions {
  url?: string;
  token?: string;
  json?: boolean;
  color?: boolean;
}

export interface CliContext {
  io: Io;
  globals(command: Command): GlobalOptions;
  output(command: Command): Output;
  client(command: Command): Promise<ApiClient>;
  /** All of stdin as text (piped input). */
  readStdin(): Promise<string>;
  /** A secret: from stdin when piped, else a prompt on the terminal that does not echo. */
  readSecret(prompt: string): Promise<string>;
  /** Runs `handler` on SIGINT/SIGTERM; returns the function that removes it. */
  onSignal(handler: (signal: NodeJS.Signals) => void): () => void;
}

export function createContext(io: Io): CliContext {
  const globals = (command: Command): GlobalOptions => command.optsWithGlobals<GlobalOptions>();
  const readStdin = async (): Promise<string> => {
    const chunks: Buffer[] = [];
    for await (const chunk of io.stdin as AsyncIterable<Buffer | string>) {
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  };
  return {
    io,
    globals,
    output: (command) => {
      const options = globals(command);
      return new Output(io, options.json === true, options.color === false);
    },
    client: async (command) => {
      const options = globals(command);
      const server = await resolveServer(
        {
          ...(options.url !== undefined ? { url: options.url } : {}),
          ...(options.token !== undefined ? { token: options.token } : {}),
        },
        io.env,
        io.cwd,
      );
      return new ApiClient(server.url, server.token);
    },
    readStdin,
    readSecret: async (prompt) => {
      if (io.stdin.isTTY !== true) {
        // Piped: the whole input, without the final newline.
        return (await readStdin()).replace(/\r?\n$/, '');
      }
      return promptHidden(io, prompt);
    },
    onSignal: (handler) => {
      const listener = (signal: NodeJS.Signals): void => handler(signal);
      process.on('SIGINT', listener);
      process.on('SIGTERM', listener);
      return () => {
        process.off('SIGINT', listener);
        process.off('SIGTERM', listener);
      };
    },
  };
}

/** Reads a line from the terminal with echo off. */
function promptHidden(io: Io, prompt: string): Promise<string> {
  const stdin = io.stdin as NodeJS.ReadStream;
  return new Promise((resolve, reject) => {
    io.stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    let value = '';
    const finish = (error?: Error): void => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      io.stderr.write('\n');
      if (error !== undefined) reject(error);
      else resolve(value);
    };
    const onData = (chunk: Buffer): void => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') return finish();
        if (char === '\u0003') return finish(new CliError('CANCELLED', 'cancelled'));
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
        else value += char;
      }
    };
    stdin.on('data', onData);
  });
}
