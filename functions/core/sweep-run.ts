import { cutText } from '#core/cut-text.ts';
import { enqueueAll } from '#core/enqueue.ts';
import type { AttemptPolicy } from '#core/http-attempts.ts';
import { DEFAULT_WORKSPACE, type DeletionRequest } from '#core/message-schemas.ts';
import type { AuditRecord, LogPort, Mark, MarksStore, QueuePort, SweepMetricsPort } from '#core/ports.ts';
import { type InventoryDeps, LIST_PAGE_SIZE, listInventory } from '#core/sweep-inventory.ts';
import { planSweep, type SweepPlan } from '#core/sweep-plan.ts';
import type { SweepConfig } from '#shared/config.ts';
import { describeError } from '#shared/errors.ts';

export interface SweepDeps extends InventoryDeps {
  readonly marks: MarksStore;
  readonly queue: Pick<QueuePort, 'sendBatch'>;
  readonly logger: LogPort;
  readonly metrics: SweepMetricsPort;
  readonly runId: string;
}

export interface SweepSummary {
  /** `repeated`: a run with this id already started (a retried invocation); this one did nothing. */
  readonly status: 'completed' | 'aborted' | 'cap_exceeded' | 'repeated';
  readonly mode: SweepConfig['mode'];
  readonly runId: string;
  readonly plan?: SweepPlan;
  readonly enqueued: number;
  /** Secret-type environment variables read (absent when the inventory did not complete). */
  readonly envVariables?: number;
  /** List requests sent: secrets pages and environment-variable pages. */
  readonly listCalls: number;
  readonly durationMs: number;
  readonly reason?: string;
}

const SCHEDULED_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

/**
 * The run id of one invocation. A scheduled run is named after its scheduled time (Scheduler's
 * `<aws.scheduler.scheduled-time>` in the payload), so a retry of the same run has the same id and
 * finds its claim; any other invocation (by hand, from a test) is named after its request id.
 */
export function sweepRunId(event: unknown, requestId: string): string {
  const scheduledTime = (event as { scheduledTime?: unknown } | null)?.scheduledTime;
  return typeof scheduledTime === 'string' && SCHEDULED_TIME.test(scheduledTime)
    ? `scheduled-${scheduledTime}`
    : `invoked-${requestId}`;
}

const hours = (ms: number) => Math.round((ms / 3_600_000) * 10) / 10;

/** Names are free text; keep the reason well under the message schema's 512 characters. */
const shortName = (name: string) => cutText(name, 201);

function dueReason(mark: Mark, now: number, config: SweepConfig): string {
  return `stale: "${shortName(mark.name)}" unused since ${new Date(mark.firstSeenUnusedAt).toISOString()} (${hours(now - mark.firstSeenUnusedAt)} h, grace ${hours(config.gracePeriodMs)} h)`;
}

/**
 * The plan's decisions as audit records, written before anything is enqueued. In delete mode the due
 * secrets are audited after the enqueue, as `enqueued` or `skipped`, so the record says what happened.
 */
function planAudits(plan: SweepPlan, now: number, config: SweepConfig, runId: string): AuditRecord[] {
  const base = { runId, mode: config.mode, at: now };
  const dueAudited = plan.capExceeded !== undefined || config.mode === 'report';
  return [
    ...plan.newlyMarked.map(({ mark, reason }) => ({
      ...base,
      secretId: mark.secretId,
      name: mark.name,
      decision: 'marked' as const,
      reason,
    })),
    ...plan.unmarked.map((u) => ({
      ...base,
      secretId: u.secretId,
      name: u.name,
      decision: 'unmarked' as const,
      reason: u.reason,
    })),
    ...(dueAudited ? plan.due : []).map((mark) => ({
      ...base,
      secretId: mark.secretId,
      name: mark.name,
      decision: plan.capExceeded ? ('skipped' as const) : ('would_enqueue' as const),
      reason: plan.capExceeded
        ? `cap_exceeded: ${plan.capExceeded.due} due > ${plan.capExceeded.limit} allowed (${plan.capExceeded.cap})`
        : dueReason(mark, now, config),
    })),
  ];
}

/**
 * One sweep run: complete inventory → marks → plan → state → (delete mode) enqueue. Report and delete
 * mode share every step up to the last one, so the report is exactly what delete mode would do.
 */
