import { describe, expect, it } from 'vitest';
import {
  fullJitterMs,
  parseRetryAfterMs,
  SQS_MAX_VISIBILITY_SECONDS,
  type VisibilityBackoff,
  visibilityDelaySeconds,
} from '#core/backoff.ts';

const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);
const ALMOST_ONE = 0.999_999;
const SQS_SAFE_MAX = SQS_MAX_VISIBILITY_SECONDS - 15 * 60;

describe('fullJitterMs', () => {
  it('returns 0 when random returns 0', () => {
    expect(fullJitterMs(3, 250, 2000, () => 0)).toBe(0);
  });

  it('stays just below base * 2^attempt when random is almost 1', () => {
    const wait = fullJitterMs(2, 250, 10_000, () => ALMOST_ONE);
    expect(wait).toBeLessThan(1000);
    expect(wait).toBeGreaterThanOrEqual(999);
  });

  it('stays below the cap when base * 2^attempt exceeds it', () => {
    const wait = fullJitterMs(10, 250, 2000, () => ALMOST_ONE);
    expect(wait).toBeLessThan(2000);
    expect(wait).toBeGreaterThanOrEqual(1999);
  });

  it('returns an integer when random gives a fraction', () => {
    expect(Number.isInteger(fullJitterMs(1, 333, 2000, () => 0.37))).toBe(true);
  });
});

describe('visibilityDelaySeconds', () => {
  const backoff: VisibilityBackoff = { baseSeconds: 30, capSeconds: 900 };

  it('doubles with each receive when random is fixed', () => {
    const delays = [1, 2, 3, 4].map((count) => visibilityDelaySeconds(count, backoff, () => 0));
    expect(delays).toEqual([15, 30, 60, 120]);
  });

  it('grows with receiveCount when random is mid-range', () => {
    const delays = [1, 2, 3].map((count) => visibilityDelaySeconds(count, backoff, () => 0.5));
    expect(delays[1]).toBeGreaterThan(delays[0] ?? Number.POSITIVE_INFINITY);
    expect(delays[2]).toBeGreaterThan(delays[1] ?? Number.POSITIVE_INFINITY);
  });

  it('stays between half the ceiling and the ceiling when random varies', () => {
    expect(visibilityDelaySeconds(2, backoff, () => 0)).toBe(30);
    expect(visibilityDelaySeconds(2, backoff, () => ALMOST_ONE)).toBe(60);
  });

  it('never exceeds the cap when receiveCount is large', () => {
    expect(visibilityDelaySeconds(50, backoff, () => ALMOST_ONE)).toBe(900);
  });

  it('never exceeds 12 h minus 15 min when the cap is above the SQS limit', () => {
    const delay = visibilityDelaySeconds(40, { baseSeconds: 30, capSeconds: 24 * 3600 }, () => ALMOST_ONE);
    expect(delay).toBe(SQS_SAFE_MAX);
  });

  it('treats receiveCount 0 like the first receive', () => {
    expect(visibilityDelaySeconds(0, backoff, () => 0)).toBe(visibilityDelaySeconds(1, backoff, () => 0));
  });

  it('returns at least 1 second when the base is tiny', () => {
    expect(visibilityDelaySeconds(1, { baseSeconds: 1, capSeconds: 900 }, () => 0)).toBe(1);
  });
});

describe('parseRetryAfterMs', () => {
  it('converts delta seconds to milliseconds', () => {
    expect(parseRetryAfterMs('3', NOW)).toBe(3000);
  });

  it('converts fractional seconds to milliseconds', () => {
    expect(parseRetryAfterMs(' 1.5 ', NOW)).toBe(1500);
  });

  it('returns the time until an HTTP date in the future', () => {
    expect(parseRetryAfterMs(new Date(NOW + 120_000).toUTCString(), NOW)).toBe(120_000);
  });

  it('returns 0 when the HTTP date is in the past', () => {
    expect(parseRetryAfterMs(new Date(NOW - 60_000).toUTCString(), NOW)).toBe(0);
  });

  it('returns undefined when the header is garbage', () => {
    expect(parseRetryAfterMs('soon', NOW)).toBeUndefined();
  });

  it.each([null, undefined, '', '   '])('returns undefined when the header is %j', (header) => {
    expect(parseRetryAfterMs(header, NOW)).toBeUndefined();
  });
});
