/** The two ways a record leaves the worker's hands without a final answer: later, or to the DLQ. */
import type { Outcome } from '#core/outcomes.ts';
import type { QueuedRecord, RecordReport, WorkerDeps } from '#core/ports.ts';
import { giveUpReason, type RetryCause, type RetryPolicy, retryDelaySeconds } from '#core/retry-policy.ts';
import { describeError, QueueError } from '#shared/errors.ts';

/** Moves a message to the DLQ with its reason; acknowledges only once the send succeeded. */
export async function moveToDlq(
  record: QueuedRecord,
  deps: Pick<WorkerDeps, 'queue' | 'metrics'>,
  failureReason: string,
  fields: Record<string, unknown>,
): Promise<RecordReport> {
  const lastStatus = typeof fields.status === 'number' ? fields.status : undefined;
  try {
    await deps.queue.sendToDlq(record.body, {
      failureReason,
      ...(lastStatus === undefined ? {} : { lastStatus }),
      attempts: record.receiveCount,
      firstSentAt: new Date(record.sentAtMs).toISOString(),
      ...(typeof fields.secretId === 'string' ? { secretId: fields.secretId } : {}),
      ...(typeof fields.origin === 'string' ? { origin: fields.origin } : {}),
    });
  } catch (error) {
    deps.metrics.count('DlqSendFailed');
    return {
      outcome: 'transient_retry',
      retry: true,
      fields: { ...fields, failureReason, error: describeError(error) },
    };
  }
  return { outcome: 'moved_to_dlq', retry: false, fields: { ...fields, failureReason } };
}

/**
 * Defers a record with ChangeMessageVisibility by the delay `retryDelaySeconds` gives for its cause,
 * or moves it to the DLQ when `giveUpReason` says so.
 */
export async function retryLater(
  record: QueuedRecord,
  deps: WorkerDeps,
  policy: RetryPolicy,
  outcome: Outcome,
  cause: RetryCause,
  fields: Record<string, unknown>,
): Promise<RecordReport> {
  const reason = giveUpReason(record, outcome, deps.now(), policy);
  if (reason) return moveToDlq(record, deps, reason, fields);
  const delaySeconds = retryDelaySeconds(cause, record.receiveCount, policy, deps.random);
  try {
    await deps.queue.changeVisibility(record.receiptHandle, delaySeconds);
  } catch (error) {
    if (!(error instanceof QueueError)) throw error;
    deps.metrics.count('VisibilityChangeFailed');
    return { outcome, retry: true, fields: { ...fields, delaySeconds: 'queue default', error: describeError(error) } };
  }
  return { outcome, retry: true, fields: { ...fields, delaySeconds } };
}
