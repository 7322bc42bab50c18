import {
  ChangeMessageVisibilityCommand,
  type MessageAttributeValue,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { DlqAttributes, QueuePort } from '#core/ports.ts';
import { describeAwsError, QueueError } from '#shared/errors.ts';

export interface QueueAdapterOptions {
  readonly client: Pick<SQSClient, 'send'>;
  readonly queueUrl: string;
  /** Needed only by the worker, which moves messages to the DLQ. */
  readonly dlqUrl?: string;
}

/**
 * SQS accepts only #x9, #xA, #xD, #x20-#xD7FF, #xE000-#xFFFD and #x10000-#x10FFFF in bodies and
 * attributes; a send with anything else fails. JSON.stringify leaves U+FFFE and U+FFFF (and raw
 * text may hold more) unescaped, so every body and attribute goes through this. Inside JSON text the
 * replacement is a valid string escape; elsewhere it is a readable `\uXXXX`.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the allowed set is SQS's, named by code point.
const NOT_SQS_SAFE = /[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
export function sqsSafe(value: string): string {
  return value.replace(NOT_SQS_SAFE, (char) => `\\u${(char.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`);
}

const text = (value: string): MessageAttributeValue => ({
  DataType: 'String',
  StringValue: sqsSafe(value.slice(0, 1024)),
});
const num = (value: number): MessageAttributeValue => ({ DataType: 'Number', StringValue: String(value) });

export function toMessageAttributes(attributes: DlqAttributes): Record<string, MessageAttributeValue> {
  return {
    failureReason: text(attributes.failureReason),
    lastStatus: attributes.lastStatus === undefined ? text('none') : num(attributes.lastStatus),
    attempts: num(attributes.attempts),
    firstSentAt: text(attributes.firstSentAt),
    ...(attributes.secretId ? { secretId: text(attributes.secretId) } : {}),
    ...(attributes.origin ? { origin: text(attributes.origin) } : {}),
  };
}

export function createQueueAdapter({ client, queueUrl, dlqUrl }: QueueAdapterOptions): QueuePort {
  async function send<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (cause) {
      throw new QueueError(`expected ${what} to succeed, received ${describeAwsError(cause)}`, { cause });
    }
  }
  return {
    changeVisibility: (receiptHandle, seconds) =>
      send('ChangeMessageVisibility', async () => {
        await client.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: queueUrl,
            ReceiptHandle: receiptHandle,
            VisibilityTimeout: seconds,
          }),
        );
      }),
    sendToDlq: (body, attributes) =>
      send('SendMessage to the DLQ', async () => {
        if (!dlqUrl) throw new Error('no DLQ URL configured');
        await client.send(
          new SendMessageCommand({
            QueueUrl: dlqUrl,
            MessageBody: sqsSafe(body),
            MessageAttributes: toMessageAttributes(attributes),
          }),
        );
      }),
    sendBatch: (entries) =>
      send('SendMessageBatch', async () => {
        const output = await client.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: entries.map((entry) => ({ Id: entry.id, MessageBody: sqsSafe(entry.body) })),
          }),
        );
        return (output.Failed ?? []).map((failure) => failure.Id ?? '');
      }),
  };
}
