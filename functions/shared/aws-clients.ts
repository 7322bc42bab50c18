import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createApiKeyProvider } from '#adapters/api-key.ts';
import { createElevenLabsClient } from '#adapters/elevenlabs.ts';
import { createMarksTable } from '#adapters/marks-table.ts';
import { createQueueAdapter } from '#adapters/queue.ts';
import type { MarksStore, QueuePort, TimeDeps } from '#core/ports.ts';
import { realSleep, realTime } from '#shared/clock.ts';
import { DEFAULTS, SERVICE_NAME } from '#shared/config.ts';
import { registerSecret } from '#shared/redact.ts';
import { redactingApi, redactingQueue } from '#shared/redacting-clients.ts';

/**
 * Every AWS SDK client gets bounded time: the SDK's own default is no request timeout, and a stalled
 * call would run the invocation into the Lambda timeout and lose the partial-batch response.
 */
export const AWS_CLIENT_CONFIG = {
  maxAttempts: 3,
  requestHandler: { connectionTimeout: 2_000, requestTimeout: 5_000, throwOnRequestTimeout: true },
} as const;

export const USER_AGENT = `${SERVICE_NAME}/0.1.0 (+aws-lambda)`;

export interface ApiSettings {
  readonly baseUrl: string;
  readonly apiKeySecretId: string;
  readonly apiKeySecretField: string;
  readonly apiKeyTtlMs: number;
}

/** What a local run (the sandbox, the fault soak) swaps in; Lambda uses the defaults. */
export interface ApiDepsOptions {
  /** @default a Secrets Manager client with `AWS_CLIENT_CONFIG` */
  readonly secretsManager?: Pick<SecretsManagerClient, 'send'>;
  /** The clock, waits and randomness, the key cache's clock included. @default realTime */
  readonly time?: TimeDeps;
}

/**
 * The clients every function that calls ElevenLabs shares: the API, the key, and time. Every key
 * read is registered for redaction, and every answer is scrubbed of it before the core reads it.
 */
export function createApiDeps(config: ApiSettings, options: ApiDepsOptions = {}) {
  const time = options.time ?? realTime;
  return {
    api: redactingApi(createElevenLabsClient({ baseUrl: config.baseUrl, userAgent: USER_AGENT })),
    apiKey: createApiKeyProvider({
      client: options.secretsManager ?? new SecretsManagerClient(AWS_CLIENT_CONFIG),
      secretId: config.apiKeySecretId,
      field: config.apiKeySecretField,
      ttlMs: config.apiKeyTtlMs,
      now: time.now,
      onKey: registerSecret,
    }),
    ...time,
  };
}

/** The queue; every message and DLQ attribute is scrubbed of the API key before it is sent. */
export function createQueue(queueUrl: string, dlqUrl?: string): QueuePort {
  return redactingQueue(
    createQueueAdapter({
      client: new SQSClient(AWS_CLIENT_CONFIG),
      queueUrl,
      ...(dlqUrl ? { dlqUrl } : {}),
    }),
  );
}

/** The marks table with a bounded DynamoDB client, the configured audit TTL and real sleeps. */
export function createMarksStore(tableName: string): MarksStore {
  return createMarksTable({
    client: new DynamoDBClient(AWS_CLIENT_CONFIG),
    tableName,
    auditTtlDays: DEFAULTS.auditTtlDays,
    sleep: realSleep,
  });
}
