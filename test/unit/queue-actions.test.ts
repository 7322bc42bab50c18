import { describe, expect, it } from 'vitest';
import { processBatch } from '#core/process-batch.ts';
import { processRecord } from '#core/process-record.ts';
import { retryLater } from '#core/queue-actions.ts';
import { MAX_RECEIVE_COUNT } from '#core/retry-policy.ts';
import { fakeWorker, response, T0, toQueued, workerConfig } from '#test/helpers/fakes.ts';
import { sqsRecord } from '#test/helpers/sqs-events.ts';

const HOUR = 3_600_000;

describe('retryLater', () => {
  it('defers by the Retry-After when it is longer than the backoff and under the horizon', async () => {
    const worker = fakeWorker({ deletes: [] });
    const record = toQueued(sqsRecord({ secretId: 'sec_a' }, { receiveCount: 1, sentAtMs: T0 - HOUR }));
    const report = await retryLater(
      record,
      worker.deps,
      workerConfig(),
      'transient_retry',
      { kind: 'transient', retryAfterMs: 90_000 },
      {},
    );
    expect(report).toMatchObject({ outcome: 'transient_retry', retry: true, fields: { delaySeconds: 90 } });
    expect(worker.queue.visibility).toEqual([{ receiptHandle: record.receiptHandle, seconds: 90 }]);
  });

  it('moves the message to the DLQ with receive_limit one receive before maxReceiveCount', async () => {
    const worker = fakeWorker({ deletes: [] });
    const receiveCount = MAX_RECEIVE_COUNT - 1;
    const record = toQueued(sqsRecord({ secretId: 'sec_a' }, { receiveCount, sentAtMs: T0 - HOUR }));
    const report = await retryLater(
      record,
      worker.deps,
      workerConfig(),
      'transient_retry',
      { kind: 'transient' },
      {
        secretId: 'sec_a',
      },
    );
    expect(report).toMatchObject({ outcome: 'moved_to_dlq', retry: false });
    expect(worker.queue.dlq[0]?.attributes).toMatchObject({
      failureReason: `receive_limit: still transient_retry after ${receiveCount} receives`,
      attempts: receiveCount,
      secretId: 'sec_a',
    });
    expect(worker.queue.visibility).toEqual([]);
  });

  it('keeps deferring at two receives below maxReceiveCount', async () => {
    const worker = fakeWorker({ deletes: [] });
    const receiveCount = MAX_RECEIVE_COUNT - 2;
    const record = toQueued(sqsRecord({ secretId: 'sec_a' }, { receiveCount, sentAtMs: T0 - HOUR }));
    const report = await retryLater(record, worker.deps, workerConfig(), 'in_use_deferred', { kind: 'in_use' }, {});
    expect(report.outcome).toBe('in_use_deferred');
  });
});

describe('processBatch with records left unstarted at the deadline', () => {
  it('moves an unstarted record past the horizon to the DLQ instead of returning it', async () => {
    const worker = fakeWorker({ deletes: [] });
    const record = toQueued(sqsRecord({ secretId: 'sec_a' }, { sentAtMs: T0 - 73 * HOUR }));
    const result = await processBatch([record], worker.deps, workerConfig(), T0 + 1_000);
    expect(result.reports[0]?.outcome).toBe('moved_to_dlq');
    expect(worker.queue.dlq[0]?.attributes.failureReason).toMatch(/^horizon_exceeded: still returned_unstarted/);
    expect(result.batchItemFailures).toEqual([]);
  });
});

describe('processRecord with a derived message', () => {
  it('counts the horizon from firstSentAt, not from the copy, and reports it in the DLQ attributes', async () => {
    const worker = fakeWorker({ deletes: [response(422, { detail: { message: 'Secret is in use' } })] });
    const firstSentAt = T0 - 73 * HOUR;
    const record = toQueued(sqsRecord({ secretId: 'sec_a', origin: 'event', firstSentAt }, { sentAtMs: T0 - HOUR }));
    const report = await processRecord(record, worker.deps, workerConfig({ LOOKUP_HOLDERS: 'false' }), T0 + 60_000);
    expect(report.outcome).toBe('moved_to_dlq');
    expect(worker.queue.dlq[0]?.attributes).toMatchObject({
      failureReason: expect.stringMatching(/^horizon_exceeded: still in_use_deferred after 73 h/),
      firstSentAt: new Date(firstSentAt).toISOString(),
    });
  });

  it('ignores a firstSentAt later than the message itself', async () => {
    const worker = fakeWorker({ deletes: [response(422, { detail: { message: 'Secret is in use' } })] });
    const record = toQueued(sqsRecord({ secretId: 'sec_a', firstSentAt: T0 + HOUR }, { sentAtMs: T0 - 73 * HOUR }));
    const report = await processRecord(record, worker.deps, workerConfig({ LOOKUP_HOLDERS: 'false' }), T0 + 60_000);
    expect(report.outcome).toBe('moved_to_dlq');
  });
});
