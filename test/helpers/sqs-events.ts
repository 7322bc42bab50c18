import { randomUUID } from 'node:crypto';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';

export const QUEUE_ARN = 'arn:aws:sqs:eu-west-1:123456789012:janitor-queue';

export interface SqsRecordOptions {
  readonly body?: string;
  readonly messageId?: string;
  readonly receiveCount?: number;
  readonly sentAtMs?: number;
}

/** An SQS record in the exact shape Lambda delivers it. */
export function sqsRecord(payload: unknown, options: SqsRecordOptions = {}): SQSRecord {
  const body = options.body ?? JSON.stringify(payload);
  const sentAt = options.sentAtMs ?? Date.now();
  return {
    messageId: options.messageId ?? randomUUID(),
    receiptHandle: `AQEB${randomUUID().replaceAll('-', '')}==`,
    body,
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: String(sentAt),
      SenderId: 'AIDAIENQZJOLO23YVJ4VO',
      ApproximateFirstReceiveTimestamp: String(sentAt + 5),
    },
    messageAttributes: {},
    md5OfBody: 'e4e68fb7bd0e697a0ae8f1bb342846b3',
    eventSource: 'aws:sqs',
    eventSourceARN: QUEUE_ARN,
    awsRegion: 'eu-west-1',
  };
}

export function sqsEvent(records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

/** A Lambda context whose deadline is `remainingMs` from creation. */
export function lambdaContext(remainingMs = 60_000, now: () => number = Date.now): Context {
  const deadline = now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'janitor-worker',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:janitor-worker',
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/janitor-worker',
    logStreamName: '2026/11/26/[$LATEST]abcdef',
    getRemainingTimeInMillis: () => Math.max(0, deadline - now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
