import { describe, expect, it } from 'vitest';
import type { Mark } from '#core/ports.ts';
import type { InventoryItem } from '#core/sweep-inventory.ts';
import { deletionLimit, globToRegExp, type PlanPolicy, planSweep, type SweepPlan } from '#core/sweep-plan.ts';
import { summarizeUsage } from '#core/used-by.ts';
import { T0 } from '#test/helpers/fakes.ts';
import { EMPTY_USED_BY } from '#test/helpers/used-by.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const GRACE = 7 * DAY;
const GAP = 48 * HOUR;

/** Caps high enough to stay out of the way unless a test is about caps. */
function policy(overrides: Partial<PlanPolicy> = {}): PlanPolicy {
  return {
    prefixes: ['ci-run-', 'preview-'],
    gracePeriodMs: GRACE,
    maxObservationGapMs: GAP,
    maxDeletionsPerRun: 1000,
    maxDeletionPercent: 100,
    protectedSecretIds: new Set(),
    protectedNamePatterns: [],
    ...overrides,
  };
}

const secret = (
  secretId: string,
  name: string,
  usedBy: unknown = EMPTY_USED_BY,
  envVariables: readonly string[] = [],
): InventoryItem => ({ secretId, name, usage: summarizeUsage(usedBy), envVariables });
const unused = (secretId: string, name = `ci-run-${secretId}`) => secret(secretId, name);
const inUse = (secretId: string, name = `ci-run-${secretId}`) =>
  secret(secretId, name, { ...EMPTY_USED_BY, agents: [{ id: 'agent_1', type: 'available' }] });

const mark = (secretId: string, firstSeenUnusedAt: number, lastSeenUnusedAt = firstSeenUnusedAt): Mark => ({
  secretId,
  name: `ci-run-${secretId}`,
  firstSeenUnusedAt,
  lastSeenUnusedAt,
});
const marksOf = (...marks: Mark[]) => new Map(marks.map((m) => [m.secretId, m]));
const ids = (items: readonly { secretId: string }[]) => items.map((item) => item.secretId);

/**
 * The marks table across runs, as runSweep uses it: each plan's unmarks are deleted and its writes
 * put, and the next run reads the result.
 */
function simulatedTable(planPolicy: PlanPolicy) {
  let marks = new Map<string, Mark>();
  return {
    run(inventory: readonly InventoryItem[], now: number): SweepPlan {
      const plan = planSweep(inventory, marks, now, planPolicy);
      const next = new Map(marks);
      for (const { secretId } of plan.unmarked) next.delete(secretId);
      for (const written of plan.writes) next.set(written.secretId, written);
      marks = next;
      return plan;
    },
    marks: () => marks,
  };
}

/** Runs once a day from `from` to `to` inclusive, seeing the same inventory each time; returns the last plan. */
function daily(table: ReturnType<typeof simulatedTable>, inventory: InventoryItem[], from: number, to: number) {
  let plan: SweepPlan | undefined;
  for (let at = from; at <= to; at += DAY) plan = table.run(inventory, at);
  if (!plan) throw new Error('daily: no run');
  return plan;
}

