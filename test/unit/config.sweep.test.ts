import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Mark } from '#core/ports.ts';
import type { InventoryItem } from '#core/sweep-inventory.ts';
import { deletionLimit, planSweep } from '#core/sweep-plan.ts';
import { summarizeUsage } from '#core/used-by.ts';
import { DEFAULTS, loadSweepConfig, type SweepConfig } from '#shared/config.ts';
import { ConfigError } from '#shared/errors.ts';
import { T0 } from '#test/helpers/fakes.ts';
import { EMPTY_USED_BY } from '#test/helpers/used-by.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const REQUIRED = {
  API_KEY_SECRET_ID: 'janitor/elevenlabs-api-key',
  QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/janitor-queue',
  MARKS_TABLE_NAME: 'janitor-sweep-marks',
  SWEEP_PREFIXES: 'ci-run-',
} as const;

/** Optional variables, blanked (read as unset) so that the shell running the tests cannot leak in. */
const OPTIONAL = [
  'API_KEY_SECRET_FIELD',
  'API_KEY_TTL_SECONDS',
  'ELEVENLABS_BASE_URL',
  'REQUEST_TIMEOUT_MS',
  'SWEEP_MODE',
  'GRACE_PERIOD_HOURS',
  'MAX_OBSERVATION_GAP_HOURS',
  'MAX_DELETIONS_PER_RUN',
  'MAX_DELETION_PERCENT',
  'PROTECTED_SECRET_IDS',
  'PROTECTED_NAME_PATTERNS',
  'DEADLINE_MARGIN_MS',
];

/** The environment the handler sees at cold start; each test adds or blanks what it is about. */
beforeEach(() => {
  for (const name of OPTIONAL) vi.stubEnv(name, '');
  for (const [name, value] of Object.entries(REQUIRED)) vi.stubEnv(name, value);
});

