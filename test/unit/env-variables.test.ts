import { describe, expect, it } from 'vitest';
import { listEnvVariableUses, parseEnvVariablesPage } from '#core/env-variables.ts';
import type { AttemptPolicy } from '#core/http-attempts.ts';
import type { ApiResponse, ListEnvironmentVariablesQuery } from '#core/ports.ts';
import { environmentVariablesPage, secretVariable } from '#test/helpers/environment-variables.ts';
import { fakeApiKey, fakeClock, response } from '#test/helpers/fakes.ts';

const POLICY: AttemptPolicy = {
  maxQuickRetries: 0,
  quickBaseMs: 250,
  quickCapMs: 2_000,
  retryAfterCapMs: 5_000,
  requestTimeoutMs: 5_000,
  minAttemptMs: 500,
};

/** Every request answers from `pages` by its cursor (`undefined` for the first page). */
function listing(pages: (query: ListEnvironmentVariablesQuery) => ApiResponse, maxPages = 10) {
  const queries: ListEnvironmentVariablesQuery[] = [];
  const clock = fakeClock();
  const deps = {
    api: {
      listEnvironmentVariables: async (query: ListEnvironmentVariablesQuery) => {
        queries.push(query);
        return pages(query);
      },
    },
    apiKey: fakeApiKey().provider,
    now: clock.now,
    sleep: async (ms: number) => clock.advance(ms),
    random: () => 0.5,
  };
  return {
    queries,
    result: listEnvVariableUses(deps, POLICY, clock.now() + 60_000, { pageSize: 100, maxPages }),
  };
}

describe('listEnvVariableUses', () => {
  it('lists each label once per secret when a variable references it in two environments', async () => {
    const page = environmentVariablesPage([secretVariable('DB', { production: 'sec_1', staging: 'sec_1' })]);
    const { result } = listing(() => response(200, page));
    const done = await result;
    expect(done.ok && [...done.bySecret]).toEqual([['sec_1', ['DB']]]);
  });

  it('names a variable by its id when its label is empty', async () => {
    const page = environmentVariablesPage([{ ...secretVariable('', { production: 'sec_1' }), id: 'envvar_7' }]);
    const done = await listing(() => response(200, page)).result;
    expect(done.ok && done.bySecret.get('sec_1')).toEqual(['envvar_7']);
  });

  it('fails, never reads as complete, when there are more pages than allowed', async () => {
    const { result, queries } = listing(
      (query) => response(200, environmentVariablesPage([], `c${Number(query.cursor?.slice(1) ?? 0) + 1}`)),
      3,
    );
    expect(await result).toEqual({ ok: false, reason: 'environment variables: more than 3 pages', listCalls: 3 });
    expect(queries).toHaveLength(3);
  });

  it('stops at has_more false even when the page carries a cursor', async () => {
    const page = { environment_variables: [], next_cursor: 'ignored', has_more: false };
    const { result, queries } = listing(() => response(200, page));
    expect(await result).toMatchObject({ ok: true, variables: 0, listCalls: 1 });
    expect(queries).toHaveLength(1);
  });
});

describe('parseEnvVariablesPage', () => {
  it('shortens a long label in the reason it gives', () => {
    const body = JSON.stringify(environmentVariablesPage([{ label: 'L'.repeat(300), type: 'secret' }]));
    expect(parseEnvVariablesPage(body)).toBe(`variable "${'L'.repeat(100)}…" has no "values" object`);
  });

  it('never quotes a value in the reason it gives', () => {
    const body = JSON.stringify(
      environmentVariablesPage([{ label: 'X', type: 'secret', values: { production: 'sk_live_value' } }]),
    );
    expect(parseEnvVariablesPage(body)).not.toContain('sk_live_value');
  });
});
