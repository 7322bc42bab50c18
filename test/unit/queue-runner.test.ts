import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { LocalQueue } from '#sandbox/local-queue.ts';
import { createQueueRunner, type SqsBatchHandler } from '#sandbox/queue-runner.ts';
import { createTimeline } from '#sandbox/timeline.ts';
import { createVirtualClock } from '#sandbox/virtual-clock.ts';

const T0 = Date.UTC(2026, 10, 26, 12, 0, 0);
const HOUR = 3_600_000;

function setup(handler: SqsBatchHandler, options: { batchSize?: number; maxConcurrency?: number } = {}) {
  const clock = createVirtualClock(T0);
  const queue = new LocalQueue({ name: 'janitor-queue', clock, visibilityTimeoutSeconds: 360 });
  const calls: { event: SQSEvent; context: Context; at: number }[] = [];
  const timeline = createTimeline();
  const runner = createQueueRunner({
    queue,
    clock,
    timeline,
    ...options,
    handler: (event, context) => {
      calls.push({ event, context, at: clock.now() });
      return handler(event, context);
    },
  });
  return { clock, queue, calls, runner, timeline };
}

const ok = async (): Promise<SQSBatchResponse> => ({ batchItemFailures: [] });

describe('createQueueRunner', () => {
  it("invokes the handler with records in Lambda's shape and deletes every record not reported as failed", async () => {
    const { queue, calls, runner } = setup(async (event) => ({
      batchItemFailures: [{ itemIdentifier: event.Records[1]?.messageId ?? '' }],
    }));
    queue.send('{"secretId":"sec_1"}');
    queue.send('{"secretId":"sec_2"}');
    const summary = await runner.run({ maxInvocations: 1 });
    expect(summary).toMatchObject({ invocations: 1, records: 2, failedInvocations: 0 });
    expect(calls[0]?.event.Records[0]).toEqual({
      messageId: expect.any(String),
      receiptHandle: expect.stringMatching(/^AQEB/),
      body: '{"secretId":"sec_1"}',
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(T0),
        ApproximateFirstReceiveTimestamp: String(T0),
        SenderId: expect.any(String),
      },
      messageAttributes: {},
      md5OfBody: expect.stringMatching(/^[0-9a-f]{32}$/),
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:janitor-queue',
      awsRegion: 'eu-west-1',
    });
    expect(queue.messages().map((m) => m.body)).toEqual(['{"secretId":"sec_2"}']);
  });

  it('keeps every record of the batch, until its visibility runs out, when the handler fails', async () => {
    const { queue, calls, runner } = setup(async () => {
      throw new Error('Task timed out after 60.00 seconds');
    });
    queue.send('a');
    queue.send('b');
    const first = await runner.run({ maxInvocations: 1 });
    expect(first.failedInvocations).toBe(1);
    expect(queue.size).toBe(2);
    await runner.run({ maxInvocations: 1 });
    expect(calls[1]?.at).toBe(T0 + 360_000);
    expect(calls[1]?.event.Records.map((r) => r.attributes.ApproximateReceiveCount)).toEqual(['2', '2']);
  });

  it('keeps the whole batch when a batchItemFailures identifier names no record of it', async () => {
    const { queue, runner } = setup(async () => ({ batchItemFailures: [{ itemIdentifier: 'not-a-message-id' }] }));
    queue.send('a');
    queue.send('b');
    await runner.run({ maxInvocations: 1 });
    expect(queue.size).toBe(2);
  });

  it('jumps the clock to the next visible message, so an 11-hour deferral passes at once', async () => {
    const { clock, queue, calls, runner } = setup(async (event) => {
      const record = event.Records[0];
      if (record?.attributes.ApproximateReceiveCount === '1') {
        queue.changeVisibility(record.receiptHandle, 11 * 3600);
        return { batchItemFailures: [{ itemIdentifier: record.messageId }] };
      }
      return { batchItemFailures: [] };
    });
    queue.send('a');
    const summary = await runner.run();
    expect(summary).toMatchObject({ invocations: 2, idle: true });
    expect(calls.map((call) => call.at)).toEqual([T0, T0 + 11 * HOUR]);
    expect(clock.now()).toBe(T0 + 11 * HOUR);
    expect(queue.size).toBe(0);
  });

  it("gives the handler a context whose remaining time runs on the runner's clock", async () => {
    let remaining: number[] = [];
    const { clock, queue, runner } = setup(async (_event, context) => {
      remaining = [context.getRemainingTimeInMillis()];
      await clock.sleep(15_000);
      remaining.push(context.getRemainingTimeInMillis());
      return { batchItemFailures: [] };
    });
    queue.send('a');
    await runner.run();
    expect(remaining).toEqual([60_000, 45_000]);
  });

  it('runs timeline events at their time, between invocations, and sends what they enqueue', async () => {
    const { queue, calls, runner, timeline } = setup(ok);
    timeline.schedule(T0 + 2 * HOUR, () => queue.send('late'));
    const summary = await runner.run();
    expect(summary).toMatchObject({ invocations: 1, idle: true });
    expect(calls.map((call) => [call.at, call.event.Records[0]?.body])).toEqual([[T0 + 2 * HOUR, 'late']]);
  });

  it('receives at most batchSize records per invocation and runs maxConcurrency invocations at once', async () => {
    let running = 0;
    let most = 0;
    const { queue, calls, runner } = setup(
      async () => {
        running += 1;
        most = Math.max(most, running);
        await new Promise((resolve) => setImmediate(resolve));
        running -= 1;
        return { batchItemFailures: [] };
      },
      { batchSize: 3, maxConcurrency: 2 },
    );
    for (let i = 0; i < 7; i += 1) queue.send(`m${i}`);
    await runner.run();
    expect(calls.map((call) => call.event.Records.length)).toEqual([3, 3, 1]);
    expect(most).toBe(2);
  });

  it('stops at untilMs and says it was not idle', async () => {
    const { clock, queue, runner } = setup(async (event) => ({
      batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })),
    }));
    queue.send('a');
    const summary = await runner.run({ untilMs: T0 + HOUR });
    expect(summary.idle).toBe(false);
    expect(clock.now()).toBe(T0 + HOUR);
    // Received at T0 and every 6 minutes (the visibility timeout) up to T0 + 1 h.
    expect(summary.invocations).toBe(11);
  });
});