describe('planSweep grace period', () => {
  it('marks a secret with firstSeenUnusedAt = now when it is first seen unused', () => {
    const plan = planSweep([unused('sec_a')], new Map(), T0, policy());
    const expected = { secretId: 'sec_a', name: 'ci-run-sec_a', firstSeenUnusedAt: T0, lastSeenUnusedAt: T0 };
    expect(plan.writes).toEqual([expected]);
    expect(plan.newlyMarked).toEqual([{ mark: expected, reason: 'first_seen_unused' }]);
    expect(plan.due).toEqual([]);
    expect(plan.skipped.grace_period).toBe(1);
  });

  it('keeps firstSeenUnusedAt and moves lastSeenUnusedAt when a marked secret is seen unused again', () => {
    const plan = planSweep([unused('sec_a')], marksOf(mark('sec_a', T0)), T0 + DAY, policy());
    expect(plan.writes).toEqual([{ ...mark('sec_a', T0), lastSeenUnusedAt: T0 + DAY }]);
    expect(plan.newlyMarked).toEqual([]);
  });

  it('finds nothing due one hour before the grace period ends when runs are daily', () => {
    const table = simulatedTable(policy());
    daily(table, [unused('sec_a')], T0, T0 + 6 * DAY);
    const plan = table.run([unused('sec_a')], T0 + GRACE - HOUR);
    expect(plan.due).toEqual([]);
    expect(plan.skipped.grace_period).toBe(1);
  });

  it('finds the secret due at exactly the grace period', () => {
    const table = simulatedTable(policy());
    const plan = daily(table, [unused('sec_a')], T0, T0 + GRACE);
    expect(plan.due).toEqual([{ ...mark('sec_a', T0), lastSeenUnusedAt: T0 + GRACE }]);
    expect(plan.skipped.grace_period).toBe(0);
  });

  it('restarts the clock when a secret goes unused, used, then unused again', () => {
    const table = simulatedTable(policy());
    table.run([unused('sec_a')], T0);
    const whileUsed = table.run([inUse('sec_a')], T0 + DAY);
    expect(whileUsed.unmarked).toEqual([{ secretId: 'sec_a', name: 'ci-run-sec_a', reason: 'in_use' }]);
    expect(table.marks().has('sec_a')).toBe(false);

    const again = table.run([unused('sec_a')], T0 + 2 * DAY);
    expect(again.newlyMarked.map((entry) => [entry.mark.firstSeenUnusedAt, entry.reason])).toEqual([
      [T0 + 2 * DAY, 'first_seen_unused'],
    ]);
    // A week after the first sighting is not enough: the clock started again on day 2.
    expect(daily(table, [unused('sec_a')], T0 + 3 * DAY, T0 + GRACE).due).toEqual([]);
    expect(ids(daily(table, [unused('sec_a')], T0 + 8 * DAY, T0 + 2 * DAY + GRACE).due)).toEqual(['sec_a']);
  });

  it('removes the mark of a secret that is gone from the workspace', () => {
    const table = simulatedTable(policy());
    table.run([unused('sec_a'), unused('sec_b')], T0);
    const plan = table.run([unused('sec_b')], T0 + DAY);
    expect(plan.unmarked).toEqual([{ secretId: 'sec_a', name: 'ci-run-sec_a', reason: 'gone' }]);
    expect([...table.marks().keys()]).toEqual(['sec_b']);
  });

  it('removes the mark as not_owned when its prefix was dropped from the configuration', () => {
    const table = simulatedTable(policy());
    table.run([unused('sec_a')], T0);
    const later = planSweep([], table.marks(), T0 + DAY, policy({ prefixes: ['preview-'] }));
    expect(later.unmarked).toEqual([{ secretId: 'sec_a', name: 'ci-run-sec_a', reason: 'not_owned' }]);
  });

  it('starts a new clock when a gone secret reappears', () => {
    const table = simulatedTable(policy());
    daily(table, [unused('sec_a')], T0, T0 + 5 * DAY);
    table.run([], T0 + 6 * DAY);
    const plan = daily(table, [unused('sec_a')], T0 + 7 * DAY, T0 + 8 * DAY);
    expect(plan.due).toEqual([]);
    expect(table.marks().get('sec_a')?.firstSeenUnusedAt).toBe(T0 + 7 * DAY);
  });

  it('restarts the clock when the previous sighting is more than the observation gap ago', () => {
    const table = simulatedTable(policy());
    daily(table, [unused('sec_a')], T0, T0 + 5 * DAY);
    const afterGap = T0 + 5 * DAY + GAP + 1;
    const plan = table.run([unused('sec_a')], afterGap);
    expect(plan.newlyMarked).toEqual([
      {
        mark: { secretId: 'sec_a', name: 'ci-run-sec_a', firstSeenUnusedAt: afterGap, lastSeenUnusedAt: afterGap },
        reason: 'observation_gap',
      },
    ]);
    expect(plan.due).toEqual([]);
  });

  it('keeps the clock when the previous sighting is exactly the observation gap ago', () => {
    const table = simulatedTable(policy());
    table.run([unused('sec_a')], T0);
    table.run([unused('sec_a')], T0 + GAP);
    table.run([unused('sec_a')], T0 + 2 * GAP);
    table.run([unused('sec_a')], T0 + 3 * GAP);
    // 4 × 48 h = 192 h since the first sighting, with no gap over 48 h.
    const plan = table.run([unused('sec_a')], T0 + 4 * GAP);
    expect(plan.newlyMarked).toEqual([]);
    expect(ids(plan.due)).toEqual(['sec_a']);
  });

  it('measures the gap from the latest sighting, not the first one', () => {
    const plan = planSweep([unused('sec_a')], marksOf(mark('sec_a', T0 - 30 * DAY, T0 - DAY)), T0, policy());
    expect(plan.newlyMarked).toEqual([]);
    expect(plan.due[0]?.firstSeenUnusedAt).toBe(T0 - 30 * DAY);
  });

  it('finds nothing due when the grace period has passed since a first sighting before a gap', () => {
    const plan = planSweep([unused('sec_a')], marksOf(mark('sec_a', T0 - 30 * DAY, T0 - 3 * DAY)), T0, policy());
    expect(plan.due).toEqual([]);
    expect(plan.writes[0]?.firstSeenUnusedAt).toBe(T0);
  });
});

