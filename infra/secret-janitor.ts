import { Duration } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { MAX_BODY_BYTES, SECRET_ID_PATTERN } from '#core/message-schemas.ts';
import { MAX_RECEIVE_COUNT } from '#core/retry-policy.ts';
import { alarmAbove, janitorMetric } from '#infra/alarms.ts';
import { FUNCTION_ENTRIES } from '#infra/bundling.ts';
import { grantWorkerMarks } from '#infra/iam.ts';
import { type ApiAccess, createJanitorFunction } from '#infra/janitor-function.ts';
import { JanitorSweep, type SweepOptions } from '#infra/janitor-sweep.ts';
import { JanitorTriggers, type ScheduledDeletion } from '#infra/janitor-triggers.ts';
import { baseUrlProblem, DEFAULTS, MAX_HORIZON_HOURS } from '#shared/config.ts';
import { ConfigError } from '#shared/errors.ts';

export interface SecretJanitorProps {
  /** The Secrets Manager secret holding the ElevenLabs API key. Its key, if any, gets `kms:Decrypt`. */
  readonly apiKeySecret: ISecret;
  /** Customer-managed KMS key of the secret; gets `kms:Decrypt`. @default the secret's own encryptionKey */
  readonly apiKeyEncryptionKey?: IKey;
  /** JSON field holding the key when the SecretString is a JSON object. @default 'apiKey' */
  readonly apiKeySecretField?: string;
  /** ElevenLabs API origin; see docs/configuration.md for regional URLs. @default 'https://api.elevenlabs.io' */
  readonly baseUrl?: string;
  /** Give up on a request (move it to the DLQ) once it is this old. Whole hours. @default Duration.hours(72) */
  readonly horizon?: Duration;
  /** Secret ids that are never deleted; requests for them are refused. @default [] */
  readonly protectedSecretIds?: readonly string[];
  /** Log "would delete" and acknowledge, without calling DELETE. @default false */
  readonly dryRun?: boolean;
  /** Records processed at once inside one invocation. @default 5 */
  readonly concurrency?: number;
  /** Concurrent worker invocations (SQS event source `maxConcurrency`, 2–1000). @default 2 */
  readonly maxConcurrency?: number;
  /** Records per invocation. @default 10 */
  readonly batchSize?: number;
  /** How long the event source gathers records before invoking. @default Duration.seconds(0) */
  readonly maxBatchingWindow?: Duration;
  /** Per-attempt HTTP timeout. @default Duration.seconds(10) */
  readonly requestTimeout?: Duration;
  /** On an in-use 422, read the secret once and log what holds it. @default true */
  readonly lookupHolders?: boolean;
  /** Worker memory in MB. @default 256 */
  readonly memorySize?: number;
  /** Worker timeout. @default Duration.seconds(60) */
  readonly timeout?: Duration;
  /** Worker log retention. @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** Topic that receives alarm and OK notifications. @default - alarms without actions */
  readonly alarmTopic?: ITopic;
  /** Alarm when the oldest message in the queue is older than this. @default horizon + 12 hours */
  readonly oldestMessageAlarmAge?: Duration;
  /** Whether the worker consumes the queue; `false` is the kill switch. @default true */
  readonly enabled?: boolean;
  /** Bus the teardown rule listens on. @default the account's default bus */
  readonly eventBus?: IEventBus;
  /** The only event `source` the teardown rule accepts. @default 'convai.secret-janitor' */
  readonly eventSource?: string;
  /** Fixed lists of secret ids deleted on a schedule (EventBridge Scheduler). @default [] */
  readonly scheduledDeletions?: readonly ScheduledDeletion[];
  /** The scheduled stale-secret sweep; report mode unless told otherwise. @default - no sweep */
  readonly sweep?: SweepOptions;
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new ConfigError(`SecretJanitor: ${message}`);
}

/**
 * The deletion queue, its DLQ, the worker that deletes ElevenLabs secrets, and alarms.
 * Every request reaches the worker through the queue.
 */
