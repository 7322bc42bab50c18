import { Duration } from 'aws-cdk-lib';
import type { Alarm, Metric, MetricOptions } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Grant, type IGrantable, type IRole } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DETAIL_TYPES, MAX_BODY_BYTES } from '#core/message-schemas.ts';
import type { MetricName } from '#core/outcomes.ts';
import { MAX_RECEIVE_COUNT } from '#core/retry-policy.ts';
import { alarmAbove, janitorMetric } from '#infra/alarms.ts';
import { grantWorkerMarks } from '#infra/iam.ts';
import { type ApiAccess, createJanitorFunction } from '#infra/janitor-function.ts';
import { JanitorSweep, type SweepOptions } from '#infra/janitor-sweep.ts';
import { JanitorTriggers, type ScheduledDeletion } from '#infra/janitor-triggers.ts';
import { durationProp, envOf, propValue } from '#infra/setting-props.ts';
import { ConfigError } from '#shared/errors.ts';
import { SETTINGS } from '#shared/settings.ts';

/**
 * Every prop is declared, with its default and allowed range, in `functions/shared/settings.ts`
 * (`SETTINGS`, found by its prop name); docs/configuration.md lists them.
 */
export interface SecretJanitorProps {
  /** The Secrets Manager secret holding the ElevenLabs API key. Its key, if any, gets `kms:Decrypt`. */
  readonly apiKeySecret: ISecret;
  /** Customer-managed KMS key of the secret; gets `kms:Decrypt`. @default the secret's own encryptionKey */
  readonly apiKeyEncryptionKey?: IKey;
  /** JSON field holding the key when the SecretString is a JSON object. @default 'apiKey' (settings: apiKeySecretField) */
  readonly apiKeySecretField?: string;
  /** ElevenLabs API origin; see docs/configuration.md for regional URLs. @default 'https://api.elevenlabs.io' (settings: baseUrl) */
  readonly baseUrl?: string;
  /** Give up on a request (move it to the DLQ) once it is this old. Whole hours. @default Duration.hours(72) (settings: horizonHours) */
  readonly horizon?: Duration;
  /** Secret ids that are never deleted; requests for them are refused. @default [] (settings: protectedSecretIds) */
  readonly protectedSecretIds?: readonly string[];
  /** Log "would delete" and acknowledge, without calling DELETE. @default false (settings: dryRun) */
  readonly dryRun?: boolean;
  /** Records processed at once inside one invocation. @default 5 (settings: concurrency) */
  readonly concurrency?: number;
  /** Concurrent worker invocations (SQS event source `maxConcurrency`). @default 2 (settings: maxConcurrency) */
  readonly maxConcurrency?: number;
  /** Records per invocation. @default 10 (settings: batchSize) */
  readonly batchSize?: number;
  /** How long the event source gathers records before invoking. Whole seconds. @default Duration.seconds(0) (settings: maxBatchingWindowSeconds) */
  readonly maxBatchingWindow?: Duration;
  /** Per-attempt HTTP timeout. Whole milliseconds. @default Duration.millis(10000) (settings: requestTimeoutMs) */
  readonly requestTimeout?: Duration;
  /** On an in-use 422, read the secret once and log what holds it. @default true (settings: lookupHolders) */
  readonly lookupHolders?: boolean;
  /** Worker memory in MB. @default 256 (settings: memorySize) */
  readonly memorySize?: number;
  /** Worker timeout. Whole seconds. @default Duration.seconds(60) (settings: timeoutSeconds) */
  readonly timeout?: Duration;
  /** Worker log retention. @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** Topic that receives alarm and OK notifications. @default - alarms without actions */
  readonly alarmTopic?: ITopic;
  /** Alarm when the oldest message in the queue is older than this. @default horizon + 12 hours */
  readonly oldestMessageAlarmAge?: Duration;
  /** Whether the worker consumes the queue; `false` is the kill switch. @default true (settings: enabled) */
  readonly enabled?: boolean;
  /** Bus the teardown rule listens on. @default the account's default bus */
  readonly eventBus?: IEventBus;
  /** The only event `source` the teardown rule accepts. @default 'convai.secret-janitor' (settings: eventSource) */
  readonly eventSource?: string;
  /**
   * The ElevenLabs workspace this janitor serves (one janitor per workspace and key). Its rule takes
   * only events for it, and its worker sends messages for another workspace to the DLQ.
   * @default 'default' (settings: workspace)
   */
  readonly workspace?: string;
  /** Fixed lists of secret ids deleted on a schedule (EventBridge Scheduler). @default [] */
  readonly scheduledDeletions?: readonly ScheduledDeletion[];
  /** The scheduled stale-secret sweep; report mode unless told otherwise. @default - no sweep */
  readonly sweep?: SweepOptions;
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new ConfigError(message);
}

