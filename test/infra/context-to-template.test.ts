import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { SETTINGS, type Setting } from '#shared/settings.ts';
import {
  buildStack,
  CDK_JSON_JANITOR,
  EVERY_SETTING,
  environmentOf,
  logicalIdOf,
  logicalIdsOfType,
  propertiesOf,
  resourceOf,
  scheduleTargetOf,
} from '#test/helpers/stacks.ts';

/**
 * From the `janitor` context to the template, the way infra/app.ts builds it: every setting set
 * away from its default must reach the function environments and resources written out below, so
 * a stack that ignores one context key fails here. Expected values are literals, on purpose.
 */

const arn = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });
const ref = (logicalId: string) => ({ Ref: logicalId });

function idsOf(built: ReturnType<typeof buildStack>) {
  const { janitor } = built.stack;
  return {
    queue: logicalIdOf(janitor.queue),
    dlq: logicalIdOf(janitor.deadLetterQueue),
    worker: logicalIdOf(janitor.worker),
    workerRole: logicalIdOf(janitor.worker.role as IConstruct),
    workerLogs: logicalIdOf(janitor.node.findChild('WorkerLogs')),
    rule: logicalIdOf(janitor.triggers.rule),
    eventSourceMapping: logicalIdsOfType(built.template, 'AWS::Lambda::EventSourceMapping')[0] ?? 'none',
  };
}

