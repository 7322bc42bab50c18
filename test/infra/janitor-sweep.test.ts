import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import type { SweepOptions } from '#infra/janitor-sweep.ts';
import { SecretJanitor } from '#infra/secret-janitor.ts';
import {
  buildStack,
  environmentOf,
  logicalIdOf,
  logicalIdsOfType,
  policyStatementsOf,
  propertiesOf,
  SECRET_ARN,
  scheduleTargetOf,
  testApp,
} from '#test/helpers/stacks.ts';

function build(sweep?: SweepOptions) {
  const app = testApp();
  const stack = new Stack(app, 'S', { env: { account: '123456789012', region: 'eu-west-1' } });
  const janitor = new SecretJanitor(stack, 'Janitor', {
    apiKeySecret: Secret.fromSecretCompleteArn(stack, 'Key', SECRET_ARN),
    ...(sweep ? { sweep } : {}),
  });
  return { stack, janitor, template: Template.fromStack(stack) };
}

const arn = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });
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
    const { janitor, template } = build({ prefixes: ['session-'] });
    const sweep = janitor.sweep;
    if (!sweep) throw new Error('sweep missing');
    const scheduleId = logicalIdOf(sweep.schedule);
    const { Target, ...schedule } = propertiesOf(template, scheduleId, 'AWS::Scheduler::Schedule');
    expect(schedule).toEqual({
      Description: 'ConvAI Secret Janitor: stale-secret sweep',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ScheduleExpression: 'rate(1 day)',
      ScheduleExpressionTimezone: 'UTC',
      State: 'ENABLED',
    });
    const { Input, ...target } = scheduleTargetOf(template, scheduleId);
    // No DeadLetterConfig: a missed run is simply the next run.
    expect(target).toEqual({
      Arn: arn(logicalIdOf(sweep.function)),
      RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
      RoleArn: arn(logicalIdOf(sweep.node.findChild('ScheduleRole'))),
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
  it('configures report mode, a 7-day grace period, both caps and no protection by default', () => {
    const { janitor, template } = build({ prefixes: ['session-', 'demo-'] });
    const sweep = janitor.sweep;
    if (!sweep) throw new Error('sweep missing');
    expect(environmentOf(template, logicalIdOf(sweep.function))).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: 'convai-secret-janitor',
      API_KEY_SECRET_ID: SECRET_ARN,
      API_KEY_SECRET_FIELD: 'apiKey',
      ELEVENLABS_BASE_URL: 'https://api.elevenlabs.io',
      REQUEST_TIMEOUT_MS: '10000',
      QUEUE_URL: { Ref: logicalIdOf(janitor.queue) },
      MARKS_TABLE_NAME: { Ref: logicalIdOf(sweep.table) },
      SWEEP_PREFIXES: 'session-,demo-',
      SWEEP_MODE: 'report',
      GRACE_PERIOD_HOURS: '168',
      MAX_OBSERVATION_GAP_HOURS: '48',
      MAX_DELETIONS_PER_RUN: '25',
      MAX_DELETION_PERCENT: '10',
      PROTECTED_SECRET_IDS: '',
      PROTECTED_NAME_PATTERNS: '',
      WORKSPACE: 'default',
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
    const { janitor, template } = build({ prefixes: ['s-'] });
    const fnId = logicalIdOf(janitor.sweep?.function as IConstruct);
    expect(propertiesOf(template, fnId, 'AWS::Lambda::Function').ReservedConcurrentExecutions).toBe(1);
    const [invokeConfig] = logicalIdsOfType(template, 'AWS::Lambda::EventInvokeConfig');
    expect(propertiesOf(template, invokeConfig ?? 'none', 'AWS::Lambda::EventInvokeConfig')).toEqual({
      FunctionName: { Ref: fnId },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 0,
    });
  });

  it('leaves the worker unreserved and without an async invoke config', () => {
    const { janitor, template } = build({ prefixes: ['s-'] });
    const workerId = logicalIdOf(janitor.worker);
    expect(propertiesOf(template, workerId, 'AWS::Lambda::Function').ReservedConcurrentExecutions).toBeUndefined();
    template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 1);
  });
});

