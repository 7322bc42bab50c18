import { ElevenLabs, ElevenLabsClient, ElevenLabsError } from '@elevenlabs/elevenlabs-js';
import {
  ConvAiWorkspaceStoredSecretConfig,
  EnvironmentVariablesListResponse,
  GetWorkspaceSecretsResponseModel,
} from '@elevenlabs/elevenlabs-js/serialization/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeElevenLabs, startFakeElevenLabs } from '#test/helpers/fake-elevenlabs.ts';
import { available, CONVERSATION_INITIATION_WEBHOOK, phoneNumber, unknown } from '#test/helpers/used-by.ts';

/**
 * The simulator speaks the real API: the official client (`@elevenlabs/elevenlabs-js`, which always
 * validates what it parses) reads every answer, and the client's own serializers read the raw bodies
 * again in strict mode, where an extra key, an unknown union member or an unknown enum value fails.
 */

const KEY = 'sk_conformance_0123456789abcdef';
const SECRETS = 230;
const STRICT = {
  unrecognizedObjectKeys: 'fail' as const,
  allowUnrecognizedUnionMembers: false,
  allowUnrecognizedEnumValues: false,
  skipValidation: false,
  breadcrumbsPrefix: ['response'],
};

let fake: FakeElevenLabs;
let client: ElevenLabsClient;
const id = (index: number) => `sec_conf_${String(index).padStart(3, '0')}`;

beforeAll(async () => {
  fake = await startFakeElevenLabs({ validKeys: [KEY] });
  client = new ElevenLabsClient({ apiKey: KEY, baseUrl: fake.baseUrl, maxRetries: 0, timeoutInSeconds: 5 });
  for (let index = 0; index < SECRETS; index += 1) fake.addSecret(id(index), `conf-${index}`);
  const everyHolder = fake.secrets.get(id(0))?.used_by;
  if (!everyHolder) throw new Error('fixture: expected the first secret');
  everyHolder.agents.push(available('agent_1', 'Support bot', 'viewer'), unknown('agent_hidden'));
  everyHolder.tools.push(available('tool_1', 'CRM lookup', 'editor'), unknown('tool_hidden'));
  everyHolder.mcp_servers.push(available('mcp_1', 'Docs MCP', 'commenter'), unknown('mcp_hidden'));
  everyHolder.phone_numbers.push(phoneNumber('phnum_1', 'Main line', '+15550100', 'sip_trunk'));
  everyHolder.others.push(CONVERSATION_INITIATION_WEBHOOK);
  const flagged = fake.secrets.get(id(1))?.used_by;
  if (!flagged) throw new Error('fixture: expected the second secret');
  Object.assign(flagged, { tools_has_more: true, agents_has_more: true, phone_numbers_has_more: true });
  fake.addEnvironmentVariable({ label: 'CRM_TOKEN', type: 'secret', values: { production: { secret_id: id(2) } } });
  fake.addEnvironmentVariable({
    label: 'DB_PASSWORD',
    type: 'secret',
    values: { production: { secret_id: id(3) }, staging: { secret_id: id(4) } },
  });
  fake.addEnvironmentVariable({ label: 'WEBHOOK_KEY', type: 'secret', values: { production: { secret_id: id(5) } } });
  fake.addEnvironmentVariable({ label: 'API_BASE_URL', type: 'string', values: { production: 'https://example.com' } });
  fake.addEnvironmentVariable({
    label: 'SALESFORCE',
    type: 'auth_connection',
    values: { production: { auth_connection_id: 'auth_1' } },
  });
});
afterAll(() => fake.close());

async function raw(path: string): Promise<unknown> {
  const res = await fetch(`${fake.baseUrl}${path}`, { headers: { 'xi-api-key': KEY } });
  expect(res.status).toBe(200);
  return res.json();
}

