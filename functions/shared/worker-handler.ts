import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { QueuedRecord, WorkerDeps } from '#core/ports.ts';
import { processBatch } from '#core/process-batch.ts';
import type { WorkerConfig } from '#shared/config.ts';

/** The worker's SQS batch handler, before the Powertools middlewares. */
export type SqsBatchHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export function toQueuedRecord(record: SQSRecord, nowMs: number): QueuedRecord {
  const receiveCount = Number(record.attributes.ApproximateReceiveCount);
  const sentAtMs = Number(record.attributes.SentTimestamp);
  return {
    messageId: record.messageId,
    receiptHandle: record.receiptHandle,
    body: record.body,
    receiveCount: Number.isInteger(receiveCount) && receiveCount > 0 ? receiveCount : 1,
    sentAtMs: Number.isFinite(sentAtMs) && sentAtMs > 0 ? sentAtMs : nowMs,
  };
}

/**
 * The worker's batch handler over the given config and dependencies. `handlers/worker.ts` wires the
 * real clients; the sandbox and the fault soak wire a local queue, loopback HTTP and a virtual clock.
 */
export function createWorkerHandler(config: WorkerConfig, deps: WorkerDeps): SqsBatchHandler {
  return async (event, context) => {
    const now = deps.now();
    const records = event.Records.map((record) => toQueuedRecord(record, now));
    const deadlineMs = now + context.getRemainingTimeInMillis();
    const { batchItemFailures } = await processBatch(records, deps, config, deadlineMs);
    return { batchItemFailures };
  };
}
