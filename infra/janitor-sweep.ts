import { Duration, RemovalPolicy, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import { type IRole, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction, Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { ContextAttribute, Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { alarmAbove, janitorMetric } from '#infra/alarms.ts';
import { grantSweepRunClaims } from '#infra/iam.ts';
import { type ApiAccess, createJanitorFunction } from '#infra/janitor-function.ts';
import { durationProp, envOf, propValue } from '#infra/setting-props.ts';
import { sweepTimingProblem } from '#infra/sweep-rules.ts';
import { ConfigError } from '#shared/errors.ts';
import { SETTINGS, type SweepMode } from '#shared/settings.ts';

/**
 * The scheduled stale-secret sweep. Every default is the safe one; each option is declared, with its
 * default and allowed range, in `functions/shared/settings.ts` (prop `sweep.<name>`).
 */
export interface SweepOptions {
  /** Name prefixes this janitor owns; only such secrets are ever considered. Must not be empty. */
  readonly prefixes: readonly string[];
  /** `report` logs the plan and enqueues nothing; `delete` enqueues due secrets. @default 'report' (settings: sweepMode) */
  readonly mode?: SweepMode;
  /** EventBridge Scheduler expression. @default 'rate(1 day)' (settings: sweepSchedule) */
  readonly schedule?: string;
  /** IANA time zone of a cron schedule. @default 'UTC' (settings: sweepTimeZone) */
  readonly timeZone?: string;
  /** How long a secret must be seen unused, continuously, before it is due. Whole hours. @default Duration.hours(168) (settings: gracePeriodHours) */
  readonly gracePeriod?: Duration;
  /**
   * A mark not refreshed for this long restarts its grace period (runs were missed). Whole hours,
   * shorter than the grace period, at least 1.5 times the longest time between runs.
   * @default Duration.hours(48) (settings: maxObservationGapHours)
   */
  readonly maxObservationGap?: Duration;
  /** A run with more due secrets than this deletes nothing. @default 25 (settings: maxDeletionsPerRun) */
  readonly maxDeletionsPerRun?: number;
  /** A run with more due secrets than this percentage of the owned inventory (at least 1) deletes nothing. @default 10 (settings: maxDeletionPercent) */
  readonly maxDeletionPercent?: number;
  /** Secret name globs (`*` = anything) that are never candidates. @default [] (settings: protectedNamePatterns) */
  readonly protectedNamePatterns?: readonly string[];
  /** Sweep function timeout. Whole seconds. @default Duration.seconds(300) (settings: sweepTimeoutSeconds) */
  readonly timeout?: Duration;
  /** Sweep function memory in MB. @default 512 (settings: sweepMemorySize) */
  readonly memorySize?: number;
}

export interface JanitorSweepProps {
  readonly options: SweepOptions;
  readonly api: ApiAccess;
  readonly queue: IQueue;
  readonly protectedSecretIds: readonly string[];
  /** The janitor's workspace; sweep messages name it unless it is `default`. */
  readonly workspace: string;
  readonly logRetention: RetentionDays;
}

/** The sweep options in the units the sweep function reads, with every default applied. */
export interface SweepSettings {
  readonly prefixes: readonly string[];
  readonly mode: SweepMode;
  readonly schedule: string;
  readonly timeZone: string;
  readonly gracePeriodHours: number;
  readonly maxObservationGapHours: number;
  readonly maxDeletionsPerRun: number;
  readonly maxDeletionPercent: number;
  readonly protectedNamePatterns: readonly string[];
  readonly timeoutSeconds: number;
  readonly memorySize: number;
}

/**
 * Checks the sweep options at synth against their declarations (the same ranges the sweep function
 * accepts at cold start) and the rules between them; errors name the prop and the value.
 */
export function validateSweepOptions(options: SweepOptions, from?: Date): SweepSettings {
  const settings: SweepSettings = {
    prefixes: propValue(SETTINGS.sweepPrefixes, options.prefixes),
    mode: propValue(SETTINGS.sweepMode, options.mode),
    schedule: propValue(SETTINGS.sweepSchedule, options.schedule),
    timeZone: propValue(SETTINGS.sweepTimeZone, options.timeZone),
    gracePeriodHours: durationProp(SETTINGS.gracePeriodHours, options.gracePeriod),
    maxObservationGapHours: durationProp(SETTINGS.maxObservationGapHours, options.maxObservationGap),
    maxDeletionsPerRun: propValue(SETTINGS.maxDeletionsPerRun, options.maxDeletionsPerRun),
    maxDeletionPercent: propValue(SETTINGS.maxDeletionPercent, options.maxDeletionPercent),
    protectedNamePatterns: propValue(SETTINGS.protectedNamePatterns, options.protectedNamePatterns),
    timeoutSeconds: durationProp(SETTINGS.sweepTimeoutSeconds, options.timeout),
    memorySize: propValue(SETTINGS.sweepMemorySize, options.memorySize),
  };
  const problem = sweepTimingProblem(settings, 'prop', from);
  if (problem) throw new ConfigError(problem);
  return settings;
}

/**
 * The sweep: a marks table (on-demand, point-in-time recovery, TTL on audits), a function that
 * builds the plan, and a schedule that runs it. It enqueues due secrets on the janitor's queue.
 */
export class JanitorSweep extends Construct {
  readonly table: Table;
  readonly function: LambdaFunction;
  readonly schedule: Schedule;
  readonly alarms: Alarm[];
  /** Report or delete; the worker refuses sweep deletions unless it is delete. */
  readonly mode: SweepMode;
  readonly gracePeriodHours: number;

  constructor(scope: Construct, id: string, props: JanitorSweepProps) {
    super(scope, id);
    const settings = validateSweepOptions(props.options);
    this.mode = settings.mode;
    this.gracePeriodHours = settings.gracePeriodHours;

    this.table = new Table(this, 'Marks', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'ttl',
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.function = createJanitorFunction(this, {
      ids: { function: 'Function', role: 'Role', logs: 'Logs' },
      handler: 'sweep',
      description: 'Finds stale ElevenLabs secrets owned by this janitor and enqueues them after the grace period',
      roleDescription:
        'ConvAI Secret Janitor sweep: read the API key, read and write marks, enqueue due secrets, write logs',
      memorySize: settings.memorySize,
      timeout: Duration.seconds(settings.timeoutSeconds),
      logRetention: props.logRetention,
      api: props.api,
      environment: {
        ...envOf(SETTINGS.queueUrl, props.queue.queueUrl),
        ...envOf(SETTINGS.marksTableName, this.table.tableName),
        ...envOf(SETTINGS.sweepPrefixes, settings.prefixes),
        ...envOf(SETTINGS.sweepMode, settings.mode),
        ...envOf(SETTINGS.gracePeriodHours, settings.gracePeriodHours),
        ...envOf(SETTINGS.maxObservationGapHours, settings.maxObservationGapHours),
        ...envOf(SETTINGS.maxDeletionsPerRun, settings.maxDeletionsPerRun),
        ...envOf(SETTINGS.maxDeletionPercent, settings.maxDeletionPercent),
        ...envOf(SETTINGS.protectedSecretIds, props.protectedSecretIds),
        ...envOf(SETTINGS.protectedNamePatterns, settings.protectedNamePatterns),
        ...envOf(SETTINGS.workspace, props.workspace),
      },
      // One run at a time, and no Lambda retry of a failed run: the schedule's own retry policy
      // decides, so runs never overlap or repeat.
      reservedConcurrentExecutions: 1,
      retryAttempts: 0,
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
      schedule: ScheduleExpression.expression(settings.schedule, TimeZone.of(settings.timeZone)),
      target: new LambdaInvoke(this.function, {
        role: schedulerRole,
        // Scheduler fills in the run's scheduled time and execution id, so a run has a stable id.
        input: ScheduleTargetInput.fromObject({
          trigger: 'sweep-schedule',
          scheduledTime: ContextAttribute.scheduledTime,
          executionId: ContextAttribute.executionId,
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
        janitorMetric('SweepCapExceeded', props.workspace, { statistic: 'Maximum', period: Duration.hours(1) }),
      ),
      alarmAbove(
        this,
        'Aborted',
        'A sweep run could not list the whole inventory or use its table, and decided nothing.',
        janitorMetric('SweepAborted', props.workspace, { statistic: 'Maximum', period: Duration.hours(1) }),
      ),
      alarmAbove(
        this,
        'EnqueueFailed',
        'A sweep run could not enqueue some due secrets; the next run finds them due again. Read sweep_enqueue_failed in the sweep logs.',
        janitorMetric('SweepEnqueueFailed', props.workspace, { statistic: 'Sum', period: Duration.hours(1) }),
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
