import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createQueueAdapter } from '#adapters/queue.ts';
import { registerSecret } from '#shared/redact.ts';
import { redactingApi, redactingQueue } from '#shared/redacting-clients.ts';
import { fakeApi, response } from '#test/helpers/fakes.ts';
import { keyFragments } from '#test/helpers/key-fragments.ts';

const KEY = 'sk_0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6b7';
registerSecret(KEY);

const sqs = mockClient(SQSClient);
const queue = () =>
  redactingQueue(
    createQueueAdapter({
      client: new SQSClient({ region: 'eu-west-1' }),
      queueUrl: 'https://q/main',
      dlqUrl: 'https://q/dlq',
    }),
  );

beforeEach(() => {
  sqs.reset();
  sqs.on(SendMessageCommand).resolves({});
  sqs.on(SendMessageBatchCommand).resolves({ Failed: [] });
});

describe('redactingQueue', () => {
  // The adapter cuts attributes to 1024 characters; the key is scrubbed before that cut.
  it.each([990, 1000, 1010, 1020])(
    'sends no piece of the key in a DLQ attribute when the key starts at character %i, across the cut',
    async (offset) => {
      await queue().sendToDlq(`{"secretId":"sec_a","note":"${KEY}"}`, {
        failureReason: `${'r'.repeat(offset)}${KEY} and more`,
        attempts: 1,
        firstSentAt: '2026-11-26T12:00:00.000Z',
      });
      const input = sqs.commandCalls(SendMessageCommand)[0]?.args[0].input;
      expect(input?.MessageAttributes?.failureReason?.StringValue).toMatch(/^r+/);
      expect(input?.MessageBody).toBe('{"secretId":"sec_a","note":"[redacted]"}');
      expect(keyFragments(KEY, JSON.stringify(input))).toEqual([]);
    },
  );

  it('scrubs the key from every message of a batch and keeps the entry ids', async () => {
    const failed = await queue().sendBatch([
      { id: 'm0', body: `{"secretIds":["sec_a"],"reason":"${KEY}"}` },
      { id: 'm1', body: '{"secretIds":["sec_b"]}' },
    ]);
    expect(failed).toEqual([]);
    const entries = sqs.commandCalls(SendMessageBatchCommand)[0]?.args[0].input.Entries;
    expect(entries).toEqual([
      { Id: 'm0', MessageBody: '{"secretIds":["sec_a"],"reason":"[redacted]"}' },
      { Id: 'm1', MessageBody: '{"secretIds":["sec_b"]}' },
    ]);
  });
});

describe('redactingApi', () => {
  it('scrubs the key from an answer before the core reads it, and keeps status and headers', async () => {
    const { api, deletes } = fakeApi([
      { ...response(401, { detail: { message: `bad key ${KEY}` } }, '5'), requestId: 'req_1' },
    ]);
    const answer = await redactingApi(api).deleteSecret('sec_a', KEY, 1000);
    expect(answer).toEqual({
      status: 401,
      body: '{"detail":{"message":"bad key [redacted]"}}',
      retryAfter: '5',
      requestId: 'req_1',
    });
    expect(deletes).toEqual([{ secretId: 'sec_a', apiKey: KEY, timeoutMs: 1000 }]);
  });
});
