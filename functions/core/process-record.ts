import { parseMessage } from '#core/parse-message.ts';
import type { QueuedRecord, RecordReport, WorkerDeps } from '#core/ports.ts';
import { processDeletion } from '#core/process-deletion.ts';
import { processFanOut } from '#core/process-fan-out.ts';
import { moveToDlq } from '#core/queue-actions.ts';
import type { WorkerConfig } from '#shared/config.ts';

/**
 * One queue record, top to bottom: parse the body (a refusal goes to the DLQ with its reason), then
 * decide and act: fan a multi-id message out, or process one deletion. The report says what happened.
 */
export async function processRecord(
  record: QueuedRecord,
  deps: WorkerDeps,
  config: WorkerConfig,
  deadlineMs: number,
): Promise<RecordReport> {
  const message = parseMessage(record.body, { eventSource: config.eventSource, workspace: config.workspace });
  if (message.kind === 'invalid') {
    return moveToDlq(record, deps, `invalid_message: ${message.reason}`, {
      attempt: record.receiveCount,
      messageId: record.messageId,
    });
  }
  // The horizon counts from the original request: a derived message carries its first send time.
  const firstSentAt = message.kind === 'multi' ? message.provenance.firstSentAt : message.request.firstSentAt;
  const original = { ...record, sentAtMs: Math.min(record.sentAtMs, firstSentAt ?? record.sentAtMs) };
  if (message.kind === 'multi') {
    const provenance = { ...message.provenance, firstSentAt: original.sentAtMs };
    return processFanOut(original, message.secretIds, provenance, deps, config, deadlineMs);
  }
  return processDeletion(original, message.request, deps, config, deadlineMs);
}