export async function runSweep(config: SweepConfig, deps: SweepDeps, deadlineMs: number): Promise<SweepSummary> {
  const started = deps.now();
  const finish = (summary: Omit<SweepSummary, 'durationMs' | 'mode' | 'runId'>): SweepSummary => {
    const result = { ...summary, mode: config.mode, runId: deps.runId, durationMs: deps.now() - started };
    report(result, deps);
    return result;
  };

  // Runs never repeat: a retried invocation of the same scheduled run finds its claim and stops.
  try {
    if (!(await deps.marks.claimRun(deps.runId, started))) {
      return finish({ status: 'repeated', reason: `run ${deps.runId} already started`, enqueued: 0, listCalls: 0 });
    }
  } catch (error) {
    return finish({ status: 'aborted', reason: `marks table: ${describeError(error)}`, enqueued: 0, listCalls: 0 });
  }

  const policy: AttemptPolicy = {
    maxQuickRetries: 4,
    quickBaseMs: 250,
    quickCapMs: 4_000,
    retryAfterCapMs: 10_000,
    requestTimeoutMs: config.requestTimeoutMs,
    minAttemptMs: Math.min(500, config.requestTimeoutMs),
  };
  const inventory = await listInventory(
    config.prefixes,
    deps,
    policy,
    deadlineMs - config.deadlineMarginMs,
    LIST_PAGE_SIZE,
  );
  if (!inventory.ok) {
    return finish({
      status: 'aborted',
      reason: `inventory incomplete: ${inventory.reason}`,
      enqueued: 0,
      listCalls: inventory.listCalls,
    });
  }
  const { listCalls, envVariables } = inventory;

  let plan: SweepPlan;
  const now = deps.now();
  try {
    plan = planSweep(inventory.secrets, await deps.marks.readAll(), now, config);
    await deps.marks.apply({
      deletes: plan.unmarked.map((u) => u.secretId),
      puts: plan.writes,
      audits: planAudits(plan, now, config, deps.runId),
    });
  } catch (error) {
    return finish({
      status: 'aborted',
      reason: `marks table: ${describeError(error)}`,
      enqueued: 0,
      envVariables,
      listCalls,
    });
  }

  for (const mark of plan.due) {
    deps.logger.info(
      plan.capExceeded ? 'sweep_skipped' : config.mode === 'delete' ? 'sweep_enqueue' : 'sweep_would_enqueue',
      {
        secretId: mark.secretId,
        name: mark.name,
        mode: config.mode,
        runId: deps.runId,
        reason: plan.capExceeded ? 'cap_exceeded' : dueReason(mark, now, config),
      },
    );
  }
  if (plan.capExceeded) return finish({ status: 'cap_exceeded', plan, enqueued: 0, envVariables, listCalls });
  if (config.mode === 'report' || plan.due.length === 0)
    return finish({ status: 'completed', plan, enqueued: 0, envVariables, listCalls });

  const bodies = plan.due.map((mark) =>
    JSON.stringify({
      secretId: mark.secretId,
      origin: 'sweep',
      reason: dueReason(mark, now, config),
      eventId: deps.runId,
      runId: deps.runId,
      firstSeenUnusedAt: mark.firstSeenUnusedAt,
      ...(config.workspace === DEFAULT_WORKSPACE ? {} : { workspace: config.workspace }),
    } satisfies DeletionRequest),
  );
  const result = await enqueueAll(bodies, { ...deps, deadlineMs });
  const failed = new Set(result.failed);
  const at = deps.now();
  const outcomeAudits = plan.due.map((mark, index) => {
    const sent = !failed.has(bodies[index] ?? '');
    return {
      secretId: mark.secretId,
      name: mark.name,
      decision: sent ? ('enqueued' as const) : ('skipped' as const),
      reason: sent ? dueReason(mark, now, config) : `enqueue_failed: ${result.lastError ?? 'unknown'}`,
      runId: deps.runId,
      mode: config.mode,
      at,
    };
  });
  try {
    await deps.marks.apply({ deletes: [], puts: [], audits: outcomeAudits });
  } catch (error) {
    deps.logger.warn('sweep_audit_failed', { runId: deps.runId, error: describeError(error) });
  }
  if (failed.size > 0) {
    deps.metrics.record('SweepEnqueueFailed', failed.size, 'Count');
    deps.logger.error('sweep_enqueue_failed', { runId: deps.runId, notEnqueued: failed.size, error: result.lastError });
  }
  return finish({ status: 'completed', plan, enqueued: result.enqueued, envVariables, listCalls });
}

/** One summary line and the run's metrics. */
function report(summary: SweepSummary, deps: SweepDeps): void {
  const { plan } = summary;
  const m = deps.metrics;
  m.record('SweepListCalls', summary.listCalls, 'Count');
  m.record('SweepDuration', summary.durationMs, 'Milliseconds');
  m.record('SweepAborted', summary.status === 'aborted' ? 1 : 0, 'Count');
  m.record('SweepCapExceeded', summary.status === 'cap_exceeded' ? 1 : 0, 'Count');
  if (summary.envVariables !== undefined) m.record('SweepEnvVariables', summary.envVariables, 'Count');
  if (plan) {
    m.record('SweepInventorySize', plan.inventorySize, 'Count');
    m.record('SweepOwned', plan.owned, 'Count');
    m.record('SweepUnused', plan.unused, 'Count');
    m.record('SweepNewlyMarked', plan.newlyMarked.length, 'Count');
    m.record('SweepUnmarked', plan.unmarked.length, 'Count');
    m.record('SweepDue', plan.due.length, 'Count');
    m.record('SweepEnqueued', summary.enqueued, 'Count');
    m.record('SweepSkippedProtected', plan.skipped.protected_id + plan.skipped.protected_name, 'Count');
    m.record('SweepSkippedInUse', plan.skipped.in_use, 'Count');
    m.record('SweepSkippedInUseEnvVariable', plan.skipped.in_use_env_variable, 'Count');
    m.record('SweepSkippedUnreadable', plan.skipped.unreadable, 'Count');
    m.record('SweepSkippedGracePeriod', plan.skipped.grace_period, 'Count');
    m.record('SweepSkippedCapExceeded', plan.skipped.cap_exceeded, 'Count');
  }
  const line = {
    status: summary.status,
    mode: summary.mode,
    runId: summary.runId,
    durationMs: summary.durationMs,
    listCalls: summary.listCalls,
    enqueued: summary.enqueued,
    ...(summary.reason ? { reason: summary.reason } : {}),
    ...(summary.envVariables === undefined ? {} : { envVariables: summary.envVariables }),
    ...(plan
      ? {
          inventorySize: plan.inventorySize,
          owned: plan.owned,
          unused: plan.unused,
          newlyMarked: plan.newlyMarked.length,
          unmarked: plan.unmarked.length,
          due: plan.due.length,
          skipped: plan.skipped,
          ...(plan.capExceeded ? { capExceeded: plan.capExceeded } : {}),
        }
      : {}),
  };
  if (summary.status === 'completed') deps.logger.info('sweep_summary', line);
  else if (summary.status === 'repeated') deps.logger.warn('sweep_summary', line);
  else deps.logger.error('sweep_summary', line);
}
