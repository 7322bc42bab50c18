import { SECRET_ID_PATTERN } from '#core/message-schemas.ts';
import { ConfigError } from '#shared/errors.ts';

/** The Powertools service name (log field and metric dimension) and the EMF namespace. */
export const SERVICE_NAME = 'convai-secret-janitor';
export const METRICS_NAMESPACE = 'ConvAISecretJanitor';

/** Every default in one place. The CDK construct and docs/configuration.md are built from these. */
export const DEFAULTS = {
  apiKeySecretField: 'apiKey',
  apiKeyTtlSeconds: 300,
  baseUrl: 'https://api.elevenlabs.io',
  requestTimeoutMs: 10_000,
  concurrency: 5,
  horizonHours: 72,
  protectedSecretIds: [] as readonly string[],
  dryRun: false,
  lookupHolders: true,
  deadlineMarginMs: 10_000,
  maxQuickRetries: 2,
  inUseBaseSeconds: 30,
  inUseCapSeconds: 11 * 60 * 60 + 30 * 60,
  retryBaseSeconds: 30,
  retryCapSeconds: 15 * 60,
  sweepMode: 'report',
  sweepSchedule: 'rate(1 day)',
  sweepTimeZone: 'UTC',
  gracePeriodHours: 7 * 24,
  minGracePeriodHours: 1,
  maxObservationGapHours: 48,
  maxDeletionsPerRun: 25,
  maxDeletionPercent: 10,
  auditTtlDays: 90,
  sweepMessageMaxAgeMinutes: 60,
  listPageSize: 100,
} as const;

export const SWEEP_MODES = ['report', 'delete'] as const;
export type SweepMode = (typeof SWEEP_MODES)[number];

/** The horizon plus the longest deferral must stay inside the 14-day SQS retention. */
export const MAX_HORIZON_HOURS = 14 * 24 - 24;

export const REGIONAL_BASE_URLS = [
  'https://api.elevenlabs.io',
  'https://api.us.elevenlabs.io',
  'https://api.eu.residency.elevenlabs.io',
  'https://api.in.residency.elevenlabs.io',
  'https://api.sg.residency.elevenlabs.io',
] as const;

export interface WorkerConfig {
  readonly apiKeySecretId: string;
  readonly apiKeySecretField: string;
  readonly apiKeyTtlMs: number;
  readonly baseUrl: string;
  readonly queueUrl: string;
  readonly dlqUrl: string;
  readonly requestTimeoutMs: number;
  readonly concurrency: number;
  readonly horizonMs: number;
  readonly protectedSecretIds: ReadonlySet<string>;
  readonly dryRun: boolean;
  readonly lookupHolders: boolean;
  readonly deadlineMarginMs: number;
  readonly maxQuickRetries: number;
  readonly inUseBaseSeconds: number;
  readonly inUseCapSeconds: number;
  readonly retryBaseSeconds: number;
  readonly retryCapSeconds: number;
  /** The sweep's marks table; when set, an in-use sweep deletion clears the secret's mark. */
  readonly marksTableName?: string;
  /** A sweep-origin message older than this is refused: the next sweep run decides again. */
  readonly sweepMessageMaxAgeMs: number;
  /** The deployed sweep's mode and grace period, present exactly when `marksTableName` is set. */
  readonly sweep?: { readonly mode: SweepMode; readonly gracePeriodMs: number };
}