describe('planSweep usage', () => {
  it('marks a secret whose used_by lists are all empty and whose has_more flags are all false', () => {
    expect(ids(planSweep([unused('sec_a')], new Map(), T0, policy()).writes)).toEqual(['sec_a']);
  });

  it.each(['tools', 'agents', 'phone_numbers', 'mcp_servers'])(
    'counts a secret as in use when %s holds an unknown item',
    (list) => {
      const item = secret('sec_a', 'ci-run-a', { ...EMPTY_USED_BY, [list]: [{ id: 'hidden_1', type: 'unknown' }] });
      const plan = planSweep([item], new Map(), T0, policy());
      expect(plan.writes).toEqual([]);
      expect(plan.skipped.in_use).toBe(1);
      expect(plan.unused).toBe(0);
    },
  );

  it('counts a secret as in use when others holds an entry', () => {
    const item = secret('sec_a', 'ci-run-a', { ...EMPTY_USED_BY, others: ['conversation_initiation_webhook'] });
    expect(planSweep([item], new Map(), T0, policy()).skipped.in_use).toBe(1);
  });

  it.each(['tools_has_more', 'agents_has_more', 'phone_numbers_has_more'])(
    'counts a secret as in use when %s is true and every list is empty',
    (flag) => {
      const item = secret('sec_a', 'ci-run-a', { ...EMPTY_USED_BY, [flag]: true });
      const plan = planSweep([item], new Map(), T0, policy());
      expect(plan.writes).toEqual([]);
      expect(plan.skipped.in_use).toBe(1);
    },
  );

  it('never marks a secret whose used_by is missing, and counts it as unreadable', () => {
    const item: InventoryItem = { ...secret('sec_a', 'ci-run-a'), usage: summarizeUsage(undefined) };
    const plan = planSweep([item], new Map(), T0, policy());
    expect(plan.skipped).toMatchObject({ unreadable: 1, in_use: 0 });
    expect(plan.writes).toEqual([]);
  });

  it('never marks a secret that only an environment variable references, and counts it apart', () => {
    const item = secret('sec_a', 'ci-run-a', EMPTY_USED_BY, ['DB_PASSWORD']);
    const plan = planSweep([item], new Map(), T0, policy());
    expect(plan.writes).toEqual([]);
    expect(plan.unused).toBe(0);
    expect(plan.skipped).toMatchObject({ in_use_env_variable: 1, in_use: 0, unreadable: 0 });
  });

  it('removes the mark, with reason in_use_env_variable, of a secret an environment variable now references', () => {
    const item = secret('sec_a', 'ci-run-a', EMPTY_USED_BY, ['DB_PASSWORD']);
    const plan = planSweep([item], marksOf(mark('sec_a', T0 - 30 * DAY, T0 - DAY)), T0, policy());
    expect(plan.due).toEqual([]);
    expect(plan.unmarked).toEqual([{ secretId: 'sec_a', name: 'ci-run-a', reason: 'in_use_env_variable' }]);
  });

  it('counts a secret held both in used_by and by an environment variable as in_use', () => {
    const item = secret('sec_a', 'ci-run-a', { ...EMPTY_USED_BY, others: ['conversation_initiation_webhook'] }, ['X']);
    expect(planSweep([item], new Map(), T0, policy()).skipped).toMatchObject({ in_use: 1, in_use_env_variable: 0 });
  });

  it('removes the mark of a secret that is in use past the grace period', () => {
    const plan = planSweep([inUse('sec_a')], marksOf(mark('sec_a', T0 - 30 * DAY, T0 - DAY)), T0, policy());
    expect(plan.due).toEqual([]);
    expect(plan.unmarked).toEqual([{ secretId: 'sec_a', name: 'ci-run-sec_a', reason: 'in_use' }]);
  });
});

