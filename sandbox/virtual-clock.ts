/**
 * A clock that moves only when told to, so that hours of backoff take milliseconds. It stands in
 * for `now` and `sleep` in the worker's dependencies.
 */
import type { Clock, Sleep } from '#core/ports.ts';

export interface VirtualClock {
  readonly now: Clock;
  /**
   * Waits `ms` of virtual time: yields to the event loop, then moves the clock to at least the
   * sleep's start plus `ms`. Sleeps that overlap (concurrent records) end together, as real ones would.
   */
  readonly sleep: Sleep;
  /** Moves the clock forward to `ms`; never backward. */
  advanceTo(ms: number): void;
  advance(ms: number): void;
}

export function createVirtualClock(startMs: number): VirtualClock {
  let current = startMs;
  const clock: VirtualClock = {
    now: () => current,
    async sleep(ms) {
      const until = current + Math.max(0, ms);
      await new Promise<void>((resolve) => setImmediate(resolve));
      clock.advanceTo(until);
    },
    advanceTo(ms) {
      if (ms > current) current = ms;
    },
    advance(ms) {
      clock.advanceTo(current + ms);
    },
  };
  return clock;
}
