import { createElevenLabsClient } from '#adapters/elevenlabs.ts';
import { type ApiOptions, resolveApiKey, resolveBaseUrl, type Terminal } from '#cli/credentials.ts';
import { CliError, EXIT, failure } from '#cli/errors.ts';
import type { AttemptPolicy, Attempts, RetryDeps } from '#core/http-attempts.ts';
import type { ApiResponse, ElevenLabsApi } from '#core/ports.ts';
import { attemptPolicy } from '#core/process-deletion.ts';
import { realTime } from '#shared/clock.ts';
import { loadWorkerConfig, type WorkerConfig } from '#shared/config.ts';
import { ApiRequestError } from '#shared/errors.ts';
import { redactingApi } from '#shared/redacting-clients.ts';
import pkg from '../package.json' with { type: 'json' };

/**
 * The worker's settings with every default, so the CLI retries, backs off and classifies exactly as
 * the worker does. The CLI has no queue of its own: the three required names are placeholders that
 * nothing here reads.
 */
export const WORKER_DEFAULTS: WorkerConfig = loadWorkerConfig({
  API_KEY_SECRET_ID: 'cli',
  QUEUE_URL: 'cli',
  DLQ_URL: 'cli',
});

/** What the last request saw: an answer's status, or the network failure. For one-line errors. */
interface LastSeen {
  status?: number;
  network?: string;
  answered: boolean;
}

export interface Session {
  readonly baseUrl: string;
  readonly keySource: string;
  readonly api: ElevenLabsApi;
  readonly deps: RetryDeps & { readonly api: ElevenLabsApi };
  readonly policy: AttemptPolicy;
  readonly worker: WorkerConfig;
  /** True once any request got an HTTP answer. */
  readonly seen: LastSeen;
}

/** Records what each request saw, without touching the answer. */
function observed(api: ElevenLabsApi, seen: LastSeen): ElevenLabsApi {
  const watch = async (call: Promise<ApiResponse>) => {
    try {
      const response = await call;
      seen.status = response.status;
      seen.answered = true;
      seen.network = undefined;
      return response;
    } catch (error) {
      if (error instanceof ApiRequestError) seen.network = error.message;
      throw error;
    }
  };
  return {
    deleteSecret: (...args) => watch(api.deleteSecret(...args)),
    getSecret: (...args) => watch(api.getSecret(...args)),
    listSecrets: (...args) => watch(api.listSecrets(...args)),
    listEnvironmentVariables: (...args) => watch(api.listEnvironmentVariables(...args)),
  };
}

/** Resolves the key and the endpoint, and wires the real client with the worker's attempt policy. */
export async function openSession(options: ApiOptions, terminal: Terminal, maxSockets = 16): Promise<Session> {
  const baseUrl = resolveBaseUrl(options, terminal.env);
  const key = await resolveApiKey(options, terminal);
  const seen: LastSeen = { answered: false };
  // As in the Lambdas: every answer is scrubbed of the key before the core reads (and cuts) it.
  const api = observed(
    redactingApi(
      createElevenLabsClient({ baseUrl, userAgent: `convai-secret-janitor-cli/${pkg.version}`, maxSockets }),
    ),
    seen,
  );
  return {
    baseUrl,
    keySource: key.source,
    api,
    deps: { api, apiKey: key.provider, ...realTime },
    policy: attemptPolicy(WORKER_DEFAULTS),
    worker: WORKER_DEFAULTS,
    seen,
  };
}

/** Time budget for one item's attempts (quick retries included), as a deadline in epoch ms. */
export function itemDeadline(session: Session): number {
  const { policy } = session;
  return Date.now() + (policy.maxQuickRetries + 2) * (policy.requestTimeoutMs + policy.quickCapMs);
}

/** `HTTP 422 secret_in_use: Secret is in use`, or the network failure. Never the key. */
export function describeAttempts(attempts: Attempts<{ kind: string }>): string {
  const { result } = attempts;
  const detail =
    'detail' in result
      ? (result.detail as { code?: string; message?: string })
      : 'error' in result
        ? { message: (result.error as Error).message }
        : undefined;
  const status = attempts.status === undefined ? 'no answer' : `HTTP ${attempts.status}`;
  const text = [detail?.code, detail?.message].filter(Boolean).join(': ');
  return text ? `${status} ${text}` : status;
}

/**
 * The failures that end a whole command in one line: the key was refused (exit 2: fix the key), or
 * the API could not be reached at all (exit 1). Undefined for anything item-specific.
 */
export function sessionProblem(session: Session, kind: string, status?: number): CliError | undefined {
  if (kind === 'auth' || status === 401 || status === 403) {
    return new CliError(
      `ElevenLabs refused the API key from ${session.keySource} (HTTP ${status ?? session.seen.status}): check the key, its workspace and its convai_read and convai_write permissions`,
      EXIT.usage,
    );
  }
  if (kind === 'key_unavailable') return failure(`the API key from ${session.keySource} could not be read again`);
  if (!session.seen.answered && session.seen.network) {
    return failure(`could not reach ${session.baseUrl}: ${session.seen.network}; check --base-url and the network`);
  }
  return undefined;
}
