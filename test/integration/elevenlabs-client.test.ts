import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApiKeyProvider } from '#adapters/api-key.ts';
import { createElevenLabsClient } from '#adapters/elevenlabs.ts';
import { classifyDelete } from '#core/classify.ts';
import { listEnvVariableUses } from '#core/env-variables.ts';
import { type AttemptPolicy, deleteWithRetries } from '#core/http-attempts.ts';
import { type FakeElevenLabs, startFakeElevenLabs } from '#test/helpers/fake-elevenlabs.ts';

const KEY = 'sk_test_0123456789abcdef';
const USER_AGENT = 'convai-secret-janitor-test/1.0';
const secretsManager = mockClient(SecretsManagerClient);

const policy: AttemptPolicy = {
  maxQuickRetries: 2,
  quickBaseMs: 100,
  quickCapMs: 1_000,
  retryAfterCapMs: 5_000,
  requestTimeoutMs: 2_000,
  minAttemptMs: 50,
};

let fake: FakeElevenLabs;
let waits: number[];

beforeAll(async () => {
  fake = await startFakeElevenLabs({ validKeys: [KEY] });
});
afterAll(async () => {
  await fake.close();
  secretsManager.restore();
});
beforeEach(() => {
  waits = [];
  secretsManager.reset();
  secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ apiKey: KEY }) });
});
afterEach(() => {
  fake.requests.length = 0;
  fake.secrets.clear();
  fake.hook = undefined;
  fake.validKeys.clear();
  fake.validKeys.add(KEY);
});

const api = () => createElevenLabsClient({ baseUrl: fake.baseUrl, userAgent: USER_AGENT });

function run(secretId: string, overrides: Partial<AttemptPolicy> = {}) {
  const apiKey = createApiKeyProvider({
    client: new SecretsManagerClient({ region: 'eu-west-1' }),
    secretId: 'janitor/elevenlabs',
    field: 'apiKey',
    ttlMs: 60_000,
  });
  const deps = {
    api: api(),
    apiKey,
    now: Date.now,
    random: () => 0.5,
    sleep: async (ms: number) => {
      waits.push(ms);
    },
  };
  return deleteWithRetries(secretId, deps, { ...policy, ...overrides }, Date.now() + 30_000);
}

