import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import type { SweepOptions } from '#infra/janitor-sweep.ts';
import { SecretJanitor } from '#infra/secret-janitor.ts';
import { buildStack, SECRET_ARN } from '#test/helpers/stacks.ts';

function build(sweep?: SweepOptions) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'S', { env: { account: '123456789012', region: 'eu-west-1' } });
  const janitor = new SecretJanitor(stack, 'Janitor', {
    apiKeySecret: Secret.fromSecretCompleteArn(stack, 'Key', SECRET_ARN),
    ...(sweep ? { sweep } : {}),
  });
  return { stack, janitor, template: Template.fromStack(stack) };
}

type Statement = { Action: string | string[]; Resource: unknown };
function statementsOf(template: Template, roleLogicalId: string): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) =>
      JSON.stringify((policy as { Properties: { Roles: unknown } }).Properties.Roles).includes(roleLogicalId),
    )
    .flatMap(
      (policy) =>
        (policy as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
    );
}
const logicalId = (stack: Stack, construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as never);

describe('JanitorSweep deployment', () => {
  it('deploys no sweep, table or sweep schedule without sweep configuration', () => {
    const { template } = build();
    template.resourceCountIs('AWS::DynamoDB::Table', 0);
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.resourceCountIs('AWS::Scheduler::Schedule', 0);
  });

  it('creates an on-demand marks table with point-in-time recovery and TTL', () => {
    build({ prefixes: ['session-'] }).template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    });
  });

  it('runs the sweep daily in UTC by default and invokes the sweep function', () => {
    const { stack, janitor, template } = build({ prefixes: ['session-'] });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 day)',
      ScheduleExpressionTimezone: 'UTC',
      Target: Match.objectLike({
        Arn: stack.resolve(janitor.sweep?.function.functionArn),
        DeadLetterConfig: Match.absent(),
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
      }),
    });
  });

  it('uses the configured expression and time zone', () => {
    build({
      prefixes: ['s-'],
      schedule: 'cron(0 3 * * ? *)',
      timeZone: 'America/New_York',
    }).template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 3 * * ? *)',
      ScheduleExpressionTimezone: 'America/New_York',
    });
  });
});

describe('JanitorSweep safety defaults', () => {
  it('configures report mode, a 7-day grace period and both caps by default', () => {
    build({ prefixes: ['session-', 'demo-'] }).template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          SWEEP_PREFIXES: 'session-,demo-',
          SWEEP_MODE: 'report',
          GRACE_PERIOD_HOURS: '168',
          MAX_OBSERVATION_GAP_HOURS: '48',
          MAX_DELETIONS_PER_RUN: '25',
          MAX_DELETION_PERCENT: '10',
          REQUEST_TIMEOUT_MS: '10000',
        }),
      },
    });
  });

  it('refuses a sweep without prefixes at synth', () => {
    expect(() => build({ prefixes: [] })).toThrow(/sweep: prefixes must name at least one secret name prefix/);
  });

  it('refuses a zero grace period at synth', () => {
    expect(() => build({ prefixes: ['s-'], gracePeriod: Duration.hours(0) })).toThrow(
      /gracePeriod must be whole hours, at least 1, received 0 h/,
    );
  });

  it('refuses a grace period under one hour at synth', () => {
    expect(() => build({ prefixes: ['s-'], gracePeriod: Duration.minutes(30) })).toThrow(/received 0.5 h/);
  });

  it('refuses an invalid schedule expression at synth', () => {
    expect(() => build({ prefixes: ['s-'], schedule: 'every day' })).toThrow(/expression must be "cron/);
  });

  it('refuses an observation gap shorter than 1.5 sweep intervals at synth', () => {
    expect(() => build({ prefixes: ['s-'], schedule: 'rate(3 days)' })).toThrow(
      /maxObservationGap must be at least 1.5 times the longest time between runs \(72 h\).*received 48 h/,
    );
  });

  it('refuses a weekday cron schedule with the default 48 h observation gap', () => {
    expect(() => build({ prefixes: ['s-'], schedule: 'cron(0 3 ? * MON-FRI *)' })).toThrow(
      /longest time between runs \(128 h\).*received 48 h/,
    );
  });

  it('accepts a daily cron schedule with the default observation gap', () => {
    expect(() => build({ prefixes: ['s-'], schedule: 'cron(0 3 * * ? *)' })).not.toThrow();
  });

  it('accepts a slower schedule when the observation gap grows with it', () => {
    expect(() =>
      build({ prefixes: ['s-'], schedule: 'rate(3 days)', maxObservationGap: Duration.hours(120) }),
    ).not.toThrow();
  });

  it('refuses a prefix with a wildcard at synth', () => {
    expect(() => build({ prefixes: ['*'] })).toThrow(/prefixes entry "\*"/);
  });

  it('refuses a percentage cap over 100 at synth', () => {
    expect(() => build({ prefixes: ['s-'], maxDeletionPercent: 150 })).toThrow(
      /maxDeletionPercent must be 1-100, received 150/,
    );
  });
});

