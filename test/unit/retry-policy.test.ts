import { describe, expect, it } from 'vitest';
import { visibilityDelaySeconds } from '#core/backoff.ts';
import {
  giveUpReason,
  MAX_RECEIVE_COUNT,
  type RetryCause,
  retryDelaySeconds,
  transientCapSeconds,
} from '#core/retry-policy.ts';
import { DEFAULTS } from '#shared/config.ts';
import { T0, toQueued } from '#test/helpers/fakes.ts';
import { sqsRecord } from '#test/helpers/sqs-events.ts';

const HOUR = 3_600_000;
const policy = {
  inUseBaseSeconds: DEFAULTS.inUseBaseSeconds,
  inUseCapSeconds: DEFAULTS.inUseCapSeconds,
  retryBaseSeconds: DEFAULTS.retryBaseSeconds,
  retryCapSeconds: DEFAULTS.retryCapSeconds,
  horizonMs: DEFAULTS.horizonHours * HOUR,
};
const lowest = () => 0;
const highest = () => 0.999_999;

describe('retryDelaySeconds', () => {
  it('returns 0 when the record was never started', () => {
    expect(retryDelaySeconds({ kind: 'unstarted' }, 7, policy, highest)).toBe(0);
  });

  it('follows the in-use curve up to 11.5 h when the secret is in use', () => {
    expect(retryDelaySeconds({ kind: 'in_use' }, 1, policy, lowest)).toBe(15);
    expect(retryDelaySeconds({ kind: 'in_use' }, 1, policy, highest)).toBe(30);
    expect(retryDelaySeconds({ kind: 'in_use' }, 40, policy, highest)).toBe(DEFAULTS.inUseCapSeconds);
  });

  it.each<RetryCause>([
    { kind: 'transient' },
    { kind: 'auth' },
    { kind: 'key_unavailable' },
    { kind: 'marks_unavailable' },
  ])('follows the retry curve capped at 15 min when the cause is %j', (cause) => {
    expect(retryDelaySeconds(cause, 1, policy, highest)).toBe(30);
    expect(retryDelaySeconds(cause, 40, policy, highest)).toBe(DEFAULTS.retryCapSeconds);
    expect(retryDelaySeconds(cause, 40, policy, lowest)).toBe(DEFAULTS.retryCapSeconds / 2);
  });

  it('waits at least the Retry-After when it is longer than the backoff', () => {
    expect(retryDelaySeconds({ kind: 'transient', retryAfterMs: 120_500 }, 1, policy, lowest)).toBe(121);
  });

  it('never defers past the in-use cap when Retry-After asks for more', () => {
    const cause: RetryCause = { kind: 'transient', retryAfterMs: 48 * HOUR };
    expect(retryDelaySeconds(cause, 1, policy, lowest)).toBe(DEFAULTS.inUseCapSeconds);
  });
});

describe('giveUpReason', () => {
  const record = (receiveCount: number, ageMs: number) =>
    toQueued(sqsRecord({ secretId: 'sec_a' }, { receiveCount, sentAtMs: T0 - ageMs }));

  it('returns undefined when the record is under the horizon and the receive limit', () => {
    expect(giveUpReason(record(3, HOUR), 'in_use_deferred', T0, policy)).toBeUndefined();
  });

  it('names the horizon and the hours when the record reached the horizon', () => {
    expect(giveUpReason(record(3, 72 * HOUR), 'in_use_deferred', T0, policy)).toBe(
      'horizon_exceeded: still in_use_deferred after 72 h',
    );
  });

  it('names the receive limit one receive before the queue backstop', () => {
    expect(giveUpReason(record(MAX_RECEIVE_COUNT - 1, HOUR), 'transient_retry', T0, policy)).toBe(
      `receive_limit: still transient_retry after ${MAX_RECEIVE_COUNT - 1} receives`,
    );
    expect(giveUpReason(record(MAX_RECEIVE_COUNT - 2, HOUR), 'transient_retry', T0, policy)).toBeUndefined();
  });

  it.each([1, 24, 72, 125, 200, 312])(
    'lets a %i h horizon decide before the receive limit on the shortest transient retry schedule',
    (hours) => {
      const longPolicy = { ...policy, horizonMs: hours * HOUR };
      let elapsedSeconds = 0;
      let receives = 0;
      while (elapsedSeconds * 1000 < longPolicy.horizonMs) {
        receives += 1;
        elapsedSeconds += retryDelaySeconds({ kind: 'transient' }, receives, longPolicy, lowest);
      }
      expect(receives).toBeLessThan(MAX_RECEIVE_COUNT - 1);
    },
  );

  it('keeps the 15-minute transient cap for the default horizon and raises it only for long ones', () => {
    expect(transientCapSeconds(policy)).toBe(DEFAULTS.retryCapSeconds);
    expect(transientCapSeconds({ ...policy, horizonMs: 312 * HOUR })).toBeGreaterThan(DEFAULTS.retryCapSeconds);
    expect(transientCapSeconds({ ...policy, horizonMs: 312 * HOUR })).toBeLessThan(DEFAULTS.inUseCapSeconds);
  });

  it('lets the default horizon decide even on the shortest transient retry schedule', () => {
    // Every receive waits the least the jitter allows: the horizon still comes first.
    let elapsedSeconds = 0;
    let receives = 0;
    while (elapsedSeconds * 1000 < policy.horizonMs) {
      receives += 1;
      elapsedSeconds += visibilityDelaySeconds(
        receives,
        { baseSeconds: policy.retryBaseSeconds, capSeconds: policy.retryCapSeconds },
        lowest,
      );
    }
    expect(receives).toBeLessThan(MAX_RECEIVE_COUNT - 1);
  });
});
