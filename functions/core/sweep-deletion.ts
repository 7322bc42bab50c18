/**
 * The worker's side of the sweep hand-off: before a sweep message may delete, its decision must be
 * the sweep's own and still stand; a sweep deletion ElevenLabs refuses as in use clears the mark.
 */
import type { DeletionRequest } from '#core/message-schemas.ts';
import type { QueuedRecord, RecordReport, WorkerDeps } from '#core/ports.ts';
import type { WorkerConfig } from '#shared/config.ts';
import { describeError } from '#shared/errors.ts';

/** Marks written this long before the sweep's enqueue still vouch for its message. */
const MARK_SLACK_MS = 15 * 60 * 1000;

/**
 * The sweep decided "stale" when it enqueued; the message carries that decision (`runId`, and the
 * mark's `firstSeenUnusedAt`). Before deleting, the worker checks the decision still stands, and is
 * the sweep's own: the sweep is deployed and in delete mode, the message is fresh, and the secret's
 * mark (read consistently) is the very mark the run decided on, refreshed by that run or a later one,
 * and first seen unused at least the grace period before the message was sent. A secret seen in use
 * since then has lost its mark or has a newer one. Returns a refusal reason, `unavailable` when the
 * table cannot be read, or undefined to go ahead.
 */
export async function verifySweepRequest(
  record: QueuedRecord,
  request: DeletionRequest,
  deps: WorkerDeps,
  config: WorkerConfig,
): Promise<string | undefined> {
  if (!config.sweep || !deps.marks) return 'sweep_not_deployed';
  if (config.sweep.mode !== 'delete') return 'sweep_in_report_mode';
  if (request.runId === undefined || request.firstSeenUnusedAt === undefined) return 'sweep_decision_missing';
  if (deps.now() - record.sentAtMs > config.sweepMessageMaxAgeMs) return 'stale_sweep_request';
  if (record.sentAtMs - request.firstSeenUnusedAt < config.sweep.gracePeriodMs) return 'sweep_grace_period_not_met';
  let mark: Awaited<ReturnType<NonNullable<WorkerDeps['marks']>['get']>>;
  try {
    mark = await deps.marks.get(request.secretId);
  } catch {
    return 'unavailable';
  }
  if (!mark) return 'sweep_mark_missing';
  if (mark.firstSeenUnusedAt !== request.firstSeenUnusedAt) return 'sweep_mark_changed';
  if (mark.lastSeenUnusedAt < record.sentAtMs - MARK_SLACK_MS) return 'sweep_mark_missing';
  return undefined;
}

/**
 * A sweep-origin deletion refused as in use: the secret is no longer stale. Acknowledge without a
 * retry, and clear its mark so the next sweep starts its grace period again.
 */
export async function skipInUseSweepDeletion(
  request: DeletionRequest,
  deps: WorkerDeps,
  fields: Record<string, unknown>,
): Promise<RecordReport> {
  if (!deps.marks) return { outcome: 'in_use_skipped', retry: false, fields: { ...fields, markCleared: false } };
  try {
    await deps.marks.clear(request.secretId, {
      secretId: request.secretId,
      decision: 'unmarked',
      reason: 'in_use_at_delete',
      runId: request.runId ?? 'worker',
      mode: 'delete',
      at: deps.now(),
    });
    return { outcome: 'in_use_skipped', retry: false, fields: { ...fields, markCleared: true } };
  } catch (error) {
    // The next sweep sees the secret in use (or not) and decides again; never retry a stale deletion.
    return {
      outcome: 'in_use_skipped',
      retry: false,
      fields: { ...fields, markCleared: false, error: describeError(error) },
    };
  }
}
