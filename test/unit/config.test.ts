import { describe, expect, it, vi } from 'vitest';
import { baseUrlProblem, DEFAULTS, loadWorkerConfig, MAX_HORIZON_HOURS, REGIONAL_BASE_URLS } from '#shared/config.ts';
import { ConfigError } from '#shared/errors.ts';
import { MINIMAL_ENV } from '#test/helpers/fakes.ts';

function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadWorkerConfig({ ...MINIMAL_ENV, ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be refused`);
}

describe('loadWorkerConfig', () => {
  it('applies every default when only the required variables are set', () => {
    expect(loadWorkerConfig({ ...MINIMAL_ENV })).toEqual({
      apiKeySecretId: MINIMAL_ENV.API_KEY_SECRET_ID,
      apiKeySecretField: DEFAULTS.apiKeySecretField,
      apiKeyTtlMs: DEFAULTS.apiKeyTtlSeconds * 1000,
      baseUrl: DEFAULTS.baseUrl,
      queueUrl: MINIMAL_ENV.QUEUE_URL,
      dlqUrl: MINIMAL_ENV.DLQ_URL,
      requestTimeoutMs: DEFAULTS.requestTimeoutMs,
      concurrency: DEFAULTS.concurrency,
      horizonMs: DEFAULTS.horizonHours * 3_600_000,
      protectedSecretIds: new Set(DEFAULTS.protectedSecretIds),
      dryRun: DEFAULTS.dryRun,
      lookupHolders: DEFAULTS.lookupHolders,
      deadlineMarginMs: DEFAULTS.deadlineMarginMs,
      maxQuickRetries: DEFAULTS.maxQuickRetries,
      inUseBaseSeconds: DEFAULTS.inUseBaseSeconds,
      inUseCapSeconds: DEFAULTS.inUseCapSeconds,
      retryBaseSeconds: DEFAULTS.retryBaseSeconds,
      retryCapSeconds: DEFAULTS.retryCapSeconds,
      sweepMessageMaxAgeMs: DEFAULTS.sweepMessageMaxAgeMinutes * 60_000,
      eventSource: 'convai.secret-janitor',
      workspace: 'default',
    });
  });

  it('refuses sweep messages after 60 minutes by default', () => {
    expect(DEFAULTS.sweepMessageMaxAgeMinutes).toBe(60);
  });

  it('reads process.env when called without an argument', () => {
    vi.stubEnv('API_KEY_SECRET_ID', 'from-process-env');
    vi.stubEnv('QUEUE_URL', MINIMAL_ENV.QUEUE_URL);
    vi.stubEnv('DLQ_URL', MINIMAL_ENV.DLQ_URL);
    vi.stubEnv('CONCURRENCY', '7');
    const config = loadWorkerConfig();
    expect(config.apiKeySecretId).toBe('from-process-env');
    expect(config.concurrency).toBe(7);
  });

  it('reads overrides and converts units when variables are set', () => {
    const config = loadWorkerConfig({
      ...MINIMAL_ENV,
      API_KEY_SECRET_FIELD: 'xi_key',
      API_KEY_TTL_SECONDS: '60',
      HORIZON_HOURS: '24',
      DRY_RUN: 'true',
      LOOKUP_HOLDERS: 'false',
      MAX_QUICK_RETRIES: '0',
    });
    expect(config).toMatchObject({
      apiKeySecretField: 'xi_key',
      apiKeyTtlMs: 60_000,
      horizonMs: 24 * 3_600_000,
      dryRun: true,
      lookupHolders: false,
      maxQuickRetries: 0,
    });
  });

  it.each(['API_KEY_SECRET_ID', 'QUEUE_URL', 'DLQ_URL'])('throws ConfigError naming %s when it is missing', (name) => {
    const error = configError({ [name]: undefined });
    expect(error.message).toMatch(new RegExp(`^${name} is required \\(.+\\), received nothing$`));
  });

  it('treats a whitespace-only required variable as missing', () => {
    expect(configError({ QUEUE_URL: '   ' }).message).toContain('QUEUE_URL is required');
  });

  it.each([
    ['CONCURRENCY', 'abc', 'from 1 to 50'],
    ['CONCURRENCY', '0', 'from 1 to 50'],
    ['CONCURRENCY', '51', 'from 1 to 50'],
    ['REQUEST_TIMEOUT_MS', '1.5', 'from 100 to 120000'],
    ['HORIZON_HOURS', String(MAX_HORIZON_HOURS + 1), `from 1 to ${MAX_HORIZON_HOURS}`],
    ['MAX_QUICK_RETRIES', '-1', 'from 0 to 5'],
  ])('names %s, the bad value %s and the range when an int is invalid', (name, value, range) => {
    expect(configError({ [name]: value }).message).toBe(`${name} must be a whole number ${range}, received "${value}"`);
  });

  it('accepts HORIZON_HOURS at its maximum', () => {
    expect(loadWorkerConfig({ ...MINIMAL_ENV, HORIZON_HOURS: String(MAX_HORIZON_HOURS) }).horizonMs).toBe(
      MAX_HORIZON_HOURS * 3_600_000,
    );
  });

  it.each(['DRY_RUN', 'LOOKUP_HOLDERS'])(
    'names %s, the bad value and the allowed values when a bool is invalid',
    (name) => {
      expect(configError({ [name]: 'yes' }).message).toBe(`${name} must be "true" or "false", received "yes"`);
    },
  );

  it('names ELEVENLABS_BASE_URL, the value and the https rule when the URL is http on a public host', () => {
    expect(configError({ ELEVENLABS_BASE_URL: 'http://api.elevenlabs.io' }).message).toBe(
      'ELEVENLABS_BASE_URL must use https (http is allowed only on loopback), received "http://api.elevenlabs.io"',
    );
  });

  it('names ELEVENLABS_BASE_URL and the bare-origin rule when the URL has a path', () => {
    const message = configError({ ELEVENLABS_BASE_URL: 'https://api.elevenlabs.io/v1' }).message;
    expect(message).toContain('ELEVENLABS_BASE_URL must be a bare origin');
    expect(message).toContain('received "https://api.elevenlabs.io/v1"');
  });

  it('names ELEVENLABS_BASE_URL when the value is not a URL', () => {
    expect(configError({ ELEVENLABS_BASE_URL: 'api.elevenlabs.io' }).message).toContain(
      'ELEVENLABS_BASE_URL must be an absolute URL',
    );
  });

  it('strips a trailing slash when the base URL has one', () => {
    expect(loadWorkerConfig({ ...MINIMAL_ENV, ELEVENLABS_BASE_URL: 'https://api.us.elevenlabs.io/' }).baseUrl).toBe(
      'https://api.us.elevenlabs.io',
    );
  });

  it('splits PROTECTED_SECRET_IDS on commas and drops blanks', () => {
    const config = loadWorkerConfig({ ...MINIMAL_ENV, PROTECTED_SECRET_IDS: ' prod_key , ,shared-1,' });
    expect(config.protectedSecretIds).toEqual(new Set(['prod_key', 'shared-1']));
  });

  it('names the variable and the bad entry when PROTECTED_SECRET_IDS holds an invalid id', () => {
    expect(configError({ PROTECTED_SECRET_IDS: 'ok_1,bad/id' }).message).toBe(
      'PROTECTED_SECRET_IDS has an invalid entry "bad/id": expected 1-128 letters, digits, "_" or "-"',
    );
  });
});

describe('loadWorkerConfig with a sweep', () => {
  const TABLE = { MARKS_TABLE_NAME: 'janitor-sweep-marks' };

  it('knows no sweep when MARKS_TABLE_NAME is unset, whatever SWEEP_MODE says', () => {
    const config = loadWorkerConfig({ ...MINIMAL_ENV, SWEEP_MODE: 'delete', GRACE_PERIOD_HOURS: '24' });
    expect(config.marksTableName).toBeUndefined();
    expect(config.sweep).toBeUndefined();
  });

  it('reads the sweep mode and grace period with their declared defaults when MARKS_TABLE_NAME is set', () => {
    const config = loadWorkerConfig({ ...MINIMAL_ENV, ...TABLE });
    expect(config.marksTableName).toBe('janitor-sweep-marks');
    expect(config.sweep).toEqual({ mode: DEFAULTS.sweepMode, gracePeriodMs: DEFAULTS.gracePeriodHours * 3_600_000 });
  });

  it('reads SWEEP_MODE and GRACE_PERIOD_HOURS when MARKS_TABLE_NAME is set', () => {
    expect(
      loadWorkerConfig({ ...MINIMAL_ENV, ...TABLE, SWEEP_MODE: 'delete', GRACE_PERIOD_HOURS: '24' }).sweep,
    ).toEqual({
      mode: 'delete',
      gracePeriodMs: 24 * 3_600_000,
    });
  });

  it.each([
    ['SWEEP_MODE', 'purge', 'SWEEP_MODE must be one of "report", "delete", received "purge"'],
    ['GRACE_PERIOD_HOURS', '0', 'GRACE_PERIOD_HOURS must be a whole number from 1 to 8760, received "0"'],
  ])('refuses a bad %s with the sweep’s own message when MARKS_TABLE_NAME is set', (name, value, message) => {
    expect(configError({ ...TABLE, [name]: value }).message).toBe(message);
  });
});

describe('baseUrlProblem', () => {
  it.each(REGIONAL_BASE_URLS)('accepts the regional URL %s', (url) => {
    expect(baseUrlProblem(url)).toBeUndefined();
  });

  it.each(['http://127.0.0.1:1234', 'http://localhost:8080', 'http://[::1]:9000'])(
    'accepts plain http when the host %s is loopback',
    (url) => {
      expect(baseUrlProblem(url)).toBeUndefined();
    },
  );

  it.each([
    ['credentials', 'https://user:pass@api.elevenlabs.io'],
    ['a query', 'https://api.elevenlabs.io?x=1'],
    ['a fragment', 'https://api.elevenlabs.io#top'],
    ['a path', 'http://127.0.0.1:1234/v1'],
  ])('refuses a URL with %s', (_label, url) => {
    expect(baseUrlProblem(url)).toBe('must be a bare origin without path, query or credentials');
  });

  it('refuses a non-http scheme', () => {
    expect(baseUrlProblem('ftp://api.elevenlabs.io')).toBe('must use https (http is allowed only on loopback)');
  });
});
