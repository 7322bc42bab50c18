import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SQS_MAX_VISIBILITY_SECONDS } from '#core/backoff.ts';
import type { Outcome } from '#core/outcomes.ts';
import type { QueuedRecord } from '#core/ports.ts';
import {
  giveUpReason,
  MAX_RECEIVE_COUNT,
  type RetryCause,
  type RetryPolicy,
  retryDelaySeconds,
  transientCapSeconds,
} from '#core/retry-policy.ts';
import { DEFAULTS, MAX_HORIZON_HOURS } from '#shared/config.ts';

const HOUR = 3_600_000;
const SQS_RETENTION_MS = 14 * 24 * HOUR;
const T0 = Date.UTC(2026, 10, 26, 12, 0, 0);
const RUNS = { numRuns: 300 };

const policyFor = (horizonHours: number): RetryPolicy => ({
  inUseBaseSeconds: DEFAULTS.inUseBaseSeconds,
  inUseCapSeconds: DEFAULTS.inUseCapSeconds,
  retryBaseSeconds: DEFAULTS.retryBaseSeconds,
  retryCapSeconds: DEFAULTS.retryCapSeconds,
  horizonMs: horizonHours * HOUR,
});
const horizons = fc.integer({ min: 1, max: MAX_HORIZON_HOURS });
const randoms = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
const retryAfters = fc.option(
  fc.oneof(fc.integer({ min: 0, max: 100_000_000 }), fc.constant(Number.MAX_SAFE_INTEGER)),
  { nil: undefined },
);
/** Every cause a record can be deferred for, other than "never started". */
const triedCauses: fc.Arbitrary<RetryCause> = fc.oneof(
  fc.constantFrom<RetryCause>(
    { kind: 'in_use' },
    { kind: 'auth' },
    { kind: 'key_unavailable' },
    { kind: 'marks_unavailable' },
  ),
  retryAfters.map(
    (retryAfterMs): RetryCause =>
      retryAfterMs === undefined ? { kind: 'transient' } : { kind: 'transient', retryAfterMs },
  ),
);
const causes = fc.oneof(triedCauses, fc.constant<RetryCause>({ kind: 'unstarted' }));
const OUTCOME_OF: Record<RetryCause['kind'], Outcome> = {
  in_use: 'in_use_deferred',
  transient: 'transient_retry',
  auth: 'auth_failed',
  key_unavailable: 'transient_retry',
  marks_unavailable: 'transient_retry',
  unstarted: 'returned_unstarted',
};

const record = (receiveCount: number): QueuedRecord => ({
  messageId: 'm',
  receiptHandle: 'r',
  body: '{}',
  receiveCount,
  sentAtMs: T0,
});