describe('planSweep ownership', () => {
  it('never marks a secret outside the prefixes even when the API returned it', () => {
    const plan = planSweep([unused('sec_x', 'prod-db-password')], new Map(), T0, policy());
    expect(plan.writes).toEqual([]);
    expect(plan.newlyMarked).toEqual([]);
    expect(plan.owned).toBe(0);
    expect(plan.inventorySize).toBe(1);
  });

  it('never finds a secret outside the prefixes due even with an old mark', () => {
    const old = { ...mark('sec_x', T0 - 30 * DAY, T0 - DAY), name: 'prod-db-password' };
    const plan = planSweep([unused('sec_x', 'prod-db-password')], marksOf(old), T0, policy());
    expect(plan.due).toEqual([]);
    expect(plan.writes).toEqual([]);
  });

  it('removes the mark of a secret that is no longer owned', () => {
    const plan = planSweep([unused('sec_x', 'renamed-x')], marksOf(mark('sec_x', T0 - DAY)), T0, policy());
    expect(plan.unmarked).toEqual([{ secretId: 'sec_x', name: 'renamed-x', reason: 'not_owned' }]);
  });

  it('owns a name only when it starts with a prefix, case-sensitively', () => {
    const inventory = [
      unused('sec_1', 'ci-run-1'),
      unused('sec_2', 'preview-2'),
      unused('sec_3', 'x-ci-run-3'),
      unused('sec_4', 'CI-RUN-4'),
      unused('sec_5', 'ci-run'),
    ];
    const plan = planSweep(inventory, new Map(), T0, policy());
    expect(ids(plan.writes)).toEqual(['sec_1', 'sec_2']);
    expect(plan.owned).toBe(2);
  });
});

