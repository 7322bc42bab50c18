import { describe, expect, it } from 'vitest';
import { createVirtualClock } from '#sandbox/virtual-clock.ts';

describe('createVirtualClock', () => {
  it('ends overlapping sleeps together, as concurrent real sleeps would', async () => {
    const clock = createVirtualClock(1_000);
    await Promise.all([clock.sleep(500), clock.sleep(200)]);
    expect(clock.now()).toBe(1_500);
  });

  it('adds up sleeps that follow each other', async () => {
    const clock = createVirtualClock(1_000);
    await clock.sleep(500);
    await clock.sleep(200);
    expect(clock.now()).toBe(1_700);
  });

  it('never moves backward', () => {
    const clock = createVirtualClock(1_000);
    clock.advanceTo(5_000);
    clock.advanceTo(2_000);
    clock.advance(-10);
    expect(clock.now()).toBe(5_000);
  });
});
