import { describe, expect, it } from 'vitest';
import { longestRunInterval } from '#infra/run-interval.ts';

const HOUR = 3_600_000;
const FROM = new Date('2026-01-01T00:00:00Z');

function hoursOf(expression: string, timeZone = 'UTC', from = FROM): number {
  const result = longestRunInterval(expression, timeZone, { from });
  if ('problem' in result) throw new Error(result.problem);
  return result.longestMs / HOUR;
}

function problemOf(expression: string, timeZone = 'UTC'): string {
  const result = longestRunInterval(expression, timeZone, { from: FROM });
  if (!('problem' in result)) throw new Error(`expected ${expression} to be refused`);
  return result.problem;
}

describe('longestRunInterval', () => {
  it.each([
    ['rate(3 days)', 72],
    ['rate(1 hour)', 1],
    ['rate(90 minutes)', 1.5],
  ])('is exact for %s', (expression, hours) => {
    expect(hoursOf(expression)).toBe(hours);
  });

  it.each([
    ['cron(0 3 * * ? *)', 24, 'every day'],
    ['cron(0 3 ? * MON-FRI *)', 72, 'weekdays: Friday to Monday'],
    ['cron(0 9-17 ? * MON-FRI *)', 64, 'office hours: Friday 17:00 to Monday 09:00'],
    ['cron(0 8,20 * * ? *)', 12, 'twice a day'],
    ['cron(0 0/6 * * ? *)', 6, 'every 6 hours'],
    ['cron(0 3 1 * ? *)', 744, 'monthly: the 31 days of January'],
    ['cron(0 3 L * ? *)', 744, 'the last day of each month'],
    ['cron(0 3 15W * ? *)', 768, 'the weekday nearest the 15th'],
    ['cron(0 3 ? * 2#1 *)', 840, 'the first Monday of each month'],
    ['cron(0 3 ? * 6L *)', 840, 'the last Friday of each month'],
    ['cron(0 3 ? * L *)', 168, 'the last day of the week'],
    ['cron(0 0 1 1 ? *)', 8760, 'once a year'],
  ])('computes %s as %d h (%s) in UTC', (expression, hours) => {
    expect(hoursOf(expression)).toBe(hours);
  });

  it('adds the hour a daylight-saving change adds, in the schedule time zone', () => {
    expect(hoursOf('cron(0 3 * * ? *)', 'America/New_York')).toBe(25);
    expect(hoursOf('cron(0 3 ? * MON-FRI *)', 'Europe/Berlin')).toBe(73);
  });

  it('skips a run whose wall time does not exist on the spring-forward day, as Scheduler does', () => {
    const result = longestRunInterval('cron(30 2 * * ? *)', 'Europe/Berlin', { from: FROM });
    expect(result).toEqual({
      longestMs: 47 * HOUR,
      between: ['2026-03-28T01:30:00.000Z', '2026-03-30T00:30:00.000Z'],
    });
  });

  it('runs a wall time that occurs twice on the fall-back day once, as Scheduler does', () => {
    // 25 October 2026 02:00 and 02:30 happen twice in Berlin; only the first (CEST) ones run, so
    // the year to the next run spans from 02:30 CEST.
    expect(hoursOf('cron(0/30 2 25 10 ? *)', 'Europe/Berlin')).toBe(365 * 24 - 0.5);
  });

  it('names the two runs around the longest interval', () => {
    expect(longestRunInterval('cron(0 3 ? * MON-FRI *)', 'UTC', { from: FROM })).toEqual({
      longestMs: 72 * HOUR,
      between: ['2026-01-02T03:00:00.000Z', '2026-01-05T03:00:00.000Z'],
    });
  });

  it('needs not measure intervals below its resolution exactly, but bounds them by it', () => {
    const result = longestRunInterval('cron(0/10 * * * ? *)', 'UTC', { from: FROM, resolutionMs: HOUR });
    if ('problem' in result) throw new Error(result.problem);
    expect(result.longestMs).toBeLessThanOrEqual(HOUR);
    expect(result.longestMs).toBeGreaterThanOrEqual(10 * 60_000);
  });

  it('refuses a cron it cannot evaluate, with croner’s reason', () => {
    expect(problemOf('cron(0 3 L-2 * ? *)')).toMatch(/^be a cron expression the janitor can evaluate \(.+L.+\)$/);
  });

  it('refuses a cron that never runs again', () => {
    expect(problemOf('cron(0 3 * * ? 2020)')).toBe('run at least once after 2026-01-01T00:00:00.000Z');
    expect(problemOf('cron(0 3 30 2 ? *)')).toBe('run at least once after 2026-01-01T00:00:00.000Z');
  });

  it('refuses a cron that stops running within the year', () => {
    expect(problemOf('cron(0 3 * * ? 2026)')).toBe('keep running: it has no run after 2026-12-31T03:00:00.000Z');
  });

  it('refuses an expression that is neither cron nor rate', () => {
    expect(problemOf('at(2026-01-01T00:00:00)')).toBe('be a "cron(…)" or "rate(…)" expression');
  });
});
