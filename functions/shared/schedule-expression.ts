/**
 * Syntax checks of EventBridge Scheduler expressions and time zones. Pure, so the settings
 * declaration can use them; the longest time between runs is computed at synth, in `infra/`.
 */

const CRON = /^cron\((\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\)$/;
const RATE = /^rate\(([1-9]\d*) (minute|minutes|hour|hours|day|days)\)$/;

/** The six fields of `cron(minutes hours day-of-month month day-of-week year)`, or undefined. */
export function cronFields(expression: string): readonly string[] | undefined {
  return CRON.exec(expression)?.slice(1);
}

/** The interval of `rate(N unit)` in minutes, or undefined when the expression is not a rate. */
export function rateMinutes(expression: string): number | undefined {
  const rate = RATE.exec(expression);
  if (!rate) return undefined;
  const perUnit = { minute: 1, hour: 60, day: 24 * 60 } as const;
  return Number(rate[1]) * perUnit[(rate[2] ?? '').replace(/s$/, '') as keyof typeof perUnit];
}

/**
 * What is wrong with a Scheduler expression, as the phrase after "must", or undefined. Beyond the
 * shape, it applies the rules Scheduler itself applies at deploy time, so `cdk synth` fails first.
 */
export function scheduleExpressionProblem(expression: string): string | undefined {
  const rate = RATE.exec(expression);
  const fields = cronFields(expression);
  if (!fields && !rate) {
    return 'be "cron(m h dom mon dow year)" (6 fields) or "rate(N minutes|hours|days)"';
  }
  // rate(1 day) / rate(2 days): AWS requires the singular unit for 1 and the plural otherwise.
  if (rate && (rate[1] === '1') === rate[2]?.endsWith('s')) {
    return 'use a singular unit for 1 and a plural otherwise';
  }
  if (fields) {
    const [, , dayOfMonth, , dayOfWeek] = fields;
    if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
      return 'have "?" in exactly one of day-of-month and day-of-week (Scheduler refuses both or neither)';
    }
    if (dayOfWeek?.includes('#') && dayOfWeek.includes(',')) {
      return 'have a single day-of-week when it uses "#"';
    }
  }
  return undefined;
}

/**
 * What is wrong with a time zone, as the phrase after "must", or undefined. Exact match only:
 * `Intl` would also accept case variants and aliases such as "europe/berlin" or "EST", which
 * Scheduler may refuse.
 */
export function timeZoneProblem(timeZone: string): string | undefined {
  if (timeZone === 'UTC' || Intl.supportedValuesOf('timeZone').includes(timeZone)) return undefined;
  return 'be a canonical IANA time zone such as "Europe/Berlin" or "UTC"';
}
