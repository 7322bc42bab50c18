import { DEFAULTS } from '#shared/config.ts';
import { type FakeAws, startFakeAws } from '#test/helpers/fake-aws.ts';
import { type FakeElevenLabs, startFakeElevenLabs } from '#test/helpers/fake-elevenlabs.ts';
import { LAMBDA_MEMORY_MB, lambdaRuntimeEnv } from '#test/helpers/node-child.ts';

/** The outside world of one measurement, on 127.0.0.1: fake ElevenLabs, Secrets Manager and SQS. */

export const API_KEY = 'sk_bench_00112233445566778899aabbccddeeff';
export const API_KEY_SECRET_ID = 'convai-secret-janitor/elevenlabs-api-key';

export interface Loopback {
  readonly aws: FakeAws;
  readonly elevenlabs: FakeElevenLabs;
  /** Epoch ms of every GetSecretValue call the fake answered. */
  readonly getSecretValueAt: number[];
  /** The function's environment as the stack deploys it, pointed at the fakes. */
  env(overrides?: Record<string, string>): Record<string, string>;
  /** Adds the secrets `${prefix}${b}_${n}` for batches 0..batches and records 0..size-1 (see warm-child.mjs). */
  seed(prefix: string, batches: number, size: number): void;
  close(): Promise<void>;
}

export async function startLoopback(latencyMs = 0): Promise<Loopback> {
  const aws = await startFakeAws();
  const elevenlabs = await startFakeElevenLabs({ validKeys: [API_KEY], latencyMs });
  aws.secrets.set(API_KEY_SECRET_ID, JSON.stringify({ apiKey: API_KEY }));
  const getSecretValueAt: number[] = [];
  aws.fault = (operation) => {
    if (operation === 'GetSecretValue') getSecretValueAt.push(Date.now());
    return undefined;
  };
  const queueUrl = aws.queueUrl('janitor-queue');
  const dlqUrl = aws.queueUrl('janitor-dlq');

  return {
    aws,
    elevenlabs,
    getSecretValueAt,
    env: (overrides = {}) => ({
      // What the Lambda runtime sets (credentials are dummies; the fakes do not check them).
      ...lambdaRuntimeEnv('janitor-worker', LAMBDA_MEMORY_MB),
      ...aws.env(),
      // What infra/secret-janitor.ts sets, with the defaults declared in functions/shared/settings.ts.
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: 'convai-secret-janitor',
      API_KEY_SECRET_ID,
      API_KEY_SECRET_FIELD: DEFAULTS.apiKeySecretField,
      ELEVENLABS_BASE_URL: elevenlabs.baseUrl,
      QUEUE_URL: queueUrl,
      DLQ_URL: dlqUrl,
      HORIZON_HOURS: String(DEFAULTS.horizonHours),
      PROTECTED_SECRET_IDS: '',
      DRY_RUN: String(DEFAULTS.dryRun),
      CONCURRENCY: String(DEFAULTS.concurrency),
      REQUEST_TIMEOUT_MS: String(DEFAULTS.requestTimeoutMs),
      LOOKUP_HOLDERS: String(DEFAULTS.lookupHolders),
      ...overrides,
    }),
    seed(prefix, batches, size) {
      for (let b = 0; b <= batches; b += 1) {
        for (let n = 0; n < size; n += 1) elevenlabs.addSecret(`${prefix}${b}_${n}`);
      }
    },
    close: async () => {
      await Promise.all([aws.close(), elevenlabs.close()]);
    },
  };
}
