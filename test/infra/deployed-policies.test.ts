import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import {
  buildStack,
  CDK_JSON_JANITOR,
  EVERY_SETTING,
  logicalIdOf,
  logicalIdsOfType,
  policyStatementsOf,
  propertiesOf,
  queuePolicyOf,
  resourceTypeCounts,
  SECRET_ARN,
  scheduleTargetOf,
} from '#test/helpers/stacks.ts';

/**
 * Every policy the stack deploys, pinned whole: each statement's Effect, Principal, Action,
 * Resource and Condition, every role's trust policy, and no resource beyond the listed ones. A new
 * principal, action, condition or role fails here; change the expectation only on purpose.
 */

const arn = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });
const ref = (logicalId: string) => ({ Ref: logicalId });

/** The statement every queue policy starts with: nothing reaches the queue without TLS. */
const denyWithoutTls = (queueArn: unknown) => ({
  Action: 'sqs:*',
  Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  Effect: 'Deny',
  Principal: { AWS: '*' },
  Resource: queueArn,
});

/** A statement id CDK derives from the rule's path: a label, not a permission. */
const EVENT_RULE_SID = expect.stringMatching(/^AllowEventRule[A-Za-z0-9]+$/);

const lambdaTrust = {
  Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } }],
  Version: '2012-10-17',
};

function ids(stack: ReturnType<typeof buildStack>['stack']) {
  const { janitor } = stack;
  return {
    queue: logicalIdOf(janitor.queue),
    dlq: logicalIdOf(janitor.deadLetterQueue),
    rule: logicalIdOf(janitor.triggers.rule),
    worker: logicalIdOf(janitor.worker),
    workerRole: logicalIdOf(janitor.worker.role as IConstruct),
    workerLogs: logicalIdOf(janitor.node.findChild('WorkerLogs')),
  };
}

describe('the stack cdk.json deploys', () => {
  const { stack, template } = buildStack(CDK_JSON_JANITOR);
  const id = ids(stack);

  it('holds exactly the queues, their policies, the rule, the worker, its role and its alarms', () => {
    expect(resourceTypeCounts(template)).toEqual({
      'AWS::CloudWatch::Alarm': 4,
      'AWS::Events::Rule': 1,
      'AWS::IAM::Policy': 1,
      'AWS::IAM::Role': 1,
      'AWS::Lambda::EventSourceMapping': 1,
      'AWS::Lambda::Function': 1,
      'AWS::Logs::LogGroup': 1,
      'AWS::SQS::Queue': 2,
      'AWS::SQS::QueuePolicy': 2,
    });
  });

  it('lets only EventBridge, for the teardown rule alone, send to the queue, and nothing without TLS', () => {
    expect(queuePolicyOf(template, id.queue)).toEqual({
      Statement: [
        denyWithoutTls(arn(id.queue)),
        {
          Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
          Condition: { ArnEquals: { 'aws:SourceArn': arn(id.rule) } },
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Resource: arn(id.queue),
        },
      ],
      Version: '2012-10-17',
    });
  });

  it('lets only EventBridge, for what the teardown rule could not deliver, send to the DLQ', () => {
    expect(queuePolicyOf(template, id.dlq)).toEqual({
      Statement: [
        denyWithoutTls(arn(id.dlq)),
        {
          Action: 'sqs:SendMessage',
          Condition: { ArnEquals: { 'aws:SourceArn': arn(id.rule) } },
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Resource: arn(id.dlq),
          Sid: EVENT_RULE_SID,
        },
      ],
      Version: '2012-10-17',
    });
  });

  it('lets Lambda alone assume the worker role, which has no managed or inline policy', () => {
    expect(logicalIdsOfType(template, 'AWS::IAM::Role')).toEqual([id.workerRole]);
    expect(propertiesOf(template, id.workerRole, 'AWS::IAM::Role')).toEqual({
      AssumeRolePolicyDocument: lambdaTrust,
      Description: 'ConvAI Secret Janitor worker: read the API key, consume the queue, send to the DLQ, write logs',
    });
  });

  it('lets the worker write its logs, read the key by name, send to both queues and consume the queue, nothing more', () => {
    expect(policyStatementsOf(template, id.workerRole)).toEqual([
      { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: arn(id.workerLogs) },
      {
        Action: 'secretsmanager:GetSecretValue',
        Effect: 'Allow',
        Resource:
          'arn:aws:secretsmanager:eu-west-1:123456789012:secret:convai-secret-janitor/elevenlabs-api-key-??????',
      },
      {
        Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
        Effect: 'Allow',
        Resource: [arn(id.dlq), arn(id.queue)],
      },
      {
        Action: [
          'sqs:ChangeMessageVisibility',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
          'sqs:GetQueueUrl',
          'sqs:ReceiveMessage',
        ],
        Effect: 'Allow',
        Resource: arn(id.queue),
      },
    ]);
  });
});

