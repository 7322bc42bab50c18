import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { type ScheduledDeletion, workspaceFilter } from '#infra/janitor-triggers.ts';
import { SecretJanitor, type SecretJanitorProps } from '#infra/secret-janitor.ts';
import {
  logicalIdOf,
  logicalIdsOfType,
  policyStatementsOf,
  propertiesOf,
  queuePolicyOf,
  SECRET_ARN,
  scheduleTargetOf,
  testApp,
} from '#test/helpers/stacks.ts';

const NIGHTLY: ScheduledDeletion = {
  name: 'nightly-demo',
  expression: 'cron(0 2 * * ? *)',
  timeZone: 'Europe/Berlin',
  secretIds: ['demo_key_1', 'demo_key_2'],
  reason: 'nightly demo teardown',
};

function build(props: Partial<SecretJanitorProps> = {}) {
  const app = testApp();
  const stack = new Stack(app, 'S', { env: { account: '123456789012', region: 'eu-west-1' } });
  const janitor = new SecretJanitor(stack, 'Janitor', {
    apiKeySecret: Secret.fromSecretCompleteArn(stack, 'Key', SECRET_ARN),
    ...props,
  });
  return { stack, janitor, template: Template.fromStack(stack) };
}

const arnOf = (stack: Stack, queue: { queueArn: string }) => stack.resolve(queue.queueArn);

describe('JanitorTriggers teardown rule', () => {
  it('matches only the configured source and the two detail types', () => {
    const { janitor, template } = build();
    expect(propertiesOf(template, logicalIdOf(janitor.triggers.rule), 'AWS::Events::Rule').EventPattern).toEqual({
      source: ['convai.secret-janitor'],
      'detail-type': ['Agent Removed', 'Secret Deletion Requested'],
      detail: { workspace: ['default', { exists: false }] },
    });
  });

  it('uses the custom source and bus when given', () => {
    const app = testApp();
    const stack = new Stack(app, 'S');
    const janitor = new SecretJanitor(stack, 'Janitor', {
      apiKeySecret: Secret.fromSecretCompleteArn(stack, 'Key', SECRET_ARN),
      eventSource: 'acme.platform',
      eventBus: EventBus.fromEventBusName(stack, 'Bus', 'platform-bus'),
    });
    const rule = propertiesOf(Template.fromStack(stack), logicalIdOf(janitor.triggers.rule), 'AWS::Events::Rule');
    expect({ EventBusName: rule.EventBusName, EventPattern: rule.EventPattern }).toEqual({
      EventBusName: 'platform-bus',
      EventPattern: {
        source: ['acme.platform'],
        'detail-type': ['Agent Removed', 'Secret Deletion Requested'],
        detail: { workspace: ['default', { exists: false }] },
      },
    });
  });

  it('delivers to the queue with retries and its own dead-letter queue', () => {
    const { stack, janitor, template } = build();
    expect(propertiesOf(template, logicalIdOf(janitor.triggers.rule), 'AWS::Events::Rule').Targets).toEqual([
      {
        Arn: arnOf(stack, janitor.queue),
        DeadLetterConfig: { Arn: arnOf(stack, janitor.deadLetterQueue) },
        Id: 'Target0',
        RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
      },
    ]);
  });

  it('lets EventBridge send to the queue only for this rule', () => {
    const { stack, janitor, template } = build();
    expect(queuePolicyOf(template, logicalIdOf(janitor.queue))).toEqual({
      Statement: [
        {
          Action: 'sqs:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Resource: arnOf(stack, janitor.queue),
        },
        {
          // Sorted by the @aws-cdk/aws-iam:minimizePolicies feature flag.
          Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
          Condition: { ArnEquals: { 'aws:SourceArn': stack.resolve(janitor.triggers.rule.ruleArn) } },
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Resource: arnOf(stack, janitor.queue),
        },
      ],
      Version: '2012-10-17',
    });
  });

  it('refuses an event source in the reserved aws. namespace', () => {
    expect(() => build({ eventSource: 'aws.events' })).toThrow(
      'eventSource must be 1-256 letters, digits, ".", "_", "-" or "/", not starting with "aws.", received "aws.events"',
    );
  });
});

