import type { ApiKeyProvider } from '#adapters/api-key.ts';
import type { ApiResponse, ElevenLabsApi } from '#adapters/elevenlabs.ts';
import { fullJitterMs, type Random } from '#core/backoff.ts';
import { type Classification, classifyDelete } from '#core/classify.ts';
import type { Sleep } from '#core/ports.ts';
import { ApiKeyError, ApiRequestError } from '#functions/errors.ts';

export interface AttemptPolicy {
  /** Quick retries of transient answers inside one invocation. */
  readonly maxQuickRetries: number;
  readonly quickBaseMs: number;
  readonly quickCapMs: number;
  /** A Retry-After longer than this is not waited out in-process; the record is deferred instead. */
  readonly retryAfterCapMs: number;
  readonly requestTimeoutMs: number;
  /** Smallest time budget worth starting an HTTP attempt with. */
  readonly minAttemptMs: number;
}

export interface AttemptDeps {
  readonly api: Pick<ElevenLabsApi, 'deleteSecret'>;
  readonly apiKey: ApiKeyProvider;
  readonly now: () => number;
  readonly sleep: Sleep;
  readonly random: Random;
}

export type AttemptResult = Classification | { readonly kind: 'key_unavailable'; readonly error: ApiKeyError };

export interface DeleteAttempts {
  readonly result: AttemptResult;
  readonly status?: number;
  readonly requestId?: string;
  /** HTTP requests sent for this record in this invocation. */
  readonly httpAttempts: number;
  readonly network?: ApiRequestError['reason'];
}

/**
 * Sends DELETE with a few quick retries (full jitter, honouring Retry-After) and one key refresh
 * on 401/403. Never runs past `deadlineMs`. Returns the last classification.
 */
export async function deleteWithRetries(
  secretId: string,
  deps: AttemptDeps,
  policy: AttemptPolicy,
  deadlineMs: number,
): Promise<DeleteAttempts> {
  let httpAttempts = 0;
  let refreshed = false;
  let quickRetries = 0;
  let last: Omit<DeleteAttempts, 'httpAttempts'> = {
    result: { kind: 'transient', detail: { message: 'no time left to send a request' } },
  };

  for (;;) {
    if (deadlineMs - deps.now() < policy.minAttemptMs) return { ...last, httpAttempts };
    let apiKey: string;
    try {
      apiKey = await deps.apiKey.get();
    } catch (error) {
      if (error instanceof ApiKeyError) return { result: { kind: 'key_unavailable', error }, httpAttempts };
      throw error;
    }

    // Measured after the key read, which can take a while on a cold start.
    const budget = Math.min(policy.requestTimeoutMs, deadlineMs - deps.now());
    if (budget < policy.minAttemptMs) return { ...last, httpAttempts };

    let response: ApiResponse | undefined;
    httpAttempts += 1;
    try {
      response = await deps.api.deleteSecret(secretId, apiKey, budget);
    } catch (error) {
      if (!(error instanceof ApiRequestError)) throw error;
      last = { result: { kind: 'transient', detail: { message: error.message } }, network: error.reason };
    }

    if (response) {
      const result = classifyDelete(response, deps.now());
      last = {
        result,
        status: response.status,
        ...(response.requestId ? { requestId: response.requestId } : {}),
      };
      if (result.kind === 'auth' && !refreshed) {
        refreshed = true;
        try {
          await deps.apiKey.get({ forceRefresh: true });
        } catch (error) {
          if (error instanceof ApiKeyError) return { result: { kind: 'key_unavailable', error }, httpAttempts };
          throw error;
        }
        continue;
      }
      if (result.kind !== 'transient') return { ...last, httpAttempts };
    }

    if (quickRetries >= policy.maxQuickRetries) return { ...last, httpAttempts };
    const retryAfterMs = last.result.kind === 'transient' ? last.result.retryAfterMs : undefined;
    if (retryAfterMs !== undefined && retryAfterMs > policy.retryAfterCapMs) return { ...last, httpAttempts };
    const wait = retryAfterMs ?? fullJitterMs(quickRetries, policy.quickBaseMs, policy.quickCapMs, deps.random);
    quickRetries += 1;
    if (deps.now() + wait + policy.minAttemptMs > deadlineMs) return { ...last, httpAttempts };
    await deps.sleep(wait);
  }
}
