/**
 * Schedules: cron expressions read with `croner` (v9), in an IANA time zone.
 *
 * Accepted: 5 fields (minute hour day-of-month month day-of-week), 6 fields (seconds first), and
 * the nicknames `@yearly`, `@annually`, `@monthly`, `@weekly`, `@daily`, `@hourly`. Ranges, lists,
 * steps, names (`MON-FRI`, `JAN`), `L` (last day / last weekday of the month) and `#` (nth weekday)
 * work. When both day-of-month and day-of-week are restricted, a day matching EITHER fires
 * (Vixie cron's rule). `?` is refused: croner replaces it with the current date's value, which
 * would make a schedule depend on when it was read.
 *
 * Daylight saving time (croner works in wall-clock time in the zone):
 * - a time skipped by a spring-forward change fires once, at the same wall-clock offset after
 *   the jump (02:30 Europe/Paris on the last Sunday of March fires at 03:30 CEST);
 * - a time repeated by a fall-back change fires once, at its second occurrence (02:30 on the last
 *   Sunday of October fires at 02:30 CET = 01:30 UTC, not at 02:30 CEST). An hourly schedule
 *   therefore fires once for the repeated hour, two hours after the previous tick in UTC.
 */
import { Cron } from 'croner';
import { WhiskerError } from '../../../common/index.js';
import { DEFAULT_TIMEZONE } from './types.js';
import type { ScheduleTriggerConfig } from './types.js';

export type CronCheck = { ok: true } | { ok: false; message: string; hint?: string };

export const CRON_NICKNAMES = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@hourly'] as const;

const FIELD_HINT =
  '5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first, e.g. "0 3 * * *"';

export class InvalidScheduleError extends WhiskerError {
  constructor(
    readonly schedule: string,
    readonly timezone: string,
    readonly reason: string,
  ) {
    super(
      'INVALID_SCHEDULE',
      `schedule ${JSON.stringify(schedule)} in time zone ${JSON.stringify(timezone)} is invalid: ${reason}; lint the manifest before scheduling`,
    );
  }
}

/** Checks a cron expression (syntax and ranges), without a time zone. */
export function validateCron(expression: string): CronCheck {
  const trimmed = expression.trim();
  if (trimmed === '') return { ok: false, message: 'the schedule is empty', hint: FIELD_HINT };
  if (trimmed.startsWith('@')) {
    if ((CRON_NICKNAMES as readonly string[]).includes(trimmed.toLowerCase())) {
      return construct(canonicalPattern(trimmed));
    }
    return {
      ok: false,
      message: `unknown nickname ${JSON.stringify(trimmed)}`,
      hint: `use one of ${CRON_NICKNAMES.join(', ')}, or a cron expression`,
    };
  }
  const fields = trimmed.split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) {
    return {
      ok: false,
      message: `${JSON.stringify(trimmed)} has ${fields.length} field${fields.length === 1 ? '' : 's'}; a cron expression has 5 or 6`,
      hint: FIELD_HINT,
    };
  }
  if (fields.some((field) => field.includes('?'))) {
    return {
      ok: false,
      message: `"?" is not supported in ${JSON.stringify(trimmed)}`,
      hint: 'use * instead of ?',
    };
  }
  return construct(canonicalPattern(trimmed));
}

/** The expression as normalised and given to croner: trimmed, single spaces, nicknames in lower case. */
export function canonicalPattern(expression: string): string {
  const trimmed = expression.trim();
  return trimmed.startsWith('@') ? trimmed.toLowerCase() : trimmed.split(/\s+/).join(' ');
}

/** Checks that `timezone` is an IANA time zone name the runtime knows (e.g. `Europe/Paris`, `UTC`). */
export function validateTimezone(timezone: string): CronCheck {
  // Region names only: recent engines also accept offsets such as "+02:00", which have no DST rules.
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(timezone)) {
    return {
      ok: false,
      message: `${JSON.stringify(timezone)} is not an IANA time zone name`,
      hint: 'use a name such as "Europe/Paris", "America/New_York" or "UTC"',
    };
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return { ok: true };
  } catch {
    return {
      ok: false,
      message: `unknown time zone ${JSON.stringify(timezone)}`,
      hint: 'use an IANA name such as "Europe/Paris", "America/New_York" or "UTC"',
    };
  }
}

/**
 * The first time strictly after `after` at which the schedule fires, in its time zone (default
 * UTC); `undefined` when it never fires again. Throws `InvalidScheduleError` for an expression or
 * time zone that lint would reject.
 */
export function nextScheduleTime(
  trigger: Pick<ScheduleTriggerConfig, 'schedule'> & { timezone?: string },
  after: Date,
): Date | undefined {
  return compiledSchedule(trigger.schedule, trigger.timezone ?? DEFAULT_TIMEZONE).nextRun(after) ?? undefined;
}

/** Most schedules compiled at once; the least recently used is dropped beyond it. */
const MAX_COMPILED_SCHEDULES = 1000;
/**
 * Validated, compiled schedules by time zone and pattern: validating a time zone and compiling an
 * expression cost far more than computing a next time. A paused job's `nextRun(date)` keeps no
 * state, so one job serves every caller.
 */
const compiledSchedules = new Map<string, Cron>();

function compiledSchedule(schedule: string, timezone: string): Cron {
  const pattern = canonicalPattern(schedule);
  const key = `${timezone}\u0000${pattern}`;
  const cached = compiledSchedules.get(key);
  if (cached !== undefined) {
    compiledSchedules.delete(key);
    compiledSchedules.set(key, cached);
    return cached;
  }
  const cron = validateCron(schedule);
  if (!cron.ok) throw new InvalidScheduleError(schedule, timezone, cron.message);
  const zone = validateTimezone(timezone);
  if (!zone.ok) throw new InvalidScheduleError(schedule, timezone, zone.message);
  // UTC has no DST: a fixed offset gives the same times as the zone, a hundred times faster
  // (croner converts through Intl for every step of a zoned computation).
  const job = isUtc(timezone)
    ? new Cron(pattern, { utcOffset: 0, paused: true })
    : new Cron(pattern, { timezone, paused: true });
  compiledSchedules.set(key, job);
  if (compiledSchedules.size > MAX_COMPILED_SCHEDULES) {
    const oldest = compiledSchedules.keys().next();
    if (oldest.done !== true) compiledSchedules.delete(oldest.value);
  }
  return job;
}

function isUtc(timezone: string): boolean {
  return new Intl.DateTimeFormat('en-US', { timeZone: timezone }).resolvedOptions().timeZone === 'UTC';
}

function construct(pattern: string): CronCheck {
  try {
    new Cron(pattern, { paused: true, utcOffset: 0 });
    return { ok: true };
  } catch (error) {
    return {
      ok: false,
      message: (error as Error).message.replace(/^CronPattern:\s*/, ''),
      hint: FIELD_HINT,
    };
  }
}
