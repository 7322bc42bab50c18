import { Duration, RemovalPolicy, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import { type IRole, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { alarmAbove, janitorMetric } from '#infra/alarms.ts';
import { FUNCTION_ENTRIES } from '#infra/bundling.ts';
import { grantSweepRunClaims } from '#infra/iam.ts';
import { type ApiAccess, createJanitorFunction } from '#infra/janitor-function.ts';
import { expressionProblem, timeZoneProblem } from '#infra/janitor-triggers.ts';
import { DEFAULTS, type SweepMode } from '#shared/config.ts';
import { ConfigError } from '#shared/errors.ts';

/** The scheduled stale-secret sweep. Every default is the safe one. */
export interface SweepOptions {
  /** Name prefixes this janitor owns; only such secrets are ever considered. Must not be empty. */
  readonly prefixes: readonly string[];
  /** `report` logs the plan and enqueues nothing; `delete` enqueues due secrets. @default 'report' */
  readonly mode?: SweepMode;
  /** EventBridge Scheduler expression. @default 'rate(1 day)' */
  readonly schedule?: string;
  /** IANA time zone of a cron schedule. @default 'UTC' */
  readonly timeZone?: string;
  /** How long a secret must be seen unused, continuously, before it is due. At least 1 hour. @default Duration.days(7) */
  readonly gracePeriod?: Duration;
  /** A mark not refreshed for this long restarts its grace period (runs were missed). @default Duration.hours(48) */
  readonly maxObservationGap?: Duration;
  /** A run with more due secrets than this deletes nothing. @default 25 */
  readonly maxDeletionsPerRun?: number;
  /** A run with more due secrets than this percentage of the owned inventory (at least 1) deletes nothing. @default 10 */
  readonly maxDeletionPercent?: number;
  /** Secret name globs (`*` = anything) that are never candidates. @default [] */
  readonly protectedNamePatterns?: readonly string[];
  /** Sweep function timeout. @default Duration.minutes(5) */
  readonly timeout?: Duration;
  /** Sweep function memory in MB. @default 512 */
  readonly memorySize?: number;
}

export interface JanitorSweepProps {
  readonly options: SweepOptions;
  readonly api: ApiAccess;
  readonly queue: IQueue;
  readonly protectedSecretIds: readonly string[];
  readonly logRetention: RetentionDays;
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new ConfigError(`sweep: ${message}`);
}

/**
 * The longest time between two runs, in hours: exact for `rate(...)`; 24 for a cron that runs every
 * day (day-of-month, day-of-week, month and year all open); otherwise assumed up to 128 h (weekly
 * or weekday schedules), so such a schedule needs an observation gap of at least 8 days.
 */
export function longestRunIntervalHours(expression: string): number {
  const rate = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(expression);
  if (rate) {
    const perUnit = { minute: 1 / 60, hour: 1, day: 24 } as const;
    return Number(rate[1]) * perUnit[rate[2] as keyof typeof perUnit];
  }
  const [, , dayOfMonth, month, dayOfWeek, year] = expression.replace(/^cron\(|\)$/g, '').split(' ');
  const open = (field: string | undefined) => field === '*' || field === '?';
  return open(dayOfMonth) && open(dayOfWeek) && month === '*' && year === '*' ? 24 : 128;
}

/** Validates the sweep options at synth, with errors that name the option and the value. */
export function validateSweepOptions(options: SweepOptions): void {
  check(
    options.prefixes.length > 0,
    'prefixes must name at least one secret name prefix; none never means "everything"',
  );
  for (const prefix of options.prefixes) {
    check(
      /^[^\s*,]{1,128}$/.test(prefix),
      `prefixes entry "${prefix}" must be 1-128 characters without spaces, "*" or ","`,
    );
  }
  const mode = options.mode ?? DEFAULTS.sweepMode;
  check(mode === 'report' || mode === 'delete', `mode must be "report" or "delete", received "${mode}"`);
  const problem =
    expressionProblem(options.schedule ?? DEFAULTS.sweepSchedule) ?? timeZoneProblem(options.timeZone ?? 'UTC');
  check(problem === undefined, problem ?? '');
  const grace = (options.gracePeriod ?? Duration.hours(DEFAULTS.gracePeriodHours)).toHours({ integral: false });
  check(
    Number.isInteger(grace) && grace >= DEFAULTS.minGracePeriodHours,
    `gracePeriod must be whole hours, at least 1, received ${grace} h`,
  );
  const gap = (options.maxObservationGap ?? Duration.hours(DEFAULTS.maxObservationGapHours)).toHours({
    integral: false,
  });
  check(Number.isInteger(gap) && gap >= 1, `maxObservationGap must be whole hours, at least 1, received ${gap} h`);
  const interval = longestRunIntervalHours(options.schedule ?? DEFAULTS.sweepSchedule);
  check(
    gap >= 1.5 * interval,
    `maxObservationGap must be at least 1.5 times the longest time between runs (${interval} h), or runs would restart every grace period; received ${gap} h`,
  );
  const perRun = options.maxDeletionsPerRun ?? DEFAULTS.maxDeletionsPerRun;
  check(
    Number.isInteger(perRun) && perRun >= 1 && perRun <= 1000,
    `maxDeletionsPerRun must be 1-1000, received ${perRun}`,
  );
  const percent = options.maxDeletionPercent ?? DEFAULTS.maxDeletionPercent;
  check(
    Number.isInteger(percent) && percent >= 1 && percent <= 100,
    `maxDeletionPercent must be 1-100, received ${percent}`,
  );
  for (const pattern of options.protectedNamePatterns ?? []) {
    check(
      pattern.length > 0 && !pattern.includes(','),
      `protectedNamePatterns entry "${pattern}" must be non-empty without ","`,
    );
  }
}

/**
 * The sweep: a marks table (on-demand, point-in-time recovery, TTL on audits), a function that
 * builds the plan, and a schedule that runs it. It enqueues due secrets on the janitor's queue.
 */
export class JanitorSweep extends Construct {
  readonly table: Table;
  readonly function: NodejsFunction;
  readonly schedule: Schedule;
  readonly alarms: Alarm[];
  /** Report or delete; the worker refuses sweep deletions unless it is delete. */
  readonly mode: SweepMode;
  readonly gracePeriodHours: number;

  constructor(scope: Construct, id: string, props: JanitorSweepProps) {
    super(scope, id);
    const { options } = props;
    validateSweepOptions(options);

    this.table = new Table(this, 'Marks', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'ttl',
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.mode = options.mode ?? DEFAULTS.sweepMode;
    this.gracePeriodHours = (options.gracePeriod ?? Duration.hours(DEFAULTS.gracePeriodHours)).toHours();
    this.function = createJanitorFunction(this, {
      ids: { function: 'Function', role: 'Role', logs: 'Logs' },
      entry: FUNCTION_ENTRIES.sweep,
      description: 'Finds stale ElevenLabs secrets owned by this janitor and enqueues them after the grace period',
      roleDescription:
        'ConvAI Secret Janitor sweep: read the API key, read and write marks, enqueue due secrets, write logs',
      memorySize: options.memorySize ?? 512,
      timeout: options.timeout ?? Duration.minutes(5),
      logRetention: props.logRetention,
      api: props.api,
      environment: {
        QUEUE_URL: props.queue.queueUrl,
        MARKS_TABLE_NAME: this.table.tableName,
        SWEEP_PREFIXES: options.prefixes.join(','),
        SWEEP_MODE: this.mode,
        GRACE_PERIOD_HOURS: String(this.gracePeriodHours),
        MAX_OBSERVATION_GAP_HOURS: String(
          (options.maxObservationGap ?? Duration.hours(DEFAULTS.maxObservationGapHours)).toHours(),
        ),
        MAX_DELETIONS_PER_RUN: String(options.maxDeletionsPerRun ?? DEFAULTS.maxDeletionsPerRun),
        MAX_DELETION_PERCENT: String(options.maxDeletionPercent ?? DEFAULTS.maxDeletionPercent),
        PROTECTED_SECRET_IDS: props.protectedSecretIds.join(','),
        PROTECTED_NAME_PATTERNS: (options.protectedNamePatterns ?? []).join(','),
      },
    });
    const role = this.function.role as IRole;
    this.table.grant(role, 'dynamodb:Query', 'dynamodb:BatchWriteItem');
    grantSweepRunClaims(this.table.tableArn, role);
    props.queue.grantSendMessages(role);

    const schedulerRole = new Role(this, 'ScheduleRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'ConvAI Secret Janitor: lets the sweep schedule invoke the sweep function',
    });
    const fnLogicalId = Stack.of(this).getLogicalId(this.function.node.defaultChild as CfnFunction);
    Validations.of(schedulerRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${fnLogicalId}.Arn>:*]`,
      reason:
        'The CDK invoke grant adds "<function ARN>:*" to cover versions and aliases of this one function; no other function matches.',
    });
    this.schedule = new Schedule(this, 'Schedule', {
      description: 'ConvAI Secret Janitor: stale-secret sweep',
      schedule: ScheduleExpression.expression(
        options.schedule ?? DEFAULTS.sweepSchedule,
        TimeZone.of(options.timeZone ?? DEFAULTS.sweepTimeZone),
      ),
      target: new LambdaInvoke(this.function, {
        role: schedulerRole,
        // The scheduled time names the run, so a retried invocation of the same run is recognised.
        input: ScheduleTargetInput.fromObject({
          trigger: 'sweep-schedule',
          scheduledTime: '<aws.scheduler.scheduled-time>',
          executionId: '<aws.scheduler.execution-id>',
        }),
        // No DLQ: a missed run is simply the next run. Scheduler retries a failed invoke twice.
        retryAttempts: 2,
        maxEventAge: Duration.hours(1),
      }),
    });

    this.alarms = [
      alarmAbove(
        this,
        'CapExceeded',
        'A sweep run found more due secrets than its caps allow and deleted nothing. Read its plan.',
        janitorMetric('SweepCapExceeded', 'Maximum', Duration.hours(1)),
      ),
      alarmAbove(
        this,
        'Aborted',
        'A sweep run could not list the whole inventory or use its table, and decided nothing.',
        janitorMetric('SweepAborted', 'Maximum', Duration.hours(1)),
      ),
      alarmAbove(
        this,
        'Errors',
        'The sweep function failed.',
        this.function.metricErrors({ period: Duration.hours(1), statistic: 'Sum' }),
      ),
    ];
  }
}
