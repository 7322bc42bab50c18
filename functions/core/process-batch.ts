import pLimit from 'p-limit';
import { METRIC_BY_OUTCOME } from '#core/outcomes.ts';
import type { QueuedRecord, RecordReport, WorkerDeps } from '#core/ports.ts';
import { processRecord } from '#core/process-record.ts';
import { retryLater } from '#core/queue-actions.ts';
import type { WorkerConfig } from '#shared/config.ts';
import { describeError } from '#shared/errors.ts';

export interface BatchResult {
  readonly batchItemFailures: { itemIdentifier: string }[];
  readonly reports: RecordReport[];
}

const WARN_OUTCOMES = new Set(['moved_to_dlq', 'auth_failed', 'refused', 'transient_retry']);

/**
 * Processes a batch with bounded concurrency. Stops starting new records when the time left falls
 * under the margin; those go back to the queue at once (visibility 0). Every record yields one log
 * line and one metric, and every record that must come again is in `batchItemFailures`.
 */
export async function processBatch(
  records: readonly QueuedRecord[],
  deps: WorkerDeps,
  config: WorkerConfig,
  deadlineMs: number,
  process: typeof processRecord = processRecord,
): Promise<BatchResult> {
  const limit = pLimit(config.concurrency);
  const reports = await Promise.all(
    records.map((record) =>
      limit(async (): Promise<RecordReport> => {
        let report: RecordReport;
        if (deadlineMs - deps.now() < config.deadlineMarginMs) {
          report = await returnUnstarted(record, deps, config);
        } else {
          try {
            report = await process(record, deps, config, deadlineMs - config.deadlineMarginMs / 2);
          } catch (error) {
            // A bug, not a decision: keep the record, say so loudly.
            report = {
              outcome: 'transient_retry',
              retry: true,
              fields: { messageId: record.messageId, attempt: record.receiveCount, error: describeError(error) },
            };
          }
        }
        deps.metrics.count(METRIC_BY_OUTCOME[report.outcome]);
        const log = WARN_OUTCOMES.has(report.outcome) ? deps.logger.warn : deps.logger.info;
        log.call(deps.logger, report.outcome, { outcome: report.outcome, ...report.fields });
        for (const refusal of report.refusals ?? []) {
          deps.metrics.count('Refused');
          deps.logger.warn('refused', { outcome: 'refused', ...refusal });
        }
        return report;
      }),
    ),
  );
  return {
    reports,
    batchItemFailures: records
      .filter((_, index) => reports[index]?.retry)
      .map((record) => ({ itemIdentifier: record.messageId })),
  };
}

/** Back to the queue at once (visibility 0), unless past the horizon or the receive limit. */
function returnUnstarted(record: QueuedRecord, deps: WorkerDeps, config: WorkerConfig): Promise<RecordReport> {
  const fields = { messageId: record.messageId, attempt: record.receiveCount, note: 'deadline_margin' };
  return retryLater(record, deps, config, 'returned_unstarted', { kind: 'unstarted' }, fields);
}
