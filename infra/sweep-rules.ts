import { longestRunInterval } from '#infra/run-interval.ts';
import { type Layer, settingName } from '#infra/setting-props.ts';
import { SETTINGS } from '#shared/settings.ts';

const HOUR_MS = 3_600_000;
/** A mark must survive one missed run plus Scheduler's retries and jitter: 1.5 times the longest interval. */
export const GAP_PER_INTERVAL = 1.5;

export interface SweepTiming {
  readonly schedule: string;
  readonly timeZone: string;
  readonly gracePeriodHours: number;
  readonly maxObservationGapHours: number;
}

const hours = (ms: number) => Number((ms / HOUR_MS).toFixed(2));

/**
 * The sweep's rules between settings, or undefined; each error names the settings as the layer
 * spells them. The observation gap must be shorter than the grace period (or the clock would never
 * need to restart) and at least 1.5 times the longest time between runs (or every run would restart
 * it, and the sweep would silently never delete anything).
 */
export function sweepTimingProblem(timing: SweepTiming, layer: Layer, from?: Date): string | undefined {
  const gap = settingName(SETTINGS.maxObservationGapHours, layer);
  const grace = settingName(SETTINGS.gracePeriodHours, layer);
  const { gracePeriodHours, maxObservationGapHours, schedule, timeZone } = timing;
  if (maxObservationGapHours >= gracePeriodHours) {
    return `${gap} must be shorter than ${grace} (${gracePeriodHours} h), received ${maxObservationGapHours} h`;
  }
  const allowedMs = (maxObservationGapHours * HOUR_MS) / GAP_PER_INTERVAL;
  const interval = longestRunInterval(schedule, timeZone, { resolutionMs: allowedMs, ...(from ? { from } : {}) });
  if ('problem' in interval) {
    return `${settingName(SETTINGS.sweepSchedule, layer)} must ${interval.problem} in ${timeZone}, received "${schedule}"`;
  }
  if (interval.longestMs <= allowedMs) return undefined;
  const longest = hours(interval.longestMs);
  const when = interval.between ? `, from ${interval.between[0]} to ${interval.between[1]}` : '';
  return `${gap} must be at least ${GAP_PER_INTERVAL} times the longest time between runs (${longest} h for "${schedule}" in ${timeZone}${when}), so at least ${Math.ceil(longest * GAP_PER_INTERVAL)} h, or every run restarts the grace period and nothing is ever deleted; received ${maxObservationGapHours} h`;
}