describe('ElevenLabs client + deleteWithRetries against the fake API', () => {
  it('204: deletes, sends the key and user agent, and surfaces request-id', async () => {
    fake.addSecret('sec_unused');
    const attempts = await run('sec_unused');

    expect(attempts).toMatchObject({ result: { kind: 'deleted' }, status: 204, httpAttempts: 1 });
    expect(fake.secrets.has('sec_unused')).toBe(false);
    const [request] = fake.requests;
    expect(request).toMatchObject({ method: 'DELETE', path: '/v1/convai/secrets/sec_unused', route: 'delete' });
    expect(request?.headers['xi-api-key']).toBe(KEY);
    expect(request?.headers['user-agent']).toBe(USER_AGENT);
    expect(attempts.requestId).toBe(request?.requestId);
  });

  it('404: an absent secret is already gone', async () => {
    const response = await api().deleteSecret('sec_missing', KEY, 1_000);
    expect(response.status).toBe(404);
    expect(classifyDelete(response, Date.now())).toEqual({ kind: 'already_gone' });

    const attempts = await run('sec_missing');
    expect(attempts).toMatchObject({ result: { kind: 'already_gone' }, status: 404, httpAttempts: 1 });
  });

  it('422 with an object body: the secret is in use and stays', async () => {
    fake.addSecret('sec_used');
    fake.markInUse('sec_used', 'agent_1');
    const attempts = await run('sec_used');

    expect(attempts).toMatchObject({
      result: { kind: 'in_use', detail: { code: 'secret_in_use', message: 'Secret is in use' } },
      status: 422,
      httpAttempts: 1,
    });
    expect(fake.secrets.has('sec_used')).toBe(true);
    expect(waits).toEqual([]);
  });

  it('422 with a FastAPI validation array: permanent', async () => {
    fake.script('delete', {
      status: 422,
      body: { detail: [{ loc: ['path', 'secret_id'], msg: 'String should match pattern', type: 'string_pattern' }] },
    });
    const attempts = await run('sec_whatever');

    expect(attempts.result.kind).toBe('permanent');
    expect(attempts).toMatchObject({ status: 422, httpAttempts: 1 });
    if (attempts.result.kind === 'permanent') {
      expect(attempts.result.detail.message).toBe('path.secret_id: String should match pattern');
    }
  });

  it('401 then success after one key refresh from Secrets Manager', async () => {
    const rotated = 'sk_test_rotated_fedcba9876543210';
    secretsManager.reset();
    secretsManager
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: JSON.stringify({ apiKey: KEY }) })
      .resolves({ SecretString: JSON.stringify({ apiKey: rotated }) });
    fake.validKeys.clear();
    fake.validKeys.add(rotated);
    fake.addSecret('sec_rotate');

    const attempts = await run('sec_rotate');

    expect(attempts).toMatchObject({ result: { kind: 'deleted' }, status: 204, httpAttempts: 2 });
    expect(fake.requests.map((r) => r.headers['xi-api-key'])).toEqual([KEY, rotated]);
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    expect(waits).toEqual([]);
  });

  it('401 body is classified as auth when the key stays invalid', async () => {
    const response = await api().deleteSecret('sec_x', 'sk_wrong', 1_000);
    expect(response.status).toBe(401);
    expect(classifyDelete(response, Date.now())).toMatchObject({
      kind: 'auth',
      detail: { code: 'invalid_api_key', message: 'Invalid API key' },
    });
  });

  it('429 with Retry-After: waits exactly the advertised time, then deletes', async () => {
    fake.addSecret('sec_busy');
    fake.script('delete', {
      status: 429,
      headers: { 'retry-after': '2' },
      body: { detail: { code: 'rate_limit_exceeded', message: 'Too many requests' } },
    });
    const attempts = await run('sec_busy');

    expect(attempts).toMatchObject({ result: { kind: 'deleted' }, httpAttempts: 2 });
    expect(waits).toEqual([2_000]);
  });

  it('429 without Retry-After: full-jitter backoff between retries', async () => {
    fake.addSecret('sec_busy');
    const tooMany = { status: 429, body: { detail: { code: 'concurrent_limit_exceeded', message: 'busy' } } };
    fake.script('delete', tooMany, tooMany);
    const attempts = await run('sec_busy');

    expect(attempts).toMatchObject({ result: { kind: 'deleted' }, httpAttempts: 3 });
    // random() = 0.5: floor(0.5 * min(cap, base * 2^n)) for n = 0, 1.
    expect(waits).toEqual([50, 100]);
  });

  it('500: transient after the quick retries are spent', async () => {
    fake.addSecret('sec_500');
    fake.hook = () => ({ status: 500, body: { detail: { code: 'internal_error', message: 'boom' } } });
    const attempts = await run('sec_500');

    expect(attempts).toMatchObject({
      result: { kind: 'transient', detail: { code: 'internal_error' } },
      status: 500,
      httpAttempts: 3,
    });
    expect(attempts.requestId).toBe(fake.requests.at(-1)?.requestId);
    expect(fake.count('delete')).toBe(3);
    expect(waits).toHaveLength(2);
  });

  it('connection reset: transient with the network reason', async () => {
    fake.addSecret('sec_reset');
    fake.hook = () => 'reset';
    const attempts = await run('sec_reset', { maxQuickRetries: 1 });

    expect(attempts.result.kind).toBe('transient');
    expect(attempts).toMatchObject({ network: 'network', httpAttempts: 2 });
    expect(attempts.status).toBeUndefined();
    expect(fake.count('delete')).toBe(2);
  });

  it('sends a request again on a fresh socket when a kept-alive socket turns out dead', async () => {
    fake.addSecret('sec_first');
    fake.addSecret('sec_second');
    const client = api();
    expect((await client.deleteSecret('sec_first', KEY, 2_000)).status).toBe(204);
    // The next request reuses the kept-alive socket; the server resets it, as a stale socket would.
    fake.script('delete', 'reset');
    expect((await client.deleteSecret('sec_second', KEY, 2_000)).status).toBe(204);
    expect(fake.count('delete')).toBe(3);
  });

  it('a response slower than the timeout: transient timeout, within a few timeouts', async () => {
    fake.addSecret('sec_slow');
    fake.script('delete', { delayMs: 5_000 });
    const timeoutMs = 300;
    const started = Date.now();
    const attempts = await run('sec_slow', { requestTimeoutMs: timeoutMs, maxQuickRetries: 0 });
    const elapsed = Date.now() - started;

    expect(attempts.result.kind).toBe('transient');
    expect(attempts).toMatchObject({ network: 'timeout', httpAttempts: 1 });
    expect(elapsed).toBeLessThan(5 * timeoutMs);
  });

  it('a non-JSON 502 body: transient, the text kept as the detail', async () => {
    fake.addSecret('sec_html');
    fake.script('delete', {
      status: 502,
      headers: { 'content-type': 'text/html' },
      body: '<html><body><h1>502 Bad Gateway</h1></body></html>',
    });
    const attempts = await run('sec_html', { maxQuickRetries: 0 });

    expect(attempts).toMatchObject({ status: 502, httpAttempts: 1, requestId: fake.requests[0]?.requestId });
    expect(attempts.result.kind).toBe('transient');
    if (attempts.result.kind === 'transient') expect(attempts.result.detail.message).toContain('502 Bad Gateway');
    expect(fake.secrets.has('sec_html')).toBe(true);
  });
});

