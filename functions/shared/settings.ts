/**
 * Every setting of the janitor, declared once: its `cdk.json` key (as the user writes it), its
 * construct prop, its environment variable, its kind (type and allowed values), its default and
 * unit, and which functions read it. The context parser (`infra/context.ts`), the constructs'
 * synth-time checks (`infra/setting-props.ts`), the functions' readers (`config.ts`) and the tables
 * of docs/configuration.md are all derived from this object, so a value that synthesizes starts.
 */
import * as v from 'valibot';
import {
  DEFAULT_EVENT_SOURCE,
  DEFAULT_WORKSPACE,
  objectMessage,
  SECRET_ID_PATTERN,
  WORKSPACE_PATTERN,
} from '#core/message-schemas.ts';
import { scheduleExpressionProblem, timeZoneProblem } from '#shared/schedule-expression.ts';
import {
  flag,
  type Kind,
  list,
  matching,
  oneOf,
  opaque,
  structured,
  text,
  wholeNumber,
} from '#shared/setting-kinds.ts';

export type FunctionName = 'worker' | 'sweep';
export type Unit = 'hours' | 'minutes' | 'seconds' | 'ms' | 'MB' | 'percent';
/** The table of docs/configuration.md a setting appears in. */
export type Section = 'api' | 'worker' | 'lambda' | 'triggers' | 'sweep' | 'resources';

export interface Setting<T = unknown> {
  /** The Setting column of docs/configuration.md. */
  readonly title: string;
  /** One line on what it does. */
  readonly description: string;
  readonly section: Section;
  readonly kind: Kind<T>;
  /** Used when the setting is not given. Absent: the setting is required (`required`) or unset. */
  readonly default?: T;
  /** The Default column when the default is not a fixed value. */
  readonly defaultText?: string;
  /** What a required environment variable holds ("the URL of the deletion queue"). */
  readonly required?: string;
  /** Unit of the value in the context and the environment; a `Duration` prop is converted to it. */
  readonly unit?: Unit;
  /** Key in the `janitor` context object, as the user writes it: `horizonHours`, `sweep.mode`. */
  readonly context?: string;
  /** Construct prop, as a path from `SecretJanitorProps`: `horizon`, `sweep.gracePeriod`. */
  readonly prop?: string;
  /** TypeScript type of the prop when it differs from the value's; `Duration` is converted to `unit`. */
  readonly propType?: string;
  /** Environment variable the functions read it from. */
  readonly env?: string;
  /** Functions that read `env`. */
  readonly readBy?: readonly FunctionName[];
}

/** The horizon plus the longest deferral must stay inside the 14-day SQS retention. */
export const MAX_HORIZON_HOURS = 14 * 24 - 24;
/** The largest grace period and observation gap: one year. */
export const MAX_SWEEP_HOURS = 365 * 24;

export const SWEEP_MODES = ['report', 'delete'] as const;
export type SweepMode = (typeof SWEEP_MODES)[number];

export const REGIONAL_BASE_URLS = [
  'https://api.elevenlabs.io',
  'https://api.us.elevenlabs.io',
  'https://api.eu.residency.elevenlabs.io',
  'https://api.in.residency.elevenlabs.io',
  'https://api.sg.residency.elevenlabs.io',
] as const;

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

const secretIds = list('1-128 letters, digits, "_" or "-"', (id) => !SECRET_ID_PATTERN.test(id));
const both: readonly FunctionName[] = ['worker', 'sweep'];
const notAwsSource = /^(?!aws\.)[A-Za-z0-9._/-]{1,256}$/;

/** The shape of `scheduledDeletions`; `validateScheduledDeletion` (infra) checks each value at synth. */
const ScheduledDeletionsSchema = v.array(
  v.strictObject(
    {
      name: v.string(),
      expression: v.string(),
      timeZone: v.optional(v.string()),
      secretIds: v.array(v.string()),
      reason: v.optional(v.string()),
    },
    objectMessage('a scheduled deletion', ['name', 'expression', 'timeZone', 'secretIds', 'reason']),
  ),
);