/**
 * The deletion queue, its DLQ, the worker that deletes ElevenLabs secrets, and alarms.
 * Every request reaches the worker through the queue.
 */
export class SecretJanitor extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly triggers: JanitorTriggers;
  readonly worker: LambdaFunction;
  readonly sweep?: JanitorSweep;
  /** UUID of the worker's SQS event source mapping: `enabled: false` or `pause` flips it. */
  readonly eventSourceMappingId: string;
  readonly alarms: Alarm[] = [];
  /** The ElevenLabs workspace this janitor serves. */
  readonly workspace: string;
  /** Receives before SQS itself moves a message to the DLQ: a fixed backstop (see `MAX_RECEIVE_COUNT`). */
  readonly maxReceiveCount: number;

  constructor(scope: Construct, id: string, props: SecretJanitorProps) {
    super(scope, id);
    // Every prop is checked against its declaration in settings.ts: what synthesizes also starts.
    const horizonHours = durationProp(SETTINGS.horizonHours, props.horizon);
    const horizon = Duration.hours(horizonHours);
    const baseUrl = propValue(SETTINGS.baseUrl, props.baseUrl);
    const protectedIds = propValue(SETTINGS.protectedSecretIds, props.protectedSecretIds);
    const concurrency = propValue(SETTINGS.concurrency, props.concurrency);
    const maxConcurrency = propValue(SETTINGS.maxConcurrency, props.maxConcurrency);
    const batchSize = propValue(SETTINGS.batchSize, props.batchSize);
    const windowSeconds = durationProp(SETTINGS.maxBatchingWindowSeconds, props.maxBatchingWindow);
    check(
      batchSize <= 10 || windowSeconds > 0,
      `batchSize must be 1-10, or up to 100 with a maxBatchingWindow, received ${batchSize}`,
    );
    const memorySize = propValue(SETTINGS.memorySize, props.memorySize);
    const timeoutSeconds = durationProp(SETTINGS.timeoutSeconds, props.timeout);
    const requestTimeoutMs = durationProp(SETTINGS.requestTimeoutMs, props.requestTimeout);
    const sweepTimeoutSeconds = props.sweep
      ? durationProp(SETTINGS.sweepTimeoutSeconds, props.sweep.timeout)
      : timeoutSeconds;
    check(
      requestTimeoutMs < (Math.min(timeoutSeconds, sweepTimeoutSeconds) * 1000) / 2,
      `requestTimeout must be under half of the worker timeout (${timeoutSeconds} s)${props.sweep ? ` and of sweep.timeout (${sweepTimeoutSeconds} s)` : ''}, received ${requestTimeoutMs} ms`,
    );
    const eventSource = propValue(SETTINGS.eventSource, props.eventSource);
    this.workspace = propValue(SETTINGS.workspace, props.workspace);

    this.maxReceiveCount = MAX_RECEIVE_COUNT;

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      // Room for any body the queue accepts plus the reason attributes the worker adds.
      maxMessageSizeBytes: 1024 * 1024,
    });

    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      visibilityTimeout: Duration.seconds(6 * timeoutSeconds + windowSeconds),
      // The worker's own limit: a larger body could not be validated, so SQS refuses it up front.
      maxMessageSizeBytes: MAX_BODY_BYTES,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: this.maxReceiveCount },
    });

    this.triggers = new JanitorTriggers(this, 'Triggers', {
      queue: this.queue,
      // What EventBridge or Scheduler cannot deliver lands in the same DLQ, so one redrive serves all.
      deadLetterQueue: this.deadLetterQueue,
      eventBus: props.eventBus,
      eventSource,
      scheduledDeletions: props.scheduledDeletions,
      workspace: this.workspace,
    });

    const api: ApiAccess = {
      apiKeySecret: props.apiKeySecret,
      apiKeyEncryptionKey: props.apiKeyEncryptionKey,
      apiKeySecretField: propValue(SETTINGS.apiKeySecretField, props.apiKeySecretField),
      baseUrl,
      requestTimeout: Duration.millis(requestTimeoutMs),
    };
    this.worker = createJanitorFunction(this, {
      ids: { function: 'Worker', role: 'WorkerRole', logs: 'WorkerLogs' },
      handler: 'worker',
      description: 'Deletes ElevenLabs ConvAI workspace secrets requested on the queue',
      roleDescription: 'ConvAI Secret Janitor worker: read the API key, consume the queue, send to the DLQ, write logs',
      memorySize,
      timeout: Duration.seconds(timeoutSeconds),
      logRetention: props.logRetention ?? RetentionDays.ONE_MONTH,
      api,
      environment: {
        ...envOf(SETTINGS.queueUrl, this.queue.queueUrl),
        ...envOf(SETTINGS.dlqUrl, this.deadLetterQueue.queueUrl),
        ...envOf(SETTINGS.horizonHours, horizonHours),
        ...envOf(SETTINGS.protectedSecretIds, protectedIds),
        ...envOf(SETTINGS.dryRun, propValue(SETTINGS.dryRun, props.dryRun)),
        ...envOf(SETTINGS.concurrency, concurrency),
        ...envOf(SETTINGS.lookupHolders, propValue(SETTINGS.lookupHolders, props.lookupHolders)),
        ...envOf(SETTINGS.eventSource, eventSource),
        ...envOf(SETTINGS.workspace, this.workspace),
      },
    });
    const role = this.worker.role as IRole;
    this.deadLetterQueue.grantSendMessages(this.worker);
    // Fan-out: a multi-id message becomes one message per id on the same queue.
    this.queue.grantSendMessages(this.worker);
    const queueSource = new SqsEventSource(this.queue, {
      batchSize,
      maxBatchingWindow: windowSeconds > 0 ? Duration.seconds(windowSeconds) : undefined,
      maxConcurrency,
      reportBatchItemFailures: true,
      enabled: propValue(SETTINGS.enabled, props.enabled),
    });
    this.worker.addEventSource(queueSource);
    this.eventSourceMappingId = queueSource.eventSourceMappingId;

    if (props.sweep) {
      this.sweep = new JanitorSweep(this, 'Sweep', {
        options: props.sweep,
        api,
        queue: this.queue,
        protectedSecretIds: protectedIds,
        workspace: this.workspace,
        logRetention: props.logRetention ?? RetentionDays.ONE_MONTH,
      });
      // The worker checks every sweep deletion against the sweep's mark, mode and grace period; an
      // in-use 422 on a sweep deletion clears the mark, so the grace period starts again.
      for (const [name, value] of Object.entries({
        ...envOf(SETTINGS.marksTableName, this.sweep.table.tableName),
        ...envOf(SETTINGS.sweepMode, this.sweep.mode),
        ...envOf(SETTINGS.gracePeriodHours, this.sweep.gracePeriodHours),
      })) {
        this.worker.addEnvironment(name, value);
      }
      grantWorkerMarks(this.sweep.table.tableArn, role);
    }

    this.addAlarms(props, horizon);
  }

  /** Lets `grantee` send deletion requests to the queue (`sqs:SendMessage` and the calls it needs). */
  grantSendDeletionRequests(grantee: IGrantable): Grant {
    return this.queue.grantSendMessages(grantee);
  }

  /**
   * Lets `grantee` publish `Agent Removed` and `Secret Deletion Requested` events on the rule's bus,
   * with the rule's `source` only (`events:source` and `events:detail-type` conditions).
   */
  grantPutDeletionEvents(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: ['events:PutEvents'],
      resourceArns: [this.triggers.eventBus.eventBusArn],
      conditions: {
        StringEquals: { 'events:source': this.triggers.eventSource },
        'ForAllValues:StringEquals': {
          'events:detail-type': [DETAIL_TYPES.agentRemoved, DETAIL_TYPES.deletionRequested],
        },
      },
    });
  }

  /** One of the worker's EMF metrics, for this janitor's workspace. @default Sum over 5 minutes */
  metric(metricName: MetricName, props: MetricOptions = {}): Metric {
    return janitorMetric(metricName, this.workspace).with(props);
  }

  /** Secrets deleted (2xx). */
  metricDeleted(props?: MetricOptions): Metric {
    return this.metric('Deleted', props);
  }

  /** Requests for secrets that were already gone (404). */
  metricAlreadyGone(props?: MetricOptions): Metric {
    return this.metric('AlreadyGone', props);
  }

  /** Requests deferred because the secret is still in use (422). */
  metricInUseDeferred(props?: MetricOptions): Metric {
    return this.metric('InUseDeferred', props);
  }

  /** Messages the worker moved to the DLQ, with their reason. */
  metricMovedToDlq(props?: MetricOptions): Metric {
    return this.metric('MovedToDlq', props);
  }

  /** Requests refused with a logged reason (protected id, invalid id, sweep checks). */
  metricRefused(props?: MetricOptions): Metric {
    return this.metric('Refused', props);
  }

  /** Requests retried later after a transient failure (408, 429, 5xx, network). */
  metricTransientRetry(props?: MetricOptions): Metric {
    return this.metric('TransientRetry', props);
  }

  /** Requests retried later because ElevenLabs refused the key (401/403). */
  metricAuthFailed(props?: MetricOptions): Metric {
    return this.metric('AuthFailed', props);
  }

  /** Moves to the DLQ that failed; the message stays on the queue. */
  metricDlqSendFailed(props?: MetricOptions): Metric {
    return this.metric('DlqSendFailed', props);
  }

  private addAlarms(props: SecretJanitorProps, horizon: Duration): void {
    const oldest = props.oldestMessageAlarmAge ?? horizon.plus(Duration.hours(12));
    const alarms = [
      alarmAbove(
        this,
        'DeadLetterQueueNotEmpty',
        'Deletion requests reached the DLQ (failureReason from the worker, ERROR_CODE from EventBridge or Scheduler). Fix the cause, then redrive.',
        this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(5),
          statistic: 'Maximum',
        }),
      ),
      alarmAbove(
        this,
        'OldestMessageTooOld',
        `A deletion request has waited more than ${oldest.toHumanString()}: the worker may be paused or failing.`,
        this.queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5), statistic: 'Maximum' }),
        oldest.toSeconds(),
      ),
      alarmAbove(
        this,
        'DlqSendFailed',
        'The worker could not move a message to the DLQ; it keeps the message and retries, but look at the worker logs.',
        this.metricDlqSendFailed({ period: Duration.minutes(15) }),
      ),
      alarmAbove(
        this,
        'WorkerErrors',
        'The worker failed an invocation (init or unhandled error); per-record retries do not count.',
        this.worker.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      ),
    ];
    for (const alarm of [...alarms, ...(this.sweep?.alarms ?? [])]) {
      if (props.alarmTopic) {
        alarm.addAlarmAction(new SnsAction(props.alarmTopic));
        alarm.addOkAction(new SnsAction(props.alarmTopic));
      }
      this.alarms.push(alarm);
    }
  }
}
