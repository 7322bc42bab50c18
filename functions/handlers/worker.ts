import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { processBatch } from '#core/batch.ts';
import type { QueuedRecord } from '#core/ports.ts';
import { loadWorkerConfig } from '#shared/config.ts';
import { logger, metrics } from '#shared/powertools.ts';
import { createWorkerDeps } from '#shared/worker-deps.ts';

// Read once at cold start: a bad variable fails the init with a message naming it.
const config = loadWorkerConfig();
// Every metric carries the workspace, so two janitors in one account never share a metric or an alarm.
metrics.setDefaultDimensions({ workspace: config.workspace });
const deps = createWorkerDeps(config);

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

async function worker(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  const now = deps.now();
  const records = event.Records.map((record) => toQueuedRecord(record, now));
  const { batchItemFailures } = await processBatch(records, deps, config, now + context.getRemainingTimeInMillis());
  return { batchItemFailures };
}

export const handler = middy(worker)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
