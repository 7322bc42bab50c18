import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import type { SweepOptions } from '#infra/janitor-sweep.ts';
import { SecretJanitor } from '#infra/secret-janitor.ts';
import { buildStack, SECRET_ARN, testApp } from '#test/helpers/stacks.ts';

function build(sweep?: SweepOptions) {
  const app = testApp();
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
    expect(() => build({ prefixes: [] })).toThrow(
      'sweep.prefixes must name at least one secret name prefix; an empty list never means "everything", received []',
    );
  });

  it('refuses a zero grace period at synth, naming the prop, the value and the range', () => {
    expect(() => build({ prefixes: ['s-'], gracePeriod: Duration.hours(0) })).toThrow(
      'sweep.gracePeriod must be whole hours from 1 to 8760, received 0 h',
    );
  });

  it('refuses a grace period under one hour at synth', () => {
    expect(() => build({ prefixes: ['s-'], gracePeriod: Duration.minutes(30) })).toThrow(/received 0.5 h$/);
  });

  it('refuses a grace period of 400 days at synth, which the sweep function would refuse at cold start', () => {
    expect(() => build({ prefixes: ['s-'], gracePeriod: Duration.days(400) })).toThrow(
      'sweep.gracePeriod must be whole hours from 1 to 8760, received 9600 h',
    );
  });

  it('refuses an invalid schedule expression at synth', () => {
    expect(() => build({ prefixes: ['s-'], schedule: 'every day' })).toThrow(
      'sweep.schedule must be "cron(m h dom mon dow year)" (6 fields) or "rate(N minutes|hours|days)", received "every day"',
    );
  });

  it('refuses a cron with both day fields set, which Scheduler refuses at deploy', () => {
    expect(() => build({ prefixes: ['s-'], schedule: 'cron(0 3 * * MON *)' })).toThrow(
      /^sweep\.schedule must have "\?" in exactly one of day-of-month and day-of-week/,
    );
  });

  it('refuses an observation gap shorter than 1.5 sweep intervals at synth', () => {
    expect(() => build({ prefixes: ['s-'], schedule: 'rate(3 days)' })).toThrow(
      'sweep.maxObservationGap must be at least 1.5 times the longest time between runs (72 h for "rate(3 days)" in UTC), so at least 108 h, or every run restarts the grace period and nothing is ever deleted; received 48 h',
    );
  });

  it('refuses a weekday cron schedule with the default 48 h observation gap: Friday to Monday is 72 h', () => {
    expect(() => build({ prefixes: ['s-'], schedule: 'cron(0 3 ? * MON-FRI *)' })).toThrow(
      /^sweep\.maxObservationGap must be at least 1\.5 times the longest time between runs \(72 h for "cron\(0 3 \? \* MON-FRI \*\)" in UTC, from .*\), so at least 108 h.*received 48 h$/,
    );
  });

  it('refuses a monthly cron schedule with a 192 h observation gap', () => {
    expect(() =>
      build({
        prefixes: ['s-'],
        schedule: 'cron(0 3 1 * ? *)',
        maxObservationGap: Duration.hours(192),
        gracePeriod: Duration.days(60),
      }),
    ).toThrow(/longest time between runs \(744 h .*so at least 1116 h.*received 192 h$/);
  });

  it('accepts a monthly cron schedule when the observation gap covers 1.5 months', () => {
    expect(() =>
      build({
        prefixes: ['s-'],
        schedule: 'cron(0 3 1 * ? *)',
        maxObservationGap: Duration.hours(1116),
        gracePeriod: Duration.days(60),
      }),
    ).not.toThrow();
  });

  it('refuses a cron schedule that cannot be evaluated', () => {
    expect(() => build({ prefixes: ['s-'], schedule: 'cron(0 3 L-2 * ? *)' })).toThrow(
      /^sweep\.schedule must be a cron expression the janitor can evaluate \(.+\) in UTC, received "cron\(0 3 L-2 \* \? \*\)"$/,
    );
  });

  it('refuses an observation gap that is not shorter than the grace period', () => {
    expect(() =>
      build({ prefixes: ['s-'], gracePeriod: Duration.hours(48), maxObservationGap: Duration.hours(48) }),
    ).toThrow('sweep.maxObservationGap must be shorter than sweep.gracePeriod (48 h), received 48 h');
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
    expect(() => build({ prefixes: ['*'] })).toThrow(
      'sweep.prefixes has an invalid entry "*": expected 1-128 characters without whitespace, "*" or ","',
    );
  });

  it('refuses a prefix with a comma at synth, as the sweep function would', () => {
    expect(() => build({ prefixes: ['a,b'] })).toThrow('sweep.prefixes has an invalid entry "a,b"');
  });

  it('refuses a percentage cap over 100 at synth', () => {
    expect(() => build({ prefixes: ['s-'], maxDeletionPercent: 150 })).toThrow(
      'sweep.maxDeletionPercent must be a whole number from 1 to 100, received 150',
    );
  });

  it('refuses an unknown mode at synth', () => {
    expect(() => build({ prefixes: ['s-'], mode: 'purge' as never })).toThrow(
      'sweep.mode must be one of "report", "delete", received "purge"',
    );
  });
});

