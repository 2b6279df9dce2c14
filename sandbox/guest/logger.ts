/** The `log` object of `whisker/workflow` and `whisker/activity`: one shape, two destinations. */
import type { LogLevel } from '../protocol.js';
import { formatLogArgs } from './log-format.js';

export interface Logger {
  debug(message: string, attributes?: Record<string, unknown>): void;
  info(message: string, attributes?: Record<string, unknown>): void;
  warn(message: string, attributes?: Record<string, unknown>): void;
  error(message: string, attributes?: Record<string, unknown>): void;
}

/** A frozen logger that formats each call to one line and hands it to `write`. */
export function createLogger(write: (level: LogLevel, text: string) => void): Logger {
  const at =
    (level: LogLevel) =>
    (message: string, attributes?: Record<string, unknown>): void =>
      write(
        level,
        attributes === undefined ? formatLogArgs([message]) : formatLogArgs([message, attributes]),
      );
  return Object.freeze({ debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') });
}
