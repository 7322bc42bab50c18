import { describe, expect, it } from 'vitest';
import type { AttemptPolicy } from '#core/http-attempts.ts';
import type { ApiResponse, ElevenLabsApi, ListEnvironmentVariablesQuery, ListSecretsQuery } from '#core/ports.ts';
import { type InventoryDeps, listInventory } from '#core/sweep-inventory.ts';
import { ApiKeyError, ApiRequestError } from '#shared/errors.ts';
import { environmentVariable, environmentVariablesPage, secretVariable } from '#test/helpers/environment-variables.ts';
import { fakeApiKey, fakeClock, response } from '#test/helpers/fakes.ts';
import { EMPTY_USED_BY } from '#test/helpers/used-by.ts';

/** The retry policy runSweep uses for list pages. */
const POLICY: AttemptPolicy = {
  maxQuickRetries: 4,
  quickBaseMs: 250,
  quickCapMs: 4_000,
  retryAfterCapMs: 10_000,
  requestTimeoutMs: 10_000,
  minAttemptMs: 500,
};

interface ListedSecret {
  secret_id: string;
  name: string;
  used_by?: unknown;
}

const listed = (secret_id: string, name: string, used_by: unknown = EMPTY_USED_BY): ListedSecret => ({
  secret_id,
  name,
  used_by,
});
const many = (count: number, prefix: string) =>
  Array.from({ length: count }, (_, index) => listed(`sec_${prefix.replace(/\W/g, '')}${index}`, `${prefix}${index}`));

type ListApi = Pick<ElevenLabsApi, 'listSecrets' | 'listEnvironmentVariables'>;
type EnvAnswer = (query: ListEnvironmentVariablesQuery) => ApiResponse | Error | undefined;

/**
 * GET /v1/convai/secrets over an array: `search` filters by name prefix, the cursor is `c:<offset>`.
 * `answer` may take over a request (a fault, a malformed page) by returning a response. The
 * environment variables are `env.variables` (none by default), paged the same way; `env.answer`
 * may take over those requests.
 */
function listApi(
  secrets: readonly ListedSecret[],
  answer?: (query: ListSecretsQuery) => ApiResponse | Error | undefined,
  env: { variables?: readonly unknown[]; answer?: EnvAnswer } = {},
) {
  const queries: ListSecretsQuery[] = [];
  const envQueries: ListEnvironmentVariablesQuery[] = [];
  const api: ListApi = {
    async listSecrets(query) {
      queries.push(query);
      const override = answer?.(query);
      if (override instanceof Error) throw override;
      if (override) return override;
      const matching = secrets.filter((secret) => secret.name.startsWith(query.search ?? ''));
      const offset = query.cursor ? Number(query.cursor.slice(2)) : 0;
      const next = offset + query.pageSize < matching.length ? `c:${offset + query.pageSize}` : null;
      return response(200, { secrets: matching.slice(offset, offset + query.pageSize), next_cursor: next });
    },
    async listEnvironmentVariables(query) {
      envQueries.push(query);
      const override = env.answer?.(query);
      if (override instanceof Error) throw override;
      if (override) return override;
      const all = env.variables ?? [];
      const offset = query.cursor ? Number(query.cursor.slice(2)) : 0;
      const next = offset + query.pageSize < all.length ? `c:${offset + query.pageSize}` : null;
      return response(200, environmentVariablesPage(all.slice(offset, offset + query.pageSize), next));
    },
  };
  return { api, queries, envQueries };
}

function deps(api: ListApi, apiKey = fakeApiKey()) {
  const clock = fakeClock();
  const sleeps: number[] = [];
  const inventoryDeps: InventoryDeps = {
    api,
    apiKey: apiKey.provider,
    now: clock.now,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.advance(ms);
    },
    random: () => 0.5,
  };
  return { deps: inventoryDeps, clock, sleeps };
}

async function inventory(
  prefixes: readonly string[],
  api: ListApi,
  options: { apiKey?: ReturnType<typeof fakeApiKey>; deadlineInMs?: number } = {},
) {
  const wired = deps(api, options.apiKey);
  return listInventory(prefixes, wired.deps, POLICY, wired.clock.now() + (options.deadlineInMs ?? 15 * 60_000));
}