describe('JanitorSweep IAM', () => {
  it('lets the sweep only query and batch-write its table, claim runs, send to the queue and read the key', () => {
    const { stack, janitor, template } = build({ prefixes: ['s-'] });
    const sweep = janitor.sweep;
    if (!sweep) throw new Error('sweep missing');
    const statements = statementsOf(template, logicalId(stack, sweep.function.role as never));
    const actions = statements.flatMap((s) => [s.Action].flat()).sort();
    expect(actions).toEqual(
      [
        'dynamodb:BatchWriteItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'secretsmanager:GetSecretValue',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:SendMessage',
      ].sort(),
    );
    const tableArn = stack.resolve(sweep.table.tableArn);
    const dynamo = statements.find((s) => [s.Action].flat().includes('dynamodb:Query'));
    expect(dynamo?.Resource).toEqual([tableArn]);
    const claims = statements.filter((s) => [s.Action].flat().includes('dynamodb:PutItem'));
    expect(claims).toEqual([
      {
        Effect: 'Allow',
        Action: 'dynamodb:PutItem',
        Resource: stack.resolve(sweep.table.tableArn),
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['RUN#*'] } },
      },
    ]);
  });

  it('passes the sweep mode and grace period to the worker, which checks every sweep deletion against them', () => {
    const { stack, janitor, template } = build({ prefixes: ['s-'], mode: 'delete', gracePeriod: Duration.hours(240) });
    const worker = template.toJSON().Resources[logicalId(stack, janitor.worker as never)];
    expect(worker.Properties.Environment.Variables).toMatchObject({ SWEEP_MODE: 'delete', GRACE_PERIOD_HOURS: '240' });
  });

  it('names each scheduled run by its scheduled time in the schedule input', () => {
    const { template } = build({ prefixes: ['s-'] });
    const schedule = Object.values(template.findResources('AWS::Scheduler::Schedule'))[0] as {
      Properties: { Target: { Input: string } };
    };
    expect(JSON.parse(schedule.Properties.Target.Input)).toEqual({
      trigger: 'sweep-schedule',
      scheduledTime: '<aws.scheduler.scheduled-time>',
      executionId: '<aws.scheduler.execution-id>',
    });
  });

  it('lets the worker read and delete marks and write audits, and never write a mark', () => {
    const { stack, janitor, template } = build({ prefixes: ['s-'] });
    const statements = statementsOf(template, logicalId(stack, janitor.worker.role as never));
    const dynamo = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('dynamodb:')));
    const tableArn = stack.resolve(janitor.sweep?.table.tableArn);
    expect(dynamo).toEqual([
      expect.objectContaining({
        Action: ['dynamodb:GetItem', 'dynamodb:DeleteItem'],
        Resource: tableArn,
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['MARK#*'] } },
      }),
      expect.objectContaining({
        Action: 'dynamodb:PutItem',
        Resource: tableArn,
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['AUDIT#*'] } },
      }),
    ]);
  });

  it('lets the sweep schedule invoke only the sweep function', () => {
    const { stack, janitor, template } = build({ prefixes: ['s-'] });
    const roleId = Object.keys(
      template.findResources('AWS::IAM::Role', {
        Properties: {
          AssumeRolePolicyDocument: {
            Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'scheduler.amazonaws.com' } })]),
          },
        },
      }),
    );
    expect(roleId).toHaveLength(1);
    const statements = statementsOf(template, roleId[0] ?? '?').filter((s) =>
      [s.Action].flat().includes('lambda:InvokeFunction'),
    );
    const fnArn = stack.resolve(janitor.sweep?.function.functionArn);
    expect(statements).toEqual([
      expect.objectContaining({
        Action: 'lambda:InvokeFunction',
        Resource: [fnArn, { 'Fn::Join': ['', [fnArn, ':*']] }],
      }),
    ]);
  });

  it('passes the marks table to the worker only when the sweep exists', () => {
    const workerVariables = (built: ReturnType<typeof build>) => {
      const fns = built.template.findResources('AWS::Lambda::Function');
      const worker = fns[built.stack.getLogicalId(built.janitor.worker.node.defaultChild as never)] as {
        Properties: { Environment: { Variables: Record<string, unknown> } };
      };
      return worker.Properties.Environment.Variables;
    };
    const withSweep = build({ prefixes: ['s-'] });
    expect(withSweep.stack.resolve(workerVariables(withSweep).MARKS_TABLE_NAME)).toEqual(
      withSweep.stack.resolve(withSweep.janitor.sweep?.table.tableName),
    );
    expect(workerVariables(build()).MARKS_TABLE_NAME).toBeUndefined();
  });
});

describe('JanitorSweep alarms', () => {
  it('alarms on SweepCapExceeded, SweepAborted and sweep errors', () => {
    const { template } = build({ prefixes: ['s-'] });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'SweepCapExceeded',
      Namespace: 'ConvAISecretJanitor',
      Dimensions: [{ Name: 'service', Value: 'convai-secret-janitor' }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'SweepAborted' });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 4 + 3);
  });
});

describe('JanitorStack with a sweep', () => {
  it('reads the sweep from cdk.json context and passes cdk-nag with zero findings', () => {
    const { stack, template } = buildStack({
      apiKeySecretArn: SECRET_ARN,
      sweep: { prefixes: ['session-'], mode: 'delete', gracePeriodHours: 24 },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SWEEP_MODE: 'delete', GRACE_PERIOD_HOURS: '24' }) },
    });
    expect(new AwsSolutionsChecks().validateScope(stack).violations.map((v) => v.ruleName)).toEqual([]);
  });

  it('refuses an unknown sweep key in the context', () => {
    expect(() => buildStack({ apiKeySecretArn: SECRET_ARN, sweep: { prefixes: ['s-'], grace: 3 } })).toThrow(
      /sweep: unknown or missing key "grace"/,
    );
  });
});
