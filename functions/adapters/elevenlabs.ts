import { ApiRequestError } from '#functions/errors.ts';

/** One raw HTTP answer. Classification happens in the core, not here. */
export interface ApiResponse {
  readonly status: number;
  readonly body: string;
  readonly requestId?: string;
  readonly retryAfter: string | null;
}

export interface ListSecretsQuery {
  readonly pageSize: number;
  readonly cursor?: string;
  readonly search?: string;
}

/** The slice of the ElevenLabs API the janitor uses. Every call is one attempt. */
export interface ElevenLabsApi {
  deleteSecret(secretId: string, apiKey: string, timeoutMs: number): Promise<ApiResponse>;
  getSecret(secretId: string, apiKey: string, timeoutMs: number): Promise<ApiResponse>;
  listSecrets(query: ListSecretsQuery, apiKey: string, timeoutMs: number): Promise<ApiResponse>;
}

export interface ElevenLabsClientOptions {
  readonly baseUrl: string;
  readonly userAgent: string;
  readonly fetch?: typeof fetch;
}

const SECRETS_PATH = '/v1/convai/secrets';

/**
 * A log-safe name for a fetch failure: the error code (ECONNRESET, …) or the error's class name.
 * Never the message: undici quotes rejected header values, and a header carries the API key.
 */
function networkCode(cause: unknown): string {
  const inner = (cause as { cause?: { code?: unknown; name?: unknown } })?.cause;
  if (typeof inner?.code === 'string') return inner.code;
  if (typeof inner?.name === 'string') return inner.name;
  return (cause as Error)?.name ?? 'unknown';
}

/** A thin client over the native fetch. No vendor SDK: it keeps the bundle and cold start small. */
export function createElevenLabsClient(options: ElevenLabsClientOptions): ElevenLabsApi {
  const doFetch = options.fetch ?? fetch;
  const base = options.baseUrl.replace(/\/+$/, '');

  async function request(method: 'GET' | 'DELETE', url: string, apiKey: string, timeoutMs: number) {
    const signal = AbortSignal.timeout(Math.max(1, Math.floor(timeoutMs)));
    let response: Response;
    try {
      response = await doFetch(url, {
        method,
        headers: { 'xi-api-key': apiKey, 'user-agent': options.userAgent, accept: 'application/json' },
        signal,
      });
    } catch (cause) {
      const timedOut = signal.aborted;
      throw new ApiRequestError(
        timedOut ? 'timeout' : 'network',
        timedOut
          ? `expected an answer from ${method} ${SECRETS_PATH} within ${timeoutMs} ms, received none`
          : `expected an answer from ${method} ${SECRETS_PATH}, received a network error: ${networkCode(cause)}`,
        { cause },
      );
    }
    let body: string;
    try {
      body = await response.text();
    } catch (cause) {
      throw new ApiRequestError(signal.aborted ? 'timeout' : 'network', 'response body was cut off', { cause });
    }
    const requestId = response.headers.get('request-id') ?? undefined;
    return {
      status: response.status,
      body,
      retryAfter: response.headers.get('retry-after'),
      ...(requestId ? { requestId } : {}),
    };
  }

  const secretUrl = (secretId: string) => `${base}${SECRETS_PATH}/${encodeURIComponent(secretId)}`;

  return {
    deleteSecret: (secretId, apiKey, timeoutMs) => request('DELETE', secretUrl(secretId), apiKey, timeoutMs),
    getSecret: (secretId, apiKey, timeoutMs) => request('GET', secretUrl(secretId), apiKey, timeoutMs),
    listSecrets: (query, apiKey, timeoutMs) => {
      const params = new URLSearchParams({ page_size: String(query.pageSize) });
      if (query.cursor) params.set('cursor', query.cursor);
      if (query.search) params.set('search', query.search);
      return request('GET', `${base}${SECRETS_PATH}?${params}`, apiKey, timeoutMs);
    },
  };
}
