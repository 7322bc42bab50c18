import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ChangeMessageVisibilityCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type FakeElevenLabs, startFakeElevenLabs } from '#test/helpers/fake-elevenlabs.ts';
import { lambdaContext, sqsEvent, sqsRecord } from '#test/helpers/sqs-events.ts';
import { phoneNumber } from '#test/helpers/used-by.ts';

const KEY = 'sk_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0';
const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/janitor-queue';
const DLQ_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/janitor-dlq';
const SECRET_ID = 'janitor/elevenlabs-api-key';

type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

const sqs = mockClient(SQSClient);
const secretsManager = mockClient(SecretsManagerClient);
let fake: FakeElevenLabs;
let output: string[];

beforeAll(async () => {
  fake = await startFakeElevenLabs({ validKeys: [KEY] });
});
afterAll(async () => {
  await fake.close();
  sqs.restore();
  secretsManager.restore();
});

beforeEach(() => {
  sqs.reset();
  secretsManager.reset();
  sqs.resolves({});
  secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ apiKey: KEY }) });
  output = [];
  // Powertools Logger and Metrics write through their own Console on process.stdout / process.stderr.
  const capture = (chunk: unknown) => {
    output.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  const env: Record<string, string> = {
    API_KEY_SECRET_ID: SECRET_ID,
    QUEUE_URL,
    DLQ_URL,
    ELEVENLABS_BASE_URL: fake.baseUrl,
    REQUEST_TIMEOUT_MS: '2000',
    POWERTOOLS_METRICS_NAMESPACE: 'ConvAISecretJanitor',
    POWERTOOLS_SERVICE_NAME: 'convai-secret-janitor',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    POWERTOOLS_DEV: '',
    POWERTOOLS_METRICS_DISABLED: 'false',
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKEFAKE',
    AWS_SECRET_ACCESS_KEY: 'fake-secret-access-key',
  };
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
});
afterEach(() => {
  fake.requests.length = 0;
  fake.secrets.clear();
  fake.environmentVariables.clear();
  fake.hook = undefined;
});

async function loadHandler(): Promise<Handler> {
  vi.resetModules();
  const module = await import('#handlers/worker.ts');
  return module.handler as unknown as Handler;
}

