import { describe, expect, it } from 'vitest';
import { createWorkerHandler, toQueuedRecord } from '#shared/worker-handler.ts';
import { fakeWorker, response, T0, workerConfig } from '#test/helpers/fakes.ts';
import { lambdaContext, sqsEvent, sqsRecord } from '#test/helpers/sqs-events.ts';

describe('toQueuedRecord', () => {
  it('reads the receive count and the send time from the SQS attributes', () => {
    const record = sqsRecord({ secretId: 'sec_1' }, { receiveCount: 4, sentAtMs: T0 - 1_000 });
    expect(toQueuedRecord(record, T0)).toEqual({
      messageId: record.messageId,
      receiptHandle: record.receiptHandle,
      body: record.body,
      receiveCount: 4,
      sentAtMs: T0 - 1_000,
    });
  });

  it('counts a first receive and sends now when the attributes are unreadable', () => {
    const record = sqsRecord({ secretId: 'sec_1' });
    record.attributes.ApproximateReceiveCount = 'x';
    record.attributes.SentTimestamp = '';
    expect(toQueuedRecord(record, T0)).toMatchObject({ receiveCount: 1, sentAtMs: T0 });
  });
});

describe('createWorkerHandler', () => {
  it('processes the batch with the given deps and reports the records to retry', async () => {
    const worker = fakeWorker({ deletes: [response(503)] });
    const handler = createWorkerHandler(workerConfig(), worker.deps);
    const record = sqsRecord({ secretId: 'sec_1' }, { sentAtMs: T0 });
    const result = await handler(sqsEvent([record]), lambdaContext(60_000, worker.clock.now));
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: record.messageId }] });
    expect(worker.api.deletes.map((call) => call.secretId)).toEqual(['sec_1', 'sec_1', 'sec_1']);
  });

  it("takes the deadline from the context on the deps' clock: no record starts inside the margin", async () => {
    const worker = fakeWorker();
    const handler = createWorkerHandler(workerConfig(), worker.deps);
    const record = sqsRecord({ secretId: 'sec_1' }, { sentAtMs: T0 });
    await handler(sqsEvent([record]), lambdaContext(9_000, worker.clock.now));
    expect(worker.api.deletes).toEqual([]);
    expect(worker.log.lines.map((line) => line.message)).toEqual(['returned_unstarted']);
  });
});