describe('planSweep protection', () => {
  it('never finds a protected id due', () => {
    const plan = planSweep(
      [unused('sec_keep')],
      marksOf(mark('sec_keep', T0 - 30 * DAY, T0 - DAY)),
      T0,
      policy({ protectedSecretIds: new Set(['sec_keep']) }),
    );
    expect(plan.due).toEqual([]);
    expect(plan.writes).toEqual([]);
    expect(plan.skipped.protected_id).toBe(1);
  });

  it('removes the existing mark of a protected id', () => {
    const plan = planSweep(
      [unused('sec_keep')],
      marksOf(mark('sec_keep', T0 - DAY)),
      T0,
      policy({ protectedSecretIds: new Set(['sec_keep']) }),
    );
    expect(plan.unmarked).toEqual([{ secretId: 'sec_keep', name: 'ci-run-sec_keep', reason: 'protected' }]);
  });

  it('never finds a secret due whose name matches a protected glob', () => {
    const plan = planSweep(
      [unused('sec_a', 'ci-run-shared-prod')],
      marksOf(mark('sec_a', T0 - 30 * DAY, T0 - DAY)),
      T0,
      policy({ protectedNamePatterns: ['ci-run-*-prod'] }),
    );
    expect(plan.due).toEqual([]);
    expect(plan.skipped.protected_name).toBe(1);
    expect(plan.unmarked).toEqual([{ secretId: 'sec_a', name: 'ci-run-shared-prod', reason: 'protected' }]);
  });

  it('anchors a protected glob at both ends', () => {
    const plan = planSweep(
      [unused('sec_a', 'ci-run-prod-1'), unused('sec_b', 'ci-run-1-prod-x')],
      new Map(),
      T0,
      policy({ protectedNamePatterns: ['ci-run-*-prod'] }),
    );
    expect(ids(plan.writes)).toEqual(['sec_a', 'sec_b']);
  });

  it('reads every glob character but * literally', () => {
    expect(globToRegExp('ci-run-v1.0+(x)').test('ci-run-v1.0+(x)')).toBe(true);
    expect(globToRegExp('ci-run-v1.0+(x)').test('ci-run-v1x0+(x)')).toBe(false);
    expect(globToRegExp('ci-*').test('ci-')).toBe(true);
  });

  it.each(['ci-run-a\nb-prod', 'ci-run-\r\n-prod', 'ci-run-\u2028-prod'])(
    'lets * match line breaks when the name is %j',
    (name) => {
      expect(globToRegExp('ci-run-*-prod').test(name)).toBe(true);
    },
  );

  it('never finds a secret due whose name holds a line break inside a protected glob', () => {
    const plan = planSweep(
      [unused('sec_a', 'ci-run-shared\n-prod')],
      marksOf(mark('sec_a', T0 - 30 * DAY, T0 - DAY)),
      T0,
      policy({ protectedNamePatterns: ['ci-run-*-prod'] }),
    );
    expect(plan.due).toEqual([]);
    expect(plan.skipped.protected_name).toBe(1);
  });

  it('still anchors at the very end when the name ends in a line break', () => {
    expect(globToRegExp('ci-run-*-prod').test('ci-run-x-prod\n')).toBe(false);
    expect(globToRegExp('ci-run-*-prod').test('ci-run-x-prod\nmore')).toBe(false);
  });
});

describe('deletionLimit', () => {
  it('allows the fraction when it is below the per-run cap', () => {
    expect(deletionLimit(20, policy({ maxDeletionsPerRun: 25, maxDeletionPercent: 10 }))).toEqual({
      limit: 2,
      cap: 'fraction',
    });
  });

  it('allows the per-run cap when the fraction is above it', () => {
    expect(deletionLimit(1000, policy({ maxDeletionsPerRun: 25, maxDeletionPercent: 10 }))).toEqual({
      limit: 25,
      cap: 'per_run',
    });
  });

  it('rounds the fraction down', () => {
    expect(deletionLimit(39, policy({ maxDeletionsPerRun: 25, maxDeletionPercent: 10 })).limit).toBe(3);
  });

  it('allows at least one deletion for a tiny inventory', () => {
    expect(deletionLimit(3, policy({ maxDeletionsPerRun: 25, maxDeletionPercent: 10 })).limit).toBe(1);
    expect(deletionLimit(0, policy({ maxDeletionsPerRun: 25, maxDeletionPercent: 10 })).limit).toBe(1);
  });
});

