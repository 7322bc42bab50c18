/** Hand-written fakes for the worker's ports. Every fake records what it was asked to do. */
import type { SQSRecord } from 'aws-lambda';
import type { MetricName } from '#core/outcomes.ts';
import type {
  ApiKeyProvider,
  ApiResponse,
  DlqAttributes,
  ElevenLabsApi,
  ListEnvironmentVariablesQuery,
  LogPort,
  MetricsPort,
  QueuedRecord,
  QueuePort,
  WorkerDeps,
} from '#core/ports.ts';
import { loadWorkerConfig, type WorkerConfig } from '#shared/config.ts';

export const API_KEY = 'sk_test_5f2b9c8e1d7a4b3c9e0f1a2b3c4d5e6f';
export const T0 = Date.UTC(2026, 10, 26, 12, 0, 0);

export const MINIMAL_ENV = {
  API_KEY_SECRET_ID: 'janitor/elevenlabs-api-key',
  QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/janitor-queue',
  DLQ_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/janitor-dlq',
} as const;

export function workerConfig(overrides: Record<string, string> = {}): WorkerConfig {
  return loadWorkerConfig({ ...MINIMAL_ENV, ...overrides });
}

/** A clock that only moves when told to. */
export function fakeClock(start = T0) {
  let current = start;
  return {
    now: () => current,
    advance(ms: number) {
      current += ms;
    },
  };
}

export type Answer = ApiResponse | Error | ((call: ApiCall) => ApiResponse | Promise<ApiResponse>);

export interface ApiCall {
  readonly secretId: string;
  readonly apiKey: string;
  readonly timeoutMs: number;
}

export function response(status: number, body: unknown = '', retryAfter: string | null = null): ApiResponse {
  return { status, body: typeof body === 'string' ? body : JSON.stringify(body), retryAfter };
}

/** `GET /v1/convai/environment-variables` in a workspace without environment variables. */
export const NO_ENV_VARIABLES = response(200, { environment_variables: [], next_cursor: null, has_more: false });

/**
 * An ElevenLabs API whose DELETE, GET and environment-variable list answer from queues; the last
 * answer repeats.
 */
export function fakeApi(
  deleteAnswers: Answer[],
  getAnswers: Answer[] = [response(200, { used_by: {} })],
  envAnswers: Answer[] = [NO_ENV_VARIABLES],
) {
  const deletes: ApiCall[] = [];
  const gets: ApiCall[] = [];
  const envLists: (ListEnvironmentVariablesQuery & { apiKey: string; timeoutMs: number })[] = [];
  const answer = async (answers: Answer[], call: ApiCall): Promise<ApiResponse> => {
    const next = answers.length > 1 ? answers.shift() : answers[0];
    if (next === undefined) throw new Error('fakeApi: no answer queued');
    if (next instanceof Error) throw next;
    return typeof next === 'function' ? next(call) : next;
  };
  const api: ElevenLabsApi = {
    deleteSecret: (secretId, apiKey, timeoutMs) => {
      const call = { secretId, apiKey, timeoutMs };
      deletes.push(call);
      return answer(deleteAnswers, call);
    },
    getSecret: (secretId, apiKey, timeoutMs) => {
      const call = { secretId, apiKey, timeoutMs };
      gets.push(call);
      return answer(getAnswers, call);
    },
    listSecrets: () => Promise.reject(new Error('fakeApi: listSecrets is not expected')),
    listEnvironmentVariables: (query, apiKey, timeoutMs) => {
      envLists.push({ ...query, apiKey, timeoutMs });
      return answer(envAnswers, { secretId: '', apiKey, timeoutMs });
    },
  };
  return { api, deletes, gets, envLists };
}

/** An API key provider that records every call; `fail` makes it throw. */
export function fakeApiKey(options: { key?: string; fail?: () => Error; onGet?: () => void } = {}) {
  const calls: { forceRefresh: boolean }[] = [];
  const provider: ApiKeyProvider = {
    async get({ forceRefresh = false } = {}) {
      calls.push({ forceRefresh });
      options.onGet?.();
      if (options.fail) throw options.fail();
      return options.key ?? API_KEY;
    },
  };
  return { provider, calls };
}

export function fakeQueue(options: { failDlq?: () => Error; failVisibility?: () => Error } = {}) {
  const visibility: { receiptHandle: string; seconds: number }[] = [];
  const dlq: { body: string; attributes: DlqAttributes }[] = [];
  const queue: QueuePort = {
    async changeVisibility(receiptHandle, seconds) {
      visibility.push({ receiptHandle, seconds });
      if (options.failVisibility) throw options.failVisibility();
    },
    async sendToDlq(body, attributes) {
      dlq.push({ body, attributes });
      if (options.failDlq) throw options.failDlq();
    },
    sendBatch: () => Promise.reject(new Error('fakeQueue: sendBatch is not expected')),
  };
  return { queue, visibility, dlq };
}

export interface LogLine {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  readonly extra: Record<string, unknown>;
}

export function fakeLogger() {
  const lines: LogLine[] = [];
  const logger: LogPort = {
    info: (message, extra = {}) => lines.push({ level: 'info', message, extra }),
    warn: (message, extra = {}) => lines.push({ level: 'warn', message, extra }),
    error: (message, extra = {}) => lines.push({ level: 'error', message, extra }),
  };
  return { logger, lines };
}

export function fakeMetrics() {
  const counts: MetricName[] = [];
  const metrics: MetricsPort = { count: (name) => counts.push(name) };
  return { metrics, counts };
}

/** All fakes wired together; sleeping advances the fake clock. */
export function fakeWorker(
  options: {
    deletes?: Answer[];
    gets?: Answer[];
    envPages?: Answer[];
    clock?: ReturnType<typeof fakeClock>;
    apiKey?: ReturnType<typeof fakeApiKey>;
    queue?: ReturnType<typeof fakeQueue>;
  } = {},
) {
  const clock = options.clock ?? fakeClock();
  const api = fakeApi(options.deletes ?? [response(204)], options.gets, options.envPages);
  const apiKey = options.apiKey ?? fakeApiKey();
  const queue = options.queue ?? fakeQueue();
  const log = fakeLogger();
  const metrics = fakeMetrics();
  const sleeps: number[] = [];
  const deps: WorkerDeps = {
    api: api.api,
    apiKey: apiKey.provider,
    queue: queue.queue,
    logger: log.logger,
    metrics: metrics.metrics,
    now: clock.now,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.advance(ms);
    },
    random: () => 0.5,
  };
  return { deps, clock, api, apiKey, queue, log, metrics, sleeps };
}

/** The SQS record as the worker handler reduces it. */
export function toQueued(record: SQSRecord): QueuedRecord {
  return {
    messageId: record.messageId,
    receiptHandle: record.receiptHandle,
    body: record.body,
    receiveCount: Number(record.attributes.ApproximateReceiveCount),
    sentAtMs: Number(record.attributes.SentTimestamp),
  };
}
