/**
 * Waits a loopback server can cancel when it closes (a hung answer, a slow one), so that closing the
 * server leaves no timer behind to keep the process alive.
 */
export function pendingWaits() {
  const timers = new Set<NodeJS.Timeout>();
  return {
    wait(ms: number): Promise<void> {
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          resolve();
        }, ms);
        timers.add(timer);
      });
    },
    /** Cancels every wait still pending; those promises never settle. */
    cancelAll(): void {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
