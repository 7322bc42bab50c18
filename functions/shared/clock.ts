import type { Sleep, TimeDeps } from '#core/ports.ts';

/** Real timers, apart from the AWS clients: the producer library imports this without pulling them in. */
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Real time: the wall clock, timers and Math.random. */
export const realTime: TimeDeps = { now: Date.now, sleep: realSleep, random: Math.random };