describe('fake ElevenLabs: list and get', () => {
  it('pages by name prefix with an opaque cursor and validates page_size', async () => {
    for (const id of ['a1', 'a2', 'a3', 'b1']) fake.addSecret(id, `${id.startsWith('a') ? 'alpha' : 'beta'}-${id}`);
    const client = api();
    const first = await client.listSecrets({ pageSize: 2, search: 'alpha' }, KEY, 1_000);
    const page1 = JSON.parse(first.body) as { secrets: { secret_id: string }[]; next_cursor: string | null };
    expect(page1.secrets.map((s) => s.secret_id)).toEqual(['a1', 'a2']);
    expect(page1.next_cursor).toEqual(expect.any(String));

    const second = await client.listSecrets(
      { pageSize: 2, search: 'alpha', cursor: page1.next_cursor ?? '' },
      KEY,
      1_000,
    );
    expect(JSON.parse(second.body)).toMatchObject({ secrets: [{ secret_id: 'a3' }], next_cursor: null });

    const invalid = await client.listSecrets({ pageSize: 101 }, KEY, 1_000);
    expect(invalid.status).toBe(422);
    expect(JSON.parse(invalid.body)).toMatchObject({ detail: [{ loc: ['query', 'page_size'] }] });

    const one = await client.getSecret('b1', KEY, 1_000);
    expect(JSON.parse(one.body)).toMatchObject({ type: 'stored', secret_id: 'b1', used_by: { agents: [] } });
    expect(fake.count('list')).toBe(3);
    expect(fake.count('get')).toBe(1);
  });
});

describe('ElevenLabs client: environment variables', () => {
  afterEach(() => fake.environmentVariables.clear());

  it('sends type=secret, page_size and cursor, and listEnvVariableUses reads every page', async () => {
    for (let index = 0; index < 150; index += 1) {
      fake.addEnvironmentVariable({
        label: `VAR_${index}`,
        type: 'secret',
        values: { production: { secret_id: `sec_${index % 3}` } },
      });
    }
    fake.addEnvironmentVariable({ label: 'BASE_URL', type: 'string', values: { production: 'https://example.com' } });
    const deps = {
      api: api(),
      apiKey: { get: async () => KEY },
      now: Date.now,
      sleep: async () => {},
      random: () => 0.5,
    };
    const listing = await listEnvVariableUses(deps, policy, Date.now() + 10_000, { pageSize: 100, maxPages: 10 });

    const lists = fake.requests.filter((request) => request.route === 'env_list');
    expect(lists.map((request) => request.path)).toEqual([
      '/v1/convai/environment-variables',
      '/v1/convai/environment-variables',
    ]);
    expect(lists.map((request) => request.query)).toEqual([
      { type: 'secret', page_size: '100' },
      { type: 'secret', page_size: '100', cursor: expect.any(String) },
    ]);
    expect(lists[0]?.headers['xi-api-key']).toBe(KEY);
    expect(listing).toMatchObject({ ok: true, variables: 150, listCalls: 2 });
    expect(listing.ok && listing.bySecret.get('sec_0')).toHaveLength(50);
  });

  it('names the environment-variables path when the request times out', async () => {
    fake.script('env_list', { delayMs: 2_000 });
    await expect(api().listEnvironmentVariables({ type: 'secret', pageSize: 100 }, KEY, 100)).rejects.toThrow(
      'expected an answer from GET /v1/convai/environment-variables within 100 ms, received none',
    );
  });
});