describe('the stack a context with every setting deploys', () => {
  const { stack, template } = buildStack(EVERY_SETTING);
  const { janitor } = stack;
  const sweep = janitor.sweep;
  if (!sweep) throw new Error('EVERY_SETTING deploys a sweep');
  const [nightly] = janitor.triggers.schedules;
  if (!nightly) throw new Error('EVERY_SETTING deploys a scheduled deletion');
  const id = {
    ...ids(stack),
    table: logicalIdOf(sweep.table),
    sweep: logicalIdOf(sweep.function),
    sweepRole: logicalIdOf(sweep.function.role as IConstruct),
    sweepLogs: logicalIdOf(sweep.node.findChild('Logs')),
    sweepSchedule: logicalIdOf(sweep.schedule),
    sweepScheduleRole: logicalIdOf(sweep.node.findChild('ScheduleRole')),
    nightly: logicalIdOf(nightly),
    topic: logicalIdOf(stack.node.findChild('AlarmTopic')),
  };
  /** The role the scheduled deletions run as: aws-scheduler-targets creates one per stack. */
  const deletionScheduleRoleId = (scheduleTargetOf(template, id.nightly).RoleArn as { 'Fn::GetAtt': string[] })[
    'Fn::GetAtt'
  ][0] as string;
  const KMS = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

  it('holds exactly these resources: no other role, policy, permission or queue policy', () => {
    expect(resourceTypeCounts(template)).toEqual({
      'AWS::CloudWatch::Alarm': 8,
      'AWS::DynamoDB::Table': 1,
      'AWS::Events::Rule': 1,
      'AWS::IAM::Policy': 4,
      'AWS::IAM::Role': 4,
      'AWS::Lambda::EventInvokeConfig': 1,
      'AWS::Lambda::EventSourceMapping': 1,
      'AWS::Lambda::Function': 2,
      'AWS::Logs::LogGroup': 2,
      'AWS::SNS::Subscription': 1,
      'AWS::SNS::Topic': 1,
      'AWS::SNS::TopicPolicy': 1,
      'AWS::SQS::Queue': 2,
      'AWS::SQS::QueuePolicy': 2,
      'AWS::Scheduler::Schedule': 2,
    });
    expect(logicalIdsOfType(template, 'AWS::IAM::Role')).toEqual(
      [id.workerRole, id.sweepRole, id.sweepScheduleRole, deletionScheduleRoleId].sort(),
    );
  });

  it('keeps the same queue policies: the rule on a custom bus changes nothing in them', () => {
    expect(queuePolicyOf(template, id.queue)).toEqual({
      Statement: [
        denyWithoutTls(arn(id.queue)),
        {
          Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
          Condition: { ArnEquals: { 'aws:SourceArn': arn(id.rule) } },
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Resource: arn(id.queue),
        },
      ],
      Version: '2012-10-17',
    });
    expect(queuePolicyOf(template, id.dlq)).toEqual({
      Statement: [
        denyWithoutTls(arn(id.dlq)),
        {
          Action: 'sqs:SendMessage',
          Condition: { ArnEquals: { 'aws:SourceArn': arn(id.rule) } },
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Resource: arn(id.dlq),
          Sid: EVENT_RULE_SID,
        },
      ],
      Version: '2012-10-17',
    });
  });

  it('lets Lambda alone assume the worker and sweep roles', () => {
    expect(propertiesOf(template, id.workerRole, 'AWS::IAM::Role')).toEqual({
      AssumeRolePolicyDocument: lambdaTrust,
      Description: 'ConvAI Secret Janitor worker: read the API key, consume the queue, send to the DLQ, write logs',
    });
    expect(propertiesOf(template, id.sweepRole, 'AWS::IAM::Role')).toEqual({
      AssumeRolePolicyDocument: lambdaTrust,
      Description:
        'ConvAI Secret Janitor sweep: read the API key, read and write marks, enqueue due secrets, write logs',
    });
  });

  it('adds to the worker only the key’s kms:Decrypt and its slice of the marks table', () => {
    expect(policyStatementsOf(template, id.workerRole)).toEqual([
      { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: arn(id.workerLogs) },
      { Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: SECRET_ARN },
      { Action: 'kms:Decrypt', Effect: 'Allow', Resource: KMS },
      {
        Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
        Effect: 'Allow',
        Resource: [arn(id.dlq), arn(id.queue)],
      },
      {
        Action: [
          'sqs:ChangeMessageVisibility',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
          'sqs:GetQueueUrl',
          'sqs:ReceiveMessage',
        ],
        Effect: 'Allow',
        Resource: arn(id.queue),
      },
      {
        Action: ['dynamodb:DeleteItem', 'dynamodb:GetItem'],
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['MARK#*'] } },
        Effect: 'Allow',
        Resource: arn(id.table),
      },
      {
        Action: 'dynamodb:PutItem',
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['AUDIT#*'] } },
        Effect: 'Allow',
        Resource: arn(id.table),
      },
    ]);
  });

  it('lets the sweep write its logs, read the key, query and write marks, claim runs and send to the queue, nothing more', () => {
    expect(policyStatementsOf(template, id.sweepRole)).toEqual([
      { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: arn(id.sweepLogs) },
      { Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: SECRET_ARN },
      { Action: 'kms:Decrypt', Effect: 'Allow', Resource: KMS },
      { Action: ['dynamodb:BatchWriteItem', 'dynamodb:Query'], Effect: 'Allow', Resource: arn(id.table) },
      {
        Action: 'dynamodb:PutItem',
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['RUN#*'] } },
        Effect: 'Allow',
        Resource: arn(id.table),
      },
      {
        Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
        Effect: 'Allow',
        Resource: arn(id.queue),
      },
    ]);
  });

  it('lets Scheduler assume the sweep schedule role only for this account, to invoke only the sweep function', () => {
    expect(propertiesOf(template, id.sweepScheduleRole, 'AWS::IAM::Role')).toEqual({
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
            Effect: 'Allow',
            Principal: { Service: 'scheduler.amazonaws.com' },
          },
        ],
        Version: '2012-10-17',
      },
      Description: 'ConvAI Secret Janitor: lets the sweep schedule invoke the sweep function',
    });
    expect(policyStatementsOf(template, id.sweepScheduleRole)).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        Effect: 'Allow',
        Resource: [arn(id.sweep), { 'Fn::Join': ['', [arn(id.sweep), ':*']] }],
      },
    ]);
  });

  it('lets Scheduler assume the deletion-list role only for this account’s default group, to send only to the queues', () => {
    expect(propertiesOf(template, deletionScheduleRoleId, 'AWS::IAM::Role')).toEqual({
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
    expect(policyStatementsOf(template, deletionScheduleRoleId)).toEqual([
      { Action: 'sqs:SendMessage', Effect: 'Allow', Resource: [arn(id.dlq), arn(id.queue)] },
    ]);
  });

  it('runs each schedule as its own role', () => {
    expect(scheduleTargetOf(template, id.sweepSchedule).RoleArn).toEqual(arn(id.sweepScheduleRole));
    expect(scheduleTargetOf(template, id.nightly).RoleArn).toEqual(arn(deletionScheduleRoleId));
  });

  it('lets nothing publish to the alarm topic without TLS and adds no other statement', () => {
    const policies = logicalIdsOfType(template, 'AWS::SNS::TopicPolicy');
    expect(policies).toHaveLength(1);
    expect(propertiesOf(template, policies[0] ?? '', 'AWS::SNS::TopicPolicy')).toEqual({
      PolicyDocument: {
        Statement: [
          {
            Action: 'sns:Publish',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            Effect: 'Deny',
            Principal: '*',
            Resource: ref(id.topic),
            Sid: 'AllowPublishThroughSSLOnly',
          },
        ],
        Version: '2012-10-17',
      },
      Topics: [ref(id.topic)],
    });
  });
});
