import { LIST_PAGE_SIZE } from '#core/sweep-inventory.ts';
import { ConfigError } from '#shared/errors.ts';
import { problemMessage } from '#shared/setting-kinds.ts';
import { SETTING_DEFAULTS, SETTINGS, type Setting, type SweepMode } from '#shared/settings.ts';

export {
  baseUrlProblem,
  MAX_HORIZON_HOURS,
  REGIONAL_BASE_URLS,
  SWEEP_MODES,
  type SweepMode,
} from '#shared/settings.ts';

/** The Powertools service name (log field and metric dimension) and the EMF namespace. */
export const SERVICE_NAME = 'convai-secret-janitor';
export const METRICS_NAMESPACE = 'ConvAISecretJanitor';

/** Fixed values: constants of the code, not settings (see "Fixed values" in docs/configuration.md). */
const FIXED = {
  inUseBaseSeconds: 30,
  inUseCapSeconds: 11 * 60 * 60 + 30 * 60,
  retryBaseSeconds: 30,
  retryCapSeconds: 15 * 60,
  minGracePeriodHours: SETTINGS.gracePeriodHours.kind.range?.min ?? 1,
  auditTtlDays: 90,
  listPageSize: LIST_PAGE_SIZE,
} as const;

/** Every default: the settings' own (declared in `settings.ts`) and the fixed values. */
export const DEFAULTS = { ...SETTING_DEFAULTS, ...FIXED };

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
  /** The deployed sweep's mode and grace period; present exactly when `marksTableName` is. */
  readonly sweep?: { readonly mode: SweepMode; readonly gracePeriodMs: number };
  /** The only EventBridge source an envelope may carry. */
  readonly eventSource: string;
  /** The workspace this janitor serves; messages for another go to the DLQ. */
  readonly workspace: string;
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
  /** The workspace this janitor serves; its messages name it unless it is `default`. */
  readonly workspace: string;
}

type Env = Readonly<Record<string, string | undefined>>;

const HOUR_MS = 3_600_000;

/**
 * Reads settings from the environment through their declarations: a value is trimmed, an empty one
 * counts as unset, and a bad one fails with a one-line ConfigError naming the variable, the value
 * and what is allowed.
 */
export function settingReader(env: Env) {
  const text = (setting: Setting) => {
    const value = setting.env === undefined ? undefined : env[setting.env]?.trim();
    return value === '' ? undefined : value;
  };
  function parse<T>(setting: Setting<T>, raw: string): T {
    const { kind } = setting;
    const value = kind.fromEnv(raw);
    const problem = kind.check(value);
    if (problem) {
      const wording = 'must' in problem && kind.envMust ? { must: kind.envMust } : problem;
      throw new ConfigError(problemMessage(setting.env ?? '?', wording, JSON.stringify(raw)));
    }
    return kind.normalize ? kind.normalize(value as T) : (value as T);
  }
  const missing = (setting: Setting) =>
    new ConfigError(`${setting.env} is required (${setting.required ?? setting.description}), received nothing`);
  return {
    /** The value, or the declared default; a setting without one is required. */
    read<T>(setting: Setting<T>): T {
      const raw = text(setting);
      if (raw !== undefined) {
        return parse(setting, raw);
      }
      if ('default' in setting && !setting.required) return setting.default as T;
      throw missing(setting);
    },
    /** The value, or undefined when the variable is unset. */
    optional<T>(setting: Setting<T>): T | undefined {
      const raw = text(setting);
      return raw === undefined ? undefined : parse(setting, raw);
    },
  };
}

/** The settings every function that talks to ElevenLabs and the queue shares. */
function readApiSettings({ read }: ReturnType<typeof settingReader>) {
  return {
    apiKeySecretId: read(SETTINGS.apiKeySecretId),
    apiKeySecretField: read(SETTINGS.apiKeySecretField),
    apiKeyTtlMs: read(SETTINGS.apiKeyTtlSeconds) * 1000,
    baseUrl: read(SETTINGS.baseUrl),
    queueUrl: read(SETTINGS.queueUrl),
    requestTimeoutMs: read(SETTINGS.requestTimeoutMs),
  };
}

/** Reads the worker's environment once, at cold start. */
export function loadWorkerConfig(env: Env = process.env): WorkerConfig {
  const reader = settingReader(env);
  const { read } = reader;
  const marksTableName = reader.optional(SETTINGS.marksTableName);
  return {
    ...readApiSettings(reader),
    dlqUrl: read(SETTINGS.dlqUrl),
    concurrency: read(SETTINGS.concurrency),
    horizonMs: read(SETTINGS.horizonHours) * HOUR_MS,
    protectedSecretIds: new Set(read(SETTINGS.protectedSecretIds)),
    dryRun: read(SETTINGS.dryRun),
    lookupHolders: read(SETTINGS.lookupHolders),
    deadlineMarginMs: read(SETTINGS.deadlineMarginMs),
    maxQuickRetries: read(SETTINGS.maxQuickRetries),
    inUseBaseSeconds: FIXED.inUseBaseSeconds,
    inUseCapSeconds: FIXED.inUseCapSeconds,
    retryBaseSeconds: FIXED.retryBaseSeconds,
    retryCapSeconds: FIXED.retryCapSeconds,
    sweepMessageMaxAgeMs: read(SETTINGS.sweepMessageMaxAgeMinutes) * 60_000,
    eventSource: read(SETTINGS.eventSource),
    workspace: read(SETTINGS.workspace),
    ...(marksTableName === undefined
      ? {}
      : {
          marksTableName,
          sweep: { mode: read(SETTINGS.sweepMode), gracePeriodMs: read(SETTINGS.gracePeriodHours) * HOUR_MS },
        }),
  };
}

/** Reads the sweep's environment once, at cold start. Every safety default is declared in settings.ts. */
export function loadSweepConfig(env: Env = process.env): SweepConfig {
  const reader = settingReader(env);
  const { read } = reader;
  return {
    ...readApiSettings(reader),
    marksTableName: read(SETTINGS.marksTableName),
    mode: read(SETTINGS.sweepMode),
    prefixes: read(SETTINGS.sweepPrefixes),
    gracePeriodMs: read(SETTINGS.gracePeriodHours) * HOUR_MS,
    maxObservationGapMs: read(SETTINGS.maxObservationGapHours) * HOUR_MS,
    maxDeletionsPerRun: read(SETTINGS.maxDeletionsPerRun),
    maxDeletionPercent: read(SETTINGS.maxDeletionPercent),
    protectedSecretIds: new Set(read(SETTINGS.protectedSecretIds)),
    protectedNamePatterns: read(SETTINGS.protectedNamePatterns),
    auditTtlDays: FIXED.auditTtlDays,
    deadlineMarginMs: read(SETTINGS.deadlineMarginMs),
    workspace: read(SETTINGS.workspace),
  };
}
