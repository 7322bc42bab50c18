import { describe, expect, it } from 'vitest';
import { JanitorContextSchema, parseJanitorContext } from '#infra/context.ts';
import { loadSweepConfig, loadWorkerConfig } from '#shared/config.ts';
import { SETTINGS, type Setting } from '#shared/settings.ts';
import { buildStack, SECRET_ARN } from '#test/helpers/stacks.ts';

const KEY = { apiKeySecretName: 'k' };
const FROM = new Date('2026-01-01T00:00:00Z');

function refusal(context: unknown): string {
  try {
    parseJanitorContext(context, FROM);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(context)} to be refused`);
}

describe('parseJanitorContext', () => {
  it('applies the default stack name when none is given', () => {
    expect(parseJanitorContext(KEY).stackName).toBe('ConvaiSecretJanitor');
  });

  it('parses a JSON string passed with -c', () => {
    expect(parseJanitorContext('{"apiKeySecretName":"k","dryRun":true}').dryRun).toBe(true);
  });

  it('refuses an unknown key, names it and lists the allowed keys', () => {
    expect(refusal({ ...KEY, horizon: 3 })).toMatch(
      /^unknown key "horizon" in context "janitor"; allowed: apiKeySecretName, .*, horizonHours, .*, sweep$/,
    );
  });

  it('names horizonHours as written, the value and the range when it is out of range', () => {
    expect(refusal({ ...KEY, horizonHours: 400 })).toBe(
      'horizonHours must be a whole number from 1 to 312, received 400',
    );
  });

  it('names a sweep key with its sweep. path when its value is invalid', () => {
    expect(refusal({ ...KEY, sweep: { prefixes: ['s-'], gracePeriodHours: 9000 } })).toBe(
      'sweep.gracePeriodHours must be a whole number from 1 to 8760, received 9000',
    );
  });

  it('names the key and the bad entry when a list holds an invalid id', () => {
    expect(refusal({ ...KEY, protectedSecretIds: ['ok', 'bad/id'] })).toBe(
      'protectedSecretIds has an invalid entry "bad/id": expected 1-128 letters, digits, "_" or "-"',
    );
  });

  it('says sweep.prefixes is required when a sweep has none', () => {
    expect(refusal({ ...KEY, sweep: { mode: 'report' } })).toMatch(
      /^sweep\.prefixes is required \(.+\), received nothing$/,
    );
  });

  it('refuses a value of the wrong type, naming the key and the value', () => {
    expect(refusal({ ...KEY, dryRun: 'yes' })).toBe('dryRun must be true or false, received "yes"');
  });

  it('refuses both a secret name and an ARN', () => {
    expect(
      refusal({
        apiKeySecretName: 'k',
        apiKeySecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:k-AbCdEf',
      }),
    ).toMatch(/exactly one of apiKeySecretName or apiKeySecretArn/);
  });

  it('refuses a secret ARN without the random suffix', () => {
    expect(refusal({ apiKeySecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:k' })).toMatch(
      /^apiKeySecretArn must be a complete secret ARN ending in the 6-character suffix, received "arn:/,
    );
  });

  it('refuses a context value that is not JSON', () => {
    expect(refusal('{nope')).toBe('context "janitor" must be a JSON object, received "{nope"');
  });

  it('refuses a context value that is not an object', () => {
    expect(refusal('[1]')).toBe('context "janitor" must be a JSON object, received [1]');
  });

  it('refuses a sweep that is not an object', () => {
    expect(refusal({ ...KEY, sweep: ['s-'] })).toBe('sweep must be a JSON object, received ["s-"]');
  });

  it('refuses a monthly sweep with a 192 h observation gap, naming the cdk.json keys', () => {
    expect(
      refusal({
        ...KEY,
        sweep: { prefixes: ['s-'], schedule: 'cron(0 3 1 * ? *)', maxObservationGapHours: 192, gracePeriodHours: 2000 },
      }),
    ).toBe(
      'sweep.maxObservationGapHours must be at least 1.5 times the longest time between runs (744 h for "cron(0 3 1 * ? *)" in UTC, from 2026-01-01T03:00:00.000Z to 2026-02-01T03:00:00.000Z), so at least 1116 h, or every run restarts the grace period and nothing is ever deleted; received 192 h',
    );
  });

  it('refuses an observation gap that is not shorter than the grace period, naming both keys', () => {
    expect(refusal({ ...KEY, sweep: { prefixes: ['s-'], gracePeriodHours: 48 } })).toBe(
      'sweep.maxObservationGapHours must be shorter than sweep.gracePeriodHours (48 h), received 48 h',
    );
  });

  it('types the parsed context after the declarations', () => {
    const context = parseJanitorContext({ ...KEY, horizonHours: 24, sweep: { prefixes: ['s-'], mode: 'delete' } });
    const horizon: number | undefined = context.horizonHours;
    const mode: 'report' | 'delete' | undefined = context.sweep?.mode;
    expect([horizon, mode]).toEqual([24, 'delete']);
  });
});

describe('JanitorContextSchema', () => {
  it('has exactly the context keys the settings declare, sweep keys inside sweep', () => {
    const declared = (Object.values(SETTINGS) as Setting[]).flatMap((setting) => setting.context ?? []);
    const top = Object.keys(JanitorContextSchema.entries).filter((key) => key !== 'sweep');
    const sweep = JanitorContextSchema.entries.sweep.wrapped.entries;
    expect([...top, ...Object.keys(sweep).map((key) => `sweep.${key}`)].sort()).toEqual(declared.sort());
  });
});

/** Every variable a function gets, with deploy-time values (ARNs, URLs, names) as placeholders. */
function functionEnvironments(context: Record<string, unknown>) {
  const { template } = buildStack(context);
  return Object.values(template.findResources('AWS::Lambda::Function')).map((fn) =>
    Object.fromEntries(
      Object.entries(
        (fn as { Properties: { Environment: { Variables: Record<string, unknown> } } }).Properties.Environment
          .Variables,
      ).map(([name, value]) => [name, typeof value === 'string' ? value : `deploy-time-${name.toLowerCase()}`]),
    ),
  );
}

describe('a context that synthesizes also starts', () => {
  it.each([
    [
      'every setting at its largest',
      {
        apiKeySecretArn: SECRET_ARN,
        horizonHours: 312,
        concurrency: 50,
        maxConcurrency: 1000,
        sweep: {
          prefixes: ['p'.repeat(128)],
          mode: 'delete',
          gracePeriodHours: 8760,
          maxObservationGapHours: 8759,
          maxDeletionsPerRun: 1000,
          maxDeletionPercent: 100,
        },
      },
    ],
    [
      'every setting at its smallest',
      {
        apiKeySecretArn: SECRET_ARN,
        horizonHours: 1,
        concurrency: 1,
        maxConcurrency: 2,
        sweep: {
          prefixes: ['p'],
          schedule: 'rate(30 minutes)',
          gracePeriodHours: 2,
          maxObservationGapHours: 1,
          maxDeletionsPerRun: 1,
          maxDeletionPercent: 1,
        },
      },
    ],
  ])('starts both functions from the environment the stack writes with %s', (_label, context) => {
    const environments = functionEnvironments(context);
    const sweepEnv = environments.find((env) => env.SWEEP_PREFIXES !== undefined);
    const workerEnv = environments.find((env) => env.DLQ_URL !== undefined);
    const sweep = loadSweepConfig(sweepEnv);
    const worker = loadWorkerConfig(workerEnv);
    expect(sweep.gracePeriodMs).toBe(context.sweep.gracePeriodHours * 3_600_000);
    expect(sweep.maxObservationGapMs).toBe(context.sweep.maxObservationGapHours * 3_600_000);
    expect(sweep.prefixes).toEqual(context.sweep.prefixes);
    expect(worker.horizonMs).toBe(context.horizonHours * 3_600_000);
    expect(worker.concurrency).toBe(context.concurrency);
    expect(worker.sweep).toEqual({ mode: sweep.mode, gracePeriodMs: sweep.gracePeriodMs });
  });
});

describe('parseJanitorContext scheduledDeletions', () => {
  it('names the unknown field of an entry', () => {
    expect(
      refusal({ ...KEY, scheduledDeletions: [{ name: 'a', expression: 'rate(1 day)', secretIds: ['x'], foo: 1 }] }),
    ).toMatch(
      /^scheduledDeletions must be a list of .* \(0\.foo: unknown field "foo" in a scheduled deletion; allowed: /,
    );
  });

  it('names the missing field of an entry', () => {
    expect(refusal({ ...KEY, scheduledDeletions: [{ name: 'a', secretIds: ['x'] }] })).toMatch(
      /\(0\.expression: expression is required in a scheduled deletion, received nothing\)/,
    );
  });
});
