import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AttemptPolicy } from '#core/http-attempts.ts';
import type { ElevenLabsApi } from '#core/ports.ts';
import { listInventory } from '#core/sweep-inventory.ts';
import { fakeApiKey, fakeClock, response } from '#test/helpers/fakes.ts';

const POLICY: AttemptPolicy = {
  maxQuickRetries: 1,
  quickBaseMs: 250,
  quickCapMs: 1_000,
  retryAfterCapMs: 1_000,
  requestTimeoutMs: 10_000,
  minAttemptMs: 500,
};

/** List pages as a server may answer them: well-formed, half-formed, or anything. */
const secrets = fc.array(
  fc.oneof(
    fc.record(
      { secret_id: fc.string(), name: fc.string(), used_by: fc.jsonValue({ maxDepth: 2 }) },
      { requiredKeys: [] },
    ),
    fc.jsonValue({ maxDepth: 2 }),
  ),
  { maxLength: 8 },
);
const pages = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.json({ maxDepth: 4 }),
  fc
    .record(
      {
        secrets: fc.oneof(secrets, fc.jsonValue({ maxDepth: 1 })),
        next_cursor: fc.oneof(fc.constant(null), fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 })),
      },
      { requiredKeys: [] },
    )
    .map((page) => JSON.stringify(page)),
);

describe('listInventory reading list pages (property)', () => {
  it('never throws: every page yields strictly typed secrets or an inventory that failed with a reason', async () => {
    await fc.assert(
      fc.asyncProperty(pages, fc.constantFrom(200, 200, 422, 500), async (body, status) => {
        let calls = 0;
        const api: Pick<ElevenLabsApi, 'listSecrets' | 'listEnvironmentVariables'> = {
          // No environment variables: the page of secrets is what is under test.
          listEnvironmentVariables: async () => response(200, { environment_variables: [], has_more: false }),
          // The first page is the one under test; a cursor it names leads to an empty last page.
          listSecrets: async () => {
            calls += 1;
            return calls === 1 ? response(status, body) : response(200, { secrets: [], next_cursor: null });
          },
        };
        const clock = fakeClock();
        const deps = {
          api,
          apiKey: fakeApiKey().provider,
          now: clock.now,
          sleep: async (ms: number) => clock.advance(ms),
          random: () => 0.5,
        };
        const inventory = await listInventory(['sess-'], deps, POLICY, clock.now() + 60_000);
        if (inventory.ok) {
          for (const item of inventory.secrets) {
            expect(typeof item.secretId).toBe('string');
            expect(typeof item.name).toBe('string');
            if (item.usage.unreadable) expect(item.usage.inUse).toBe(true);
          }
        } else {
          expect(inventory.reason).toMatch(/^prefix "sess-" page \d+: /);
        }
      }),
      { numRuns: 200 },
    );
  });
});
