/**
 * How the sandbox's story words what happened: virtual times, the janitor's view of a secret's
 * holders, the sweep's reason for each secret, and one line per worker log entry.
 */
import { holderSummary, holderView } from '#cli/commands/secrets.ts';
import { formatAge } from '#cli/output.ts';
import type { Mark } from '#core/ports.ts';
import type { InventoryItem } from '#core/sweep-inventory.ts';
import { planSweep, type SweepPlan } from '#core/sweep-plan.ts';
import type { LogEntry } from '#sandbox/collector.ts';
import { START } from '#sandbox/world.ts';
import type { SweepConfig } from '#shared/config.ts';

/** Virtual time since the start: `T+2:05:30`. */
export function clockText(ms: number): string {
  const total = Math.round((ms - START) / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `T+${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}

/** `agents: Support bot (agent_…)`, or '' for a secret nothing holds. */
export function holdersOf(item: InventoryItem): string {
  const view = holderView(item.usage, item.envVariables);
  return view.inUse ? holderSummary(view) : '';
}

const SKIP_WORDS: Record<string, string> = {
  protected_id: 'skip: protected id',
  protected_name: 'skip: protected name',
  in_use: 'skip: in use',
  in_use_env_variable: 'skip: an environment variable references it',
  unreadable: 'skip: used_by unreadable (counts as in use)',
};

/**
 * What the run's plan decided for one listed secret: from the plan's own lists, and for a skipped
 * secret the reason the planner gives for that secret alone (its counts are per reason).
 */
export function decisionOf(
  item: InventoryItem,
  plan: SweepPlan,
  marksBefore: ReadonlyMap<string, Mark>,
  now: number,
  config: SweepConfig,
): string {
  const id = item.secretId;
  if (plan.due.some((mark) => mark.secretId === id)) {
    return config.mode === 'delete' ? 'delete: enqueued' : 'would delete (report mode)';
  }
  const unmarked = plan.unmarked.find((u) => u.secretId === id);
  if (unmarked) return `unmark: ${unmarked.reason.replaceAll('_', ' ')}`;
  const written = plan.writes.find((mark) => mark.secretId === id);
  if (written) {
    const dueAt = clockText(written.firstSeenUnusedAt + config.gracePeriodMs);
    const marked = plan.newlyMarked.some((entry) => entry.mark.secretId === id);
    return `${marked ? 'mark' : 'keep mark'}: unused, due at ${dueAt}`;
  }
  const single = planSweep([item], marksBefore, now, config);
  const reason = Object.entries(single.skipped).find(([, count]) => count > 0)?.[0];
  return reason ? (SKIP_WORDS[reason] ?? `skip: ${reason}`) : 'skip';
}

const text = (value: unknown) => (value === undefined ? '' : String(value));

/** One worker log line in words: what happened to the record, and why. */
export function describeEntry(entry: LogEntry): string {
  const f = entry.fields;
  const attempt = f.attempt === undefined ? '' : `attempt ${f.attempt}, `;
  switch (entry.message) {
    case 'deleted':
      return `deleted (${attempt}HTTP ${text(f.status)})`;
    case 'already_gone':
      return `already gone (${attempt}HTTP 404)`;
    case 'in_use_deferred': {
      const holders = Object.entries((f.holders ?? {}) as Record<string, string[]>)
        .map(([list, names]) => `${list}: ${names.join(', ')}`)
        .join('; ');
      const delay = typeof f.delaySeconds === 'number' ? `; next try in ${formatAge(f.delaySeconds * 1000)}` : '';
      return `in use (${attempt}HTTP 422${holders ? `, ${holders}` : ''})${delay}`;
    }
    case 'in_use_skipped':
      return `in use at DELETE (HTTP 422): sweep request dropped, mark ${f.markCleared ? 'cleared' : 'kept'}; the next run decides again`;
    case 'fanned_out':
      return `fanned out into ${text(f.enqueued)} messages, one per secret`;
    case 'refused':
      return `refused: ${text(f.refusal)}${f.detail ? ` (${text(f.detail)})` : ''}`;
    case 'moved_to_dlq':
      return `to the DLQ: ${text(f.failureReason).replaceAll('; ', ';\n')}`;
    default:
      return `${entry.message}${f.error ? `: ${text(f.error)}` : ''}`;
  }
}
