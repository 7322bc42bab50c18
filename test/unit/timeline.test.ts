import { describe, expect, it } from 'vitest';
import { createTimeline } from '#sandbox/timeline.ts';

describe('createTimeline', () => {
  it('runs the due events in time order, same-time events in the order scheduled', () => {
    const timeline = createTimeline();
    const ran: string[] = [];
    timeline.schedule(30, () => ran.push('c'));
    timeline.schedule(10, () => ran.push('a1'));
    timeline.schedule(10, () => ran.push('a2'));
    timeline.schedule(20, () => ran.push('b'));
    expect(timeline.nextAt()).toBe(10);
    timeline.runDue(20);
    expect(ran).toEqual(['a1', 'a2', 'b']);
    expect(timeline.nextAt()).toBe(30);
    expect(timeline.pending).toBe(1);
  });

  it('runs an event that a due event schedules for now', () => {
    const timeline = createTimeline();
    const ran: string[] = [];
    timeline.schedule(10, () => timeline.schedule(10, () => ran.push('follow-up')));
    timeline.runDue(10);
    expect(ran).toEqual(['follow-up']);
    expect(timeline.nextAt()).toBeUndefined();
  });
});