const onPage = (offset: number, result: ApiResponse | Error) => (query: ListSecretsQuery) =>
  (query.cursor ? Number(query.cursor.slice(2)) : 0) === offset ? result : undefined;

describe('listInventory', () => {
  it('returns every secret of a prefix when it follows next_cursor across pages', async () => {
    const result = await inventory(['ci-run-'], listApi(many(250, 'ci-run-')).api);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.secrets).toHaveLength(250);
    expect(result.secrets[249]).toMatchObject({ secretId: 'sec_cirun249', name: 'ci-run-249' });
  });

  it('asks for pages of 100 with the prefix as search and the previous next_cursor', async () => {
    const { api, queries } = listApi(many(250, 'ci-run-'));
    await inventory(['ci-run-'], api);
    expect(queries).toEqual([
      { pageSize: 100, search: 'ci-run-', cursor: undefined },
      { pageSize: 100, search: 'ci-run-', cursor: 'c:100' },
      { pageSize: 100, search: 'ci-run-', cursor: 'c:200' },
    ]);
  });

  it('counts one list call per page when no page fails', async () => {
    const result = await inventory(
      ['ci-run-', 'preview-'],
      listApi([...many(250, 'ci-run-'), ...many(100, 'preview-')]).api,
    );
    // 3 pages of ci-run-, 1 of preview-, 1 of environment variables.
    expect(result.listCalls).toBe(3 + 1 + 1);
  });

  it('lists each prefix from its first page', async () => {
    const { api, queries } = listApi([...many(150, 'ci-run-'), ...many(50, 'preview-')]);
    await inventory(['ci-run-', 'preview-'], api);
    expect(queries.map((query) => [query.search, query.cursor])).toEqual([
      ['ci-run-', undefined],
      ['ci-run-', 'c:100'],
      ['preview-', undefined],
    ]);
  });

  it('keeps one entry per id when two prefixes return the same secret', async () => {
    const result = await inventory(['ci-', 'ci-run-'], listApi(many(3, 'ci-run-')).api);
    expect(result.ok && result.secrets.map((secret) => secret.secretId)).toEqual([
      'sec_cirun0',
      'sec_cirun1',
      'sec_cirun2',
    ]);
  });

  it.each([
    ['the first prefix sees it in use', ['ci-', 'ci-run-']],
    ['the second prefix sees it in use', ['ci-run-', 'ci-']],
  ])('counts a secret listed under two prefixes as in use when %s', async (_case, prefixes) => {
    const held = { ...EMPTY_USED_BY, agents: [{ type: 'available', id: 'agent_1', name: 'Support' }] };
    // The agent lets go between the two listings: one observation says in use, the other unused.
    const api = listApi([], (query) =>
      response(200, {
        secrets: [listed('sec_1', 'ci-run-1', query.search === 'ci-' ? held : EMPTY_USED_BY)],
        next_cursor: null,
      }),
    ).api;
    const result = await inventory(prefixes, api);
    expect(result.ok && result.secrets.map((secret) => [secret.secretId, secret.usage.inUse])).toEqual([
      ['sec_1', true],
    ]);
    expect(result.ok && result.secrets[0]?.usage.holders).toEqual({ agents: ['Support (agent_1)'] });
  });

  it('keeps a secret outside the prefixes that the server returned, for the plan to judge', async () => {
    const api = listApi([], () => response(200, { secrets: [listed('sec_x', 'prod-db')], next_cursor: null })).api;
    const result = await inventory(['ci-run-'], api);
    expect(result.ok && result.secrets.map((secret) => secret.name)).toEqual(['prod-db']);
  });

  it('summarizes used_by so that an unknown holder is a use', async () => {
    const secrets = [
      listed('sec_free', 'ci-run-free'),
      listed('sec_hidden', 'ci-run-hidden', { ...EMPTY_USED_BY, tools: [{ id: 'tool_9', type: 'unknown' }] }),
    ];
    const result = await inventory(['ci-run-'], listApi(secrets).api);
    expect(result.ok && result.secrets.map((secret) => [secret.secretId, secret.usage.inUse])).toEqual([
      ['sec_free', false],
      ['sec_hidden', true],
    ]);
  });

  it('ends a prefix when next_cursor is an empty string', async () => {
    const { api, queries } = listApi([], () =>
      response(200, { secrets: [listed('sec_1', 'ci-run-1')], next_cursor: '' }),
    );
    const result = await inventory(['ci-run-'], api);
    expect(result.ok).toBe(true);
    expect(queries).toHaveLength(1);
  });

  it('aborts when page 3 of 5 still answers 500 after every retry', async () => {
    const { api, queries } = listApi(many(500, 'ci-run-'), onPage(200, response(500, { detail: 'upstream' })));
    const result = await inventory(['ci-run-'], api);
    expect(result).toEqual({
      ok: false,
      reason: 'prefix "ci-run-" page 3: transient, HTTP 500: upstream',
      listCalls: 2 + 1 + POLICY.maxQuickRetries,
    });
    expect(queries.some((query) => query.cursor === 'c:300')).toBe(false);
  });

  it('completes when a page answers 500 once and then 200', async () => {
    let failures = 0;
    const api = listApi(many(250, 'ci-run-'), (query) =>
      query.cursor === 'c:100' && failures++ === 0 ? response(503) : undefined,
    ).api;
    const result = await inventory(['ci-run-'], api);
    expect(result.ok && result.secrets).toHaveLength(250);
    expect(result.listCalls).toBe(4 + 1);
  });

  it('aborts when a page keeps failing with a network error', async () => {
    const api = listApi(many(150, 'ci-run-'), onPage(100, new ApiRequestError('network', 'ECONNRESET'))).api;
    const result = await inventory(['ci-run-'], api);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toContain('prefix "ci-run-" page 2: transient, HTTP none');
  });

  it('aborts when the key is refused with 401 even after a refresh', async () => {
    const apiKey = fakeApiKey();
    const api = listApi(many(10, 'ci-run-'), () => response(401, { detail: { status: 'invalid_api_key' } })).api;
    const result = await inventory(['ci-run-'], api, { apiKey });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(/^prefix "ci-run-" page 1: auth, HTTP 401/);
    expect(apiKey.calls.filter((call) => call.forceRefresh)).toHaveLength(1);
  });

  it('aborts when the API key cannot be read', async () => {
    const apiKey = fakeApiKey({ fail: () => new ApiKeyError('secret janitor/key not found') });
    const result = await inventory(['ci-run-'], listApi(many(10, 'ci-run-')).api, { apiKey });
    expect(result).toMatchObject({ ok: false, listCalls: 0 });
    expect(!result.ok && result.reason).toContain('key_unavailable');
  });

  it('aborts without a request when no time is left before the deadline', async () => {
    const { api, queries } = listApi(many(10, 'ci-run-'));
    const result = await inventory(['ci-run-'], api, { deadlineInMs: 100 });
    expect(result).toMatchObject({ ok: false, listCalls: 0 });
    expect(queries).toEqual([]);
  });

  it('aborts when a page body is not JSON', async () => {
    const api = listApi(many(150, 'ci-run-'), onPage(100, response(200, '<html>gateway</html>'))).api;
    const result = await inventory(['ci-run-'], api);
    expect(result).toEqual({ ok: false, reason: 'prefix "ci-run-" page 2: page body is not JSON', listCalls: 2 });
  });

  it('aborts when a page has no secrets array', async () => {
    const api = listApi([], () => response(200, { items: [], next_cursor: null })).api;
    const result = await inventory(['ci-run-'], api);
    expect(!result.ok && result.reason).toBe('prefix "ci-run-" page 1: page has no "secrets" array');
  });

  it('aborts when a secret on the page has no string secret_id', async () => {
    const api = listApi([], () =>
      response(200, { secrets: [{ secret_id: 7, name: 'ci-run-7' }], next_cursor: null }),
    ).api;
    const result = await inventory(['ci-run-'], api);
    expect(!result.ok && result.reason).toBe('prefix "ci-run-" page 1: a secret has no string secret_id or name');
  });

  it('aborts when next_cursor is not a string', async () => {
    const api = listApi([], () => response(200, { secrets: [], next_cursor: 2 })).api;
    const result = await inventory(['ci-run-'], api);
    expect(!result.ok && result.reason).toBe('prefix "ci-run-" page 1: page has a "next_cursor" that is not a string');
  });

  it('aborts when next_cursor repeats', async () => {
    const { api, queries } = listApi([], (query) =>
      response(200, { secrets: [listed(`sec_${query.cursor ?? 'first'}`, 'ci-run-x')], next_cursor: 'same' }),
    );
    const result = await inventory(['ci-run-'], api);
    expect(result).toEqual({
      ok: false,
      reason: 'prefix "ci-run-" page 2: next_cursor repeats, paging would never end',
      listCalls: 2,
    });
    expect(queries).toHaveLength(2);
  });

  it('stops at the failing prefix without listing the next one', async () => {
    const { api, queries } = listApi([...many(10, 'ci-run-'), ...many(10, 'preview-')], (query) =>
      query.search === 'ci-run-' ? response(200, 'not json') : undefined,
    );
    const result = await inventory(['ci-run-', 'preview-'], api);
    expect(result.ok).toBe(false);
    expect(queries.map((query) => query.search)).toEqual(['ci-run-']);
  });
});

