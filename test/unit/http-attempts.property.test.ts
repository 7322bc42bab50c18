import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AttemptPolicy, deleteWithRetries } from '#core/http-attempts.ts';
import type { ApiResponse } from '#core/ports.ts';
import { ApiRequestError } from '#shared/errors.ts';
import { type ApiCall, fakeApi, fakeApiKey, fakeClock, response } from '#test/helpers/fakes.ts';

/** Answers a server (or the network) may give, including Retry-After in both forms. */
const answers: fc.Arbitrary<ApiResponse | Error> = fc.oneof(
  fc
    .constantFrom(200, 204, 404, 400, 401, 403, 408, 422, 429, 500, 502, 503)
    .chain((status) =>
      fc
        .oneof(fc.constant(null), fc.nat({ max: 120 }).map(String), fc.string({ maxLength: 12 }))
        .map((retryAfter) => response(status, { detail: { message: 'x' } }, retryAfter)),
    ),
  fc.constantFrom<'timeout' | 'network'>('timeout', 'network').map((reason) => new ApiRequestError(reason, reason)),
);

const policies = fc.record({
  maxQuickRetries: fc.integer({ min: 0, max: 5 }),
  quickBaseMs: fc.integer({ min: 1, max: 1000 }),
  quickCapMs: fc.integer({ min: 1, max: 5000 }),
  retryAfterCapMs: fc.integer({ min: 0, max: 10_000 }),
  requestTimeoutMs: fc.integer({ min: 100, max: 30_000 }),
  minAttemptMs: fc.integer({ min: 1, max: 2000 }),
}) satisfies fc.Arbitrary<AttemptPolicy>;

describe('deleteWithRetries (property)', () => {
  it('never runs past the deadline, bounds every wait and every request, and sends a bounded number of requests', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(answers, { minLength: 1, maxLength: 8 }),
        policies,
        fc.integer({ min: 0, max: 60_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        async (script, policy, budgetMs, random) => {
          const clock = fakeClock();
          // Worst case: every request takes its whole time budget before it answers.
          const api = fakeApi(
            script.map((answer) => (call: ApiCall) => {
              clock.advance(call.timeoutMs);
              if (answer instanceof Error) throw answer;
              return answer;
            }),
          );
          const sleeps: number[] = [];
          const deadlineMs = clock.now() + budgetMs;
          const deps = {
            api: api.api,
            apiKey: fakeApiKey().provider,
            now: clock.now,
            random: () => random,
            sleep: async (ms: number) => {
              sleeps.push(ms);
              clock.advance(ms);
            },
          };

          const attempts = await deleteWithRetries('sec_a', deps, policy, deadlineMs);

          expect(attempts.httpAttempts).toBe(api.deletes.length);
          // Every quick retry, plus the first request and one more after a key refresh.
          expect(attempts.httpAttempts).toBeLessThanOrEqual(policy.maxQuickRetries + 2);
          expect(sleeps.length).toBeLessThanOrEqual(policy.maxQuickRetries);
          for (const ms of sleeps) {
            expect(ms).toBeGreaterThanOrEqual(0);
            expect(ms).toBeLessThanOrEqual(Math.max(policy.quickCapMs, policy.retryAfterCapMs));
          }
          expect(clock.now()).toBeLessThanOrEqual(deadlineMs);
          for (const call of api.deletes) {
            expect(call.timeoutMs).toBeGreaterThanOrEqual(policy.minAttemptMs);
            expect(call.timeoutMs).toBeLessThanOrEqual(policy.requestTimeoutMs);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
