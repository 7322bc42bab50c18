import { listEnvVariableUses } from '#core/env-variables.ts';
import { type AttemptPolicy, type DeleteAttempts, deleteWithRetries } from '#core/http-attempts.ts';
import type { DeletionRequest } from '#core/message-schemas.ts';
import type { QueuedRecord, RecordReport, WorkerDeps } from '#core/ports.ts';
import { moveToDlq, retryLater } from '#core/queue-actions.ts';
import { skipInUseSweepDeletion, verifySweepRequest } from '#core/sweep-deletion.ts';
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

/** Environment-variable pages the holder lookup reads at most (100 variables each). */
const LOOKUP_ENV_PAGES = 10;

/**
 * Who holds a secret ElevenLabs refused to delete, for the log: `used_by` from GET secret, and the
 * secret-type environment variables that reference it (`env_variables`, by label). One attempt per
 * request, within the deadline. Never decides anything: the request is retried later either way.
 */
async function lookupHolders(secretId: string, deps: WorkerDeps, config: WorkerConfig, deadlineMs: number) {
  const found: Record<string, unknown> = {};
  let holders: Record<string, readonly string[]> | undefined;
  try {
    const timeoutMs = Math.min(config.requestTimeoutMs, deadlineMs - deps.now());
    const response = await deps.api.getSecret(secretId, await deps.apiKey.get(), timeoutMs);
    if (response.status !== 200) found.lookupStatus = response.status;
    else {
      const usage = summarizeUsage((JSON.parse(response.body) as { used_by?: unknown }).used_by);
      holders = { ...usage.holders };
      if (usage.hasMore.length) found.holdersHasMore = usage.hasMore;
    }
  } catch (error) {
    found.lookupError = describeError(error);
  }
  const env = await listEnvVariableUses(
    { api: deps.api, apiKey: deps.apiKey, now: deps.now, sleep: deps.sleep, random: deps.random },
    { ...attemptPolicy(config), maxQuickRetries: 0 },
    deadlineMs,
    { pageSize: 100, maxPages: LOOKUP_ENV_PAGES },
  );
  const labels = env.ok ? env.bySecret.get(secretId) : undefined;
  if (!env.ok) found.envVariablesLookupError = env.reason;
  else if (labels) holders = { ...holders, env_variables: [...(holders?.env_variables ?? []), ...labels].slice(0, 10) };
  return holders ? { holders, ...found } : found;
}

function provenance(request: DeletionRequest) {
  return {
    secretId: request.secretId,
    origin: request.origin ?? 'request',
    ...(request.reason ? { reason: request.reason } : {}),
    ...(request.agentId ? { agentId: request.agentId } : {}),
    ...(request.eventId ? { eventId: request.eventId } : {}),
    ...(request.runId ? { runId: request.runId } : {}),
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
  if (request.origin !== 'sweep' && (request.runId !== undefined || request.firstSeenUnusedAt !== undefined)) {
    // Only the sweep binds a message to a mark; anything else claiming to is refused.
    return { outcome: 'refused', retry: false, fields: { ...base, refusal: 'sweep_fields_without_sweep_origin' } };
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
      const holders = config.lookupHolders ? await lookupHolders(request.secretId, deps, config, deadlineMs) : {};
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