export interface SweepConfig {
  readonly apiKeySecretId: string;
  readonly apiKeySecretField: string;
  readonly apiKeyTtlMs: number;
  readonly baseUrl: string;
  readonly queueUrl: string;
  readonly marksTableName: string;
  readonly requestTimeoutMs: number;
  readonly mode: SweepMode;
  /** Name prefixes this janitor owns. Never empty: no prefix never means "everything". */
  readonly prefixes: readonly string[];
  readonly gracePeriodMs: number;
  readonly maxObservationGapMs: number;
  readonly maxDeletionsPerRun: number;
  readonly maxDeletionPercent: number;
  readonly protectedSecretIds: ReadonlySet<string>;
  /** Name globs (`*` matches anything) that are never candidates. */
  readonly protectedNamePatterns: readonly string[];
  readonly auditTtlDays: number;
  readonly deadlineMarginMs: number;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Typed readers that name the variable, the bad value and what is allowed. */
export function envReader(env: Env) {
  const raw = (name: string) => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  return {
    required(name: string, allowed: string): string {
      const value = raw(name);
      if (value === undefined) throw new ConfigError(`${name} is required (${allowed}), received nothing`);
      return value;
    },
    string(name: string, fallback: string): string {
      return raw(name) ?? fallback;
    },
    int(name: string, fallback: number, min: number, max: number): number {
      const value = raw(name);
      if (value === undefined) return fallback;
      const parsed = Number(value);
      if (!/^-?\d+$/.test(value) || parsed < min || parsed > max) {
        throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, received "${value}"`);
      }
      return parsed;
    },
    bool(name: string, fallback: boolean): boolean {
      const value = raw(name);
      if (value === undefined) return fallback;
      if (value === 'true') return true;
      if (value === 'false') return false;
      throw new ConfigError(`${name} must be "true" or "false", received "${value}"`);
    },
    list(name: string, check?: (item: string) => string | undefined): string[] {
      const value = raw(name);
      if (value === undefined) return [];
      const items = value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean);
      for (const item of items) {
        const problem = check?.(item);
        if (problem) throw new ConfigError(`${name} has an invalid entry "${item}": ${problem}`);
      }
      return items;
    },
    url(name: string, fallback: string): string {
      const value = raw(name) ?? fallback;
      const problem = baseUrlProblem(value);
      if (problem) throw new ConfigError(`${name} ${problem}, received "${value}"`);
      return value.replace(/\/+$/, '');
    },
  };
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** https only, except plain http on loopback (tests, sandbox). No path, query or credentials. */
export function baseUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL such as https://api.elevenlabs.io';
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
    return 'must use https (http is allowed only on loopback)';
  }
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) {
    return 'must be a bare origin without path, query or credentials';
  }
  return undefined;
}

const secretIdCheck = (item: string) =>
  SECRET_ID_PATTERN.test(item) ? undefined : 'expected 1-128 letters, digits, "_" or "-"';

/** The settings every function that talks to ElevenLabs and the queue shares. */
function readApiSettings(read: ReturnType<typeof envReader>) {
  return {
    apiKeySecretId: read.required('API_KEY_SECRET_ID', 'the Secrets Manager name or ARN of the ElevenLabs API key'),
    apiKeySecretField: read.string('API_KEY_SECRET_FIELD', DEFAULTS.apiKeySecretField),
    apiKeyTtlMs: read.int('API_KEY_TTL_SECONDS', DEFAULTS.apiKeyTtlSeconds, 0, 86_400) * 1000,
    baseUrl: read.url('ELEVENLABS_BASE_URL', DEFAULTS.baseUrl),
    queueUrl: read.required('QUEUE_URL', 'the URL of the deletion queue'),
    requestTimeoutMs: read.int('REQUEST_TIMEOUT_MS', DEFAULTS.requestTimeoutMs, 100, 120_000),
  };
}

/** Reads the worker's environment once, at cold start. */
export function loadWorkerConfig(env: Env = process.env): WorkerConfig {
  const read = envReader(env);
  return {
    ...readApiSettings(read),
    dlqUrl: read.required('DLQ_URL', 'the URL of the dead-letter queue'),
    concurrency: read.int('CONCURRENCY', DEFAULTS.concurrency, 1, 50),
    horizonMs: read.int('HORIZON_HOURS', DEFAULTS.horizonHours, 1, MAX_HORIZON_HOURS) * 3_600_000,
    protectedSecretIds: new Set(read.list('PROTECTED_SECRET_IDS', secretIdCheck)),
    dryRun: read.bool('DRY_RUN', DEFAULTS.dryRun),
    lookupHolders: read.bool('LOOKUP_HOLDERS', DEFAULTS.lookupHolders),
    deadlineMarginMs: read.int('DEADLINE_MARGIN_MS', DEFAULTS.deadlineMarginMs, 1000, 300_000),
    maxQuickRetries: read.int('MAX_QUICK_RETRIES', DEFAULTS.maxQuickRetries, 0, 5),
    inUseBaseSeconds: DEFAULTS.inUseBaseSeconds,
    inUseCapSeconds: DEFAULTS.inUseCapSeconds,
    retryBaseSeconds: DEFAULTS.retryBaseSeconds,
    retryCapSeconds: DEFAULTS.retryCapSeconds,
    ...(env.MARKS_TABLE_NAME?.trim()
      ? {
          marksTableName: env.MARKS_TABLE_NAME.trim(),
          sweep: { mode: readSweepMode(read), gracePeriodMs: readGracePeriodMs(read) },
        }
      : {}),
    sweepMessageMaxAgeMs:
      read.int('SWEEP_MESSAGE_MAX_AGE_MINUTES', DEFAULTS.sweepMessageMaxAgeMinutes, 5, 24 * 60) * 60_000,
  };
}

const prefixCheck = (item: string) =>
  item.length <= 128 && !/[\s*]/.test(item) ? undefined : 'expected 1-128 characters without spaces or "*"';

function readSweepMode(read: ReturnType<typeof envReader>): SweepMode {
  const mode = read.string('SWEEP_MODE', DEFAULTS.sweepMode);
  if (!(SWEEP_MODES as readonly string[]).includes(mode)) {
    throw new ConfigError(`SWEEP_MODE must be one of ${SWEEP_MODES.join(', ')}, received "${mode}"`);
  }
  return mode as SweepMode;
}

function readGracePeriodMs(read: ReturnType<typeof envReader>): number {
  return read.int('GRACE_PERIOD_HOURS', DEFAULTS.gracePeriodHours, DEFAULTS.minGracePeriodHours, 365 * 24) * 3_600_000;
}

/** Reads the sweep's environment once, at cold start. Every safety default is here. */
export function loadSweepConfig(env: Env = process.env): SweepConfig {
  const read = envReader(env);
  const prefixes = read.list('SWEEP_PREFIXES', prefixCheck);
  if (prefixes.length === 0) {
    throw new ConfigError(
      'SWEEP_PREFIXES is required (comma-separated secret name prefixes this janitor owns), received nothing; an empty list never means "everything"',
    );
  }
  return {
    ...readApiSettings(read),
    marksTableName: read.required('MARKS_TABLE_NAME', 'the DynamoDB table of sweep marks'),
    mode: readSweepMode(read),
    prefixes,
    gracePeriodMs: readGracePeriodMs(read),
    maxObservationGapMs:
      read.int('MAX_OBSERVATION_GAP_HOURS', DEFAULTS.maxObservationGapHours, 1, 365 * 24) * 3_600_000,
    maxDeletionsPerRun: read.int('MAX_DELETIONS_PER_RUN', DEFAULTS.maxDeletionsPerRun, 1, 1000),
    maxDeletionPercent: read.int('MAX_DELETION_PERCENT', DEFAULTS.maxDeletionPercent, 1, 100),
    protectedSecretIds: new Set(read.list('PROTECTED_SECRET_IDS', secretIdCheck)),
    protectedNamePatterns: read.list('PROTECTED_NAME_PATTERNS'),
    auditTtlDays: DEFAULTS.auditTtlDays,
    deadlineMarginMs: read.int('DEADLINE_MARGIN_MS', DEFAULTS.deadlineMarginMs, 1000, 300_000),
  };
}
