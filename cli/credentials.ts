import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createApiKeyProvider, extractApiKey } from '#adapters/api-key.ts';
import { clientConfig, requireRegion } from '#cli/aws.ts';
import { usageError } from '#cli/errors.ts';
import type { ApiKeyProvider } from '#core/ports.ts';
import { baseUrlProblem, DEFAULTS, REGIONAL_BASE_URLS } from '#shared/config.ts';
import { ApiKeyError } from '#shared/errors.ts';
import { registerSecret } from '#shared/redact.ts';

/** The options every command that calls ElevenLabs takes. */
export interface ApiOptions {
  readonly apiKeySecret?: string;
  readonly apiKeyField?: string;
  readonly baseUrl?: string;
  readonly residency?: string;
}

export const RESIDENCIES = ['us', 'eu', 'in', 'sg'] as const;

/** `us` → https://api.us.elevenlabs.io, `eu` → https://api.eu.residency.elevenlabs.io, … (from the stack's list). */
export function residencyUrl(residency: string): string {
  const url = REGIONAL_BASE_URLS.find((candidate) => new URL(candidate).hostname.split('.')[1] === residency);
  if (!url) throw usageError(`--residency must be one of ${RESIDENCIES.join(', ')}, received "${residency}"`);
  return url;
}

/**
 * The API origin, validated like the stack's `baseUrl`: https only, http only on loopback. From
 * `--residency`, `--base-url`, `ELEVENLABS_BASE_URL`, or the default, in that order.
 */
export function resolveBaseUrl(options: ApiOptions, env: Terminal['env']): string {
  if (options.residency && options.baseUrl) throw usageError('give --base-url or --residency, not both');
  if (options.residency) return residencyUrl(options.residency);
  const flag = options.baseUrl ? '--base-url' : env.ELEVENLABS_BASE_URL ? 'ELEVENLABS_BASE_URL' : undefined;
  const value = options.baseUrl ?? env.ELEVENLABS_BASE_URL ?? DEFAULTS.baseUrl;
  const problem = baseUrlProblem(value);
  if (problem) throw usageError(`${flag ?? 'base URL'} ${problem}, received "${value}"`);
  return value.replace(/\/+$/, '');
}

export interface KeySource {
  readonly provider: ApiKeyProvider;
  /** Where the key came from, for messages: never the key itself. */
  readonly source: string;
}

export interface Terminal {
  readonly stdinIsTty: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
}

const fixed = (key: string): ApiKeyProvider => ({ get: () => Promise.resolve(key) });

/**
 * The API key, in this order: `--api-key-secret` (Secrets Manager, read once now), then
 * `ELEVENLABS_API_KEY`, then a hidden prompt when stdin is a terminal. Every key is registered for
 * redaction before anything else happens with it.
 */
export async function resolveApiKey(options: ApiOptions, terminal: Terminal): Promise<KeySource> {
  if (options.apiKeySecret) {
    const secretId = options.apiKeySecret;
    const client = new SecretsManagerClient(clientConfig(secretId));
    await requireRegion(client);
    const provider = createApiKeyProvider({
      client,
      secretId,
      field: options.apiKeyField ?? DEFAULTS.apiKeySecretField,
      ttlMs: DEFAULTS.apiKeyTtlSeconds * 1000,
      onKey: registerSecret,
    });
    try {
      await provider.get();
    } catch (error) {
      if (!(error instanceof ApiKeyError)) throw error;
      const cause = (error.cause as Error | undefined)?.message?.split('\n')[0];
      throw usageError(`--api-key-secret: ${error.message}${cause ? ` (${cause})` : ''}`, error);
    }
    return { provider, source: `--api-key-secret ${secretId}` };
  }
  const fromEnv = terminal.env.ELEVENLABS_API_KEY?.trim();
  if (fromEnv) {
    registerSecret(fromEnv);
    try {
      return { provider: fixed(extractApiKey(fromEnv, 'apiKey', 'ELEVENLABS_API_KEY')), source: 'ELEVENLABS_API_KEY' };
    } catch (error) {
      throw usageError((error as Error).message.replace(/^secret /, ''), error);
    }
  }
  if (!terminal.stdinIsTty) {
    throw usageError(
      'no ElevenLabs API key: set ELEVENLABS_API_KEY, pass --api-key-secret <name|arn>, or run in a terminal to be asked',
    );
  }
  const { password, isCancel } = await import('@clack/prompts');
  const answer = await password({ message: 'ElevenLabs API key (input hidden)', output: process.stderr });
  if (isCancel(answer) || !answer.trim()) throw usageError('no ElevenLabs API key entered');
  registerSecret(answer.trim());
  try {
    return {
      provider: fixed(extractApiKey(answer, 'apiKey', 'the key entered at the prompt')),
      source: 'the hidden prompt',
    };
  } catch (error) {
    throw usageError((error as Error).message.replace(/^secret /, ''), error);
  }
}
