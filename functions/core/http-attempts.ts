import { fullJitterMs } from '#core/backoff.ts';
import { type Classification, classifyDelete, classifyRead, type ReadClassification } from '#core/classify.ts';
import type { ErrorDetail } from '#core/error-body.ts';
import type { ApiKeyProvider, ApiResponse, ElevenLabsApi, Random, Sleep } from '#core/ports.ts';
import { ApiKeyError, ApiRequestError } from '#shared/errors.ts';

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

export interface RetryDeps {
  readonly apiKey: ApiKeyProvider;
  readonly now: () => number;
  readonly sleep: Sleep;
  readonly random: Random;
}

export interface AttemptDeps extends RetryDeps {
  readonly api: Pick<ElevenLabsApi, 'deleteSecret'>;
}

type KeyUnavailable = { readonly kind: 'key_unavailable'; readonly error: ApiKeyError };
/** No answer to classify: the request failed on the network, or there was no time left to send it. */
type NoAnswer = { readonly kind: 'transient'; readonly detail: ErrorDetail; readonly retryAfterMs?: undefined };
export type AttemptResult = Classification | KeyUnavailable;

export interface Attempts<C> {
  readonly result: C | NoAnswer | KeyUnavailable;
  readonly status?: number;
  readonly requestId?: string;
  /** The last response body (for reads). */
  readonly body?: string;
  /** HTTP requests sent in this invocation. */
  readonly httpAttempts: number;
  readonly network?: ApiRequestError['reason'];
}

export type DeleteAttempts = Attempts<Classification>;

type Classified = { readonly kind: string; readonly retryAfterMs?: number };
type Send = (apiKey: string, timeoutMs: number) => Promise<ApiResponse>;

/**
 * Sends one request with a few quick retries of transient answers (full jitter, honouring
 * Retry-After) and one key refresh on 401/403. Never runs past `deadlineMs`. Returns the last
 * classification. The classifier decides what is transient (`kind: 'transient'`) or auth (`'auth'`).
 */
export async function requestWithRetries<C extends Classified>(
  send: Send,
  classify: (answer: ApiResponse, nowMs: number) => C,
  deps: RetryDeps,
  policy: AttemptPolicy,
  deadlineMs: number,
): Promise<Attempts<C>> {
  let httpAttempts = 0;
  let refreshed = false;
  let quickRetries = 0;
  let last: Omit<Attempts<C>, 'httpAttempts'> = {
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
      response = await send(apiKey, budget);
    } catch (error) {
      if (!(error instanceof ApiRequestError)) throw error;
      last = {
        result: { kind: 'transient', detail: { message: error.message } },
        network: error.reason,
      };
    }

    if (response) {
      const result = classify(response, deps.now());
      last = {
        result,
        status: response.status,
        body: response.body,
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
    const current = last.result;
    const retryAfterMs = current.kind === 'transient' ? current.retryAfterMs : undefined;
    if (retryAfterMs !== undefined && retryAfterMs > policy.retryAfterCapMs) return { ...last, httpAttempts };
    const wait = retryAfterMs ?? fullJitterMs(quickRetries, policy.quickBaseMs, policy.quickCapMs, deps.random);
    quickRetries += 1;
    if (deps.now() + wait + policy.minAttemptMs > deadlineMs) return { ...last, httpAttempts };
    await deps.sleep(wait);
  }
}

/** DELETE one secret with retries; see `requestWithRetries`. */
export function deleteWithRetries(
  secretId: string,
  deps: AttemptDeps,
  policy: AttemptPolicy,
  deadlineMs: number,
): Promise<DeleteAttempts> {
  return requestWithRetries(
    (apiKey, timeoutMs) => deps.api.deleteSecret(secretId, apiKey, timeoutMs),
    classifyDelete,
    deps,
    policy,
    deadlineMs,
  );
}

/** A GET with retries (list page, one secret); see `requestWithRetries`. */
export function readWithRetries(
  send: Send,
  deps: RetryDeps,
  policy: AttemptPolicy,
  deadlineMs: number,
): Promise<Attempts<ReadClassification>> {
  return requestWithRetries(send, classifyRead, deps, policy, deadlineMs);
}

/** A read that did not end in `ok`, for an abort reason or a log field: `<kind>, HTTP <status>[: <detail>]`. */
export function describeReadFailure(attempts: Attempts<ReadClassification>): string {
  const { result } = attempts;
  const detail = 'detail' in result ? result.detail.message : 'error' in result ? result.error.message : undefined;
  return `${result.kind}, HTTP ${attempts.status ?? 'none'}${detail ? `: ${detail}` : ''}`;
}
