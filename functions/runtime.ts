import { Logger } from '@aws-lambda-powertools/logger';
import type { LogAttributes } from '@aws-lambda-powertools/logger/types';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createApiKeyProvider } from '#adapters/api-key.ts';
import { createElevenLabsClient } from '#adapters/elevenlabs.ts';
import { createMarksTableClient, type MarksStore } from '#adapters/marks-table.ts';
import { createQueueAdapter } from '#adapters/queue.ts';
import { type LogPort, type MetricsPort, realSleep } from '#core/ports.ts';
import type { WorkerDeps } from '#core/process-record.ts';
import { METRICS_NAMESPACE, SERVICE_NAME, type WorkerConfig } from '#functions/config.ts';
import { redact, registerSecret } from '#functions/redact.ts';

/**
 * Every AWS SDK client gets bounded time: the SDK's own default is no request timeout, and a stalled
 * call would run the invocation into the Lambda timeout and lose the partial-batch response.
 */
export const AWS_CLIENT_CONFIG = {
  maxAttempts: 3,
  requestHandler: { connectionTimeout: 2_000, requestTimeout: 5_000, throwOnRequestTimeout: true },
} as const;

export const USER_AGENT = `${SERVICE_NAME}/0.1.0 (+aws-lambda)`;

/** Shared Powertools instances, created once per container. */
export const logger = new Logger({ serviceName: SERVICE_NAME });
export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });

/** Powertools Logger behind the core's narrow LogPort; every line is scrubbed of the API key. */
export const logPort: LogPort = {
  info: (message, extra = {}) => logger.info(redact(message), redact(extra) as LogAttributes),
  warn: (message, extra = {}) => logger.warn(redact(message), redact(extra) as LogAttributes),
  error: (message, extra = {}) => logger.error(redact(message), redact(extra) as LogAttributes),
};

export const metricsPort: MetricsPort = {
  count: (name, value = 1) => metrics.addMetric(name, MetricUnit.Count, value),
};

type ApiSettings = Pick<WorkerConfig, 'baseUrl' | 'apiKeySecretId' | 'apiKeySecretField' | 'apiKeyTtlMs' | 'queueUrl'>;

/** The clients every function shares: ElevenLabs, the API key, the clock and randomness. */
export function createApiDeps(config: ApiSettings) {
  return {
    api: createElevenLabsClient({ baseUrl: config.baseUrl, userAgent: USER_AGENT }),
    apiKey: createApiKeyProvider({
      client: new SecretsManagerClient(AWS_CLIENT_CONFIG),
      secretId: config.apiKeySecretId,
      field: config.apiKeySecretField,
      ttlMs: config.apiKeyTtlMs,
      onKey: registerSecret,
    }),
    now: Date.now,
    sleep: realSleep,
    random: Math.random,
  };
}

/** The worker needs the marks table only for sweep deletions: the client is built on first use. */
function lazyMarks(tableName: string): Pick<MarksStore, 'get' | 'clear'> {
  let store: MarksStore | undefined;
  const load = () => {
    store ??= createMarksTableClient(tableName, AWS_CLIENT_CONFIG);
    return store;
  };
  return {
    get: (secretId) => load().get(secretId),
    clear: (secretId, audit) => load().clear(secretId, audit),
  };
}

/** Wires the real clients for the worker. Runs once, at cold start. */
export function createWorkerDeps(config: WorkerConfig): WorkerDeps {
  return {
    ...createApiDeps(config),
    queue: createQueueAdapter({
      client: new SQSClient(AWS_CLIENT_CONFIG),
      queueUrl: config.queueUrl,
      dlqUrl: config.dlqUrl,
    }),
    logger: logPort,
    metrics: metricsPort,
    ...(config.marksTableName ? { marks: lazyMarks(config.marksTableName) } : {}),
  };
}
