import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { parseJanitorApp } from '#infra/context.ts';
import { SecretJanitor } from '#infra/secret-janitor.ts';
import type { JanitorStack } from '#infra/stack.ts';
import { buildStack, SECRET_ARN, testApp } from '#test/helpers/stacks.ts';

const EU_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:janitor/elevenlabs-eu-XyZabc';

/** One stack, two janitors: the default workspace (US) and the EU residency workspace. */
function twoJanitors() {
  const app = testApp();
  const stack = new Stack(app, 'TwoWorkspaces', { env: { account: '123456789012', region: 'eu-west-1' } });
  const us = new SecretJanitor(stack, 'Janitor', {
    apiKeySecret: Secret.fromSecretCompleteArn(stack, 'UsKey', SECRET_ARN),
  });
  const eu = new SecretJanitor(stack, 'JanitorEu', {
    apiKeySecret: Secret.fromSecretCompleteArn(stack, 'EuKey', EU_SECRET_ARN),
    workspace: 'eu',
    baseUrl: 'https://api.eu.residency.elevenlabs.io',
    scheduledDeletions: [{ name: 'nightly', expression: 'cron(0 3 * * ? *)', secretIds: ['sec_demo'] }],
    sweep: { prefixes: ['eu-session-'] },
  });
  return {
    stack,
    us,
    eu,
    /** Synthesizes on first use: grants can still be added before. */
    get template() {
      return Template.fromStack(stack);
    },
  };
}

const resolve = (stack: Stack, value: unknown) => stack.resolve(value);

describe('two janitors for two workspaces in one stack', () => {
  it('gives each its own rule that matches only its workspace, the default one also events naming none', () => {
    const { stack, us, eu, template } = twoJanitors();
    const rules = template.findResources('AWS::Events::Rule');
    const patternOf = (janitor: SecretJanitor) =>
      (
        rules[stack.getLogicalId(janitor.triggers.rule.node.defaultChild as never)] as {
          Properties: { EventPattern: unknown };
        }
      ).Properties.EventPattern;
    expect(patternOf(us)).toEqual({
      source: ['convai.secret-janitor'],
      'detail-type': ['Agent Removed', 'Secret Deletion Requested'],
      detail: { workspace: ['default', { exists: false }] },
    });
    expect(patternOf(eu)).toEqual({
      source: ['convai.secret-janitor'],
      'detail-type': ['Agent Removed', 'Secret Deletion Requested'],
      detail: { workspace: ['eu'] },
    });
  });

  it('gives each its own queue, DLQ, worker and rule target', () => {
    const { stack, us, eu } = twoJanitors();
    expect(resolve(stack, us.queue.queueArn)).not.toEqual(resolve(stack, eu.queue.queueArn));
    expect(resolve(stack, us.deadLetterQueue.queueArn)).not.toEqual(resolve(stack, eu.deadLetterQueue.queueArn));
    expect(resolve(stack, us.worker.functionArn)).not.toEqual(resolve(stack, eu.worker.functionArn));
  });

  it('tells each worker and sweep its workspace and event source', () => {
    const { stack, us, eu, template } = twoJanitors();
    const envOf = (fn: { node: { defaultChild?: unknown } }) =>
      template.toJSON().Resources[stack.getLogicalId(fn.node.defaultChild as never)].Properties.Environment.Variables;
    expect(envOf(us.worker)).toMatchObject({ WORKSPACE: 'default', EVENT_SOURCE: 'convai.secret-janitor' });
    expect(envOf(eu.worker)).toMatchObject({
      WORKSPACE: 'eu',
      EVENT_SOURCE: 'convai.secret-janitor',
      ELEVENLABS_BASE_URL: 'https://api.eu.residency.elevenlabs.io',
    });
    expect(envOf(eu.sweep?.function as never)).toMatchObject({ WORKSPACE: 'eu' });
  });

  it('names the workspace in the input of the named workspace schedules', () => {
    const { template } = twoJanitors();
    const inputs = Object.values(template.findResources('AWS::Scheduler::Schedule'))
      .map((schedule) => (schedule as { Properties: { Target: { Input: string } } }).Properties.Target.Input)
      .map((input) => JSON.parse(input) as Record<string, unknown>)
      .filter((input) => 'secretIds' in input);
    expect(inputs).toEqual([
      {
        secretIds: ['sec_demo'],
        reason: 'scheduled deletion nightly',
        origin: 'schedule',
        eventId: '<aws.scheduler.execution-id>',
        workspace: 'eu',
      },
    ]);
  });

  it('sets no physical name twice', () => {
    const { template } = twoJanitors();
    const names = Object.values(template.toJSON().Resources as Record<string, { Properties?: Record<string, unknown> }>)
      .flatMap((resource) =>
        ['QueueName', 'FunctionName', 'RoleName', 'Name', 'TableName', 'AlarmName']
          .map((key) => resource.Properties?.[key])
          .filter((value) => value !== undefined),
      )
      .map((value) => JSON.stringify(value));
    expect(new Set(names).size).toBe(names.length);
  });

  it('refuses a workspace name the worker could not read back', () => {
    const app = testApp();
    const stack = new Stack(app, 'Bad');
    expect(
      () =>
        new SecretJanitor(stack, 'Janitor', {
          apiKeySecret: Secret.fromSecretCompleteArn(stack, 'Key', SECRET_ARN),
          workspace: 'eu west',
        }),
    ).toThrow(
      /^workspace must be 1-64 letters, digits, "_" or "-", starting with a letter or digit, received "eu west"$/,
    );
  });
});