export class SecretJanitor extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly triggers: JanitorTriggers;
  readonly worker: NodejsFunction;
  readonly sweep?: JanitorSweep;
  /** UUID of the worker's SQS event source mapping: `enabled: false` or `pause` flips it. */
  readonly eventSourceMappingId: string;
  readonly alarms: Alarm[] = [];
  /** Receives before SQS itself moves a message to the DLQ: a fixed backstop (see `MAX_RECEIVE_COUNT`). */
  readonly maxReceiveCount: number;

  constructor(scope: Construct, id: string, props: SecretJanitorProps) {
    super(scope, id);
    const horizon = props.horizon ?? Duration.hours(DEFAULTS.horizonHours);
    const horizonHours = horizon.toHours({ integral: false });
    check(
      Number.isInteger(horizonHours) && horizonHours >= 1 && horizonHours <= MAX_HORIZON_HOURS,
      `horizon must be whole hours from 1 to ${MAX_HORIZON_HOURS}, received ${horizonHours} h`,
    );
    const baseUrl = props.baseUrl ?? DEFAULTS.baseUrl;
    const urlProblem = baseUrlProblem(baseUrl);
    check(urlProblem === undefined, `baseUrl ${urlProblem}, received "${baseUrl}"`);
    const protectedIds = props.protectedSecretIds ?? [];
    for (const secretId of protectedIds) {
      check(SECRET_ID_PATTERN.test(secretId), `protectedSecretIds entry "${secretId}" is not a valid secret id`);
    }
    const concurrency = props.concurrency ?? DEFAULTS.concurrency;
    check(
      Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 50,
      `concurrency must be 1-50, received ${concurrency}`,
    );
    const maxConcurrency = props.maxConcurrency ?? 2;
    check(
      Number.isInteger(maxConcurrency) && maxConcurrency >= 2 && maxConcurrency <= 1000,
      `maxConcurrency must be 2-1000, received ${maxConcurrency}`,
    );
    const batchSize = props.batchSize ?? 10;
    const window = props.maxBatchingWindow ?? Duration.seconds(0);
    check(
      Number.isInteger(batchSize) && batchSize >= 1 && (batchSize <= 10 || window.toSeconds() > 0) && batchSize <= 100,
      `batchSize must be 1-10, or up to 100 with a maxBatchingWindow, received ${batchSize}`,
    );
    const timeout = props.timeout ?? Duration.seconds(60);
    const timeoutSeconds = timeout.toSeconds();
    check(timeoutSeconds >= 30 && timeoutSeconds <= 900, `timeout must be 30-900 seconds, received ${timeoutSeconds}`);
    const requestTimeout = props.requestTimeout ?? Duration.millis(DEFAULTS.requestTimeoutMs);
    check(
      requestTimeout.toMilliseconds() >= 100 && requestTimeout.toSeconds() < timeoutSeconds / 2,
      `requestTimeout must be at least 100 ms and under half the function timeout, received ${requestTimeout.toMilliseconds()} ms`,
    );

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
      visibilityTimeout: Duration.seconds(6 * timeoutSeconds + window.toSeconds()),
      // The worker's own limit: a larger body could not be validated, so SQS refuses it up front.
      maxMessageSizeBytes: MAX_BODY_BYTES,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: this.maxReceiveCount },
    });

    this.triggers = new JanitorTriggers(this, 'Triggers', {
      queue: this.queue,
      // What EventBridge or Scheduler cannot deliver lands in the same DLQ, so one redrive serves all.
      deadLetterQueue: this.deadLetterQueue,
      eventBus: props.eventBus,
      eventSource: props.eventSource,
      scheduledDeletions: props.scheduledDeletions,
    });

    const api: ApiAccess = {
      apiKeySecret: props.apiKeySecret,
      apiKeyEncryptionKey: props.apiKeyEncryptionKey,
      apiKeySecretField: props.apiKeySecretField ?? DEFAULTS.apiKeySecretField,
      baseUrl,
      requestTimeout,
    };
    this.worker = createJanitorFunction(this, {
      ids: { function: 'Worker', role: 'WorkerRole', logs: 'WorkerLogs' },
      entry: FUNCTION_ENTRIES.worker,
      description: 'Deletes ElevenLabs ConvAI workspace secrets requested on the queue',
      roleDescription: 'ConvAI Secret Janitor worker: read the API key, consume the queue, send to the DLQ, write logs',
      memorySize: props.memorySize ?? 256,
      timeout,
      logRetention: props.logRetention ?? RetentionDays.ONE_MONTH,
      api,
      environment: {
        QUEUE_URL: this.queue.queueUrl,
        DLQ_URL: this.deadLetterQueue.queueUrl,
        HORIZON_HOURS: String(horizonHours),
        PROTECTED_SECRET_IDS: protectedIds.join(','),
        DRY_RUN: String(props.dryRun ?? DEFAULTS.dryRun),
        CONCURRENCY: String(concurrency),
        LOOKUP_HOLDERS: String(props.lookupHolders ?? DEFAULTS.lookupHolders),
      },
    });
    const role = this.worker.role as IRole;
    this.deadLetterQueue.grantSendMessages(this.worker);
    // Fan-out: a multi-id message becomes one message per id on the same queue.
    this.queue.grantSendMessages(this.worker);
    const eventSource = new SqsEventSource(this.queue, {
      batchSize,
      maxBatchingWindow: window.toSeconds() > 0 ? window : undefined,
      maxConcurrency,
      reportBatchItemFailures: true,
      enabled: props.enabled ?? true,
    });
    this.worker.addEventSource(eventSource);
    this.eventSourceMappingId = eventSource.eventSourceMappingId;

    if (props.sweep) {
      this.sweep = new JanitorSweep(this, 'Sweep', {
        options: props.sweep,
        api,
        queue: this.queue,
        protectedSecretIds: protectedIds,
        logRetention: props.logRetention ?? RetentionDays.ONE_MONTH,
      });
      // The worker checks every sweep deletion against the sweep's mark, mode and grace period; an
      // in-use 422 on a sweep deletion clears the mark, so the grace period starts again.
      this.worker.addEnvironment('MARKS_TABLE_NAME', this.sweep.table.tableName);
      this.worker.addEnvironment('SWEEP_MODE', this.sweep.mode);
      this.worker.addEnvironment('GRACE_PERIOD_HOURS', String(this.sweep.gracePeriodHours));
      grantWorkerMarks(this.sweep.table.tableArn, role);
    }

    this.addAlarms(props, horizon);
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
        janitorMetric('DlqSendFailed', 'Sum', Duration.minutes(15)),
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
