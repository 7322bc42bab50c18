/**
 * Lambda's SQS event source over a local queue, on a virtual clock: receive batches, invoke the
 * handler with a real `SQSEvent` and a context whose deadline runs on the same clock, delete what
 * the partial-batch response does not name, and, when nothing is visible, jump the clock to the next
 * visible message or timeline event. Hours of backoff pass in milliseconds.
 */
import { randomUUID } from 'node:crypto';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { LocalQueue, ReceivedMessage } from '#sandbox/local-queue.ts';
import type { Timeline } from '#sandbox/timeline.ts';
import type { VirtualClock } from '#sandbox/virtual-clock.ts';

export type SqsBatchHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined>;

export interface QueueRunnerOptions {
  readonly queue: LocalQueue;
  readonly clock: VirtualClock;
  readonly handler: SqsBatchHandler;
  /** Records per invocation. @default 10 */
  readonly batchSize?: number;
  /** Invocations running at once, each with its own batch (the event source's `maxConcurrency`). @default 2 */
  readonly maxConcurrency?: number;
  /** The function timeout: the context's deadline. @default 60 000 */
  readonly functionTimeoutMs?: number;
  readonly timeline?: Timeline;
  readonly queueArn?: string;
  readonly onInvocation?: (invocation: Invocation) => void;
  /** Called before each jump of the clock with the virtual ms it skips: `npm start` waits a little, to be watched. */
  readonly pace?: (skippedMs: number) => Promise<void>;
}

export interface Invocation {
  readonly startedAt: number;
  readonly messageIds: readonly string[];
  /** Records left on the queue: the partial-batch failures, or every record when the invocation failed. */
  readonly kept: readonly string[];
  readonly error?: unknown;
}

export interface RunSummary {
  readonly invocations: number;
  readonly records: number;
  readonly failedInvocations: number;
  /** True when the queue and the timeline were both empty; false when a limit stopped the run. */
  readonly idle: boolean;
}

const REGION = 'eu-west-1';

/** The record Lambda's SQS event source delivers for one received message. */
export function toSqsRecord(message: ReceivedMessage, queueArn: string): SQSRecord {
  return {
    messageId: message.messageId,
    receiptHandle: message.receiptHandle,
    body: message.body,
    attributes: { ...message.attributes },
    messageAttributes: Object.fromEntries(
      Object.entries(message.messageAttributes).map(([name, value]) => [
        name,
        {
          dataType: value.DataType ?? 'String',
          stringValue: value.StringValue,
          stringListValues: [],
          binaryListValues: [],
        },
      ]),
    ),
    md5OfBody: message.md5OfBody,
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: REGION,
  };
}

/** A Lambda context whose remaining time counts down on the given clock. */
export function lambdaContextOn(clock: Pick<VirtualClock, 'now'>, timeoutMs: number, functionName = 'janitor-worker') {
  const deadline = clock.now() + timeoutMs;
  const context: Context = {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${REGION}:123456789012:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `sandbox/[$LATEST]${randomUUID().replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - clock.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
  return context;
}

/** The ids to keep, per the partial-batch contract: an unknown or empty identifier fails the whole batch. */
function keptIds(response: SQSBatchResponse | undefined, ids: readonly string[]): string[] {
  const failures = response?.batchItemFailures ?? [];
  const named = failures.map((failure) => failure.itemIdentifier);
  if (named.some((id) => typeof id !== 'string' || !ids.includes(id))) return [...ids];
  return ids.filter((id) => named.includes(id));
}

export function createQueueRunner(options: QueueRunnerOptions) {
  const { queue, clock } = options;
  const batchSize = options.batchSize ?? 10;
  const maxConcurrency = options.maxConcurrency ?? 2;
  const timeoutMs = options.functionTimeoutMs ?? 60_000;
  const queueArn = options.queueArn ?? `arn:aws:sqs:${REGION}:123456789012:${queue.name}`;

  async function invoke(messages: ReceivedMessage[]): Promise<Invocation> {
    const startedAt = clock.now();
    const messageIds = messages.map((message) => message.messageId);
    const event: SQSEvent = { Records: messages.map((message) => toSqsRecord(message, queueArn)) };
    let invocation: Invocation;
    try {
      const response = await options.handler(event, lambdaContextOn(clock, timeoutMs));
      invocation = { startedAt, messageIds, kept: keptIds(response ?? undefined, messageIds) };
    } catch (error) {
      // A failed invocation (error, timeout): every record stays until its visibility runs out.
      invocation = { startedAt, messageIds, kept: messageIds, error };
    }
    for (const message of messages)
      if (!invocation.kept.includes(message.messageId)) queue.delete(message.receiptHandle);
    options.onInvocation?.(invocation);
    return invocation;
  }

  /** Receives and invokes until the queue and timeline are empty, or a limit is reached. */
  async function run(limits: { untilMs?: number; maxInvocations?: number } = {}): Promise<RunSummary> {
    let invocations = 0;
    let records = 0;
    let failedInvocations = 0;
    for (;;) {
      options.timeline?.runDue(clock.now());
      const batches: ReceivedMessage[][] = [];
      for (let i = 0; i < maxConcurrency; i += 1) {
        const batch = queue.receive(batchSize);
        if (batch.length === 0) break;
        batches.push(batch);
      }
      if (batches.length > 0) {
        const results = await Promise.all(batches.map(invoke));
        invocations += results.length;
        records += results.reduce((sum, result) => sum + result.messageIds.length, 0);
        failedInvocations += results.filter((result) => result.error !== undefined).length;
        if (limits.maxInvocations !== undefined && invocations >= limits.maxInvocations) {
          return { invocations, records, failedInvocations, idle: false };
        }
        continue;
      }
      const next = [queue.nextVisibleAt(), options.timeline?.nextAt()]
        .filter((at): at is number => at !== undefined)
        .reduce<number | undefined>((min, at) => (min === undefined || at < min ? at : min), undefined);
      if (next === undefined) return { invocations, records, failedInvocations, idle: true };
      if (limits.untilMs !== undefined && next > limits.untilMs) {
        await options.pace?.(limits.untilMs - clock.now());
        clock.advanceTo(limits.untilMs);
        return { invocations, records, failedInvocations, idle: false };
      }
      await options.pace?.(next - clock.now());
      clock.advanceTo(next);
    }
  }

  return { invoke, run };
}