describe('listInventory environment variables', () => {
  const secrets = [listed('sec_a', 'ci-run-a'), listed('sec_b', 'ci-run-b'), listed('sec_c', 'ci-run-c')];

  it('names the variables that reference each secret, in every environment', async () => {
    const variables = [
      secretVariable('CRM_TOKEN', { production: 'sec_a' }),
      secretVariable('DB_PASSWORD', { production: 'sec_b', staging: 'sec_a' }),
    ];
    const result = await inventory(['ci-run-'], listApi(secrets, undefined, { variables }).api);
    expect(result.ok && result.secrets.map((secret) => [secret.secretId, secret.envVariables])).toEqual([
      ['sec_a', ['CRM_TOKEN', 'DB_PASSWORD']],
      ['sec_b', ['DB_PASSWORD']],
      ['sec_c', []],
    ]);
    expect(result.ok && result.envVariables).toBe(2);
  });

  it('asks for secret-type variables, 100 per page, following next_cursor across every page', async () => {
    const variables = Array.from({ length: 250 }, (_, index) =>
      secretVariable(`VAR_${index}`, { production: 'sec_c' }),
    );
    const { api, envQueries } = listApi(secrets, undefined, { variables });
    const result = await inventory(['ci-run-'], api);
    expect(envQueries).toEqual([
      { type: 'secret', pageSize: 100, cursor: undefined },
      { type: 'secret', pageSize: 100, cursor: 'c:100' },
      { type: 'secret', pageSize: 100, cursor: 'c:200' },
    ]);
    expect(result.ok && result.secrets.find((secret) => secret.secretId === 'sec_c')?.envVariables).toHaveLength(250);
    expect(result.listCalls).toBe(1 + 3);
  });

  it('reads every page in each run', async () => {
    const { api, envQueries } = listApi(secrets, undefined, {
      variables: [secretVariable('X', { production: 'sec_a' })],
    });
    const wired = deps(api);
    await listInventory(['ci-run-'], wired.deps, POLICY, wired.clock.now() + 60_000);
    await listInventory(['ci-run-'], wired.deps, POLICY, wired.clock.now() + 60_000);
    expect(envQueries).toHaveLength(2);
  });

  it('ignores string and auth_connection variables even if the server sends them', async () => {
    const variables = [
      environmentVariable({ label: 'BASE_URL', type: 'string', values: { production: 'sec_a' } }),
      environmentVariable({
        label: 'CRM',
        type: 'auth_connection',
        values: { production: { auth_connection_id: 'x' } },
      }),
    ];
    const result = await inventory(['ci-run-'], listApi(secrets, undefined, { variables }).api);
    expect(result.ok && result.secrets.every((secret) => secret.envVariables.length === 0)).toBe(true);
    expect(result.ok && result.envVariables).toBe(0);
  });

  it('aborts when an environment-variable page still answers 500 after every retry', async () => {
    const env = { answer: () => response(500, { detail: 'upstream' }) };
    const result = await inventory(['ci-run-'], listApi(secrets, undefined, env).api);
    expect(result).toEqual({
      ok: false,
      reason: 'environment variables page 1: transient, HTTP 500: upstream',
      listCalls: 1 + 1 + POLICY.maxQuickRetries,
    });
  });

  it('aborts when the key lacks the permission to read environment variables', async () => {
    const refused = response(401, {
      detail: { status: 'missing_permissions', message: 'The API key is missing the permission convai_read' },
    });
    const result = await inventory(['ci-run-'], listApi(secrets, undefined, { answer: () => refused }).api);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(/^environment variables page 1: auth, HTTP 401: .*convai_read/);
  });

  it('aborts when page 2 of the environment variables fails with a network error', async () => {
    const variables = Array.from({ length: 150 }, (_, index) =>
      secretVariable(`VAR_${index}`, { production: 'sec_a' }),
    );
    const env = {
      variables,
      answer: (query: ListEnvironmentVariablesQuery) =>
        query.cursor ? new ApiRequestError('network', 'ECONNRESET') : undefined,
    };
    const result = await inventory(['ci-run-'], listApi(secrets, undefined, env).api);
    expect(!result.ok && result.reason).toBe('environment variables page 2: transient, HTTP none: ECONNRESET');
  });

  it.each([
    ['not JSON', '<html>', 'page body is not JSON'],
    ['without the list', { next_cursor: null, has_more: false }, 'page has no "environment_variables" array'],
    ['without has_more', { environment_variables: [], next_cursor: null }, 'page has no boolean "has_more"'],
    [
      'with a numeric cursor',
      { environment_variables: [], next_cursor: 3, has_more: true },
      'page has a "next_cursor" that is not a string',
    ],
    [
      'with has_more and no cursor',
      { environment_variables: [], next_cursor: null, has_more: true },
      'page says "has_more" but has no "next_cursor"',
    ],
    ['with a variable that is not an object', environmentVariablesPage(['VAR']), 'a variable is not an object'],
    [
      'with a variable without label or id',
      environmentVariablesPage([{ type: 'secret', values: {} }]),
      'a variable has no string label or id',
    ],
    [
      'with a variable without type',
      environmentVariablesPage([{ label: 'X', values: {} }]),
      'variable "X" has no string type',
    ],
    [
      'with a variable of an unknown type',
      environmentVariablesPage([{ label: 'X', type: 'vault', values: { production: { vault_id: 'v' } } }]),
      'variable "X" has type "vault", expected secret, string or auth_connection',
    ],
    [
      'with a secret variable without values',
      environmentVariablesPage([{ label: 'X', type: 'secret' }]),
      'variable "X" has no "values" object',
    ],
    [
      'with a secret value without secret_id',
      environmentVariablesPage([{ label: 'X', type: 'secret', values: { production: 'sec_a' } }]),
      'variable "X" environment "production" has no string secret_id',
    ],
  ])('aborts when an environment-variable page is %s', async (_case, body, reason) => {
    const result = await inventory(['ci-run-'], listApi(secrets, undefined, { answer: () => response(200, body) }).api);
    expect(result).toEqual({ ok: false, reason: `environment variables page 1: ${reason}`, listCalls: 2 });
  });

  it('aborts when the environment-variable next_cursor repeats', async () => {
    const env = { answer: () => response(200, environmentVariablesPage([], 'same')) };
    const result = await inventory(['ci-run-'], listApi(secrets, undefined, env).api);
    expect(!result.ok && result.reason).toBe(
      'environment variables page 2: next_cursor repeats, paging would never end',
    );
  });

  it('lists no environment variables when the secrets inventory already failed', async () => {
    const { api, envQueries } = listApi(secrets, () => response(200, 'not json'));
    const result = await inventory(['ci-run-'], api);
    expect(result.ok).toBe(false);
    expect(envQueries).toEqual([]);
  });
});
