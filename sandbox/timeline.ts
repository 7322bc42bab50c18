/** Things that happen at a virtual time outside the queue: a producer sends, a holder lets go, a key rotates. */

export interface Timeline {
  /** When the next event is due, or undefined when none is left. */
  nextAt(): number | undefined;
  /** Runs every event due at `nowMs`, in time order (an event may schedule more). */
  runDue(nowMs: number): void;
}

export interface ScheduledTimeline extends Timeline {
  schedule(atMs: number, run: () => void): void;
  readonly pending: number;
}

export function createTimeline(): ScheduledTimeline {
  // Kept sorted by time; events at the same time keep the order they were scheduled in.
  const events: { at: number; run: () => void }[] = [];
  return {
    schedule(at, run) {
      let low = 0;
      let high = events.length;
      while (low < high) {
        const middle = (low + high) >>> 1;
        if ((events[middle]?.at ?? 0) <= at) low = middle + 1;
        else high = middle;
      }
      events.splice(low, 0, { at, run });
    },
    nextAt: () => events[0]?.at,
    runDue(nowMs) {
      while (events[0] && events[0].at <= nowMs) events.shift()?.run();
    },
    get pending() {
      return events.length;
    },
  };
}
