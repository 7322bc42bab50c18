import * as v from 'valibot';
import { formatIssues } from '#core/message-schemas.ts';
import { ConfigError } from '#shared/errors.ts';

/** The `janitor` object in cdk.json context (or `-c janitor='{...}'`). Unknown keys are refused. */
export const JanitorContextSchema = v.pipe(
  v.strictObject(
    {
      stackName: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/)), 'ConvaiSecretJanitor'),
      apiKeySecretName: v.optional(v.pipe(v.string(), v.minLength(1))),
      apiKeySecretArn: v.optional(
        v.pipe(
          v.string(),
          v.regex(
            /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/,
            'must be a complete secret ARN ending in the 6-character suffix',
          ),
        ),
      ),
      apiKeySecretField: v.optional(v.pipe(v.string(), v.minLength(1))),
      apiKeyKmsKeyArn: v.optional(
        v.pipe(v.string(), v.regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/.+$/, 'must be a KMS key ARN')),
      ),
      baseUrl: v.optional(v.string()),
      horizonHours: v.optional(v.pipe(v.number(), v.integer())),
      protectedSecretIds: v.optional(v.array(v.string())),
      dryRun: v.optional(v.boolean()),
      concurrency: v.optional(v.pipe(v.number(), v.integer())),
      maxConcurrency: v.optional(v.pipe(v.number(), v.integer())),
      enabled: v.optional(v.boolean()),
      alarmEmail: v.optional(v.pipe(v.string(), v.email())),
      sweep: v.optional(
        v.strictObject(
          {
            prefixes: v.array(v.string()),
            mode: v.optional(v.picklist(['report', 'delete'], 'sweep.mode must be "report" or "delete"')),
            schedule: v.optional(v.string()),
            timeZone: v.optional(v.string()),
            gracePeriodHours: v.optional(v.pipe(v.number(), v.integer())),
            maxObservationGapHours: v.optional(v.pipe(v.number(), v.integer())),
            maxDeletionsPerRun: v.optional(v.pipe(v.number(), v.integer())),
            maxDeletionPercent: v.optional(v.pipe(v.number(), v.integer())),
            protectedNamePatterns: v.optional(v.array(v.string())),
          },
          (issue) => `sweep: unknown or missing key ${JSON.stringify(issue.path?.at(-1)?.key)}`,
        ),
      ),
      eventBusName: v.optional(v.pipe(v.string(), v.minLength(1))),
      eventSource: v.optional(v.pipe(v.string(), v.minLength(1))),
      scheduledDeletions: v.optional(
        v.array(
          v.strictObject(
            {
              name: v.string(),
              expression: v.string(),
              timeZone: v.optional(v.string()),
              secretIds: v.array(v.string()),
              reason: v.optional(v.string()),
            },
            (issue) => `scheduledDeletions entry: unknown or missing key ${JSON.stringify(issue.path?.at(-1)?.key)}`,
          ),
        ),
      ),
    },
    (issue) => `unknown key ${JSON.stringify(issue.input)}`,
  ),
  v.check(
    (input) => (input.apiKeySecretName === undefined) !== (input.apiKeySecretArn === undefined),
    'set exactly one of apiKeySecretName or apiKeySecretArn',
  ),
);

export type JanitorContext = v.InferOutput<typeof JanitorContextSchema>;

/** Validates the context value; a JSON string (from `-c janitor=...`) is parsed first. */
export function parseJanitorContext(raw: unknown): JanitorContext {
  let value = raw ?? {};
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch (cause) {
      throw new ConfigError(`context "janitor" must be a JSON object, received ${JSON.stringify(value)}`, { cause });
    }
  }
  const result = v.safeParse(JanitorContextSchema, value);
  if (!result.success) throw new ConfigError(`context "janitor" is invalid: ${formatIssues(result.issues)}`);
  return result.output;
}
