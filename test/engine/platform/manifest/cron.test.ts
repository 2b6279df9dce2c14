import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '../../../../common/index.js';
import {
  nextScheduleTime,
  validateCron,
  validateTimezone,
} from '../../../../engine/platform/manifest/index.js';
import { containing } from './helpers.js';

const next = (schedule: string, timezone: string | undefined, after: string): string | undefined =>
  nextScheduleTime(
    timezone === undefined ? { schedule } : { schedule, timezone },
    new Date(after),
  )?.toISOString();

/** The next `count` fire times, each computed from the previous one (as a scheduler does). */
function chain(schedule: string, timezone: string, after: string, count: number): string[] {
  const out: string[] = [];
  let from = new Date(after);
  for (let i = 0; i < count; i++) {
    const fire = nextScheduleTime({ schedule, timezone }, from);
    if (fire === undefined) break;
    out.push(fire.toISOString());
    from = fire;
  }
  return out;
}

describe('nextScheduleTime', () => {
  it('reads 5 fields in the trigger time zone (UTC by default)', () => {
    expect(next('0 3 * * *', undefined, '2025-01-10T12:00:00Z')).toBe('2025-01-11T03:00:00.000Z');
    expect(next('0 3 * * *', 'Europe/Paris', '2025-01-10T12:00:00Z')).toBe('2025-01-11T02:00:00.000Z');
    expect(next('0 3 * * *', 'Europe/Paris', '2025-07-10T12:00:00Z')).toBe('2025-07-11T01:00:00.000Z');
    expect(next('30 9 * * MON-FRI', 'America/New_York', '2025-01-10T15:00:00Z')).toBe(
      '2025-01-13T14:30:00.000Z',
    );
  });

  it('is strictly after the given time', () => {
    expect(next('0 3 * * *', 'UTC', '2025-01-11T03:00:00Z')).toBe('2025-01-12T03:00:00.000Z');
    expect(next('0 3 * * *', 'UTC', '2025-01-11T02:59:59.999Z')).toBe('2025-01-11T03:00:00.000Z');
  });

  it('reads 6 fields with seconds first', () => {
    expect(chain('*/20 * * * * *', 'UTC', '2025-01-01T00:00:05Z', 4)).toEqual([
      '2025-01-01T00:00:20.000Z',
      '2025-01-01T00:00:40.000Z',
      '2025-01-01T00:01:00.000Z',
      '2025-01-01T00:01:20.000Z',
    ]);
    expect(next('30 0 12 * * *', 'Asia/Tokyo', '2025-01-01T00:00:00Z')).toBe('2025-01-01T03:00:30.000Z');
  });

  it('reads nicknames, L and #', () => {
    expect(next('@hourly', 'UTC', '2025-01-01T10:15:00Z')).toBe('2025-01-01T11:00:00.000Z');
    expect(next('@DAILY', 'Europe/Paris', '2025-01-01T10:15:00Z')).toBe('2025-01-01T23:00:00.000Z');
    expect(next('0 12 L * *', 'UTC', '2025-02-03T00:00:00Z')).toBe('2025-02-28T12:00:00.000Z');
    expect(next('0 12 * * 5#L', 'UTC', '2025-02-03T00:00:00Z')).toBe('2025-02-28T12:00:00.000Z');
  });

  it('fires a time skipped by the spring-forward change once, an hour later in wall-clock time', () => {
    // Europe/Paris, 2025-03-30: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist.
    expect(chain('30 2 * * *', 'Europe/Paris', '2025-03-28T12:00:00Z', 3)).toEqual([
      '2025-03-29T01:30:00.000Z', // 02:30 CET
      '2025-03-30T01:30:00.000Z', // 03:30 CEST: the skipped 02:30, once
      '2025-03-31T00:30:00.000Z', // 02:30 CEST
    ]);
  });

  it('fires a time repeated by the fall-back change once, at its second occurrence', () => {
    // Europe/Paris, 2025-10-26: 03:00 CEST falls back to 02:00 CET; 02:30 happens twice.
    expect(chain('30 2 * * *', 'Europe/Paris', '2025-10-24T12:00:00Z', 3)).toEqual([
      '2025-10-25T00:30:00.000Z', // 02:30 CEST
      '2025-10-26T01:30:00.000Z', // 02:30 CET (the first 02:30, 00:30 UTC, does not fire)
      '2025-10-27T01:30:00.000Z',
    ]);
    // An hourly schedule fires once for the repeated hour: two hours apart in UTC.
    expect(chain('0 * * * *', 'Europe/Paris', '2025-10-25T22:30:00Z', 4)).toEqual([
      '2025-10-25T23:00:00.000Z', // 01:00 CEST
      '2025-10-26T01:00:00.000Z', // 02:00 CET
      '2025-10-26T02:00:00.000Z', // 03:00 CET
      '2025-10-26T03:00:00.000Z',
    ]);
  });

  it('returns undefined for a schedule with no future date, and throws for an invalid one', () => {
    expect(next('0 0 30 2 *', 'UTC', '2025-01-01T00:00:00Z')).toBeUndefined();
    expect(() => next('61 * * * *', 'UTC', '2025-01-01T00:00:00Z')).toThrow(/minute/);
    let thrown: unknown;
    try {
      next('0 3 * * *', 'Nowhere/City', '2025-01-01T00:00:00Z');
    } catch (error) {
      thrown = error;
    }
    expect(hasErrorCode(thrown, 'INVALID_SCHEDULE')).toBe(true);
    expect((thrown as Error).message).toContain('"Nowhere/City"');
  });
});

describe('validateCron and validateTimezone', () => {
  it('accepts what croner reads and refuses the rest with a reason', () => {
    for (const good of ['0 3 * * *', '*/5 * * * *', '0 0 9-17 * * MON-FRI', '@weekly', ' 0  3 * * * ']) {
      expect(validateCron(good), good).toEqual({ ok: true });
    }
    expect(validateCron('')).toMatchObject({ ok: false, message: 'the schedule is empty' });
    expect(validateCron('* * *')).toMatchObject({
      ok: false,
      message: '"* * *" has 3 fields; a cron expression has 5 or 6',
    });
    expect(validateCron('0 0 0 * * * 2030')).toMatchObject({
      ok: false,
      message: containing('7 fields'),
    });
    expect(validateCron('0 25 * * *')).toMatchObject({ ok: false, message: containing('hour') });
    expect(validateCron('0 3 ? * *')).toMatchObject({ ok: false, hint: 'use * instead of ?' });
    expect(validateCron('@reboot')).toMatchObject({ ok: false, message: 'unknown nickname "@reboot"' });
    expect(validateCron('2030-01-01T00:00:00')).toMatchObject({ ok: false });
  });

  it('accepts IANA zone names only', () => {
    for (const good of ['UTC', 'Europe/Paris', 'America/Argentina/Buenos_Aires', 'Etc/GMT+2']) {
      expect(validateTimezone(good), good).toEqual({ ok: true });
    }
    for (const bad of ['Mars/Olympus', '+02:00', 'UTC+2', '', 'Europe/']) {
      expect(validateTimezone(bad).ok, bad).toBe(false);
    }
  });
});
