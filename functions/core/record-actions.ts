import type { ApiKeyProvider } from '#adapters/api-key.ts';
import type { ElevenLabsApi } from '#adapters/elevenlabs.ts';
import type { MarksStore } from '#adapters/marks-table.ts';
import type { QueuePort } from '#adapters/queue.ts';
import { type Random, visibilityDelaySeconds } from '#core/backoff.ts';
import type { LogPort, MetricsPort, Outcome, Sleep } from '#core/ports.ts';
import type { WorkerConfig } from '#functions/config.ts';
import { describeError, QueueError } from '#functions/errors.ts';

/** One SQS record, reduced to what the decision needs. */
export interface QueuedRecord {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  /** `ApproximateReceiveCount`: this delivery's number, from 1. */
  readonly receiveCount: number;
  /** `SentTimestamp` in epoch ms: when the message first entered the queue. */
  readonly sentAtMs: number;
}

export interface WorkerDeps {
  readonly api: ElevenLabsApi;
  readonly apiKey: ApiKeyProvider;
  readonly queue: QueuePort;
  readonly logger: LogPort;
  readonly metrics: MetricsPort;
  readonly now: () => number;
  readonly sleep: Sleep;
  readonly random: Random;
  /** The sweep's marks; present when a sweep is deployed. */
  readonly marks?: Pick<MarksStore, 'clear' | 'get'>;
}

export interface RecordReport {
  readonly outcome: Outcome;
  /** True: report in `batchItemFailures` so SQS delivers the record again. */
  readonly retry: boolean;
  readonly fields: Record<string, unknown>;
  /** Ids of a multi-id message refused one by one; each gets its own `refused` log line. */
  readonly refusals?: readonly Record<string, unknown>[];
}

/** Moves a message to the DLQ with its reason; acknowledges only once the send succeeded. */
export async function moveToDlq(
  record: QueuedRecord,
  deps: WorkerDeps,
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
 * Defers a record with ChangeMessageVisibility, or moves it to the DLQ with the reason once it is
 * past the horizon, or one receive short of the queue's `maxReceiveCount` (SQS's own redrive would
 * move it without a reason).
 */
export async function retryLater(
  record: QueuedRecord,
  deps: WorkerDeps,
  config: WorkerConfig,
  outcome: Outcome,
  delaySeconds: number,
  fields: Record<string, unknown>,
): Promise<RecordReport> {
  const ageMs = deps.now() - record.sentAtMs;
  if (ageMs >= config.horizonMs) {
    return moveToDlq(
      record,
      deps,
      `horizon_exceeded: still ${outcome} after ${Math.round(ageMs / 3_600_000)} h`,
      fields,
    );
  }
  if (record.receiveCount >= config.maxReceiveCount - 1) {
    return moveToDlq(record, deps, `receive_limit: still ${outcome} after ${record.receiveCount} receives`, fields);
  }
  try {
    await deps.queue.changeVisibility(record.receiptHandle, delaySeconds);
  } catch (error) {
    if (!(error instanceof QueueError)) throw error;
    deps.metrics.count('VisibilityChangeFailed');
    return { outcome, retry: true, fields: { ...fields, delaySeconds: 'queue default', error: describeError(error) } };
  }
  return { outcome, retry: true, fields: { ...fields, delaySeconds } };
}

/**
 * The delay before retrying a transient or auth failure: 30 s doubling per receive up to 15 min,
 * at least Retry-After, never past the longest deferral SQS allows.
 */
export function retryDelaySeconds(
  record: QueuedRecord,
  config: WorkerConfig,
  random: Random,
  retryAfterMs = 0,
): number {
  const backoff = visibilityDelaySeconds(
    record.receiveCount,
    { baseSeconds: config.retryBaseSeconds, capSeconds: config.retryCapSeconds },
    random,
  );
  return Math.min(config.inUseCapSeconds, Math.max(Math.ceil(retryAfterMs / 1000), backoff));
}
