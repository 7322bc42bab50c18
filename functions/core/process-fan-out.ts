import { childBodies, enqueueAll } from '#core/enqueue.ts';
import type { Provenance } from '#core/message-schemas.ts';
import { partitionIds } from '#core/parse-message.ts';
import type { QueuedRecord, RecordReport, WorkerDeps } from '#core/ports.ts';
import { retryLater } from '#core/queue-actions.ts';
import type { WorkerConfig } from '#shared/config.ts';

/**
 * Fans a multi-id message out into one message per valid id. Invalid ids are refused one by one;
 * the original is acknowledged only once every valid id is enqueued (or travels on in one message).
 */
export async function processFanOut(
  record: QueuedRecord,
  secretIds: readonly string[],
  provenance: Provenance,
  deps: WorkerDeps,
  config: WorkerConfig,
  deadlineMs: number,
): Promise<RecordReport> {
  const { valid, invalid } = partitionIds(secretIds);
  const fields = { ...provenance, attempt: record.receiveCount, messageId: record.messageId };
  const refusals = invalid.map(({ secretId, problem }) => ({
    ...provenance,
    secretId,
    refusal: 'invalid_secret_id',
    detail: problem,
    messageId: record.messageId,
  }));
  const bodies = childBodies(valid, provenance);
  const result = await enqueueAll(bodies, { ...deps, deadlineMs });
  const counts = { requested: secretIds.length, enqueued: result.enqueued, refusedIds: invalid.length };
  if (result.failed.length > 0 && (await requeueRemainder(valid, bodies, result.failed, provenance, deps))) {
    // Only the ids that did not make it travel on, in one new multi-id message: no re-sends.
    return {
      outcome: 'fanned_out',
      retry: false,
      fields: { ...fields, ...counts, requeuedAsOne: result.failed.length },
      refusals,
    };
  }
  if (result.failed.length > 0) {
    const report = await retryLater(
      record,
      deps,
      config,
      'transient_retry',
      { kind: 'transient' },
      { ...fields, ...counts, notEnqueued: result.failed.length, error: result.lastError },
    );
    // Refusals are logged once, when the message leaves the queue (acknowledged or moved to the DLQ).
    return report.outcome === 'moved_to_dlq' ? { ...report, refusals } : report;
  }
  return { outcome: 'fanned_out', retry: false, fields: { ...fields, ...counts }, refusals };
}

/** Sends the ids whose child messages failed as one new multi-id message; true when it was sent. */
async function requeueRemainder(
  valid: readonly string[],
  bodies: readonly string[],
  failedBodies: readonly string[],
  provenance: Provenance,
  deps: WorkerDeps,
): Promise<boolean> {
  const failed = new Set(failedBodies);
  const remaining = valid.filter((_, index) => failed.has(bodies[index] ?? ''));
  const body = JSON.stringify({ secretIds: remaining, ...provenance });
  try {
    const notSent = await deps.queue.sendBatch([{ id: 'remainder', body }]);
    return notSent.length === 0;
  } catch {
    return false;
  }
}
