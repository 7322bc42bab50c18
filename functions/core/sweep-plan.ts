import type { Mark } from '#core/ports.ts';
import type { InventoryItem } from '#core/sweep-inventory.ts';
import type { SweepConfig } from '#shared/config.ts';

export type UnmarkReason = 'in_use' | 'in_use_env_variable' | 'gone' | 'not_owned' | 'protected';
export type SkipReason =
  | 'protected_id'
  | 'protected_name'
  | 'in_use'
  | 'in_use_env_variable'
  | 'unreadable'
  | 'grace_period'
  | 'cap_exceeded';

/** The slice of the sweep's configuration that decides the plan. */
export type PlanPolicy = Pick<
  SweepConfig,
  | 'prefixes'
  | 'gracePeriodMs'
  | 'maxObservationGapMs'
  | 'maxDeletionsPerRun'
  | 'maxDeletionPercent'
  | 'protectedSecretIds'
  | 'protectedNamePatterns'
>;

export interface SweepPlan {
  readonly inventorySize: number;
  readonly owned: number;
  readonly unused: number;
  /** Marks to write: new ones, restarted ones (after an observation gap) and refreshed ones. */
  readonly writes: readonly Mark[];
  readonly newlyMarked: readonly { mark: Mark; reason: 'first_seen_unused' | 'observation_gap' }[];
  readonly unmarked: readonly { secretId: string; name?: string; reason: UnmarkReason }[];
  /** Unused for at least the grace period. Enqueued only when no cap is exceeded. */
  readonly due: readonly Mark[];
  readonly skipped: Readonly<Record<SkipReason, number>>;
  /** Set when `due` is over a cap: the run deletes nothing. */
  readonly capExceeded?: { readonly due: number; readonly limit: number; readonly cap: 'per_run' | 'fraction' };
}

/**
 * `*` matches any run of characters, line breaks included (the `s` flag); everything else is
 * literal. The pattern covers the whole name, whatever it holds.
 */
export function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`, 's');
}

/** How many deletions one run may make: the per-run cap, and the fraction of owned (at least 1). */
export function deletionLimit(owned: number, policy: PlanPolicy): { limit: number; cap: 'per_run' | 'fraction' } {
  const fraction = Math.max(1, Math.floor((owned * policy.maxDeletionPercent) / 100));
  return fraction < policy.maxDeletionsPerRun
    ? { limit: fraction, cap: 'fraction' }
    : { limit: policy.maxDeletionsPerRun, cap: 'per_run' };
}

/**
 * Decides, from a complete inventory and the stored marks, what this run marks, unmarks and finds
 * due. Pure: the same inputs give the same plan, in report and delete mode alike.
 */
export function planSweep(
  inventory: readonly InventoryItem[],
  marks: ReadonlyMap<string, Mark>,
  now: number,
  policy: PlanPolicy,
): SweepPlan {
  const protectedNames = policy.protectedNamePatterns.map(globToRegExp);
  const skipped: Record<SkipReason, number> = {
    protected_id: 0,
    protected_name: 0,
    in_use: 0,
    in_use_env_variable: 0,
    unreadable: 0,
    grace_period: 0,
    cap_exceeded: 0,
  };
  const writes: Mark[] = [];
  const newlyMarked: SweepPlan['newlyMarked'][number][] = [];
  const unmarked: SweepPlan['unmarked'][number][] = [];
  const due: Mark[] = [];
  const seen = new Set<string>();
  let owned = 0;
  let unused = 0;

  for (const secret of inventory) {
    seen.add(secret.secretId);
    const mark = marks.get(secret.secretId);
    if (!policy.prefixes.some((prefix) => secret.name.startsWith(prefix))) {
      if (mark) unmarked.push({ secretId: secret.secretId, name: secret.name, reason: 'not_owned' });
      continue;
    }
    owned += 1;
    const protectedBy = policy.protectedSecretIds.has(secret.secretId)
      ? 'protected_id'
      : protectedNames.some((re) => re.test(secret.name))
        ? 'protected_name'
        : undefined;
    if (protectedBy) {
      skipped[protectedBy] += 1;
      if (mark) unmarked.push({ secretId: secret.secretId, name: secret.name, reason: 'protected' });
      continue;
    }
    if (secret.usage.inUse) {
      // An unreadable used_by counts as a use, but separately, so a sweep that can read nothing shows.
      skipped[secret.usage.unreadable ? 'unreadable' : 'in_use'] += 1;
      if (mark) unmarked.push({ secretId: secret.secretId, name: secret.name, reason: 'in_use' });
      continue;
    }
    if (secret.envVariables.length > 0) {
      // used_by shows no use, but an environment variable references the secret.
      skipped.in_use_env_variable += 1;
      if (mark) unmarked.push({ secretId: secret.secretId, name: secret.name, reason: 'in_use_env_variable' });
      continue;
    }
    unused += 1;
    const gap = mark ? now - mark.lastSeenUnusedAt > policy.maxObservationGapMs : false;
    const next: Mark = {
      secretId: secret.secretId,
      name: secret.name,
      firstSeenUnusedAt: mark && !gap ? mark.firstSeenUnusedAt : now,
      lastSeenUnusedAt: now,
    };
    writes.push(next);
    if (!mark || gap) newlyMarked.push({ mark: next, reason: mark ? 'observation_gap' : 'first_seen_unused' });
    if (now - next.firstSeenUnusedAt >= policy.gracePeriodMs) due.push(next);
    else skipped.grace_period += 1;
  }
  for (const mark of marks.values()) {
    if (seen.has(mark.secretId)) continue;
    // Listing is per prefix, so a secret whose prefix was dropped is missing rather than unowned.
    const owns = policy.prefixes.some((prefix) => mark.name.startsWith(prefix));
    unmarked.push({ secretId: mark.secretId, name: mark.name, reason: owns ? 'gone' : 'not_owned' });
  }

  const { limit, cap } = deletionLimit(owned, policy);
  const plan = { inventorySize: inventory.length, owned, unused, writes, newlyMarked, unmarked, due };
  if (due.length > limit) {
    skipped.cap_exceeded = due.length;
    return { ...plan, skipped, capExceeded: { due: due.length, limit, cap } };
  }
  return { ...plan, skipped };
}
