import { describe, expect, it } from 'vitest';
import { type AttemptDeps, type AttemptPolicy, deleteWithRetries } from '#core/http-attempts.ts';
import { ApiKeyError, ApiRequestError } from '#shared/errors.ts';
import { type Answer, API_KEY, fakeApi, fakeApiKey, fakeClock, response } from '#test/helpers/fakes.ts';

const POLICY: AttemptPolicy = {
  maxQuickRetries: 2,
  quickBaseMs: 250,
  quickCapMs: 2_000,
  retryAfterCapMs: 5_000,
  requestTimeoutMs: 10_000,
  minAttemptMs: 500,
};

const AUTH_401 = response(401, { detail: { status: 'invalid_api_key', message: 'Invalid API key' } });

function setup(
  answers: Answer[],
  options: { apiKey?: ReturnType<typeof fakeApiKey>; clock?: ReturnType<typeof fakeClock> } = {},
) {
  const clock = options.clock ?? fakeClock();
  const api = fakeApi(answers);
  const apiKey = options.apiKey ?? fakeApiKey();
  const sleeps: number[] = [];
  const deps: AttemptDeps = {
    api: api.api,
    apiKey: apiKey.provider,
    now: clock.now,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.advance(ms);
    },
    random: () => 0.5,
  };
  return { deps, clock, api, apiKey, sleeps, deadline: clock.now() + 60_000 };
}

