import {
  DeleteMessageCommand,
  MessageSystemAttributeName,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Handler, SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { vi } from 'vitest';
import { lambdaRecordFrom } from '#test/helpers/fake-aws.ts';
import { lambdaContext, sqsEvent } from '#test/helpers/sqs-events.ts';

export interface PollTarget {
  readonly client: SQSClient;
  readonly queueUrl: string;
  readonly handler: Handler;
  /** Collects everything the handler writes to stdout and stderr (logs and EMF). */
  readonly output: string[];
}

/** One poll of Lambda's SQS event source: receive, invoke, delete what was not reported as failed. */
export async function pollOnce({ client, queueUrl, handler, output }: PollTarget) {
  const received = await client.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      MessageSystemAttributeNames: [MessageSystemAttributeName.All],
    }),
  );
  const records: SQSRecord[] = (received.Messages ?? []).map((message) =>
    lambdaRecordFrom(message, message.Attributes),
  );
  if (records.length === 0) return { records, failed: [] as string[] };
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => output.push(String(chunk)) > 0);
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => output.push(String(chunk)) > 0);
  let result: SQSBatchResponse;
  try {
    result = await handler(sqsEvent(records), lambdaContext(), () => undefined);
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
  const failed = result.batchItemFailures.map((failure) => failure.itemIdentifier);
  for (const record of records.filter((r) => !failed.includes(r.messageId))) {
    await client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: record.receiptHandle }));
  }
  return { records, failed };
}