describe('retryDelaySeconds (property)', () => {
  it('keeps every delay a whole number of seconds within its bounds, whatever the cause and receive', () => {
    fc.assert(
      fc.property(
        causes,
        fc.integer({ min: 1, max: MAX_RECEIVE_COUNT }),
        horizons,
        randoms,
        (cause, count, hours, r) => {
          const policy = policyFor(hours);
          const delay = retryDelaySeconds(cause, count, policy, () => r);
          expect(Number.isInteger(delay)).toBe(true);
          expect(delay).toBeLessThanOrEqual(policy.inUseCapSeconds);
          expect(delay).toBeLessThanOrEqual(SQS_MAX_VISIBILITY_SECONDS);
          if (cause.kind === 'unstarted') {
            expect(delay).toBe(0);
            return;
          }
          expect(delay).toBeGreaterThanOrEqual(1);
          if (cause.kind === 'in_use') return;
          const retryAfterSeconds = cause.kind === 'transient' ? Math.ceil((cause.retryAfterMs ?? 0) / 1000) : 0;
          // At least Retry-After (up to the in-use cap); without one, at most the transient cap, which is
          // the retry cap (15 min) unless the horizon is long enough to need more.
          expect(delay).toBeGreaterThanOrEqual(Math.min(retryAfterSeconds, policy.inUseCapSeconds));
          if (retryAfterSeconds === 0) expect(delay).toBeLessThanOrEqual(transientCapSeconds(policy));
          if (retryAfterSeconds === 0 && hours <= 72) expect(delay).toBeLessThanOrEqual(policy.retryCapSeconds);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('giveUpReason (property)', () => {
  it('gives up exactly from the horizon on, and one receive before the backstop, with the reason', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: MAX_RECEIVE_COUNT + 5 }),
        fc.integer({ min: -HOUR, max: SQS_RETENTION_MS }),
        horizons,
        (count, ageMs, hours) => {
          const policy = policyFor(hours);
          const reason = giveUpReason(record(count), 'in_use_deferred', T0 + ageMs, policy);
          if (ageMs >= policy.horizonMs)
            expect(reason).toMatch(/^horizon_exceeded: still in_use_deferred after \d+ h$/);
          else if (count >= MAX_RECEIVE_COUNT - 1)
            expect(reason).toBe(`receive_limit: still in_use_deferred after ${count} receives`);
          else expect(reason).toBeUndefined();
        },
      ),
      RUNS,
    );
  });
});

/**
 * One message's life: received, deferred by `retryDelaySeconds` for a cause, received again after the
 * delay and some processing time, until `giveUpReason` sends it to the DLQ.
 */
function simulate(policy: RetryPolicy, plan: readonly RetryCause[], randomValues: readonly number[], workMs: number) {
  const deferredAtAges: number[] = [];
  let now = T0;
  for (let count = 1; ; count += 1) {
    const cause = plan[(count - 1) % plan.length] ?? { kind: 'in_use' };
    const reason = giveUpReason(record(count), OUTCOME_OF[cause.kind], now, policy);
    if (reason) return { reason, ageMs: now - T0, count, deferredAtAges };
    deferredAtAges.push(now - T0);
    const delay = retryDelaySeconds(cause, count, policy, () => randomValues[count % randomValues.length] ?? 0.5);
    now += delay * 1000 + workMs;
  }
}

describe('the horizon (property)', () => {
  const plans = fc.array(causes, { minLength: 1, maxLength: 8 });
  const randomLists = fc.array(randoms, { minLength: 1, maxLength: 8 });

  it('is respected: no deferral past it, and every message reaches the DLQ with a reason inside SQS retention', () => {
    fc.assert(
      fc.property(horizons, plans, randomLists, fc.integer({ min: 0, max: 60_000 }), (hours, plan, rs, workMs) => {
        const policy = policyFor(hours);
        const life = simulate(policy, plan, rs, workMs);
        expect(life.count).toBeLessThanOrEqual(MAX_RECEIVE_COUNT - 1);
        for (const age of life.deferredAtAges) expect(age).toBeLessThan(policy.horizonMs);
        expect(life.ageMs).toBeLessThan(SQS_RETENTION_MS);
        if (life.reason.startsWith('horizon_exceeded')) {
          expect(life.ageMs).toBeGreaterThanOrEqual(policy.horizonMs);
          expect(life.ageMs).toBeLessThan(policy.horizonMs + policy.inUseCapSeconds * 1000 + workMs);
        } else {
          expect(life.reason).toMatch(/^receive_limit: /);
        }
      }),
      RUNS,
    );
  });

  it(`decides before the receive limit at the default ${DEFAULTS.horizonHours} h for every cause that was tried`, () => {
    fc.assert(
      fc.property(fc.array(triedCauses, { minLength: 1, maxLength: 8 }), randomLists, (plan, rs) => {
        const life = simulate(policyFor(DEFAULTS.horizonHours), plan, rs, 0);
        expect(life.reason).toMatch(/^horizon_exceeded: /);
      }),
      RUNS,
    );
  });
});