describe('deleteWithRetries', () => {
  it('sends one request and returns deleted when the first answer is 204', async () => {
    const { deps, api, sleeps, deadline } = setup([response(204)]);
    const attempts = await deleteWithRetries('sec_1', deps, POLICY, deadline);
    expect(attempts).toMatchObject({ result: { kind: 'deleted' }, status: 204, httpAttempts: 1 });
    expect(api.deletes).toEqual([{ secretId: 'sec_1', apiKey: API_KEY, timeoutMs: 10_000 }]);
    expect(sleeps).toEqual([]);
  });

  it('returns deleted after two jittered sleeps when the answers are 500, 500, 204', async () => {
    const { deps, sleeps, deadline } = setup([response(500), response(500), response(204)]);
    const attempts = await deleteWithRetries('sec_1', deps, POLICY, deadline);
    expect(attempts).toMatchObject({ result: { kind: 'deleted' }, httpAttempts: 3 });
    // Full jitter with random 0.5: half of 250 * 2^0, then half of 250 * 2^1.
    expect(sleeps).toEqual([125, 250]);
  });

  it('stops after maxQuickRetries and returns transient when the error persists', async () => {
    const { deps, api, deadline } = setup([response(503, { detail: 'overloaded' })]);
    const attempts = await deleteWithRetries('sec_1', deps, POLICY, deadline);
    expect(attempts).toMatchObject({ result: { kind: 'transient' }, status: 503, httpAttempts: 3 });
    expect(api.deletes).toHaveLength(POLICY.maxQuickRetries + 1);
  });

  it('sends exactly one request when maxQuickRetries is 0', async () => {
    const { deps, deadline } = setup([response(500), response(204)]);
    const attempts = await deleteWithRetries('sec_1', deps, { ...POLICY, maxQuickRetries: 0 }, deadline);
    expect(attempts).toMatchObject({ result: { kind: 'transient' }, httpAttempts: 1 });
  });

  it('retries network errors and reports the reason when they persist', async () => {
    const { deps, deadline } = setup([new ApiRequestError('network', 'expected an answer, received ECONNRESET')]);
    const attempts = await deleteWithRetries('sec_1', deps, POLICY, deadline);
    expect(attempts).toMatchObject({ result: { kind: 'transient' }, network: 'network', httpAttempts: 3 });
    expect(attempts.status).toBeUndefined();
  });

  it('returns deleted when a timeout is followed by 204', async () => {
    const { deps, deadline } = setup([new ApiRequestError('timeout', 'no answer'), response(204)]);
    const attempts = await deleteWithRetries('sec_1', deps, POLICY, deadline);
    expect(attempts).toMatchObject({ result: { kind: 'deleted' }, httpAttempts: 2 });
  });

  it('rethrows an error that is not an ApiRequestError', async () => {
    const { deps, deadline } = setup([new TypeError('bug in the client')]);
    await expect(deleteWithRetries('sec_1', deps, POLICY, deadline)).rejects.toThrow(TypeError);
  });

  it('waits exactly the Retry-After when it is 2 seconds', async () => {
    const { deps, sleeps, deadline } = setup([response(429, '', '2'), response(204)]);
    const attempts = await deleteWithRetries('sec_1', deps, POLICY, deadline);
    expect(attempts.result.kind).toBe('deleted');
    expect(sleeps).toEqual([2000]);
  });

  it('returns transient with retryAfterMs and does not sleep when Retry-After exceeds retryAfterCapMs', async () => {
    const { deps, api, sleeps, deadline } = setup([response(429, '', '30'), response(204)]);
    const attempts = await deleteWithRetries('sec_1', deps, POLICY, deadline);
    expect(attempts).toMatchObject({ result: { kind: 'transient', retryAfterMs: 30_000 }, httpAttempts: 1 });
    expect(sleeps).toEqual([]);
    expect(api.deletes).toHaveLength(1);
  });

  it('refreshes the key once and returns deleted when 401 is followed by 204', async () => {
    const { deps, apiKey, deadline } = setup([AUTH_401, response(204)]);
    const attempts = await deleteWithRetries('sec_1', deps, POLICY, deadline);
    expect(attempts).toMatchObject({ result: { kind: 'deleted' }, httpAttempts: 2 });
    expect(apiKey.calls.filter((call) => call.forceRefresh)).toHaveLength(1);
  });

  it('returns auth after one refresh when 401 repeats', async () => {
    const { deps, apiKey, api, deadline } = setup([AUTH_401]);
    const attempts = await deleteWithRetries('sec_1', deps, POLICY, deadline);
    expect(attempts).toMatchObject({ result: { kind: 'auth' }, status: 401, httpAttempts: 2 });
    expect(apiKey.calls.filter((call) => call.forceRefresh)).toHaveLength(1);
    expect(api.deletes).toHaveLength(2);
  });

  it('returns key_unavailable without sending anything when the provider throws ApiKeyError', async () => {
    const failing = fakeApiKey({ fail: () => new ApiKeyError('expected to read secret k, received AccessDenied') });
    const { deps, api, deadline } = setup([response(204)], { apiKey: failing });
    const attempts = await deleteWithRetries('sec_1', deps, POLICY, deadline);
    expect(attempts.result.kind).toBe('key_unavailable');
    expect(attempts.httpAttempts).toBe(0);
    expect(api.deletes).toEqual([]);
  });

  it('returns key_unavailable when the forced refresh after a 401 fails', async () => {
    const refreshes: boolean[] = [];
    const provider = {
      get: async (options?: { forceRefresh?: boolean }) => {
        refreshes.push(options?.forceRefresh ?? false);
        if (options?.forceRefresh) throw new ApiKeyError('expected to read secret k, received ThrottlingException');
        return API_KEY;
      },
    };
    const { deps, deadline } = setup([AUTH_401]);
    const attempts = await deleteWithRetries('sec_1', { ...deps, apiKey: provider }, POLICY, deadline);
    expect(attempts).toMatchObject({ result: { kind: 'key_unavailable' }, httpAttempts: 1 });
    expect(refreshes).toEqual([false, true]);
  });

  it('sends nothing and returns transient when deadline minus now is below minAttemptMs', async () => {
    const { deps, api, clock } = setup([response(204)]);
    const attempts = await deleteWithRetries('sec_1', deps, POLICY, clock.now() + POLICY.minAttemptMs - 1);
    expect(attempts).toMatchObject({ result: { kind: 'transient' }, httpAttempts: 0 });
    expect(api.deletes).toEqual([]);
  });

  it('does not sleep into the deadline when a retry would leave less than minAttemptMs', async () => {
    // 500 then the jittered wait (125 ms) + minAttemptMs would pass a deadline 600 ms away.
    const { deps, api, sleeps, clock } = setup([response(500), response(204)]);
    const attempts = await deleteWithRetries('sec_1', deps, POLICY, clock.now() + 600);
    expect(attempts).toMatchObject({ result: { kind: 'transient' }, httpAttempts: 1 });
    expect(sleeps).toEqual([]);
    expect(api.deletes).toHaveLength(1);
  });

  it('passes the remaining time as timeout when the deadline is closer than requestTimeoutMs', async () => {
    const { deps, api, clock } = setup([response(204)]);
    await deleteWithRetries('sec_1', deps, POLICY, clock.now() + 3_000);
    expect(api.deletes[0]?.timeoutMs).toBe(3_000);
  });

  it('never passes a timeout beyond deadline minus now when each attempt takes time', async () => {
    const clock = fakeClock();
    const deadline = clock.now() + 15_000;
    const seen: { timeoutMs: number; left: number }[] = [];
    const slow500: Answer = (call) => {
      seen.push({ timeoutMs: call.timeoutMs, left: deadline - clock.now() });
      clock.advance(call.timeoutMs);
      return response(500);
    };
    const { deps } = setup([slow500], { clock });
    await deleteWithRetries('sec_1', deps, POLICY, deadline);
    expect(seen.length).toBeGreaterThan(1);
    for (const { timeoutMs, left } of seen) expect(timeoutMs).toBeLessThanOrEqual(left);
  });

  it('never passes a timeout beyond deadline minus now when fetching the key takes time', async () => {
    const clock = fakeClock();
    const deadline = clock.now() + 5_000;
    let leftAtCall = Number.NaN;
    const slowKey = fakeApiKey({ onGet: () => clock.advance(3_000) });
    const recordLeft: Answer = () => {
      leftAtCall = deadline - clock.now();
      return response(204);
    };
    const { deps, api } = setup([recordLeft], { apiKey: slowKey, clock });
    await deleteWithRetries('sec_1', deps, POLICY, deadline);
    expect(api.deletes[0]?.timeoutMs).toBeLessThanOrEqual(leftAtCall);
  });
});
