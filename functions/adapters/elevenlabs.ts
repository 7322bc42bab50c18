import http from 'node:http';
import https from 'node:https';
import type { ApiResponse, ElevenLabsApi } from '#core/ports.ts';
import { ApiRequestError } from '#shared/errors.ts';

export interface ElevenLabsClientOptions {
  readonly baseUrl: string;
  readonly userAgent: string;
  /** Sockets kept open per origin; bounds concurrent requests too. @default 16 */
  readonly maxSockets?: number;
}

const SECRETS_PATH = '/v1/convai/secrets';
const ENV_VARIABLES_PATH = '/v1/convai/environment-variables';
/** Bodies we read at most; error bodies are short, list pages of 100 secrets stay well below. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

class TimeoutSignal extends Error {
  override name = 'TimeoutSignal';
}

/**
 * A log-safe name for a request failure: the error code (ECONNRESET, …) or the error's class name.
 * Never the message: an HTTP stack may quote header values, and a header carries the API key.
 */
function networkCode(cause: unknown): string {
  const code = (cause as { code?: unknown })?.code;
  if (typeof code === 'string') return code;
  return (cause as Error)?.name ?? 'unknown';
}

/**
 * A thin client on `node:http(s)` with a keep-alive agent. No vendor SDK and no fetch: both cost
 * cold-start time and memory (see `npm run bench`).
 */
export function createElevenLabsClient(options: ElevenLabsClientOptions): ElevenLabsApi {
  const base = new URL(options.baseUrl);
  const secure = base.protocol === 'https:';
  const transport = secure ? https : http;
  const agent = new (secure ? https.Agent : http.Agent)({ keepAlive: true, maxSockets: options.maxSockets ?? 16 });
  const prefix = base.pathname.replace(/\/+$/, '');

  /**
   * One attempt. A kept-alive socket can be dead after the Lambda was frozen; a reset on a reused
   * socket is sent again once on a fresh one (Node's documented pattern), within the same budget.
   */
  function request(
    method: 'GET' | 'DELETE',
    path: string,
    apiKey: string,
    timeoutMs: number,
    staleSocketRetry = true,
  ): Promise<ApiResponse> {
    const budget = Math.max(1, Math.floor(timeoutMs));
    const started = Date.now();
    const resource = path.startsWith(ENV_VARIABLES_PATH) ? ENV_VARIABLES_PATH : SECRETS_PATH;
    return new Promise<ApiResponse>((resolve, reject) => {
      let timedOut = false;
      const fail = (cause: unknown) => {
        clearTimeout(timer);
        const code = (cause as { code?: unknown })?.code;
        if (staleSocketRetry && req.reusedSocket && !timedOut && (code === 'ECONNRESET' || code === 'EPIPE')) {
          resolve(request(method, path, apiKey, budget - (Date.now() - started), false));
          return;
        }
        reject(
          new ApiRequestError(
            timedOut ? 'timeout' : 'network',
            timedOut
              ? `expected an answer from ${method} ${resource} within ${budget} ms, received none`
              : `expected an answer from ${method} ${resource}, received a network error: ${networkCode(cause)}`,
            { cause },
          ),
        );
      };
      const req = transport.request(
        {
          protocol: base.protocol,
          hostname: base.hostname,
          port: base.port || undefined,
          path: `${prefix}${path}`,
          method,
          agent,
          headers: { 'xi-api-key': apiKey, 'user-agent': options.userAgent, accept: 'application/json' },
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_BODY_BYTES) req.destroy(new Error('response body too large'));
            else chunks.push(chunk);
          });
          res.on('error', fail);
          res.on('end', () => {
            clearTimeout(timer);
            const header = (name: string) => {
              const value = res.headers[name];
              return Array.isArray(value) ? value[0] : value;
            };
            const requestId = header('request-id');
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString('utf8'),
              retryAfter: header('retry-after') ?? null,
              ...(requestId ? { requestId } : {}),
            });
          });
        },
      );
      const timer = setTimeout(() => {
        timedOut = true;
        req.destroy(new TimeoutSignal());
      }, budget);
      req.on('error', fail);
      req.end();
    });
  }

  const secretPath = (secretId: string) => `${SECRETS_PATH}/${encodeURIComponent(secretId)}`;

  return {
    deleteSecret: (secretId, apiKey, timeoutMs) => request('DELETE', secretPath(secretId), apiKey, timeoutMs),
    getSecret: (secretId, apiKey, timeoutMs) => request('GET', secretPath(secretId), apiKey, timeoutMs),
    listSecrets: (query, apiKey, timeoutMs) => {
      const params = new URLSearchParams({ page_size: String(query.pageSize) });
      if (query.cursor) params.set('cursor', query.cursor);
      if (query.search) params.set('search', query.search);
      return request('GET', `${SECRETS_PATH}?${params}`, apiKey, timeoutMs);
    },
    listEnvironmentVariables: (query, apiKey, timeoutMs) => {
      const params = new URLSearchParams({ type: query.type, page_size: String(query.pageSize) });
      if (query.cursor) params.set('cursor', query.cursor);
      return request('GET', `${ENV_VARIABLES_PATH}?${params}`, apiKey, timeoutMs);
    },
  };
}
