import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createApiKeyProvider, extractApiKey } from '#adapters/api-key.ts';
import { ApiKeyError } from '#shared/errors.ts';

const SECRET_ID = 'janitor/elevenlabs-api-key';
const KEY = 'sk_live_0a1b2c3d4e5f60718293a4b5c6d7e8f9';

function extractionError(secretString: string | undefined, field = 'apiKey'): ApiKeyError {
  try {
    extractApiKey(secretString, field, SECRET_ID);
  } catch (error) {
    if (error instanceof ApiKeyError) return error;
    throw error;
  }
  throw new Error('expected extractApiKey to throw');
}

describe('extractApiKey', () => {
  it('returns a raw key when the secret string is the key itself', () => {
    expect(extractApiKey(KEY, 'apiKey', SECRET_ID)).toBe(KEY);
  });

  it('trims surrounding whitespace when the secret string is a raw key', () => {
    expect(extractApiKey(`  ${KEY}\n`, 'apiKey', SECRET_ID)).toBe(KEY);
  });

  it('reads the default apiKey field when the secret string is JSON', () => {
    expect(extractApiKey(JSON.stringify({ apiKey: KEY, note: 'rotated' }), 'apiKey', SECRET_ID)).toBe(KEY);
  });

  it('reads a custom field when one is configured', () => {
    expect(extractApiKey(JSON.stringify({ xi_api_key: KEY }), 'xi_api_key', SECRET_ID)).toBe(KEY);
  });

  it('names the secret, the field and the fields present when the field is missing', () => {
    const error = extractionError(JSON.stringify({ key: KEY, owner: 'ops' }));
    expect(error.message).toBe(
      `secret ${SECRET_ID} must hold a non-empty string in field "apiKey", received fields: key, owner`,
    );
    expect(error.message).not.toContain(KEY);
  });

  it('refuses an empty field value without echoing other values', () => {
    const error = extractionError(JSON.stringify({ apiKey: '', backup: KEY }));
    expect(error.message).toContain('field "apiKey"');
    expect(error.message).not.toContain(KEY);
  });

  it('refuses JSON that does not parse without echoing the text', () => {
    const error = extractionError(`{"apiKey": "${KEY}"`);
    expect(error.message).toContain(`secret ${SECRET_ID} looks like JSON but does not parse`);
    expect(error.message).not.toContain(KEY);
    expect(error.cause).toBeUndefined();
  });

  it('refuses an empty string and names the secret', () => {
    expect(extractionError('').message).toBe(`secret ${SECRET_ID} must hold the API key, received an empty string`);
  });

  it('refuses a whitespace-only string and names the secret', () => {
    expect(extractionError(' \n\t ').message).toBe(
      `secret ${SECRET_ID} must hold the API key, received an empty string`,
    );
  });

  it('refuses a raw key with inner whitespace without echoing it', () => {
    const error = extractionError(`${KEY} ${KEY}`);
    expect(error.message).toContain('visible ASCII characters only (no spaces or control characters)');
    expect(error.message).not.toContain(KEY);
  });

  it('refuses an undefined (binary) secret and says a SecretString was expected', () => {
    expect(extractionError(undefined).message).toBe(
      `secret ${SECRET_ID} must hold a SecretString, received a binary or empty secret`,
    );
  });
});

describe('createApiKeyProvider', () => {
  const secretsManager = mockClient(SecretsManagerClient);
  const client = new SecretsManagerClient({ region: 'eu-west-1' });

  beforeEach(() => {
    secretsManager.reset();
  });

  afterAll(() => {
    secretsManager.restore();
  });

  function provider(clock: { t: number }, ttlMs = 60_000) {
    return createApiKeyProvider({ client, secretId: SECRET_ID, field: 'apiKey', ttlMs, now: () => clock.t });
  }

  const sends = () => secretsManager.commandCalls(GetSecretValueCommand).length;

  it('asks Secrets Manager for the configured secret id', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: KEY });
    await provider({ t: 0 }).get();
    expect(secretsManager.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toEqual({ SecretId: SECRET_ID });
  });

  it('serves the cached key when called again within the TTL', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: KEY });
    const clock = { t: 1_000 };
    const keys = provider(clock);
    await keys.get();
    clock.t += 59_999;
    expect(await keys.get()).toBe(KEY);
    expect(sends()).toBe(1);
  });

  it('fetches again when the TTL has passed', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: KEY })
      .resolvesOnce({ SecretString: 'sk_rotated' });
    const clock = { t: 1_000 };
    const keys = provider(clock);
    await keys.get();
    clock.t += 60_000;
    expect(await keys.get()).toBe('sk_rotated');
    expect(sends()).toBe(2);
  });

  it('bypasses the cache when forceRefresh is set', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: KEY })
      .resolvesOnce({ SecretString: 'sk_rotated' });
    const keys = provider({ t: 1_000 });
    await keys.get();
    expect(await keys.get({ forceRefresh: true })).toBe('sk_rotated');
    expect(sends()).toBe(2);
  });

  it('caches the refreshed key when forceRefresh has fetched it', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: KEY })
      .resolvesOnce({ SecretString: 'sk_rotated' });
    const keys = provider({ t: 1_000 });
    await keys.get();
    await keys.get({ forceRefresh: true });
    expect(await keys.get()).toBe('sk_rotated');
    expect(sends()).toBe(2);
  });

  it('shares one fetch when callers arrive concurrently', async () => {
    secretsManager.on(GetSecretValueCommand).callsFake(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return { SecretString: KEY };
    });
    const keys = provider({ t: 1_000 });
    const results = await Promise.all([keys.get(), keys.get(), keys.get(), keys.get()]);
    expect(results).toEqual([KEY, KEY, KEY, KEY]);
    expect(sends()).toBe(1);
  });

  it('throws ApiKeyError naming the secret id and the error when Secrets Manager fails', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .rejects(new ResourceNotFoundException({ message: 'Secrets Manager can’t find the secret', $metadata: {} }));
    const failure = provider({ t: 1_000 }).get();
    await expect(failure).rejects.toThrow(ApiKeyError);
    await expect(failure).rejects.toThrow(
      `expected to read secret ${SECRET_ID} from Secrets Manager, received ResourceNotFoundException`,
    );
  });

  it('throws ApiKeyError when the secret holds no usable key', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ other: KEY }) });
    await expect(provider({ t: 1_000 }).get()).rejects.toThrow(ApiKeyError);
  });

  it('fetches again after a failed fetch instead of caching the failure', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .rejectsOnce(new ResourceNotFoundException({ message: 'missing', $metadata: {} }))
      .resolvesOnce({ SecretString: KEY });
    const keys = provider({ t: 1_000 });
    await expect(keys.get()).rejects.toThrow(ApiKeyError);
    expect(await keys.get()).toBe(KEY);
    expect(sends()).toBe(2);
  });
});
