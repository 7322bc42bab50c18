import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createQueueAdapter, sqsSafe } from '#adapters/queue.ts';

const sqs = mockClient(SQSClient);
const adapter = () =>
  createQueueAdapter({
    client: new SQSClient({ region: 'eu-west-1' }),
    queueUrl: 'https://q/main',
    dlqUrl: 'https://q/dlq',
  });

beforeEach(() => {
  sqs.reset();
  sqs.on(SendMessageCommand).resolves({});
  sqs.on(SendMessageBatchCommand).resolves({ Failed: [] });
});

describe('sqsSafe', () => {
  it('escapes U+FFFF and U+FFFE, which JSON.stringify leaves raw and SQS refuses', () => {
    const json = JSON.stringify({ reason: 'a\uffffb\ufffe' });
    expect(sqsSafe(json)).toBe('{"reason":"a\\uffffb\\ufffe"}');
    expect(JSON.parse(sqsSafe(json)).reason).toBe('a\uffffb\ufffe');
  });

  it('escapes control characters and lone surrogates but keeps tab, newline and astral characters', () => {
    expect(sqsSafe('x\u0001y\ud800z\t\n😀✓')).toBe('x\\u0001y\\ud800z\t\n😀✓');
  });
});

describe('createQueueAdapter', () => {
  it('sends a DLQ failureReason with SQS-unsafe characters escaped', async () => {
    await adapter().sendToDlq('{}', {
      failureReason: 'invalid_message: received "\uffff"',
      attempts: 1,
      firstSentAt: 'x',
    });
    const input = sqs.commandCalls(SendMessageCommand)[0]?.args[0].input;
    expect(input?.MessageAttributes?.failureReason?.StringValue).toBe('invalid_message: received "\\uffff"');
  });

  it('sends batch bodies with SQS-unsafe characters escaped', async () => {
    await adapter().sendBatch([{ id: 'm0', body: JSON.stringify({ secretId: 'a', reason: '\ufffe' }) }]);
    const entry = sqs.commandCalls(SendMessageBatchCommand)[0]?.args[0].input.Entries?.[0];
    expect(entry?.MessageBody).toBe('{"secretId":"a","reason":"\\ufffe"}');
  });
});
