import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildStack, EVERY_SETTING, FEATURE_FLAGS, TEST_ENV } from '#test/helpers/stacks.ts';

const outDirs: string[] = [];
afterAll(() => {
  for (const dir of outDirs) rmSync(dir, { recursive: true, force: true });
});
function outDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'janitor-synth-'));
  outDirs.push(dir);
  return dir;
}

/** Runs infra/app.ts the way the CDK CLI does, with `context` as the CLI would pass it. */
function runApp(context: Record<string, unknown>, env: Record<string, string> = {}, out = outDir()) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'infra/app.ts'], {
    encoding: 'utf8',
    env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(context), CDK_OUTDIR: out, ...env },
  });
}

describe('infra/app.ts', () => {
  it('prints a config error as one line without a stack trace and exits 1', () => {
    const run = runApp({ janitor: { apiKeySecretName: 'k', horizonHours: 400 } });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe('horizonHours must be a whole number from 1 to 312, received 400\n');
  });

  it('prints a sweep schedule error with the cdk.json keys as written', () => {
    const run = runApp({
      janitor: { apiKeySecretName: 'k', sweep: { prefixes: ['s-'], schedule: 'cron(0 3 1 * ? *)' } },
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^sweep\.maxObservationGapHours must be at least 1\.5 times .* received 48 h\n$/);
  });

  it('synthesizes from the CLI context exactly the template the tests build with buildStack', () => {
    const out = outDir();
    const run = runApp(
      { ...FEATURE_FLAGS, 'aws:cdk:bundling-stacks': [], janitor: EVERY_SETTING },
      { CDK_DEFAULT_ACCOUNT: TEST_ENV.account, CDK_DEFAULT_REGION: TEST_ENV.region },
      out,
    );
    expect(run.stderr).toBe('cdk-nag AwsSolutions: 0 unacknowledged findings\n');
    expect(run.status).toBe(0);
    const synthesized = JSON.parse(readFileSync(join(out, 'JanitorEverything.template.json'), 'utf8'));
    expect(synthesized).toEqual(buildStack(EVERY_SETTING).template.toJSON());
  }, 60_000);
});

describe('feature flags', () => {
  it('sets every flag this aws-cdk-lib reports in cdk.json', () => {
    const { app } = buildStack({ apiKeySecretName: 'k' });
    const report = app.synth().manifest.artifacts?.['aws-cdk-lib/feature-flag-report'];
    const { flags } = (report?.properties ?? { flags: {} }) as { flags: Record<string, { userValue?: unknown }> };
    expect(Object.keys(flags).length).toBeGreaterThan(50);
    expect(Object.entries(flags).filter(([, flag]) => flag.userValue === undefined)).toEqual([]);
  });

  it('sets every recommended flag to its recommended value', () => {
    const recommended = JSON.parse(readFileSync('node_modules/aws-cdk-lib/recommended-feature-flags.json', 'utf8'));
    for (const [flag, value] of Object.entries(recommended))
      expect({ flag, value: FEATURE_FLAGS[flag] }).toEqual({ flag, value });
  });

  it('synthesizes with the CDK CLI without a "feature flags are not configured" notice', () => {
    const run = spawnSync('npx', ['cdk', 'synth', '--quiet', '-o', outDir()], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(`${run.stdout}${run.stderr}`).toContain('cdk-nag AwsSolutions: 0 unacknowledged findings');
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/feature flags? (is|are) not configured/);
  });
});
