import { Cron } from 'croner';
import { cronFields, rateMinutes } from '#shared/schedule-expression.ts';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
/** About a year and a month: every month length, both daylight-saving changes and a yearly run fit. */
const WINDOW_MS = 400 * 24 * HOUR_MS;

export interface RunInterval {
  /**
   * The longest time between two consecutive runs, in ms: exact when at least `resolutionMs`;
   * below that, every interval is known to be at most `resolutionMs`.
   */
  readonly longestMs: number;
  /** The two runs around the longest interval of a cron schedule, as ISO strings. */
  readonly between?: readonly [string, string];
}

export interface RunIntervalOptions {
  /** Where the year of runs starts. @default now */
  readonly from?: Date;
  /** Intervals up to this long need not be measured exactly (see `RunInterval.longestMs`). @default 1 hour */
  readonly resolutionMs?: number;
}

/**
 * Translates `cron(m h dom mon dow year)` into croner's seven-field pattern (a leading seconds
 * field). Croner reads `?`, `L`, `W`, `#` and the year field as EventBridge does once it numbers
 * weekdays from Sunday = 1 (`alternativeWeekdays`); `L` alone in day-of-week (Saturday, the last day
 * of the week) is spelled `7`.
 */
function cronerPattern(fields: readonly string[]): string {
  const [minutes, hours, dayOfMonth, month, dayOfWeek, year] = fields;
  return ['0', minutes, hours, dayOfMonth, month, dayOfWeek === 'L' ? '7' : dayOfWeek, year].join(' ');
}

/** "2026-03-29 02:30" in the time zone: two runs with the same wall time are one run in Scheduler. */
function wallClock(timeZone: string) {
  const format = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  });
  return (ms: number) => format.format(ms);
}

/**
 * The longest time between two consecutive runs of a Scheduler expression in its time zone, over
 * about a year of runs, or why it cannot be evaluated. A `rate()` is exact. A cron is enumerated
 * with croner, the way Scheduler runs it across daylight-saving changes: a run whose wall time does
 * not exist that day is skipped, and a wall time that occurs twice runs once.
 */
export function longestRunInterval(
  expression: string,
  timeZone: string,
  options: RunIntervalOptions = {},
): RunInterval | { readonly problem: string } {
  const rate = rateMinutes(expression);
  if (rate !== undefined) return { longestMs: rate * MINUTE_MS };
  const fields = cronFields(expression);
  if (!fields) return { problem: 'be a "cron(…)" or "rate(…)" expression' };
  let cron: Cron;
  try {
    cron = new Cron(cronerPattern(fields), {
      timezone: timeZone,
      mode: '7-part',
      alternativeWeekdays: true,
      domAndDow: true,
      sloppyRanges: true,
    });
  } catch (error) {
    return { problem: `be a cron expression the janitor can evaluate (${(error as Error).message})` };
  }
  const wall = wallClock(timeZone);
  const isRun = (date: Date) =>
    cron.match(date) &&
    ![30, 60, 120].some((minutes) => wall(date.getTime() - minutes * MINUTE_MS) === wall(date.getTime()));
  const next = (after: Date) => {
    let run = cron.nextRun(after);
    while (run && !isRun(run)) run = cron.nextRun(run);
    return run;
  };
  const previous = (before: Date) => {
    let run = cron.previousRuns(1, before)[0];
    while (run && !isRun(run)) run = cron.previousRuns(1, run)[0];
    return run;
  };

  const from = options.from ?? new Date();
  const resolutionMs = options.resolutionMs ?? HOUR_MS;
  let run = next(from);
  if (!run) return { problem: `run at least once after ${from.toISOString()}` };
  const end = from.getTime() + WINDOW_MS;
  let longestMs = 0;
  let between: [string, string] | undefined;
  while (run.getTime() < end) {
    // Jump ahead by the longest interval so far: no interval inside the jump can be longer. Only the
    // interval that ends at the first run after the jump is measured, from the run just before it.
    const jumpTo = new Date(run.getTime() + Math.max(longestMs, resolutionMs));
    const after = next(jumpTo);
    if (!after) {
      const last = previous(new Date(jumpTo.getTime() + 1)) ?? run;
      return { problem: `keep running: it has no run after ${last.toISOString()}` };
    }
    const before = previous(after) ?? run;
    if (after.getTime() - before.getTime() > longestMs) {
      longestMs = after.getTime() - before.getTime();
      between = [before.toISOString(), after.toISOString()];
    }
    run = after;
  }
  return between ? { longestMs, between } : { longestMs };
}
