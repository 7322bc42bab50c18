import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApiKeyProvider } from '#adapters/api-key.ts';
import { createQueueAdapter } from '#adapters/queue.ts';
import { type FakeAws, REGION, startFakeAws } from '#test/helpers/fake-aws.ts';
import { type FakeElevenLabs, startFakeElevenLabs } from '#test/helpers/fake-elevenlabs.ts';
import { pollOnce as pollOnce_ } from '#test/helpers/poll.ts';

/** Everything on loopback, no client mocks: real SDK clients, real HTTP client, real handler. */

const KEY = 'sk_e2e_00112233445566778899aabbccddeeff';
const KEY_SECRET = 'janitor/elevenlabs-api-key';
type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

let aws: FakeAws;
let elevenlabs: FakeElevenLabs;
let queueUrl: string;
let client: SQSClient;
let handler: Handler;
const output: string[] = [];

beforeAll(async () => {
  aws = await startFakeAws();
  elevenlabs = await startFakeElevenLabs({ validKeys: [KEY] });
  queueUrl = aws.queueUrl('janitor-queue');
  aws.secrets.set(KEY_SECRET, JSON.stringify({ apiKey: KEY }));
});

// The vitest config restores env before each test, so the stubs (and the cold start) live here.
beforeEach(async () => {
  const env: Record<string, string> = {
    ...aws.env(),
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    API_KEY_SECRET_ID: KEY_SECRET,
    QUEUE_URL: queueUrl,
    DLQ_URL: aws.queueUrl('janitor-dlq'),
    ELEVENLABS_BASE_URL: elevenlabs.baseUrl,
    REQUEST_TIMEOUT_MS: '2000',
    POWERTOOLS_DEV: '',
    POWERTOOLS_METRICS_NAMESPACE: 'ConvAISecretJanitor',
  };
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  client = new SQSClient({ region: REGION });
  vi.resetModules();
  handler = (await import('#handlers/worker.ts')).handler as unknown as Handler;
});

afterAll(async () => {
  client?.destroy();
  await Promise.all([aws?.close(), elevenlabs?.close()]);
});

const pollOnce = () => pollOnce_({ client, queueUrl, handler, output });

describe('worker end to end on loopback (fake SQS, Secrets Manager and ElevenLabs)', () => {
  it('deletes what it can, defers the secret in use, and deletes it once released', async () => {
    for (const id of ['sec_one', 'sec_two', 'sec_busy']) elevenlabs.addSecret(id);
    elevenlabs.markInUse('sec_busy', 'agent_live');

    const sent = await client.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: ['sec_one', 'sec_two', 'sec_busy'].map((secretId, index) => ({
          Id: `m${index}`,
          MessageBody: JSON.stringify({ secretId, origin: 'request' }),
        })),
      }),
    );
    expect(sent.Successful).toHaveLength(3);
    expect(sent.Failed ?? []).toHaveLength(0);

    // First poll: two deleted, the one in use is deferred with ChangeMessageVisibility.
    const first = await pollOnce();
    expect(first.records).toHaveLength(3);
    const busy = first.records.find((record) => record.body.includes('sec_busy'));
    expect(first.failed).toEqual([busy?.messageId]);
    expect([...elevenlabs.secrets.keys()]).toEqual(['sec_busy']);
    expect(aws.calls.get('ChangeMessageVisibility')).toBe(1);
    const pending = aws.messages('janitor-queue');
    expect(pending).toHaveLength(1);
    expect(pending[0]?.visibleAt).toBeGreaterThan(Date.now() + 10_000);

    // Still invisible: a poll now finds nothing.
    expect((await pollOnce()).records).toHaveLength(0);

    // The holder lets go; time passes.
    elevenlabs.release('sec_busy');
    aws.expireVisibility('janitor-queue');

    const second = await pollOnce();
    expect(second.records).toHaveLength(1);
    expect(second.records[0]?.attributes.ApproximateReceiveCount).toBe('2');
    expect(second.failed).toEqual([]);
    expect(elevenlabs.secrets.size).toBe(0);
    expect(aws.messages('janitor-queue')).toHaveLength(0);
    expect(aws.messages('janitor-dlq')).toHaveLength(0);

    // The key was read once for both invocations (per-container cache) and every DELETE carried it.
    expect(aws.calls.get('GetSecretValue')).toBe(1);
    expect(elevenlabs.count('delete')).toBe(4);
    expect(elevenlabs.requests.every((request) => request.headers['xi-api-key'] === KEY)).toBe(true);

    const outcomes = output
      .join('')
      .split('\n')
      .filter((line) => line.includes('"outcome"'))
      .map((line) => (JSON.parse(line) as { outcome: string; secretId: string }).outcome);
    expect(outcomes.sort()).toEqual(['deleted', 'deleted', 'deleted', 'in_use_deferred']);
    expect(output.join('')).not.toContain(KEY);
  });

  it('adapters against the fake AWS: partial batch failure, DLQ attributes, missing secret', async () => {
    const queue = createQueueAdapter({ client, queueUrl, dlqUrl: aws.queueUrl('janitor-dlq') });
    aws.failEntry = (id) => id === 'b';
    const failed = await queue.sendBatch([
      { id: 'a', body: '{"secretId":"sec_a"}' },
      { id: 'b', body: '{"secretId":"sec_b"}' },
    ]);
    aws.failEntry = undefined;
    expect(failed).toEqual(['b']);
    expect(aws.messages('janitor-queue').map((m) => m.body)).toEqual(['{"secretId":"sec_a"}']);

    await queue.sendToDlq('{"secretId":"sec_a"}', {
      failureReason: 'permanent_error: HTTP 400',
      attempts: 2,
      firstSentAt: 'x',
    });
    expect(aws.messages('janitor-dlq')[0]?.messageAttributes).toMatchObject({
      failureReason: { DataType: 'String', StringValue: 'permanent_error: HTTP 400' },
      attempts: { DataType: 'Number', StringValue: '2' },
    });
    await expect(queue.changeVisibility('rh-unknown', 10)).rejects.toThrow(/ReceiptHandleIsInvalid/);

    const apiKey = createApiKeyProvider({
      client: new SecretsManagerClient({ region: REGION }),
      secretId: 'janitor/missing',
      field: 'apiKey',
      ttlMs: 1_000,
    });
    await expect(apiKey.get()).rejects.toThrow(/received ResourceNotFoundException/);
  });
});
