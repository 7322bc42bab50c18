import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fullJitterMs, parseRetryAfterMs, SQS_MAX_VISIBILITY_SECONDS, visibilityDelaySeconds } from '#core/backoff.ts';

const RUNS = { numRuns: 300 };
/** What `Math.random` returns: [0, 1). */
const randoms = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);

describe('fullJitterMs (property)', () => {
  it('returns a whole number from 0 up to, not including, min(cap, base * 2^attempt)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2000 }),
        fc.integer({ min: 1, max: 60_000 }),
        fc.integer({ min: 1, max: 600_000 }),
        randoms,
        (attempt, baseMs, capMs, random) => {
          const wait = fullJitterMs(attempt, baseMs, capMs, () => random);
          expect(Number.isInteger(wait)).toBe(true);
          expect(wait).toBeGreaterThanOrEqual(0);
          expect(wait).toBeLessThan(Math.min(capMs, baseMs * 2 ** attempt));
        },
      ),
      RUNS,
    );
  });
});

describe('visibilityDelaySeconds (property)', () => {
  const backoffs = fc
    .tuple(fc.integer({ min: 1, max: 3600 }), fc.integer({ min: 1, max: SQS_MAX_VISIBILITY_SECONDS }))
    .map(([baseSeconds, extra]) => ({ baseSeconds, capSeconds: Math.max(baseSeconds, extra) }));

  it('stays within [max(1, half the ceiling), min(cap, 12 h - 15 min)] and never shrinks as receives grow', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), backoffs, randoms, (receiveCount, backoff, random) => {
        const delay = visibilityDelaySeconds(receiveCount, backoff, () => random);
        const upper = Math.min(backoff.capSeconds, SQS_MAX_VISIBILITY_SECONDS - 15 * 60);
        const ceiling = Math.min(backoff.capSeconds, backoff.baseSeconds * 2 ** Math.min(receiveCount - 1, 30));
        expect(Number.isInteger(delay)).toBe(true);
        expect(delay).toBeLessThanOrEqual(upper);
        expect(delay).toBeGreaterThanOrEqual(Math.min(Math.max(1, Math.floor(ceiling / 2)), upper));
        expect(visibilityDelaySeconds(receiveCount + 1, backoff, () => random)).toBeGreaterThanOrEqual(delay);
      }),
      RUNS,
    );
  });
});

describe('parseRetryAfterMs (property)', () => {
  it('never throws and returns undefined or a whole, finite, non-negative number of ms, whatever the header', () => {
    const headers = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.stringMatching(/^\s?\d{1,400}(\.\d{1,5})?\s?$/),
      fc.date({ noInvalidDate: true }).map((date) => date.toUTCString()),
      fc.constantFrom(null, undefined, '', ' ', '-1', '1e3', 'Infinity', 'NaN', '0x10'),
    );
    fc.assert(
      fc.property(headers, fc.integer({ min: 0, max: 8_640_000_000_000 }), (header, now) => {
        const ms = parseRetryAfterMs(header, now);
        if (ms !== undefined) {
          expect(Number.isSafeInteger(ms)).toBe(true);
          expect(ms).toBeGreaterThanOrEqual(0);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('reads delta seconds as their milliseconds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), (seconds) => {
        expect(parseRetryAfterMs(String(seconds), NOW)).toBe(seconds * 1000);
      }),
      RUNS,
    );
  });

  it('reads an HTTP date as the time from now until it, and a past date as 0', () => {
    fc.assert(
      fc.property(fc.integer({ min: -86_400, max: 86_400 }), (seconds) => {
        const date = new Date(NOW + seconds * 1000);
        expect(parseRetryAfterMs(date.toUTCString(), NOW)).toBe(Math.max(0, seconds * 1000));
      }),
      RUNS,
    );
  });
});