describe('SecretJanitor grants and metrics', () => {
  it('grants a producer exactly SendMessage on this janitor queue and returns the Grant', () => {
    const { stack, eu } = twoJanitors();
    const producer = new Role(stack, 'Producer', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    const grant = eu.grantSendDeletionRequests(producer);
    expect(grant.success).toBe(true);
    const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: stack.getLogicalId(producer.node.defaultChild as never) }] },
    });
    const statements = Object.values(policies).flatMap(
      (policy) =>
        (policy as { Properties: { PolicyDocument: { Statement: unknown[] } } }).Properties.PolicyDocument.Statement,
    );
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
        Resource: stack.resolve(eu.queue.queueArn),
      },
    ]);
  });

  it('grants PutEvents on the rule bus with the rule source and the two detail-types only', () => {
    const { stack, us } = twoJanitors();
    const producer = new Role(stack, 'Producer', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    us.grantPutDeletionEvents(producer);
    const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: stack.getLogicalId(producer.node.defaultChild as never) }] },
    });
    const statements = Object.values(policies).flatMap(
      (policy) =>
        (policy as { Properties: { PolicyDocument: { Statement: unknown[] } } }).Properties.PolicyDocument.Statement,
    );
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: 'events:PutEvents',
        Resource: stack.resolve(us.triggers.eventBus.eventBusArn),
        Condition: {
          StringEquals: { 'events:source': 'convai.secret-janitor' },
          'ForAllValues:StringEquals': { 'events:detail-type': ['Agent Removed', 'Secret Deletion Requested'] },
        },
      },
    ]);
  });

  it('returns metrics with the workspace dimension, so two janitors never share one', () => {
    const { stack, us, eu } = twoJanitors();
    expect(stack.resolve(eu.metricDeleted().toMetricConfig().metricStat)).toMatchObject({
      namespace: 'ConvAISecretJanitor',
      metricName: 'Deleted',
      dimensions: [
        { name: 'service', value: 'convai-secret-janitor' },
        { name: 'workspace', value: 'eu' },
      ],
      statistic: 'Sum',
    });
    expect(us.metricInUseDeferred().dimensions).toEqual({ service: 'convai-secret-janitor', workspace: 'default' });
    expect(eu.metricMovedToDlq({ period: Duration.minutes(1) }).period.toMinutes()).toBe(1);
  });
});

describe('the janitor context with a workspaces list', () => {
  const WORKSPACES = {
    apiKeySecretArn: SECRET_ARN,
    alarmEmail: 'ops@example.com',
    protectedSecretIds: ['keep_me'],
    workspaces: [
      { name: 'default' },
      {
        name: 'eu',
        apiKeySecretName: 'convai-secret-janitor/eu-key',
        baseUrl: 'https://api.eu.residency.elevenlabs.io',
        sweep: { prefixes: ['eu-session-'] },
      },
    ],
  };

  it('reads one janitor per entry, sharing the top keys and letting an entry replace the key secret', () => {
    const { stackName, janitors } = parseJanitorApp(WORKSPACES);
    expect(stackName).toBe('ConvaiSecretJanitor');
    expect(janitors.map((janitor) => [janitor.workspace, janitor.apiKeySecretArn, janitor.apiKeySecretName])).toEqual([
      ['default', SECRET_ARN, undefined],
      ['eu', undefined, 'convai-secret-janitor/eu-key'],
    ]);
    expect(janitors.map((janitor) => janitor.protectedSecretIds)).toEqual([['keep_me'], ['keep_me']]);
    expect(janitors[1]?.sweep?.prefixes).toEqual(['eu-session-']);
  });

  it('reads the single-janitor form as one janitor', () => {
    expect(parseJanitorApp({ apiKeySecretName: 'k' }).janitors).toHaveLength(1);
  });

  it.each([
    [{ ...WORKSPACES, workspaces: [] }, /^workspaces must be a non-empty list/],
    [{ ...WORKSPACES, workspaces: [{ name: 'eu' }, { name: 'eu' }] }, /^workspaces\[1\].name "eu" is used twice/],
    [{ ...WORKSPACES, workspaces: [{}] }, /^workspaces\[0\].name is required/],
    [
      { ...WORKSPACES, workspaces: [{ name: 'eu', alarmEmail: 'x@example.com' }] },
      /alarmEmail is set for the whole stack/,
    ],
    [
      { ...WORKSPACES, workspaces: [{ name: 'eu', horizonHours: 999 }] },
      /^workspaces\[0\] \("eu"\): horizonHours must be/,
    ],
    [{ ...WORKSPACES, workspaces: [{ name: 'eu west' }] }, /^workspaces\[0\] \("eu west"\): workspace must be/],
    [{ ...WORKSPACES, workspace: 'eu' }, /^set workspace in each workspaces entry/],
  ])('refuses %j in one line naming the entry', (context, message) => {
    expect(() => parseJanitorApp(context)).toThrow(message);
  });

  it('synthesizes two janitors with their own ids, rules, outputs and one alarm topic, and passes cdk-nag', () => {
    const { stack, template } = buildStack(WORKSPACES);
    const janitors = (stack as JanitorStack).janitors;
    expect(janitors.map((janitor) => [janitor.node.id, janitor.workspace])).toEqual([
      ['Janitor', 'default'],
      ['Janitor-eu', 'eu'],
    ]);
    expect(Object.keys(template.findResources('AWS::Events::Rule'))).toHaveLength(2);
    expect(Object.keys(template.findResources('AWS::SNS::Topic'))).toHaveLength(1);
    const outputs = Object.keys(template.toJSON().Outputs as Record<string, unknown>);
    expect(outputs).toContain('QueueUrl');
    expect(outputs).toContain('EuQueueUrl');
    expect(outputs).toContain('EuSweepMode');
    expect(outputs).not.toContain('SweepMode');
    const nag = new AwsSolutionsChecks();
    expect(nag.validateScope(stack).success).toBe(true);
  });
});