describe('the template from a context that sets every setting', () => {
  const built = buildStack(EVERY_SETTING);
  const { stack, template } = built;
  const { janitor } = stack;
  const { sweep } = janitor;
  const [nightly] = janitor.triggers.schedules;
  if (!sweep || !nightly) throw new Error('EVERY_SETTING deploys a sweep and a scheduled deletion');
  const id = {
    ...idsOf(built),
    table: logicalIdOf(sweep.table),
    sweep: logicalIdOf(sweep.function),
    sweepRole: logicalIdOf(sweep.function.role as IConstruct),
    sweepLogs: logicalIdOf(sweep.node.findChild('Logs')),
    sweepSchedule: logicalIdOf(sweep.schedule),
    sweepScheduleRole: logicalIdOf(sweep.node.findChild('ScheduleRole')),
    nightly: logicalIdOf(nightly),
    deletionScheduleRole: logicalIdOf(
      stack.node.children.find((child) => child.node.id.startsWith('SchedulerRoleForTarget-')) as IConstruct,
    ),
    topic: logicalIdOf(stack.node.findChild('AlarmTopic')),
  };

  it('names the stack after stackName', () => {
    expect(stack.stackName).toBe('JanitorEverything');
  });

  it('gives the worker every worker setting, the sweep mode and the grace period, and nothing else', () => {
    expect(environmentOf(template, id.worker)).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: 'convai-secret-janitor',
      API_KEY_SECRET_ID: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:janitor/elevenlabs-AbCdEf',
      API_KEY_SECRET_FIELD: 'elevenlabsKey',
      ELEVENLABS_BASE_URL: 'https://api.eu.residency.elevenlabs.io',
      REQUEST_TIMEOUT_MS: '10000',
      QUEUE_URL: ref(id.queue),
      DLQ_URL: ref(id.dlq),
      HORIZON_HOURS: '48',
      PROTECTED_SECRET_IDS: 'keep_alpha,keep_beta',
      DRY_RUN: 'true',
      CONCURRENCY: '7',
      LOOKUP_HOLDERS: 'true',
      EVENT_SOURCE: 'acme.platform',
      WORKSPACE: 'eu',
      MARKS_TABLE_NAME: ref(id.table),
      SWEEP_MODE: 'delete',
      GRACE_PERIOD_HOURS: '240',
    });
  });

  it('gives the sweep every sweep setting and the protected ids, and nothing else', () => {
    expect(environmentOf(template, id.sweep)).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: 'convai-secret-janitor',
      API_KEY_SECRET_ID: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:janitor/elevenlabs-AbCdEf',
      API_KEY_SECRET_FIELD: 'elevenlabsKey',
      ELEVENLABS_BASE_URL: 'https://api.eu.residency.elevenlabs.io',
      REQUEST_TIMEOUT_MS: '10000',
      QUEUE_URL: ref(id.queue),
      MARKS_TABLE_NAME: ref(id.table),
      SWEEP_PREFIXES: 'session-,demo-',
      SWEEP_MODE: 'delete',
      GRACE_PERIOD_HOURS: '240',
      MAX_OBSERVATION_GAP_HOURS: '36',
      MAX_DELETIONS_PER_RUN: '40',
      MAX_DELETION_PERCENT: '20',
      PROTECTED_SECRET_IDS: 'keep_alpha,keep_beta',
      PROTECTED_NAME_PATTERNS: 'session-keep-*,*-prod',
      WORKSPACE: 'eu',
    });
  });

  it('consumes the queue with maxConcurrency and the kill switch from the context, reporting item failures', () => {
    expect(propertiesOf(template, id.eventSourceMapping, 'AWS::Lambda::EventSourceMapping')).toEqual({
      BatchSize: 10,
      Enabled: false,
      EventSourceArn: arn(id.queue),
      FunctionName: ref(id.worker),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 4 },
    });
  });

  it('listens on eventBusName for eventSource only, delivering to the queue with retries and the DLQ', () => {
    expect(propertiesOf(template, id.rule, 'AWS::Events::Rule')).toEqual({
      Description: 'ConvAI Secret Janitor: Agent Removed and Secret Deletion Requested events to the deletion queue',
      EventBusName: 'platform-bus',
      EventPattern: {
        source: ['acme.platform'],
        'detail-type': ['Agent Removed', 'Secret Deletion Requested'],
        detail: { workspace: ['eu'] },
      },
      State: 'ENABLED',
      Targets: [
        {
          Arn: arn(id.queue),
          DeadLetterConfig: { Arn: arn(id.dlq) },
          Id: 'Target0',
          RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
        },
      ],
    });
  });

  it('sends each scheduledDeletions list to the queue on its schedule, with retries and the DLQ', () => {
    expect(logicalIdsOfType(template, 'AWS::Scheduler::Schedule')).toEqual([id.nightly, id.sweepSchedule].sort());
    const { Target, ...schedule } = propertiesOf(template, id.nightly, 'AWS::Scheduler::Schedule');
    expect(schedule).toEqual({
      Description: 'ConvAI Secret Janitor: scheduled deletion "nightly"',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ScheduleExpression: 'cron(0 2 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      State: 'ENABLED',
    });
    expect(scheduleTargetOf(template, id.nightly)).toEqual({
      Arn: arn(id.queue),
      DeadLetterConfig: { Arn: arn(id.dlq) },
      Input: {
        secretIds: ['demo_1', 'demo_2'],
        reason: 'nightly demo teardown',
        origin: 'schedule',
        eventId: '<aws.scheduler.execution-id>',
        workspace: 'eu',
      },
      RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
      RoleArn: arn(id.deletionScheduleRole),
      SqsParameters: {},
    });
  });

  it('runs the sweep on sweep.schedule in sweep.timeZone, retrying twice within an hour, with no DLQ', () => {
    const { Target, ...schedule } = propertiesOf(template, id.sweepSchedule, 'AWS::Scheduler::Schedule');
    expect(schedule).toEqual({
      Description: 'ConvAI Secret Janitor: stale-secret sweep',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ScheduleExpression: 'rate(12 hours)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      State: 'ENABLED',
    });
    expect(scheduleTargetOf(template, id.sweepSchedule)).toEqual({
      Arn: arn(id.sweep),
      Input: {
        trigger: 'sweep-schedule',
        scheduledTime: '<aws.scheduler.scheduled-time>',
        executionId: '<aws.scheduler.execution-id>',
      },
      RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 2 },
      RoleArn: arn(id.sweepScheduleRole),
    });
  });

  it('runs one sweep at a time and never lets Lambda retry a failed run', () => {
    const { Code, Environment, ...sweepFunction } = propertiesOf(template, id.sweep, 'AWS::Lambda::Function');
    expect(sweepFunction).toEqual({
      Architectures: ['arm64'],
      Description: 'Finds stale ElevenLabs secrets owned by this janitor and enqueues them after the grace period',
      Handler: 'index.handler',
      LoggingConfig: { LogGroup: ref(id.sweepLogs) },
      MemorySize: 512,
      ReservedConcurrentExecutions: 1,
      Role: arn(id.sweepRole),
      Runtime: 'nodejs24.x',
      Timeout: 300,
    });
    const [invokeConfig] = logicalIdsOfType(template, 'AWS::Lambda::EventInvokeConfig');
    expect(propertiesOf(template, invokeConfig ?? 'none', 'AWS::Lambda::EventInvokeConfig')).toEqual({
      FunctionName: ref(id.sweep),
      MaximumRetryAttempts: 0,
      Qualifier: '$LATEST',
    });
  });

  it('runs the worker unreserved, with no asynchronous invoke config', () => {
    const { Code, Environment, ...worker } = propertiesOf(template, id.worker, 'AWS::Lambda::Function');
    expect(worker).toEqual({
      Architectures: ['arm64'],
      Description: 'Deletes ElevenLabs ConvAI workspace secrets requested on the queue',
      Handler: 'index.handler',
      LoggingConfig: { LogGroup: ref(id.workerLogs) },
      MemorySize: 256,
      Role: arn(id.workerRole),
      Runtime: 'nodejs24.x',
      Timeout: 60,
    });
  });

  it('keeps requests 14 days, redrives to the DLQ after the fixed backstop, and keeps the DLQ 14 days', () => {
    expect(propertiesOf(template, id.queue, 'AWS::SQS::Queue')).toEqual({
      MaximumMessageSize: 262144,
      MessageRetentionPeriod: 1209600,
      RedrivePolicy: { deadLetterTargetArn: arn(id.dlq), maxReceiveCount: 1000 },
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 360,
    });
    expect(propertiesOf(template, id.dlq, 'AWS::SQS::Queue')).toEqual({
      MaximumMessageSize: 1048576,
      MessageRetentionPeriod: 1209600,
      SqsManagedSseEnabled: true,
    });
  });

  it('keeps the marks table, with point-in-time recovery, when the stack is deleted', () => {
    expect(resourceOf(template, id.table, 'AWS::DynamoDB::Table')).toEqual({
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      },
      UpdateReplacePolicy: 'Retain',
      DeletionPolicy: 'Retain',
    });
  });

  it('subscribes alarmEmail to the alarm topic and sends every alarm and OK there', () => {
    const [subscription] = logicalIdsOfType(template, 'AWS::SNS::Subscription');
    expect(propertiesOf(template, subscription ?? 'none', 'AWS::SNS::Subscription')).toEqual({
      Endpoint: 'ops@example.com',
      Protocol: 'email',
      TopicArn: ref(id.topic),
    });
    const alarms = logicalIdsOfType(template, 'AWS::CloudWatch::Alarm');
    expect(alarms).toHaveLength(8);
    for (const alarm of alarms) {
      const { AlarmActions, OKActions } = propertiesOf(template, alarm, 'AWS::CloudWatch::Alarm');
      expect({ alarm, AlarmActions, OKActions }).toEqual({
        alarm,
        AlarmActions: [ref(id.topic)],
        OKActions: [ref(id.topic)],
      });
    }
  });

  it('builds the same template from the JSON string -c janitor=… passes', () => {
    expect(buildStack(JSON.stringify(EVERY_SETTING)).template.toJSON()).toEqual(template.toJSON());
  });
});