describe('the official client against the simulator', () => {
  it('lists every secret when it follows next_cursor across all pages', async () => {
    const listed: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await client.conversationalAi.secrets.list({ pageSize: 100, search: 'conf-', cursor });
      listed.push(...page.secrets.map((secret) => secret.secretId));
      cursor = page.nextCursor ?? undefined;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(listed).toEqual(Array.from({ length: SECRETS }, (_, index) => id(index)));
  });

  it('parses every kind of holder when it gets one secret', async () => {
    const secret = await client.conversationalAi.secrets.get(id(0));
    expect(secret).toMatchObject({ type: 'stored', secretId: id(0), name: 'conf-0' });
    expect(secret.usedBy.agents).toEqual([
      {
        type: 'available',
        id: 'agent_1',
        name: 'Support bot',
        createdAtUnixSecs: 1_767_225_600,
        accessLevel: 'viewer',
      },
      { type: 'unknown', id: 'agent_hidden' },
    ]);
    expect(secret.usedBy.phoneNumbers).toEqual([
      { phoneNumberId: 'phnum_1', phoneNumber: '+15550100', label: 'Main line', provider: 'sip_trunk' },
    ]);
    expect(secret.usedBy.others).toEqual(['conversation_initiation_webhook']);
  });

  it('deletes an unused secret, and answers 422 for one in use and 404 for one that is gone', async () => {
    fake.addSecret('sec_conf_delete', 'conf-delete');
    await client.conversationalAi.secrets.delete('sec_conf_delete');
    expect(fake.secrets.has('sec_conf_delete')).toBe(false);
    await expect(client.conversationalAi.secrets.delete(id(0))).rejects.toBeInstanceOf(
      ElevenLabs.UnprocessableEntityError,
    );
    await expect(client.conversationalAi.secrets.delete('sec_conf_delete')).rejects.toMatchObject({
      constructor: ElevenLabsError,
      statusCode: 404,
    });
  });

  it('lists the secret-type environment variables across pages when it filters by type', async () => {
    const labels: string[] = [];
    const references: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await client.environmentVariables.list({ type: 'secret', pageSize: 2, cursor });
      for (const variable of page.environmentVariables) {
        labels.push(variable.label);
        for (const value of Object.values(variable.values)) references.push((value as { secretId: string }).secretId);
      }
      if (!page.hasMore) break;
      cursor = page.nextCursor;
    }
    expect(labels).toEqual(['CRM_TOKEN', 'DB_PASSWORD', 'WEBHOOK_KEY']);
    expect(references).toEqual([id(2), id(3), id(4), id(5)]);
  });
});

describe('the simulator in the serializers strict mode', () => {
  it.each([
    ['a list page', '/v1/convai/secrets?page_size=100&search=conf-'],
    ['a list without page_size', '/v1/convai/secrets'],
    ['a list with dependency_limit', '/v1/convai/secrets?page_size=5&dependency_limit=1'],
  ])('matches GetWorkspaceSecretsResponseModel for %s', async (_name, path) => {
    expect(GetWorkspaceSecretsResponseModel.parse(await raw(path), STRICT)).toMatchObject({ ok: true });
  });

  it.each([id(0), id(1), id(7)])('matches ConvAiWorkspaceStoredSecretConfig for secret %s', async (secretId) => {
    const body = await raw(`/v1/convai/secrets/${secretId}`);
    expect(ConvAiWorkspaceStoredSecretConfig.parse(body, STRICT)).toMatchObject({ ok: true });
  });

  it.each([
    ['every type', '/v1/convai/environment-variables'],
    ['type=secret, one per page', '/v1/convai/environment-variables?type=secret&page_size=1'],
    ['one environment', '/v1/convai/environment-variables?environment=staging'],
  ])('matches EnvironmentVariablesListResponse for %s', async (_name, path) => {
    expect(EnvironmentVariablesListResponse.parse(await raw(path), STRICT)).toMatchObject({ ok: true });
  });

  it('fails strict parsing of a body with an extra key, so the checks above can fail', () => {
    const body = { secrets: [], next_cursor: null, total: 0 };
    expect(GetWorkspaceSecretsResponseModel.parse(body, STRICT)).toMatchObject({ ok: false });
  });
});
