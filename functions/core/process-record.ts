import type { ApiKeyProvider } from '#adapters/api-key.ts';
import type { ElevenLabsApi } from '#adapters/elevenlabs.ts';
import type { MarksStore } from '#adapters/marks-table.ts';
import type { QueuePort } from '#adapters/queue.ts';
import { type Random, visibilityDelaySeconds } from '#core/backoff.ts';
import { type AttemptPolicy, type DeleteAttempts, deleteWithRetries } from '#core/delete-attempts.ts';
import { childBodies, enqueueAll } from '#core/fan-out.ts';
import type { LogPort, MetricsPort, Outcome, Sleep } from '#core/ports.ts';
import { type ParsedMessage, type Provenance, parseMessage, partitionIds } from '#core/requests.ts';
import type { DeletionRequest } from '#core/schema.ts';
import { summarizeUsage } from '#core/used-by.ts';
import type { WorkerConfig } from '#functions/config.ts';
import { describeError, QueueError, RequestValidationError } from '#functions/errors.ts';

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
  readonly marks?: Pick<MarksStore, 'clear'>;
}

export interface RecordReport {
  readonly outcome: Outcome;
  /** True: report in `batchItemFailures` so SQS delivers the record again. */
  readonly retry: boolean;
  readonly fields: Record<string, unknown>;
  /** Ids of a multi-id message refused one by one; each gets its own `refused` log line. */
  readonly refusals?: readonly Record<string, unknown>[];
}

export function attemptPolicy(config: WorkerConfig): AttemptPolicy {
  return {
    maxQuickRetries: config.maxQuickRetries,
    quickBaseMs: 250,
    quickCapMs: 2_000,
    retryAfterCapMs: 5_000,
    requestTimeoutMs: config.requestTimeoutMs,
    minAttemptMs: 500,
  };
}

/** Moves a message to the DLQ with its reason; acknowledges only once the send succeeded. */
async function moveToDlq(
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

/** Defers a record with ChangeMessageVisibility, or moves it to the DLQ once past the horizon. */
async function retryLater(
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
  try {
    await deps.queue.changeVisibility(record.receiptHandle, delaySeconds);
  } catch (error) {
    if (!(error instanceof QueueError)) throw error;
    deps.metrics.count('VisibilityChangeFailed');
    return { outcome, retry: true, fields: { ...fields, delaySeconds: 'queue default', error: describeError(error) } };
  }
  return { outcome, retry: true, fields: { ...fields, delaySeconds } };
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
  if (config.dryRun) return { outcome: 'would_delete', retry: false, fields: { ...base, dryRun: true } };

  const attempts = await deleteWithRetries(
    request.secretId,
    { api: deps.api, apiKey: deps.apiKey, now: deps.now, sleep: deps.sleep, random: deps.random },
    attemptPolicy(config),
    deadlineMs,
  );
  const fields = { ...base, ...attemptFields(attempts) };
  const { result } = attempts;
  // At least Retry-After, but never past the longest deferral SQS allows.
  const retryDelay = (retryAfterMs = 0) =>
    Math.min(
      config.inUseCapSeconds,
      Math.max(
        Math.ceil(retryAfterMs / 1000),
        visibilityDelaySeconds(
          record.receiveCount,
          { baseSeconds: config.retryBaseSeconds, capSeconds: config.retryCapSeconds },
          deps.random,
        ),
      ),
    );

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
      const delay = visibilityDelaySeconds(
        record.receiveCount,
        { baseSeconds: config.inUseBaseSeconds, capSeconds: config.inUseCapSeconds },
        deps.random,
      );
      return retryLater(record, deps, config, 'in_use_deferred', delay, { ...fields, ...holders });
    }
    case 'auth':
      return retryLater(record, deps, config, 'auth_failed', retryDelay(), {
        ...fields,
        ...(result.permission ? { permission: result.permission } : {}),
      });
    case 'transient':
      return retryLater(record, deps, config, 'transient_retry', retryDelay(result.retryAfterMs), fields);
    case 'key_unavailable':
      return retryLater(record, deps, config, 'transient_retry', retryDelay(), {
        ...fields,
        error: result.error.message,
      });
    case 'permanent':
      return moveToDlq(record, deps, `permanent_error: HTTP ${attempts.status ?? 'unknown'}`, fields);
  }
}

/**
 * Fans a multi-id message out into one message per valid id. Invalid ids are refused one by one;
 * the original is acknowledged only once every valid id is enqueued.
 */
async function processFanOut(
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
  const result = await enqueueAll(childBodies(valid, provenance), {
    queue: deps.queue,
    sleep: deps.sleep,
    random: deps.random,
    deadlineMs,
    now: deps.now,
  });
  const counts = { requested: secretIds.length, enqueued: result.enqueued, refusedIds: invalid.length };
  if (result.failed.length > 0) {
    const report = await retryLater(
      record,
      deps,
      config,
      'transient_retry',
      visibilityDelaySeconds(
        record.receiveCount,
        { baseSeconds: config.retryBaseSeconds, capSeconds: config.retryCapSeconds },
        deps.random,
      ),
      { ...fields, ...counts, notEnqueued: result.failed.length, error: result.lastError },
    );
    // Refusals are logged once, when the message is finally acknowledged.
    return report;
  }
  return { outcome: 'fanned_out', retry: false, fields: { ...fields, ...counts }, refusals };
}

/** Parses a body into a request, or moves the message to the DLQ with the reason. */
export async function processRecord(
  record: QueuedRecord,
  deps: WorkerDeps,
  config: WorkerConfig,
  deadlineMs: number,
): Promise<RecordReport> {
  let message: ParsedMessage;
  try {
    message = parseMessage(record.body);
  } catch (error) {
    if (!(error instanceof RequestValidationError)) throw error;
    return moveToDlq(record, deps, `invalid_message: ${error.message}`, {
      attempt: record.receiveCount,
      messageId: record.messageId,
    });
  }
  if (message.kind === 'multi')
    return processFanOut(record, message.secretIds, message.provenance, deps, config, deadlineMs);
  return processDeletion(record, message.request, deps, config, deadlineMs);
}