describe('the template from the cdk.json janitor block', () => {
  const built = buildStack(CDK_JSON_JANITOR);
  const { stack, template } = built;
  const id = idsOf(built);

  it('names the stack ConvaiSecretJanitor and imports the key by its name', () => {
    expect(CDK_JSON_JANITOR).toEqual({
      stackName: 'ConvaiSecretJanitor',
      apiKeySecretName: 'convai-secret-janitor/elevenlabs-api-key',
    });
    expect(stack.stackName).toBe('ConvaiSecretJanitor');
  });

  it('gives the worker every default and no sweep variable', () => {
    expect(environmentOf(template, id.worker)).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: 'convai-secret-janitor',
      API_KEY_SECRET_ID: 'convai-secret-janitor/elevenlabs-api-key',
      API_KEY_SECRET_FIELD: 'apiKey',
      ELEVENLABS_BASE_URL: 'https://api.elevenlabs.io',
      REQUEST_TIMEOUT_MS: '10000',
      QUEUE_URL: ref(id.queue),
      DLQ_URL: ref(id.dlq),
      HORIZON_HOURS: '72',
      PROTECTED_SECRET_IDS: '',
      DRY_RUN: 'false',
      CONCURRENCY: '5',
      LOOKUP_HOLDERS: 'true',
      EVENT_SOURCE: 'convai.secret-janitor',
      WORKSPACE: 'default',
    });
  });

  it('consumes the queue, enabled, two invocations at most', () => {
    expect(propertiesOf(template, id.eventSourceMapping, 'AWS::Lambda::EventSourceMapping')).toEqual({
      BatchSize: 10,
      Enabled: true,
      EventSourceArn: arn(id.queue),
      FunctionName: ref(id.worker),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 2 },
    });
  });

  it('listens on the default bus for the janitor’s own source only', () => {
    expect(propertiesOf(template, id.rule, 'AWS::Events::Rule')).toEqual({
      Description: 'ConvAI Secret Janitor: Agent Removed and Secret Deletion Requested events to the deletion queue',
      EventBusName: 'default',
      EventPattern: {
        source: ['convai.secret-janitor'],
        'detail-type': ['Agent Removed', 'Secret Deletion Requested'],
        detail: { workspace: ['default', { exists: false }] },
      },
      State: 'ENABLED',
      Targets: [
        {
          Arn: arn(id.queue),
          DeadLetterConfig: { Arn: arn(id.dlq) },
          Id: 'Target0',
          RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
        },
      ],
    });
  });

  it('keeps the queue and the DLQ as with every setting: no context key reaches them', () => {
    expect(propertiesOf(template, id.queue, 'AWS::SQS::Queue')).toEqual({
      MaximumMessageSize: 262144,
      MessageRetentionPeriod: 1209600,
      RedrivePolicy: { deadLetterTargetArn: arn(id.dlq), maxReceiveCount: 1000 },
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 360,
    });
    expect(propertiesOf(template, id.dlq, 'AWS::SQS::Queue')).toEqual({
      MaximumMessageSize: 1048576,
      MessageRetentionPeriod: 1209600,
      SqsManagedSseEnabled: true,
    });
  });
});

