import { openSession } from '#cli/api.ts';
import { holderSummary, holderView, readInventory } from '#cli/commands/secrets.ts';
import type { ApiOptions, Terminal } from '#cli/credentials.ts';
import { EXIT, usageError } from '#cli/errors.ts';
import { count, type Output } from '#cli/output.ts';
import type { Mark } from '#core/ports.ts';
import { deletionLimit, planSweep, type SkipReason } from '#core/sweep-plan.ts';
import { loadSweepConfig, type SweepConfig } from '#shared/config.ts';
import { ConfigError } from '#shared/errors.ts';

export interface PreviewOptions extends ApiOptions {
  readonly prefix: readonly string[];
  readonly protectName: readonly string[];
  readonly protectId: readonly string[];
  readonly maxDeletionsPerRun?: string;
  readonly maxDeletionPercent?: string;
}

/** The sweep's settings as the stack would pass them, so the same validation and defaults apply. */
const FLAGS: Record<string, string> = {
  SWEEP_PREFIXES: '--prefix',
  PROTECTED_SECRET_IDS: '--protect-id',
  PROTECTED_NAME_PATTERNS: '--protect-name',
  MAX_DELETIONS_PER_RUN: '--max-deletions-per-run',
  MAX_DELETION_PERCENT: '--max-deletion-percent',
};

export function previewConfig(options: PreviewOptions): SweepConfig {
  const lists = {
    '--prefix': options.prefix,
    '--protect-id': options.protectId,
    '--protect-name': options.protectName,
  };
  for (const [flag, values] of Object.entries(lists)) {
    const bad = values.find((value) => value.includes(','));
    if (bad !== undefined) throw usageError(`${flag} takes one value per flag without ",", received "${bad}"`);
  }
  if (options.prefix.length === 0) {
    throw usageError('--prefix is required (the name prefixes the sweep owns); an empty list never means "everything"');
  }
  try {
    return loadSweepConfig({
      // Placeholders: the preview neither reads the key from Secrets Manager nor touches a queue or table.
      API_KEY_SECRET_ID: 'cli',
      QUEUE_URL: 'cli',
      MARKS_TABLE_NAME: 'cli',
      SWEEP_PREFIXES: options.prefix.join(','),
      PROTECTED_SECRET_IDS: options.protectId.join(','),
      PROTECTED_NAME_PATTERNS: options.protectName.join(','),
      MAX_DELETIONS_PER_RUN: options.maxDeletionsPerRun,
      MAX_DELETION_PERCENT: options.maxDeletionPercent,
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const message = Object.entries(FLAGS).reduce((text, [env, flag]) => text.replaceAll(env, flag), error.message);
    throw usageError(message, error);
  }
}

type Reason = SkipReason | 'not_owned';

/**
 * `sweep preview`: the sweep's own inventory and plan, read-only, against the workspace now, as if
 * every unused secret had been first seen unused a grace period ago. Writes nothing.
 */
export async function sweepPreviewCommand(options: PreviewOptions, out: Output, terminal: Terminal): Promise<number> {
  const config = previewConfig(options);
  const session = await openSession(options, terminal);
  const { secrets, listCalls } = await readInventory(session, config.prefixes, out);
  const now = Date.now();
  const marks = new Map<string, Mark>(
    secrets
      .filter((secret) => !secret.usage.inUse && secret.envVariables.length === 0)
      .map((secret) => [
        secret.secretId,
        {
          secretId: secret.secretId,
          name: secret.name,
          firstSeenUnusedAt: now - config.gracePeriodMs,
          lastSeenUnusedAt: now,
        },
      ]),
  );
  const plan = planSweep(secrets, marks, now, config);
  const due = new Set(plan.due.map((mark) => mark.secretId));
  const skipped: { secretId: string; name: string; reason: Reason; holders?: ReturnType<typeof holderView> }[] = [];
  for (const secret of secrets) {
    if (due.has(secret.secretId) && !plan.capExceeded) continue;
    // The plan for this one secret says why it is not due (its counts are per reason).
    const single = planSweep([secret], marks, now, config);
    const reason: Reason = due.has(secret.secretId)
      ? 'cap_exceeded'
      : single.owned === 0
        ? 'not_owned'
        : ((Object.entries(single.skipped).find(([, count]) => count > 0)?.[0] as SkipReason) ?? 'grace_period');
    skipped.push({
      secretId: secret.secretId,
      name: secret.name,
      reason,
      ...(secret.usage.inUse || secret.envVariables.length > 0
        ? { holders: holderView(secret.usage, secret.envVariables) }
        : {}),
    });
  }
  const limit = deletionLimit(plan.owned, config);
  const caps = {
    maxDeletionsPerRun: config.maxDeletionsPerRun,
    maxDeletionPercent: config.maxDeletionPercent,
    limit: limit.limit,
    cap: limit.cap,
    due: plan.due.length,
    exceeded: plan.capExceeded !== undefined,
  };
  const wouldDelete = plan.capExceeded ? [] : plan.due.map(({ secretId, name }) => ({ secretId, name }));
  const owned = skipped.filter((item) => item.reason !== 'not_owned');
  if (out.json) {
    out.document({
      at: new Date(now).toISOString(),
      baseUrl: session.baseUrl,
      prefixes: config.prefixes,
      inventorySize: plan.inventorySize,
      owned: plan.owned,
      unused: plan.unused,
      notOwned: skipped.length - owned.length,
      caps,
      wouldDelete,
      skipped: owned,
      listCalls,
    });
    return EXIT.ok;
  }
  const rows = [
    ...wouldDelete.map((item) => [item.secretId, item.name, 'delete', 'unused for the grace period', '']),
    ...owned.map((item) => [
      item.secretId,
      item.name,
      'skip',
      item.reason,
      item.holders ? holderSummary(item.holders) : '',
    ]),
  ];
  out.table(['Secret ID', 'Name', 'Decision', 'Reason', 'Holders'], rows);
  out.line(
    `${plan.inventorySize} listed, ${plan.owned} owned (prefixes ${config.prefixes.join(', ')}), ${plan.unused} unused; limit ${limit.limit} per run (${limit.cap})`,
  );
  out.line(
    plan.capExceeded
      ? `CAP EXCEEDED: ${plan.capExceeded.due} due > ${plan.capExceeded.limit} allowed (${plan.capExceeded.cap}); a run now would delete nothing`
      : `A run now would delete ${count(wouldDelete.length, 'secret')}. Preview only: nothing was written or deleted.`,
  );
  return EXIT.ok;
}