describe('planSweep caps', () => {
  /** `dueCount` secrets past the grace period among `owned` owned ones (the rest in use). */
  function inventoryWithDue(dueCount: number, owned: number) {
    const inventory: InventoryItem[] = [];
    const marks = new Map<string, Mark>();
    for (let index = 0; index < owned; index += 1) {
      const id = `sec_${index}`;
      if (index < dueCount) {
        inventory.push(unused(id));
        marks.set(id, mark(id, T0 - GRACE, T0 - DAY));
      } else {
        inventory.push(inUse(id));
      }
    }
    return { inventory, marks };
  }

  it('flags capExceeded and counts every due secret as skipped when due is over maxDeletionsPerRun', () => {
    const { inventory, marks } = inventoryWithDue(4, 100);
    const plan = planSweep(inventory, marks, T0, policy({ maxDeletionsPerRun: 3, maxDeletionPercent: 100 }));
    expect(plan.capExceeded).toEqual({ due: 4, limit: 3, cap: 'per_run' });
    expect(plan.skipped.cap_exceeded).toBe(4);
  });

  it('flags capExceeded when due is over the percentage of owned secrets', () => {
    const { inventory, marks } = inventoryWithDue(3, 20);
    const plan = planSweep(inventory, marks, T0, policy({ maxDeletionsPerRun: 25, maxDeletionPercent: 10 }));
    expect(plan.capExceeded).toEqual({ due: 3, limit: 2, cap: 'fraction' });
  });

  it('does not flag capExceeded when due is exactly the limit', () => {
    const { inventory, marks } = inventoryWithDue(2, 20);
    const plan = planSweep(inventory, marks, T0, policy({ maxDeletionsPerRun: 25, maxDeletionPercent: 10 }));
    expect(plan.capExceeded).toBeUndefined();
    expect(plan.due).toHaveLength(2);
    expect(plan.skipped.cap_exceeded).toBe(0);
  });

  it('allows one due secret in a tiny inventory', () => {
    const { inventory, marks } = inventoryWithDue(1, 3);
    const plan = planSweep(inventory, marks, T0, policy({ maxDeletionsPerRun: 25, maxDeletionPercent: 10 }));
    expect(plan.capExceeded).toBeUndefined();
    expect(ids(plan.due)).toEqual(['sec_0']);
  });

  it('flags capExceeded for two due secrets in a tiny inventory', () => {
    const { inventory, marks } = inventoryWithDue(2, 3);
    const plan = planSweep(inventory, marks, T0, policy({ maxDeletionsPerRun: 25, maxDeletionPercent: 10 }));
    expect(plan.capExceeded).toEqual({ due: 2, limit: 1, cap: 'fraction' });
  });

  it('keeps the marks of due secrets when the cap is exceeded', () => {
    const { inventory, marks } = inventoryWithDue(4, 100);
    const plan = planSweep(inventory, marks, T0, policy({ maxDeletionsPerRun: 3 }));
    expect(ids(plan.writes)).toEqual(['sec_0', 'sec_1', 'sec_2', 'sec_3']);
    expect(plan.writes.every((written) => written.firstSeenUnusedAt === T0 - GRACE)).toBe(true);
    expect(plan.unmarked).toEqual([]);
  });

  it('counts protected and in-use owned secrets toward the percentage base', () => {
    const { inventory, marks } = inventoryWithDue(2, 19);
    inventory.push(unused('sec_keep'));
    const plan = planSweep(
      inventory,
      marks,
      T0,
      policy({ maxDeletionsPerRun: 25, maxDeletionPercent: 10, protectedSecretIds: new Set(['sec_keep']) }),
    );
    expect(plan.owned).toBe(20);
    expect(plan.capExceeded).toBeUndefined();
  });

  it('leaves secrets outside the prefixes out of the percentage base', () => {
    const { inventory, marks } = inventoryWithDue(2, 10);
    for (let index = 0; index < 100; index += 1) inventory.push(unused(`sec_other_${index}`, `other-${index}`));
    const plan = planSweep(inventory, marks, T0, policy({ maxDeletionsPerRun: 25, maxDeletionPercent: 10 }));
    expect(plan.owned).toBe(10);
    expect(plan.capExceeded).toEqual({ due: 2, limit: 1, cap: 'fraction' });
  });
});

describe('planSweep purity', () => {
  it('returns equal plans for equal inputs and leaves the marks it was given unchanged', () => {
    const marks = marksOf(mark('sec_a', T0 - GRACE, T0 - DAY), mark('sec_gone', T0 - DAY));
    const snapshot = structuredClone([...marks.entries()]);
    const inventory = [unused('sec_a'), unused('sec_b'), inUse('sec_c')];
    const first = planSweep(inventory, marks, T0, policy());
    const second = planSweep(inventory, marks, T0, policy());
    expect(second).toEqual(first);
    expect([...marks.entries()]).toEqual(snapshot);
  });
});