describe('JanitorTriggers scheduled deletions', () => {
  it('deploys no schedule when none is configured', () => {
    build().template.resourceCountIs('AWS::Scheduler::Schedule', 0);
  });

  it('creates one schedule per list with its expression and time zone', () => {
    const { janitor, template } = build({ scheduledDeletions: [NIGHTLY] });
    expect(janitor.triggers.schedules).toHaveLength(1);
    const [schedule] = janitor.triggers.schedules.map(logicalIdOf);
    const { Target, ...properties } = propertiesOf(template, schedule ?? 'none', 'AWS::Scheduler::Schedule');
    expect(properties).toEqual({
      Description: 'ConvAI Secret Janitor: scheduled deletion "nightly-demo"',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ScheduleExpression: 'cron(0 2 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      State: 'ENABLED',
    });
  });

  it('sends the id list to the queue as a schedule-origin message with the execution id', () => {
    const { stack, janitor, template } = build({ scheduledDeletions: [NIGHTLY] });
    const schedule = Object.values(template.findResources('AWS::Scheduler::Schedule'))[0] as {
      Properties: { Target: { Arn: unknown; Input: string } };
    };
    expect(schedule.Properties.Target.Arn).toEqual(arnOf(stack, janitor.queue));
    expect(JSON.parse(schedule.Properties.Target.Input)).toEqual({
      secretIds: ['demo_key_1', 'demo_key_2'],
      reason: 'nightly demo teardown',
      origin: 'schedule',
      eventId: '<aws.scheduler.execution-id>',
    });
  });

  it('gives each schedule retries and the delivery dead-letter queue', () => {
    const { stack, janitor, template } = build({ scheduledDeletions: [NIGHTLY] });
    const [schedule] = janitor.triggers.schedules.map(logicalIdOf);
    const { Input, RoleArn, ...target } = scheduleTargetOf(template, schedule ?? 'none');
    expect(target).toEqual({
      Arn: arnOf(stack, janitor.queue),
      DeadLetterConfig: { Arn: arnOf(stack, janitor.deadLetterQueue) },
      RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
      SqsParameters: {},
    });
  });

  it('lets Scheduler assume the deletion role only from this account’s default group, to send only to the queue and the DLQ', () => {
    const { stack, janitor, template } = build({ scheduledDeletions: [NIGHTLY] });
    const workerRole = logicalIdOf(janitor.worker.role as IConstruct);
    const [roleId] = logicalIdsOfType(template, 'AWS::IAM::Role').filter((id) => id !== workerRole);
    expect(scheduleTargetOf(template, logicalIdOf(janitor.triggers.schedules[0] as IConstruct)).RoleArn).toEqual({
      'Fn::GetAtt': [roleId, 'Arn'],
    });
    expect(propertiesOf(template, roleId ?? 'none', 'AWS::IAM::Role')).toEqual({
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Condition: {
              StringEquals: {
                'aws:SourceAccount': '123456789012',
                'aws:SourceArn': 'arn:aws:scheduler:eu-west-1:123456789012:schedule-group/default',
              },
            },
            Effect: 'Allow',
            Principal: { Service: 'scheduler.amazonaws.com' },
          },
        ],
        Version: '2012-10-17',
      },
    });
    // One statement for both queues: the @aws-cdk/aws-iam:minimizePolicies feature flag merges them.
    expect(policyStatementsOf(template, roleId ?? 'none')).toEqual([
      {
        Action: 'sqs:SendMessage',
        Effect: 'Allow',
        Resource: [arnOf(stack, janitor.deadLetterQueue), arnOf(stack, janitor.queue)],
      },
    ]);
  });

  it.each([
    [{ expression: 'cron(0 2 * * ?)' }, /expression must be "cron\(m h dom mon dow year\)"/],
    [{ expression: 'rate(1 days)' }, /singular unit for 1/],
    [{ expression: 'rate(5 minute)' }, /singular unit for 1 and a plural otherwise/],
    [{ timeZone: 'Mars/Olympus' }, /timeZone must be a canonical IANA time zone.*Mars\/Olympus/],
    [{ timeZone: 'europe/berlin' }, /timeZone must be a canonical IANA time zone.*europe\/berlin/],
    [{ secretIds: [] }, /secretIds must hold 1-1000 ids, received 0/],
    [{ secretIds: Array.from({ length: 1001 }, (_, i) => `s${i}`) }, /received 1001/],
    [{ secretIds: ['ok', '../etc'] }, /"\.\.\/etc": secretId must be 1-128 characters/],
    [{ name: 'has space' }, /name must be 1-48 letters/],
    [{ reason: 'x'.repeat(513) }, /reason must be at most 512 characters, received 513/],
  ])('refuses %o at synth with a clear error', (override, message) => {
    expect(() => build({ scheduledDeletions: [{ ...NIGHTLY, ...override }] })).toThrow(message);
  });

  it('refuses two schedules with the same name', () => {
    expect(() => build({ scheduledDeletions: [NIGHTLY, NIGHTLY] })).toThrow(/"nightly-demo": name is used twice/);
  });

  it('passes cdk-nag AwsSolutions with zero findings when schedules are configured', () => {
    const { stack } = build({
      scheduledDeletions: [NIGHTLY, { ...NIGHTLY, name: 'hourly', expression: 'rate(1 hour)' }],
    });
    expect(new AwsSolutionsChecks().validateScope(stack).violations.map((v) => v.ruleName)).toEqual([]);
  });
});

describe('JanitorTriggers workspace filter', () => {
  it('matches events for the default workspace and events that name none when the workspace is default', () => {
    expect(workspaceFilter('default')).toEqual(['default', { exists: false }]);
  });

  it('matches only its own workspace when the workspace is named', () => {
    expect(workspaceFilter('eu')).toEqual(['eu']);
  });
});