describe('every context key the settings declare', () => {
  /** cdk.json's block plus the smallest sweep, so sweep keys have something to change. */
  const BASE: Record<string, unknown> & { sweep: Record<string, unknown> } = {
    ...CDK_JSON_JANITOR,
    sweep: { prefixes: ['s-'] },
  };
  const contextKeys = (Object.values(SETTINGS) as Setting[]).flatMap((setting) => setting.context ?? []);
  const every = EVERY_SETTING as unknown as Record<string, unknown> & { sweep: Record<string, unknown> };

  /** The value EVERY_SETTING gives a key (`sweep.mode` read inside `sweep`); a name for the by-name import. */
  function awayFromDefault(key: string): Record<string, unknown> {
    if (key === 'apiKeySecretName') return { ...BASE, apiKeySecretName: 'janitor/another-key' };
    const [first, second] = key.split('.') as [string, string?];
    if (second !== undefined) return { ...BASE, sweep: { ...BASE.sweep, [second]: every.sweep[second] } };
    // An ARN replaces the name: the context takes exactly one of them.
    const { apiKeySecretName, ...rest } = BASE;
    return { ...(first === 'apiKeySecretArn' ? rest : BASE), [first]: every[first] };
  }

  const synthesized = (context: Record<string, unknown>) => {
    const { stack, template } = buildStack(context);
    return { stackName: stack.stackName, template: template.toJSON() };
  };
  const base = synthesized(BASE);

  it('are all set by EVERY_SETTING (but apiKeySecretName, which apiKeySecretArn replaces)', () => {
    const set = [
      ...Object.keys(every).filter((key) => key !== 'sweep'),
      ...Object.keys(every.sweep).map((key) => `sweep.${key}`),
      'apiKeySecretName',
    ];
    expect(set.sort()).toEqual([...contextKeys].sort());
  });

  it.each(contextKeys)('change the template when %s is set away from its default', (key) => {
    expect(synthesized(awayFromDefault(key))).not.toEqual(base);
  });
});