export const SETTINGS = {
  // API key and ElevenLabs API
  apiKeySecretName: {
    title: 'API key secret, by name',
    description: 'Secrets Manager name of the ElevenLabs API key; the stack imports the secret by this name.',
    section: 'api',
    kind: text('non-empty; set exactly one of `apiKeySecretName` and `apiKeySecretArn`'),
    defaultText: 'none (`cdk.json` sets `convai-secret-janitor/elevenlabs-api-key`)',
    context: 'apiKeySecretName',
    prop: 'apiKeySecret',
    propType: 'ISecret',
  },
  apiKeySecretArn: {
    title: 'API key secret, by ARN',
    description: 'Complete ARN of the API key secret; the IAM policy then names exactly this secret.',
    section: 'api',
    kind: matching(
      /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/,
      'a complete secret ARN ending in the 6-character suffix',
    ),
    context: 'apiKeySecretArn',
    prop: 'apiKeySecret',
    propType: 'ISecret',
  },
  apiKeySecretField: {
    title: 'JSON field holding the key',
    description: 'When the SecretString is a JSON object, the field that holds the key.',
    section: 'api',
    kind: text('non-empty'),
    default: 'apiKey',
    context: 'apiKeySecretField',
    prop: 'apiKeySecretField',
    env: 'API_KEY_SECRET_FIELD',
    readBy: both,
  },
  apiKeyKmsKeyArn: {
    title: 'Customer-managed KMS key of the secret',
    description: 'Gets `kms:Decrypt`; without it, the secret’s own encryption key (if any) does.',
    section: 'api',
    kind: matching(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/.+$/, 'a KMS key ARN'),
    context: 'apiKeyKmsKeyArn',
    prop: 'apiKeyEncryptionKey',
    propType: 'IKey',
  },
  apiKeyTtlSeconds: {
    title: 'Key cache lifetime',
    description: 'How long a container keeps the key in memory; a 401 or 403 reads it again at once.',
    section: 'api',
    kind: wholeNumber(0, 86_400),
    unit: 'seconds',
    default: 300,
    env: 'API_KEY_TTL_SECONDS',
    readBy: both,
  },
  baseUrl: {
    title: 'ElevenLabs API origin',
    description: 'The API origin; one deployment talks to one residency environment.',
    section: 'api',
    kind: text(
      '`https` origin without path, query or credentials; plain `http` only on loopback',
      (value) => baseUrlProblem(value)?.replace(/^must /, ''),
      { type: 'URL', normalize: (value) => value.replace(/\/+$/, '') },
    ),
    default: 'https://api.elevenlabs.io',
    context: 'baseUrl',
    prop: 'baseUrl',
    env: 'ELEVENLABS_BASE_URL',
    readBy: both,
  },
  requestTimeoutMs: {
    title: 'Per-attempt HTTP timeout',
    description:
      'Timeout of one ElevenLabs request; never past the Lambda deadline. The prop must also be under half of each function’s timeout.',
    section: 'api',
    kind: wholeNumber(100, 120_000),
    unit: 'ms',
    default: 10_000,
    prop: 'requestTimeout',
    propType: 'Duration',
    env: 'REQUEST_TIMEOUT_MS',
    readBy: both,
  },

  // Worker behaviour
  horizonHours: {
    title: 'Give-up horizon',
    description: `The worker moves a request to the DLQ once it is this old; at most ${MAX_HORIZON_HOURS} h, so the horizon plus the longest deferral stays inside the 14-day SQS retention.`,
    section: 'worker',
    kind: wholeNumber(1, MAX_HORIZON_HOURS),
    unit: 'hours',
    default: 72,
    context: 'horizonHours',
    prop: 'horizon',
    propType: 'Duration',
    env: 'HORIZON_HOURS',
    readBy: ['worker'],
  },
  protectedSecretIds: {
    title: 'Protected secret ids',
    description: 'Never deleted: the worker refuses any request for them and the sweep never picks them.',
    section: 'worker',
    kind: secretIds,
    default: [] as readonly string[],
    context: 'protectedSecretIds',
    prop: 'protectedSecretIds',
    env: 'PROTECTED_SECRET_IDS',
    readBy: both,
  },
  workspace: {
    title: 'Workspace',
    description:
      'The ElevenLabs workspace this janitor serves. Its rule matches only events for it (events without `workspace` are for `default`), and its worker sends a message for another workspace to the DLQ.',
    section: 'worker',
    kind: matching(WORKSPACE_PATTERN, '1-64 letters, digits, "_" or "-", starting with a letter or digit'),
    default: DEFAULT_WORKSPACE,
    context: 'workspace',
    prop: 'workspace',
    env: 'WORKSPACE',
    readBy: both,
  },
  dryRun: {
    title: 'Dry run',
    description: 'The worker logs `would_delete` and acknowledges, without calling DELETE.',
    section: 'worker',
    kind: flag(),
    default: false,
    context: 'dryRun',
    prop: 'dryRun',
    env: 'DRY_RUN',
    readBy: ['worker'],
  },
  concurrency: {
    title: 'Records at once per invocation',
    description: 'Records the worker processes at the same time inside one invocation.',
    section: 'worker',
    kind: wholeNumber(1, 50),
    default: 5,
    context: 'concurrency',
    prop: 'concurrency',
    env: 'CONCURRENCY',
    readBy: ['worker'],
  },
  lookupHolders: {
    title: 'Read the holders of an in-use secret',
    description: 'On an in-use 422, read the secret once and log which agents, tools or phone numbers hold it.',
    section: 'worker',
    kind: flag(),
    default: true,
    prop: 'lookupHolders',
    env: 'LOOKUP_HOLDERS',
    readBy: ['worker'],
  },
  deadlineMarginMs: {
    title: 'Deadline margin',
    description: 'The worker starts no record, and the sweep lists no page, with less time than this left.',
    section: 'worker',
    kind: wholeNumber(1000, 300_000),
    unit: 'ms',
    default: 10_000,
    env: 'DEADLINE_MARGIN_MS',
    readBy: both,
  },
  maxQuickRetries: {
    title: 'Quick retries per invocation',
    description: 'Retries of a transient error inside one invocation, before the record is retried later.',
    section: 'worker',
    kind: wholeNumber(0, 5),
    default: 2,
    env: 'MAX_QUICK_RETRIES',
    readBy: ['worker'],
  },
  sweepMessageMaxAgeMinutes: {
    title: 'Largest age of a sweep request',
    description: 'A sweep request older than this is refused; the next sweep run decides again.',
    section: 'worker',
    kind: wholeNumber(5, 24 * 60),
    unit: 'minutes',
    default: 60,
    env: 'SWEEP_MESSAGE_MAX_AGE_MINUTES',
    readBy: ['worker'],
  },

  // Queue, Lambda and event source
  maxConcurrency: {
    title: 'Concurrent worker invocations',
    description: 'The SQS event source’s `maxConcurrency`: caps the load on ElevenLabs.',
    section: 'lambda',
    kind: wholeNumber(2, 1000),
    default: 2,
    context: 'maxConcurrency',
    prop: 'maxConcurrency',
  },
  enabled: {
    title: 'Kill switch',
    description: '`false` stops the worker consuming the queue; messages wait in the queue.',
    section: 'lambda',
    kind: flag(),
    default: true,
    context: 'enabled',
    prop: 'enabled',
  },
  batchSize: {
    title: 'Records per invocation',
    description: 'The event source’s batch size; above 10 only with a `maxBatchingWindow`.',
    section: 'lambda',
    kind: wholeNumber(1, 100),
    default: 10,
    prop: 'batchSize',
  },
  maxBatchingWindowSeconds: {
    title: 'Batching window',
    description: 'How long the event source gathers records before it invokes the worker.',
    section: 'lambda',
    kind: wholeNumber(0, 300),
    unit: 'seconds',
    default: 0,
    prop: 'maxBatchingWindow',
    propType: 'Duration',
  },
  memorySize: {
    title: 'Worker memory',
    description: 'Memory of the worker function.',
    section: 'lambda',
    kind: wholeNumber(128, 10_240),
    unit: 'MB',
    default: 256,
    prop: 'memorySize',
  },
  timeoutSeconds: {
    title: 'Worker timeout',
    description:
      'Timeout of the worker function; the queue’s visibility timeout is 6 times this plus the batching window.',
    section: 'lambda',
    kind: wholeNumber(30, 900),
    unit: 'seconds',
    default: 60,
    prop: 'timeout',
    propType: 'Duration',
  },
  logRetention: {
    title: 'Log retention (worker and sweep)',
    description: 'Retention of both functions’ log groups.',
    section: 'lambda',
    kind: opaque<unknown>('`RetentionDays`'),
    defaultText: 'one month',
    prop: 'logRetention',
  },
  stackName: {
    title: 'Stack name',
    description: 'The CloudFormation stack name (the stack id in `infra/app.ts`).',
    section: 'lambda',
    kind: matching(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, 'a letter, then up to 127 letters, digits or "-"'),
    default: 'ConvaiSecretJanitor',
    context: 'stackName',
  },

  // Triggers and alarms
  eventBusName: {
    title: 'Bus of the teardown rule',
    description: 'The bus the teardown rule listens on.',
    section: 'triggers',
    kind: text('non-empty'),
    defaultText: '`default` (the account’s default bus)',
    context: 'eventBusName',
    prop: 'eventBus',
    propType: 'IEventBus',
  },
  eventSource: {
    title: 'Event source the rule accepts',
    description: 'The only event `source` the teardown rule accepts.',
    section: 'triggers',
    kind: matching(notAwsSource, '1-256 letters, digits, ".", "_", "-" or "/", not starting with "aws."'),
    default: DEFAULT_EVENT_SOURCE,
    context: 'eventSource',
    prop: 'eventSource',
    // The worker refuses an envelope from any other source: only the rule delivers events.
    env: 'EVENT_SOURCE',
    readBy: ['worker'],
  },
  scheduledDeletions: {
    title: 'Scheduled deletion lists',
    description: 'Fixed lists of secret ids deleted on an EventBridge Scheduler schedule.',
    section: 'triggers',
    kind: structured(
      'object[]',
      'a list of {name, expression, timeZone?, secretIds, reason?}',
      ScheduledDeletionsSchema,
    ),
    default: [],
    context: 'scheduledDeletions',
    prop: 'scheduledDeletions',
    propType: 'ScheduledDeletion[]',
  },
  alarmEmail: {
    title: 'Alarm e-mail',
    description: 'The stack creates an alarm topic with this e-mail subscription and passes it as `alarmTopic`.',
    section: 'triggers',
    kind: text('a valid e-mail address', (value) =>
      v.is(v.pipe(v.string(), v.email()), value) ? undefined : 'be a valid e-mail address',
    ),
    context: 'alarmEmail',
  },
  alarmTopic: {
    title: 'Alarm topic',
    description: 'Receives every alarm and OK notification; without it, alarms have no actions.',
    section: 'triggers',
    kind: opaque<unknown>('`ITopic`'),
    prop: 'alarmTopic',
  },
  oldestMessageAlarmAge: {
    title: 'Age alarm threshold',
    description: 'Alarm when the oldest message in the queue is older than this.',
    section: 'triggers',
    kind: opaque<unknown>('`Duration`'),
    defaultText: 'horizon + 12 h',
    prop: 'oldestMessageAlarmAge',
  },

  // Sweep
  sweepPrefixes: {
    title: 'Owned name prefixes',
    description: 'Only secrets whose names start with one of these are ever considered; none never means "everything".',
    section: 'sweep',
    kind: list('1-128 characters without whitespace, "*" or ","', (prefix) => !/^[^\s*,]{1,128}$/.test(prefix), {
      empty: 'name at least one secret name prefix; an empty list never means "everything"',
    }),
    required: 'comma-separated secret name prefixes this janitor owns; an empty list never means "everything"',
    context: 'sweep.prefixes',
    prop: 'sweep.prefixes',
    env: 'SWEEP_PREFIXES',
    readBy: ['sweep'],
  },
  sweepMode: {
    title: 'Mode',
    description: '`report` logs the plan and enqueues nothing; `delete` enqueues the due secrets.',
    section: 'sweep',
    kind: oneOf(SWEEP_MODES),
    default: 'report',
    context: 'sweep.mode',
    prop: 'sweep.mode',
    env: 'SWEEP_MODE',
    readBy: ['sweep', 'worker'],
  },
  sweepSchedule: {
    title: 'Schedule',
    description: 'EventBridge Scheduler expression of the sweep runs.',
    section: 'sweep',
    kind: text('`cron(…)` with 6 fields and one `?`, or `rate(N unit)`', scheduleExpressionProblem, {
      type: 'Scheduler expression',
    }),
    default: 'rate(1 day)',
    context: 'sweep.schedule',
    prop: 'sweep.schedule',
  },
  sweepTimeZone: {
    title: 'Time zone of a cron schedule',
    description: 'The IANA time zone Scheduler evaluates a cron schedule in.',
    section: 'sweep',
    kind: text('a canonical IANA name', timeZoneProblem, { type: 'IANA name' }),
    default: 'UTC',
    context: 'sweep.timeZone',
    prop: 'sweep.timeZone',
  },
  gracePeriodHours: {
    title: 'Grace period',
    description: 'How long a secret must be seen unused, continuously, before it is due.',
    section: 'sweep',
    kind: wholeNumber(1, MAX_SWEEP_HOURS),
    unit: 'hours',
    default: 7 * 24,
    context: 'sweep.gracePeriodHours',
    prop: 'sweep.gracePeriod',
    propType: 'Duration',
    env: 'GRACE_PERIOD_HOURS',
    readBy: ['sweep', 'worker'],
  },
  maxObservationGapHours: {
    title: 'Largest observation gap',
    description:
      'A mark not refreshed for longer than this (missed runs) restarts its grace period. Must be shorter than the grace period and at least 1.5 times the longest time between runs.',
    section: 'sweep',
    kind: wholeNumber(1, MAX_SWEEP_HOURS),
    unit: 'hours',
    default: 48,
    context: 'sweep.maxObservationGapHours',
    prop: 'sweep.maxObservationGap',
    propType: 'Duration',
    env: 'MAX_OBSERVATION_GAP_HOURS',
    readBy: ['sweep'],
  },
  maxDeletionsPerRun: {
    title: 'Per-run cap',
    description: 'A run with more due secrets than this deletes nothing and alarms.',
    section: 'sweep',
    kind: wholeNumber(1, 1000),
    default: 25,
    context: 'sweep.maxDeletionsPerRun',
    prop: 'sweep.maxDeletionsPerRun',
    env: 'MAX_DELETIONS_PER_RUN',
    readBy: ['sweep'],
  },
  maxDeletionPercent: {
    title: 'Share cap',
    description:
      'A run with more due secrets than this share of the owned inventory (at least 1) deletes nothing and alarms.',
    section: 'sweep',
    kind: wholeNumber(1, 100),
    unit: 'percent',
    default: 10,
    context: 'sweep.maxDeletionPercent',
    prop: 'sweep.maxDeletionPercent',
    env: 'MAX_DELETION_PERCENT',
    readBy: ['sweep'],
  },
  protectedNamePatterns: {
    title: 'Protected name patterns',
    description:
      'Secret name globs (`*` matches anything) that are never sweep candidates; the worker cannot match names.',
    section: 'sweep',
    kind: list('a non-empty glob without ","', (pattern) => pattern.length === 0),
    default: [] as readonly string[],
    context: 'sweep.protectedNamePatterns',
    prop: 'sweep.protectedNamePatterns',
    env: 'PROTECTED_NAME_PATTERNS',
    readBy: ['sweep'],
  },
  sweepTimeoutSeconds: {
    title: 'Sweep timeout',
    description: 'Timeout of the sweep function.',
    section: 'sweep',
    kind: wholeNumber(30, 900),
    unit: 'seconds',
    default: 300,
    prop: 'sweep.timeout',
    propType: 'Duration',
  },
  sweepMemorySize: {
    title: 'Sweep memory',
    description: 'Memory of the sweep function.',
    section: 'sweep',
    kind: wholeNumber(128, 10_240),
    unit: 'MB',
    default: 512,
    prop: 'sweep.memorySize',
  },

  // Filled from resources by the constructs
  apiKeySecretId: {
    title: 'API key secret id',
    description: 'Set from `apiKeySecret`: the ARN, or the name when imported by name.',
    section: 'resources',
    kind: text('a secret name or ARN'),
    required: 'the Secrets Manager name or ARN of the ElevenLabs API key',
    env: 'API_KEY_SECRET_ID',
    readBy: both,
  },
  queueUrl: {
    title: 'Deletion queue',
    description: 'Set from the deletion queue.',
    section: 'resources',
    kind: text('a queue URL'),
    required: 'the URL of the deletion queue',
    env: 'QUEUE_URL',
    readBy: both,
  },
  dlqUrl: {
    title: 'Dead-letter queue',
    description: 'Set from the dead-letter queue.',
    section: 'resources',
    kind: text('a queue URL'),
    required: 'the URL of the dead-letter queue',
    env: 'DLQ_URL',
    readBy: ['worker'],
  },
  marksTableName: {
    title: 'Sweep marks table',
    description:
      'Set from the sweep’s table; on the worker only when a sweep is deployed, and then with `SWEEP_MODE` and `GRACE_PERIOD_HOURS`.',
    section: 'resources',
    kind: text('a table name'),
    required: 'the DynamoDB table of sweep marks',
    defaultText: 'required by the sweep; on the worker only with a sweep',
    env: 'MARKS_TABLE_NAME',
    readBy: both,
  },
} as const satisfies Record<string, Setting>;

export type SettingId = keyof typeof SETTINGS;

/** Every setting's default, by id. */
export type SettingDefaults = {
  readonly [K in SettingId as (typeof SETTINGS)[K] extends { readonly default: unknown }
    ? K
    : never]: (typeof SETTINGS)[K] extends {
    readonly default: infer D;
  }
    ? D
    : never;
};

export const SETTING_DEFAULTS = Object.fromEntries(
  Object.entries(SETTINGS as Record<string, Setting>)
    .filter(([, setting]) => 'default' in setting)
    .map(([id, setting]) => [id, setting.default]),
) as SettingDefaults;
