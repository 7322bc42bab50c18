import { type AttemptPolicy, type DeleteAttempts, deleteWithRetries } from '#core/http-attempts.ts';
import type { DeletionRequest } from '#core/message-schemas.ts';
import type { QueuedRecord, RecordReport, WorkerDeps } from '#core/ports.ts';
import { moveToDlq, retryLater } from '#core/queue-actions.ts';
import { summarizeUsage } from '#core/used-by.ts';
import type { WorkerConfig } from '#shared/config.ts';
import { describeError } from '#shared/errors.ts';

export function attemptPolicy(config: WorkerConfig): AttemptPolicy {
  return {
    maxQuickRetries: config.maxQuickRetries,
    quickBaseMs: 250,
    quickCapMs: 2_000,
    retryAfterCapMs: 5_000,
    requestTimeoutMs: config.requestTimeoutMs,
    // Never above the request timeout itself (100 ms is allowed), or no request would ever start.
    minAttemptMs: Math.min(500, config.requestTimeoutMs),
  };
}

async function lookupHolders(secretId: string, deps: WorkerDeps, timeoutMs: number) {
  try {
    const response = await deps.api.getSecret(secretId, await deps.apiKey.get(), timeoutMs);
    if (response.status !== 200) return { lookupStatus: response.status };
    const usage = summarizeUsage((JSON.parse(response.body) as { used_by?: unknown }).used_by);
    return { holders: usage.holders, ...(usage.hasMore.length ? { holdersHasMore: usage.hasMore } : {}) };
  } catch (error) {
    return { lookupError: describeError(error) };
  }
}

/**
 * A sweep-origin deletion refused as in use: the secret is no longer stale. Acknowledge without a
 * retry, and clear its mark so the next sweep starts its grace period again.
 */
async function skipInUseSweepDeletion(
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
      runId: request.eventId ?? 'worker',
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

function provenance(request: DeletionRequest) {
  return {
    secretId: request.secretId,
    origin: request.origin ?? 'request',
    ...(request.reason ? { reason: request.reason } : {}),
    ...(request.agentId ? { agentId: request.agentId } : {}),
    ...(request.eventId ? { eventId: request.eventId } : {}),
  };
}

function attemptFields(attempts: DeleteAttempts) {
  const { result } = attempts;
  const detail = 'detail' in result ? result.detail : undefined;
  return {
    httpAttempts: attempts.httpAttempts,
    ...(attempts.status === undefined ? {} : { status: attempts.status }),
    ...(attempts.requestId ? { requestId: attempts.requestId } : {}),
    ...(attempts.network ? { network: attempts.network } : {}),
    ...(detail?.code ? { code: detail.code } : {}),
    ...(detail?.message ? { detail: detail.message } : {}),
  };
}

/** Marks written this long before the sweep's enqueue still vouch for its message. */
const MARK_SLACK_MS = 15 * 60 * 1000;

/**
 * The sweep decided "stale" when it enqueued. Before deleting, the worker checks that decision still
 * stands: the message is fresh, and the secret's mark exists and was refreshed by the run that sent
 * it (or a later one). A secret seen in use since then has lost its mark. Returns a refusal reason,
 * `unavailable` when the table cannot be read, or undefined to go ahead.
 */
async function verifySweepRequest(
  record: QueuedRecord,
  request: DeletionRequest,
  deps: WorkerDeps,
  config: WorkerConfig,
): Promise<string | undefined> {
  if (deps.now() - record.sentAtMs > config.sweepMessageMaxAgeMs) return 'stale_sweep_request';
  if (!deps.marks) return 'sweep_not_deployed';
  let mark: Awaited<ReturnType<NonNullable<WorkerDeps['marks']>['get']>>;
  try {
    mark = await deps.marks.get(request.secretId);
  } catch {
    return 'unavailable';
  }
  if (!mark || mark.lastSeenUnusedAt < record.sentAtMs - MARK_SLACK_MS) return 'sweep_mark_missing';
  return undefined;
}

function transientCause(retryAfterMs: number | undefined) {
  return retryAfterMs === undefined ? { kind: 'transient' as const } : { kind: 'transient' as const, retryAfterMs };
}

/** Decides and carries out what happens to one deletion request. Never throws for a per-record failure. */
export async function processDeletion(
  record: QueuedRecord,
  request: DeletionRequest,
  deps: WorkerDeps,
  config: WorkerConfig,
  deadlineMs: number,
): Promise<RecordReport> {
  const base = { ...provenance(request), attempt: record.receiveCount, messageId: record.messageId };
  if (config.protectedSecretIds.has(request.secretId)) {
    return { outcome: 'refused', retry: false, fields: { ...base, refusal: 'protected_secret_id' } };
  }
  if (request.origin === 'sweep') {
    const check = await verifySweepRequest(record, request, deps, config);
    if (check === 'unavailable') {
      return retryLater(
        record,
        deps,
        config,
        'transient_retry',
        { kind: 'marks_unavailable' },
        {
          ...base,
          error: 'marks table unavailable',
        },
      );
    }
    if (check) return { outcome: 'refused', retry: false, fields: { ...base, refusal: check } };
  }
  if (config.dryRun) return { outcome: 'would_delete', retry: false, fields: { ...base, dryRun: true } };

  const attempts = await deleteWithRetries(
    request.secretId,
    { api: deps.api, apiKey: deps.apiKey, now: deps.now, sleep: deps.sleep, random: deps.random },
    attemptPolicy(config),
    deadlineMs,
  );
  const fields = { ...base, ...attemptFields(attempts) };
  const { result } = attempts;

  switch (result.kind) {
    case 'deleted':
      return { outcome: 'deleted', retry: false, fields };
    case 'already_gone':
      return { outcome: 'already_gone', retry: false, fields };
    case 'in_use': {
      if (request.origin === 'sweep') return skipInUseSweepDeletion(request, deps, fields);
      const holders = config.lookupHolders
        ? await lookupHolders(request.secretId, deps, Math.min(config.requestTimeoutMs, deadlineMs - deps.now()))
        : {};
      return retryLater(record, deps, config, 'in_use_deferred', { kind: 'in_use' }, { ...fields, ...holders });
    }
    case 'auth':
      return retryLater(
        record,
        deps,
        config,
        'auth_failed',
        { kind: 'auth' },
        {
          ...fields,
          ...(result.permission ? { permission: result.permission } : {}),
        },
      );
    case 'transient':
      return retryLater(record, deps, config, 'transient_retry', transientCause(result.retryAfterMs), fields);
    case 'key_unavailable':
      return retryLater(
        record,
        deps,
        config,
        'transient_retry',
        { kind: 'key_unavailable' },
        {
          ...fields,
          error: result.error.message,
        },
      );
    case 'permanent':
      return moveToDlq(record, deps, `permanent_error: HTTP ${attempts.status ?? 'unknown'}`, fields);
  }
}
