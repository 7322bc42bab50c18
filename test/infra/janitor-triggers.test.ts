import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { type ScheduledDeletion, workspaceFilter } from '#infra/janitor-triggers.ts';
import { SecretJanitor, type SecretJanitorProps } from '#infra/secret-janitor.ts';
import { SECRET_ARN, testApp } from '#test/helpers/stacks.ts';

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

const ref = (stack: Stack, construct: { node: { defaultChild?: unknown } }) =>
  stack.resolve((construct.node.defaultChild as { ref: string }).ref);
const arnOf = (stack: Stack, queue: { queueArn: string }) => stack.resolve(queue.queueArn);

describe('JanitorTriggers teardown rule', () => {
  it('matches only the configured source and the two detail types', () => {
    build().template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['convai.secret-janitor'],
        'detail-type': ['Agent Removed', 'Secret Deletion Requested'],
      },
    });
  });

  it('uses the custom source and bus when given', () => {
    const app = testApp();
    const stack = new Stack(app, 'S');
    new SecretJanitor(stack, 'Janitor', {
      apiKeySecret: Secret.fromSecretCompleteArn(stack, 'Key', SECRET_ARN),
      eventSource: 'acme.platform',
      eventBus: EventBus.fromEventBusName(stack, 'Bus', 'platform-bus'),
    });
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
      EventBusName: 'platform-bus',
      EventPattern: { source: ['acme.platform'] },
    });
  });

  it('delivers to the queue with retries and its own dead-letter queue', () => {
    const { stack, janitor, template } = build();
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [
        Match.objectLike({
          Arn: arnOf(stack, janitor.queue),
          DeadLetterConfig: { Arn: arnOf(stack, janitor.deadLetterQueue) },
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
        }),
      ],
    });
  });

  it('lets EventBridge send to the queue only for this rule', () => {
    const { stack, janitor, template } = build();
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [ref(stack, janitor.queue)],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            // Sorted by the @aws-cdk/aws-iam:minimizePolicies feature flag.
            Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
            Condition: { ArnEquals: { 'aws:SourceArn': stack.resolve(janitor.triggers.rule.ruleArn) } },
          }),
        ]),
      },
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
    build({ scheduledDeletions: [NIGHTLY] }).template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 2 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      FlexibleTimeWindow: { Mode: 'OFF' },
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
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Target: Match.objectLike({
        DeadLetterConfig: { Arn: arnOf(stack, janitor.deadLetterQueue) },
        RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
      }),
    });
  });

  it('lets the scheduler role send only to the queue and the delivery DLQ', () => {
    const { stack, janitor, template } = build({ scheduledDeletions: [NIGHTLY] });
    const roles = template.findResources('AWS::IAM::Role', {
      Properties: {
        AssumeRolePolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'scheduler.amazonaws.com' } })]),
        },
      },
    });
    const roleIds = Object.keys(roles);
    expect(roleIds).toHaveLength(1);
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
      JSON.stringify((policy as { Properties: { Roles: unknown } }).Properties.Roles).includes(roleIds[0] ?? '?'),
    ) as { Properties: { PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] } } }[];
    const statements = policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement);
    // One statement for both queues: the @aws-cdk/aws-iam:minimizePolicies feature flag merges them.
    expect(statements).toEqual([
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