function refusal(overrides: Record<string, string | undefined>): ConfigError {
  for (const [name, value] of Object.entries(overrides)) vi.stubEnv(name, value);
  try {
    loadSweepConfig();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(overrides)} to be refused`);
}

function configWith(overrides: Record<string, string> = {}): SweepConfig {
  for (const [name, value] of Object.entries(overrides)) vi.stubEnv(name, value);
  return loadSweepConfig();
}

describe('DEFAULTS for the sweep', () => {
  it('runs the sweep in report mode', () => {
    expect(DEFAULTS.sweepMode).toBe('report');
  });

  it('waits a grace period of 7 days (168 h)', () => {
    expect(DEFAULTS.gracePeriodHours).toBe(168);
  });

  it('refuses a grace period under 1 h', () => {
    expect(DEFAULTS.minGracePeriodHours).toBe(1);
  });

  it('restarts the clock after an observation gap of 48 h', () => {
    expect(DEFAULTS.maxObservationGapHours).toBe(48);
  });

  it('allows at most 25 deletions per run', () => {
    expect(DEFAULTS.maxDeletionsPerRun).toBe(25);
  });

  it('allows at most 10 % of the owned secrets per run', () => {
    expect(DEFAULTS.maxDeletionPercent).toBe(10);
  });

  it('keeps audit records for 90 days', () => {
    expect(DEFAULTS.auditTtlDays).toBe(90);
  });

  it('lists 100 secrets per page', () => {
    expect(DEFAULTS.listPageSize).toBe(100);
  });

  it('runs the sweep once a day in UTC', () => {
    expect(DEFAULTS.sweepSchedule).toBe('rate(1 day)');
    expect(DEFAULTS.sweepTimeZone).toBe('UTC');
  });

  it('protects no secret ids', () => {
    expect(DEFAULTS.protectedSecretIds).toEqual([]);
  });
});

describe('loadSweepConfig', () => {
  it('applies every default when only the required variables are set', () => {
    expect(loadSweepConfig()).toEqual({
      apiKeySecretId: REQUIRED.API_KEY_SECRET_ID,
      apiKeySecretField: DEFAULTS.apiKeySecretField,
      apiKeyTtlMs: DEFAULTS.apiKeyTtlSeconds * 1000,
      baseUrl: DEFAULTS.baseUrl,
      queueUrl: REQUIRED.QUEUE_URL,
      marksTableName: REQUIRED.MARKS_TABLE_NAME,
      requestTimeoutMs: DEFAULTS.requestTimeoutMs,
      mode: 'report',
      prefixes: ['ci-run-'],
      gracePeriodMs: 7 * DAY,
      maxObservationGapMs: 48 * HOUR,
      maxDeletionsPerRun: 25,
      maxDeletionPercent: 10,
      protectedSecretIds: new Set(),
      protectedNamePatterns: [],
      auditTtlDays: 90,
      deadlineMarginMs: DEFAULTS.deadlineMarginMs,
      workspace: 'default',
    });
  });

  it('reads an explicit env argument instead of process.env', () => {
    const config = loadSweepConfig({ ...REQUIRED, SWEEP_PREFIXES: 'from-argument-' });
    expect(config.prefixes).toEqual(['from-argument-']);
  });

  it('reads every sweep override and converts hours to ms', () => {
    const config = configWith({
      SWEEP_MODE: 'delete',
      SWEEP_PREFIXES: ' ci-run- , preview-,,',
      GRACE_PERIOD_HOURS: '36',
      MAX_OBSERVATION_GAP_HOURS: '72',
      MAX_DELETIONS_PER_RUN: '1000',
      MAX_DELETION_PERCENT: '100',
      PROTECTED_SECRET_IDS: 'sec_keep_1,sec_keep_2',
      PROTECTED_NAME_PATTERNS: 'ci-run-*-prod, preview-main',
    });
    expect(config).toMatchObject({
      mode: 'delete',
      prefixes: ['ci-run-', 'preview-'],
      gracePeriodMs: 36 * HOUR,
      maxObservationGapMs: 72 * HOUR,
      maxDeletionsPerRun: 1000,
      maxDeletionPercent: 100,
      protectedSecretIds: new Set(['sec_keep_1', 'sec_keep_2']),
      protectedNamePatterns: ['ci-run-*-prod', 'preview-main'],
    });
  });

  it('refuses a missing SWEEP_PREFIXES with a message naming it', () => {
    expect(refusal({ SWEEP_PREFIXES: undefined }).message).toMatch(/^SWEEP_PREFIXES is required/);
  });

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['only commas', ' , ,'],
  ])('refuses a %s SWEEP_PREFIXES and says an empty list never means everything', (_label, value) => {
    const { message } = refusal({ SWEEP_PREFIXES: value });
    expect(message).toContain('SWEEP_PREFIXES');
    expect(message).toContain('never means "everything"');
  });

  it.each([
    ['*', 'a wildcard'],
    ['ci run-', 'a space'],
  ])('refuses the prefix "%s" (%s) naming the variable and the entry', (prefix) => {
    const { message } = refusal({ SWEEP_PREFIXES: `preview-,${prefix}` });
    expect(message).toBe(
      `SWEEP_PREFIXES has an invalid entry "${prefix}": expected 1-128 characters without whitespace, "*" or ","`,
    );
  });

  it('refuses a prefix over 128 characters', () => {
    expect(refusal({ SWEEP_PREFIXES: 'p'.repeat(129) }).message).toContain('SWEEP_PREFIXES has an invalid entry');
  });

  it('refuses GRACE_PERIOD_HOURS=0 naming the variable, the value and the allowed range', () => {
    expect(refusal({ GRACE_PERIOD_HOURS: '0' }).message).toBe(
      'GRACE_PERIOD_HOURS must be a whole number from 1 to 8760, received "0"',
    );
  });

  it.each(['-5', '1.5', 'a week', '8761'])('refuses GRACE_PERIOD_HOURS=%s', (value) => {
    expect(refusal({ GRACE_PERIOD_HOURS: value }).message).toContain(`GRACE_PERIOD_HOURS must be a whole number`);
  });

  it('accepts the minimum grace period of 1 h', () => {
    expect(configWith({ GRACE_PERIOD_HOURS: '1' }).gracePeriodMs).toBe(HOUR);
  });

  it('refuses an unknown SWEEP_MODE naming the allowed modes', () => {
    expect(refusal({ SWEEP_MODE: 'dry-run' }).message).toBe(
      'SWEEP_MODE must be one of "report", "delete", received "dry-run"',
    );
  });

  it.each([
    ['MAX_DELETIONS_PER_RUN', '0', 'from 1 to 1000'],
    ['MAX_DELETIONS_PER_RUN', '1001', 'from 1 to 1000'],
    ['MAX_DELETION_PERCENT', '0', 'from 1 to 100'],
    ['MAX_DELETION_PERCENT', '101', 'from 1 to 100'],
    ['MAX_OBSERVATION_GAP_HOURS', '0', 'from 1 to 8760'],
  ])('refuses %s=%s with the allowed range', (name, value, range) => {
    expect(refusal({ [name]: value }).message).toBe(`${name} must be a whole number ${range}, received "${value}"`);
  });

  it('refuses a missing MARKS_TABLE_NAME', () => {
    expect(refusal({ MARKS_TABLE_NAME: undefined }).message).toMatch(/^MARKS_TABLE_NAME is required/);
  });

  it('refuses an invalid protected secret id', () => {
    expect(refusal({ PROTECTED_SECRET_IDS: 'sec_ok,../etc' }).message).toContain(
      'PROTECTED_SECRET_IDS has an invalid entry "../etc"',
    );
  });
});

describe('sweep safety defaults in effect', () => {
  const unusedItem = (id: string): InventoryItem => ({
    secretId: id,
    name: `ci-run-${id}`,
    usage: summarizeUsage(EMPTY_USED_BY),
    envVariables: [],
  });
  const inUseItem = (id: string): InventoryItem => ({
    secretId: id,
    name: `ci-run-${id}`,
    usage: summarizeUsage({ agents: [{ id: 'agent_1' }] }),
    envVariables: [],
  });
  const markFor = (id: string, firstSeenUnusedAt: number, lastSeenUnusedAt: number): Mark => ({
    secretId: id,
    name: `ci-run-${id}`,
    firstSeenUnusedAt,
    lastSeenUnusedAt,
  });

  /** `dueCount` secrets marked long ago among `owned` owned ones; the others are in use. */
  function dueAmong(dueCount: number, owned: number) {
    const inventory: InventoryItem[] = [];
    const marks = new Map<string, Mark>();
    for (let index = 0; index < owned; index += 1) {
      const id = `sec_${index}`;
      inventory.push(index < dueCount ? unusedItem(id) : inUseItem(id));
      if (index < dueCount) marks.set(id, markFor(id, T0 - 30 * DAY, T0 - DAY));
    }
    return { inventory, marks };
  }

  it('finds nothing due after 167 h of daily sightings with the default grace period', () => {
    const plan = planSweep(
      [unusedItem('a')],
      new Map([['a', markFor('a', T0 - 167 * HOUR, T0 - DAY)]]),
      T0,
      configWith(),
    );
    expect(plan.due).toEqual([]);
  });

  it('finds the secret due after 168 h of daily sightings with the default grace period', () => {
    const plan = planSweep(
      [unusedItem('a')],
      new Map([['a', markFor('a', T0 - 168 * HOUR, T0 - DAY)]]),
      T0,
      configWith(),
    );
    expect(plan.due).toHaveLength(1);
  });

  it('keeps the clock over a 48 h gap and restarts it over a longer one with the default gap', () => {
    const config = configWith();
    const keep = planSweep(
      [unusedItem('a')],
      new Map([['a', markFor('a', T0 - 30 * DAY, T0 - 48 * HOUR)]]),
      T0,
      config,
    );
    const restart = planSweep(
      [unusedItem('a')],
      new Map([['a', markFor('a', T0 - 30 * DAY, T0 - 48 * HOUR - 1)]]),
      T0,
      config,
    );
    expect(keep.newlyMarked).toEqual([]);
    expect(restart.newlyMarked.map((entry) => entry.reason)).toEqual(['observation_gap']);
  });

  it('sees a secret every day within the default gap when the default schedule runs', () => {
    const [, amount, unit] = /^rate\((\d+) (day|hour)s?\)$/.exec(DEFAULTS.sweepSchedule) ?? [];
    const intervalMs = Number(amount) * (unit === 'day' ? DAY : HOUR);
    expect(intervalMs).toBeLessThanOrEqual(configWith().maxObservationGapMs);
  });

  it('trips the default per-run cap at 26 due among 1000 owned', () => {
    const config = configWith();
    const at25 = dueAmong(25, 1000);
    const at26 = dueAmong(26, 1000);
    expect(planSweep(at25.inventory, at25.marks, T0, config).capExceeded).toBeUndefined();
    expect(planSweep(at26.inventory, at26.marks, T0, config).capExceeded).toEqual({
      due: 26,
      limit: 25,
      cap: 'per_run',
    });
  });

  it('trips the default 10 % cap at 3 due among 20 owned', () => {
    const { inventory, marks } = dueAmong(3, 20);
    expect(planSweep(inventory, marks, T0, configWith()).capExceeded).toEqual({ due: 3, limit: 2, cap: 'fraction' });
  });

  it('allows one deletion for a tiny inventory with the default caps', () => {
    expect(deletionLimit(1, configWith()).limit).toBe(1);
  });

  it('protects nothing by default', () => {
    const { inventory, marks } = dueAmong(1, 10);
    const plan = planSweep(inventory, marks, T0, configWith());
    expect(plan.skipped.protected_id + plan.skipped.protected_name).toBe(0);
  });
});