/** Every JSON object written to stdout/stderr, one per line. */
function jsonLines(): Record<string, unknown>[] {
  return output
    .join('')
    .split('\n')
    .filter((line) => line.trim().startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
const recordLogs = () => jsonLines().filter((line) => typeof line.outcome === 'string');

describe('worker handler (real wiring, mocked AWS, fake ElevenLabs)', () => {
  it('handles a mixed batch: deleted, already gone, in use deferred, invalid body to the DLQ', async () => {
    fake.addSecret('sec_deleted');
    fake.addSecret('sec_in_use');
    fake.markInUse('sec_in_use', 'agent_42', 'Support bot');
    fake.secrets.get('sec_in_use')?.used_by.phone_numbers.push(phoneNumber('phnum_1', 'Main line', '+15550100'));
    fake.addEnvironmentVariable({
      label: 'DB_PASSWORD',
      type: 'secret',
      values: { production: { secret_id: 'sec_in_use' } },
    });
    const sentAtMs = Date.parse('2026-11-26T10:00:00.000Z');
    const deleted = sqsRecord({ secretId: 'sec_deleted', origin: 'request' });
    const gone = sqsRecord({ secretId: 'sec_gone' });
    const inUse = sqsRecord({ secretId: 'sec_in_use', agentId: 'agent_42' });
    const invalid = sqsRecord(undefined, { body: '{"secret_id": 42', receiveCount: 3, sentAtMs });

    const handler = await loadHandler();
    const result = await handler(sqsEvent([deleted, gone, inUse, invalid]), lambdaContext());

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: inUse.messageId }]);
    expect(fake.secrets.has('sec_deleted')).toBe(false);
    expect(fake.secrets.has('sec_in_use')).toBe(true);

    const visibility = sqs.commandCalls(ChangeMessageVisibilityCommand).map((call) => call.args[0].input);
    expect(visibility).toHaveLength(1);
    expect(visibility[0]).toMatchObject({ QueueUrl: QUEUE_URL, ReceiptHandle: inUse.receiptHandle });
    expect(visibility[0]?.VisibilityTimeout).toBeGreaterThanOrEqual(15);
    expect(visibility[0]?.VisibilityTimeout).toBeLessThanOrEqual(30);

    const dlq = sqs.commandCalls(SendMessageCommand).map((call) => call.args[0].input);
    expect(dlq).toHaveLength(1);
    expect(dlq[0]).toMatchObject({
      QueueUrl: DLQ_URL,
      MessageBody: invalid.body,
      MessageAttributes: {
        failureReason: {
          DataType: 'String',
          StringValue: expect.stringMatching(/^invalid_message: body must be JSON/),
        },
        lastStatus: { DataType: 'String', StringValue: 'none' },
        attempts: { DataType: 'Number', StringValue: '3' },
        firstSentAt: { DataType: 'String', StringValue: '2026-11-26T10:00:00.000Z' },
      },
    });

    // Real HTTP: the runtime's user agent and the key from Secrets Manager arrived.
    const deletes = fake.requests.filter((request) => request.route === 'delete');
    expect(deletes).toHaveLength(3);
    for (const request of deletes) {
      expect(request.headers['xi-api-key']).toBe(KEY);
      expect(request.headers['user-agent']).toMatch(/^convai-secret-janitor\/\d+\.\d+\.\d+/);
    }
    // Holder lookup for the secret in use: the secret, then the environment variables.
    expect(fake.count('get')).toBe(1);
    expect(fake.count('env_list')).toBe(1);

    // One log line per record, with the fields an operator needs.
    const logs = recordLogs();
    expect(logs).toHaveLength(4);
    const bySecret = (id: string) => logs.find((line) => line.secretId === id);
    const requestIdOf = (id: string) =>
      fake.requests.find((r) => r.route === 'delete' && r.path.endsWith(id))?.requestId;
    expect(bySecret('sec_deleted')).toMatchObject({
      outcome: 'deleted',
      attempt: 1,
      status: 204,
      origin: 'request',
      requestId: requestIdOf('sec_deleted'),
      messageId: deleted.messageId,
    });
    expect(bySecret('sec_gone')).toMatchObject({
      outcome: 'already_gone',
      attempt: 1,
      requestId: requestIdOf('sec_gone'),
    });
    expect(bySecret('sec_in_use')).toMatchObject({
      outcome: 'in_use_deferred',
      attempt: 1,
      code: 'secret_in_use',
      requestId: requestIdOf('sec_in_use'),
      holders: {
        agents: ['Support bot (agent_42)'],
        phone_numbers: ['Main line (+15550100, phnum_1)'],
        env_variables: ['DB_PASSWORD'],
      },
      delaySeconds: visibility[0]?.VisibilityTimeout,
    });
    expect(logs.find((line) => line.messageId === invalid.messageId)).toMatchObject({
      outcome: 'moved_to_dlq',
      attempt: 3,
      level: 'WARN',
    });

    // EMF: one document carrying the outcome counts.
    const emf = jsonLines().find((line) => '_aws' in line);
    expect(emf).toMatchObject({ Deleted: 1, AlreadyGone: 1, InUseDeferred: 1, MovedToDlq: 1 });
    expect(JSON.stringify(emf)).toContain('ConvAISecretJanitor');

    expect(output.join('')).not.toContain(KEY);
    expect(JSON.stringify(sqs.calls().map((call) => call.args[0].input))).not.toContain(KEY);
  });

  it('Secrets Manager failing: every record is retried, the handler does not throw', async () => {
    secretsManager.reset();
    secretsManager
      .on(GetSecretValueCommand)
      .rejects(Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' }));
    fake.addSecret('sec_a');
    const records = [sqsRecord({ secretId: 'sec_a' }), sqsRecord({ secretId: 'sec_b' })];

    const handler = await loadHandler();
    const result = await handler(sqsEvent(records), lambdaContext());

    expect(result.batchItemFailures).toEqual(records.map((record) => ({ itemIdentifier: record.messageId })));
    expect(fake.requests).toHaveLength(0);
    expect(fake.secrets.has('sec_a')).toBe(true);
    const logs = recordLogs();
    expect(logs).toHaveLength(2);
    for (const line of logs) {
      expect(line).toMatchObject({ outcome: 'transient_retry', attempt: 1 });
      expect(String(line.error)).toContain('AccessDeniedException');
    }
    // Powertools emits repeated values of one metric as a list; CloudWatch sums them.
    const emf = jsonLines().find((line) => '_aws' in line);
    expect(emf?.TransientRetry).toEqual([1, 1]);
  });

  // Regression: fetch used to reject such a key with a message quoting the header value, and that
  // message reached the log. The key is now refused at extraction, and network errors log only a code.
  it('never logs the API key, even when the stored key is malformed', async () => {
    const malformed = `${KEY}\nsk_live_second_line_0123456789`;
    secretsManager.reset();
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ apiKey: malformed }) });
    const handler = await loadHandler();
    await handler(sqsEvent([sqsRecord({ secretId: 'sec_a' })]), lambdaContext());

    const text = output.join('');
    for (const part of malformed.split('\n')) expect(text).not.toContain(part);
  });

  it('never logs the API key, even when ElevenLabs echoes it in an error body', async () => {
    fake.addSecret('sec_echo');
    fake.hook = () => ({ status: 401, body: { detail: { status: 'invalid_api_key', message: `Invalid key ${KEY}` } } });
    const handler = await loadHandler();
    await handler(sqsEvent([sqsRecord({ secretId: 'sec_echo' })]), lambdaContext());

    const text = output.join('');
    expect(text).toContain('auth_failed');
    expect(text).toContain('[redacted]');
    expect(text).not.toContain(KEY);
  });

  it('cold start: a missing QUEUE_URL fails the import with a message naming it', async () => {
    vi.stubEnv('QUEUE_URL', undefined);
    await expect(loadHandler()).rejects.toThrow(/QUEUE_URL is required/);
  });
});
