import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { ApiKeyProvider } from '#core/ports.ts';
import { ApiKeyError } from '#shared/errors.ts';

export interface ApiKeyProviderOptions {
  readonly client: Pick<SecretsManagerClient, 'send'>;
  /** Secret name or ARN. */
  readonly secretId: string;
  /** JSON field that holds the key when SecretString is a JSON object. */
  readonly field: string;
  readonly ttlMs: number;
  readonly now?: () => number;
  /** Called with every key read, so that logging can redact it. */
  readonly onKey?: (key: string) => void;
}

/** Extracts the key from a SecretString: the raw key, or a JSON object holding it in `field`. */
export function extractApiKey(secretString: string | undefined, field: string, secretId: string): string {
  if (secretString === undefined) {
    throw new ApiKeyError(`secret ${secretId} must hold a SecretString, received a binary or empty secret`);
  }
  const trimmed = secretString.trim();
  if (trimmed === '') throw new ApiKeyError(`secret ${secretId} must hold the API key, received an empty string`);
  if (trimmed.startsWith('[') || trimmed.startsWith('"')) {
    throw new ApiKeyError(
      `secret ${secretId} must hold the raw key or a JSON object {"${field}": "<key>"}, received other JSON`,
    );
  }
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw new ApiKeyError(`secret ${secretId} looks like JSON but does not parse; expected {"${field}": "<key>"}`);
    }
    const value = (parsed as Record<string, unknown>)[field];
    if (typeof value !== 'string' || value.trim() === '') {
      const keys = Object.keys(parsed as object).join(', ') || 'none';
      throw new ApiKeyError(
        `secret ${secretId} must hold a non-empty string in field "${field}", received fields: ${keys}`,
      );
    }
    return checkKeyCharacters(value.trim(), secretId);
  }
  return checkKeyCharacters(trimmed, secretId);
}

/** A key travels in an HTTP header: only visible ASCII. The message never repeats the value. */
function checkKeyCharacters(key: string, secretId: string): string {
  if (!/^[\x21-\x7e]+$/.test(key)) {
    throw new ApiKeyError(
      `secret ${secretId} must hold a key of visible ASCII characters only (no spaces or control characters), received ${key.length} characters that include others`,
    );
  }
  return key;
}

/** Per-container cache with a TTL; concurrent callers share one in-flight fetch. */
export function createApiKeyProvider(options: ApiKeyProviderOptions): ApiKeyProvider {
  const now = options.now ?? Date.now;
  let cached: { key: string; expiresAt: number } | undefined;
  let inFlight: Promise<string> | undefined;

  async function fetchKey(): Promise<string> {
    let secretString: string | undefined;
    try {
      const output = await options.client.send(new GetSecretValueCommand({ SecretId: options.secretId }));
      secretString = output.SecretString;
    } catch (cause) {
      const name = (cause as Error)?.name ?? 'Error';
      throw new ApiKeyError(`expected to read secret ${options.secretId} from Secrets Manager, received ${name}`, {
        cause,
      });
    }
    const key = extractApiKey(secretString, options.field, options.secretId);
    options.onKey?.(key);
    cached = { key, expiresAt: now() + options.ttlMs };
    return key;
  }

  return {
    get({ forceRefresh = false } = {}) {
      if (!forceRefresh && cached && cached.expiresAt > now()) return Promise.resolve(cached.key);
      if (forceRefresh) cached = undefined;
      inFlight ??= fetchKey().finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
  };
}