describe('JanitorSweep IAM', () => {
  it('lets the sweep only write its logs, read the key, query and batch-write its table, claim runs and send to the queue', () => {
    const { janitor, template } = build({ prefixes: ['s-'] });
    const sweep = janitor.sweep;
    if (!sweep) throw new Error('sweep missing');
    const table = arn(logicalIdOf(sweep.table));
    expect(policyStatementsOf(template, logicalIdOf(sweep.function.role as IConstruct))).toEqual([
      {
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Effect: 'Allow',
        Resource: arn(logicalIdOf(sweep.node.findChild('Logs'))),
      },
      { Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: SECRET_ARN },
      { Action: ['dynamodb:BatchWriteItem', 'dynamodb:Query'], Effect: 'Allow', Resource: table },
      {
        Action: 'dynamodb:PutItem',
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['RUN#*'] } },
        Effect: 'Allow',
        Resource: table,
      },
      {
        Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
        Effect: 'Allow',
        Resource: arn(logicalIdOf(janitor.queue)),
      },
    ]);
  });

  it('passes the sweep mode and grace period to the worker, which checks every sweep deletion against them', () => {
    const { janitor, template } = build({ prefixes: ['s-'], mode: 'delete', gracePeriod: Duration.hours(240) });
    expect(environmentOf(template, logicalIdOf(janitor.worker))).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: 'convai-secret-janitor',
      API_KEY_SECRET_ID: SECRET_ARN,
      API_KEY_SECRET_FIELD: 'apiKey',
      ELEVENLABS_BASE_URL: 'https://api.elevenlabs.io',
      REQUEST_TIMEOUT_MS: '10000',
      QUEUE_URL: { Ref: logicalIdOf(janitor.queue) },
      DLQ_URL: { Ref: logicalIdOf(janitor.deadLetterQueue) },
      HORIZON_HOURS: '72',
      PROTECTED_SECRET_IDS: '',
      DRY_RUN: 'false',
      CONCURRENCY: '5',
      LOOKUP_HOLDERS: 'true',
      EVENT_SOURCE: 'convai.secret-janitor',
      WORKSPACE: 'default',
      MARKS_TABLE_NAME: { Ref: logicalIdOf(janitor.sweep?.table as IConstruct) },
      SWEEP_MODE: 'delete',
      GRACE_PERIOD_HOURS: '240',
    });
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
    const { janitor, template } = build({ prefixes: ['s-'] });
    const statements = policyStatementsOf(template, logicalIdOf(janitor.worker.role as IConstruct));
    const dynamo = statements.filter((s) => JSON.stringify(s).includes('"dynamodb:'));
    const table = arn(logicalIdOf(janitor.sweep?.table as IConstruct));
    expect(dynamo).toEqual([
      {
        Action: ['dynamodb:DeleteItem', 'dynamodb:GetItem'],
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['MARK#*'] } },
        Effect: 'Allow',
        Resource: table,
      },
      {
        Action: 'dynamodb:PutItem',
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['AUDIT#*'] } },
        Effect: 'Allow',
        Resource: table,
      },
    ]);
  });

  it('lets Scheduler assume the sweep schedule role only for this account, to invoke only the sweep function', () => {
    const { janitor, template } = build({ prefixes: ['s-'] });
    const sweep = janitor.sweep;
    if (!sweep) throw new Error('sweep missing');
    const roleId = logicalIdOf(sweep.node.findChild('ScheduleRole'));
    expect(propertiesOf(template, roleId, 'AWS::IAM::Role')).toEqual({
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
    const fnArn = arn(logicalIdOf(sweep.function));
    expect(policyStatementsOf(template, roleId)).toEqual([
      { Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: [fnArn, { 'Fn::Join': ['', [fnArn, ':*']] }] },
    ]);
  });

  it('passes the marks table to the worker only when the sweep exists', () => {
    const withSweep = build({ prefixes: ['s-'] });
    expect(environmentOf(withSweep.template, logicalIdOf(withSweep.janitor.worker)).MARKS_TABLE_NAME).toEqual({
      Ref: logicalIdOf(withSweep.janitor.sweep?.table as IConstruct),
    });
    const without = build();
    expect(environmentOf(without.template, logicalIdOf(without.janitor.worker)).MARKS_TABLE_NAME).toBeUndefined();
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
    const { janitor } = stack;
    for (const fn of [janitor.worker, janitor.sweep?.function as IConstruct]) {
      const { SWEEP_MODE, GRACE_PERIOD_HOURS } = environmentOf(template, logicalIdOf(fn));
      expect({ SWEEP_MODE, GRACE_PERIOD_HOURS }).toEqual({ SWEEP_MODE: 'delete', GRACE_PERIOD_HOURS: '72' });
    }
    expect(new AwsSolutionsChecks().validateScope(stack).violations.map((v) => v.ruleName)).toEqual([]);
  });

  it('refuses an unknown sweep key in the context, naming it as written inside sweep', () => {
    expect(() => buildStack({ apiKeySecretArn: SECRET_ARN, sweep: { prefixes: ['s-'], grace: 3 } })).toThrow(
      /^unknown key "sweep\.grace" in context "janitor"; allowed in sweep: prefixes, mode, schedule, /,
    );
  });
});