describe('JanitorSweep runs', () => {
  it('reserves one concurrent execution and turns off Lambda retries of the sweep function', () => {
    const { stack, janitor, template } = build({ prefixes: ['s-'] });
    const fnId = logicalId(stack, janitor.sweep?.function as never);
    expect(template.toJSON().Resources[fnId].Properties.ReservedConcurrentExecutions).toBe(1);
    template.hasResource('AWS::Lambda::EventInvokeConfig', {
      Properties: Match.objectEquals({
        FunctionName: { Ref: fnId },
        Qualifier: '$LATEST',
        MaximumRetryAttempts: 0,
      }),
    });
  });

  it('leaves the worker unreserved and without an async invoke config', () => {
    const { stack, janitor, template } = build({ prefixes: ['s-'] });
    const workerId = logicalId(stack, janitor.worker as never);
    expect(template.toJSON().Resources[workerId].Properties.ReservedConcurrentExecutions).toBeUndefined();
    template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 1);
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
    expect(dynamo?.Resource).toEqual(tableArn);
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
        Action: ['dynamodb:DeleteItem', 'dynamodb:GetItem'],
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
  it('alarms on SweepCapExceeded, SweepAborted, SweepEnqueueFailed and sweep errors', () => {
    const { template } = build({ prefixes: ['s-'] });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'SweepCapExceeded',
      Namespace: 'ConvAISecretJanitor',
      Dimensions: [
        { Name: 'service', Value: 'convai-secret-janitor' },
        { Name: 'workspace', Value: 'default' },
      ],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'SweepAborted' });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 4 + 4);
  });

  it('alarms on any SweepEnqueueFailed within an hour, and not on missing data', () => {
    const { template } = build({ prefixes: ['s-'] });
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as {
      Properties: Record<string, unknown>;
    }[];
    const enqueue = alarms.filter((alarm) => alarm.Properties.MetricName === 'SweepEnqueueFailed');
    expect(enqueue.map((alarm) => ({ ...alarm.Properties, AlarmDescription: undefined }))).toEqual([
      {
        AlarmDescription: undefined,
        ComparisonOperator: 'GreaterThanThreshold',
        Dimensions: [
          { Name: 'service', Value: 'convai-secret-janitor' },
          { Name: 'workspace', Value: 'default' },
        ],
        EvaluationPeriods: 1,
        MetricName: 'SweepEnqueueFailed',
        Namespace: 'ConvAISecretJanitor',
        Period: 3600,
        Statistic: 'Sum',
        Threshold: 0,
        TreatMissingData: 'notBreaching',
      },
    ]);
  });
});

describe('JanitorStack with a sweep', () => {
  it('reads the sweep from cdk.json context and passes cdk-nag with zero findings', () => {
    const { stack, template } = buildStack({
      apiKeySecretArn: SECRET_ARN,
      sweep: { prefixes: ['session-'], mode: 'delete', gracePeriodHours: 72 },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SWEEP_MODE: 'delete', GRACE_PERIOD_HOURS: '72' }) },
    });
    expect(new AwsSolutionsChecks().validateScope(stack).violations.map((v) => v.ruleName)).toEqual([]);
  });

  it('refuses an unknown sweep key in the context, naming it as written inside sweep', () => {
    expect(() => buildStack({ apiKeySecretArn: SECRET_ARN, sweep: { prefixes: ['s-'], grace: 3 } })).toThrow(
      /^unknown key "sweep\.grace" in context "janitor"; allowed in sweep: prefixes, mode, schedule, /,
    );
  });
});
