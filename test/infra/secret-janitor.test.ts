import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { MAX_RECEIVE_COUNT } from '#core/retry-policy.ts';
import { SecretJanitor, type SecretJanitorProps } from '#infra/secret-janitor.ts';
import {
  buildStack,
  environmentOf,
  KMS_KEY_ARN,
  logicalIdOf,
  policyStatementsOf,
  propertiesOf,
  queuePolicyOf,
  SECRET_ARN,
  testApp,
} from '#test/helpers/stacks.ts';

function construct(props: Partial<SecretJanitorProps> = {}) {
  const app = testApp();
  const stack = new Stack(app, 'S', { env: { account: '123456789012', region: 'eu-west-1' } });
  const apiKeySecret = Secret.fromSecretCompleteArn(stack, 'Key', SECRET_ARN);
  const janitor = new SecretJanitor(stack, 'Janitor', { apiKeySecret, ...props });
  return { stack, janitor, template: Template.fromStack(stack) };
}

type Statement = { Action: string | string[]; Resource: unknown };

/** Every IAM statement of the template, whatever role it belongs to. */
function policyStatements(template: Template): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (policy) =>
      (policy as { Properties: { PolicyDocument: { Statement: never[] } } }).Properties.PolicyDocument.Statement,
  );
}

const arn = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });
const workerStatements = (template: Template, janitor: SecretJanitor) =>
  policyStatementsOf(template, logicalIdOf(janitor.worker.role as IConstruct)) as Statement[];

describe('SecretJanitor queues', () => {
  it('encrypts the queue and its DLQ with SQS-managed keys and keeps messages 14 days', () => {
    const { template } = construct();
    template.resourceCountIs('AWS::SQS::Queue', 2);
    template.resourcePropertiesCountIs(
      'AWS::SQS::Queue',
      { SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 },
      2,
    );
  });

  it('denies non-TLS access on the queue and its DLQ, first thing in each queue policy', () => {
    const { janitor, template } = construct();
    for (const queue of [logicalIdOf(janitor.queue), logicalIdOf(janitor.deadLetterQueue)]) {
      expect((queuePolicyOf(template, queue) as { Statement: unknown[] }).Statement[0]).toEqual({
        Action: 'sqs:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Resource: arn(queue),
      });
    }
  });

  it('caps the queue at the worker body limit and leaves the DLQ room for reason attributes', () => {
    const { stack, janitor, template } = construct();
    const queues = template.findResources('AWS::SQS::Queue');
    const sizeOf = (queue: { node: { defaultChild?: unknown } }) =>
      (queues[stack.getLogicalId(queue.node.defaultChild as never)] as { Properties: { MaximumMessageSize: number } })
        .Properties.MaximumMessageSize;
    expect(sizeOf(janitor.queue)).toBe(256 * 1024);
    expect(sizeOf(janitor.deadLetterQueue)).toBe(1024 * 1024);
  });

  it('sets the visibility timeout to six times the function timeout plus the batching window', () => {
    const { template } = construct({ timeout: Duration.seconds(90), maxBatchingWindow: Duration.seconds(5) });
    template.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 6 * 90 + 5 });
  });

  it('sets the redrive backstop to the fixed maximum whatever the horizon', () => {
    expect(construct({ horizon: Duration.hours(24) }).janitor.maxReceiveCount).toBe(MAX_RECEIVE_COUNT);
    expect(construct({ horizon: Duration.hours(200) }).janitor.maxReceiveCount).toBe(MAX_RECEIVE_COUNT);
    const { janitor, template } = construct();
    expect(propertiesOf(template, logicalIdOf(janitor.queue), 'AWS::SQS::Queue').RedrivePolicy).toEqual({
      deadLetterTargetArn: arn(logicalIdOf(janitor.deadLetterQueue)),
      maxReceiveCount: 1000,
    });
  });
});

describe('SecretJanitor worker', () => {
  it('runs on nodejs24.x arm64 with explicit memory and timeout', () => {
    const { template } = construct();
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 256,
      Timeout: 60,
      Handler: 'index.handler',
    });
  });

  it('reports batch item failures and caps concurrency at 2 by default', () => {
    const { janitor, template } = construct();
    const mappings = template.findResources('AWS::Lambda::EventSourceMapping');
    expect(Object.values(mappings).map((mapping) => (mapping as { Properties: unknown }).Properties)).toEqual([
      {
        BatchSize: 10,
        Enabled: true,
        EventSourceArn: arn(logicalIdOf(janitor.queue)),
        FunctionName: { Ref: logicalIdOf(janitor.worker) },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 2 },
      },
    ]);
  });

  it('disables the event source when enabled is false', () => {
    construct({ enabled: false }).template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { Enabled: false });
  });

  it('passes the configuration as environment variables', () => {
    const { janitor, template } = construct({
      protectedSecretIds: ['keep_me'],
      dryRun: true,
      horizon: Duration.hours(48),
      concurrency: 3,
      lookupHolders: false,
      requestTimeout: Duration.seconds(5),
      apiKeySecretField: 'key',
      baseUrl: 'https://api.us.elevenlabs.io',
    });
    expect(environmentOf(template, logicalIdOf(janitor.worker))).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: 'convai-secret-janitor',
      API_KEY_SECRET_ID: SECRET_ARN,
      API_KEY_SECRET_FIELD: 'key',
      ELEVENLABS_BASE_URL: 'https://api.us.elevenlabs.io',
      REQUEST_TIMEOUT_MS: '5000',
      QUEUE_URL: { Ref: logicalIdOf(janitor.queue) },
      DLQ_URL: { Ref: logicalIdOf(janitor.deadLetterQueue) },
      HORIZON_HOURS: '48',
      PROTECTED_SECRET_IDS: 'keep_me',
      DRY_RUN: 'true',
      CONCURRENCY: '3',
      LOOKUP_HOLDERS: 'false',
      EVENT_SOURCE: 'convai.secret-janitor',
      WORKSPACE: 'default',
    });
  });

  it('keeps log retention at one month by default', () => {
    construct().template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });
});

describe('SecretJanitor IAM', () => {
  it('grants GetSecretValue on the one secret ARN only', () => {
    const statements = policyStatements(construct().template).filter((s) =>
      JSON.stringify(s).includes('secretsmanager:'),
    );
    expect(statements).toEqual([{ Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: SECRET_ARN }]);
  });

  it('uses no wildcard action and no resource "*" anywhere, with a sweep and schedules deployed', () => {
    const { template } = buildStack({
      apiKeySecretArn: SECRET_ARN,
      sweep: { prefixes: ['session-'] },
      scheduledDeletions: [{ name: 'nightly', expression: 'rate(1 day)', secretIds: ['demo_1'] }],
    });
    const statements = policyStatements(template);
    expect(statements.length).toBeGreaterThan(10);
    for (const statement of statements) {
      expect([statement.Action].flat().some((action) => action.endsWith('*'))).toBe(false);
      expect([statement.Resource].flat()).not.toContain('*');
    }
  });

  it('attaches no AWS managed policy to the worker role', () => {
    const { stack, janitor, template } = construct();
    const roles = template.findResources('AWS::IAM::Role');
    const workerRole = roles[stack.getLogicalId(janitor.worker.role?.node.defaultChild as never)] as {
      Properties: Record<string, unknown>;
    };
    expect(workerRole.Properties.AssumeRolePolicyDocument).toBeDefined();
    expect(workerRole.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('adds kms:Decrypt on the given key when the secret has one', () => {
    const { template } = buildStack({ apiKeySecretArn: SECRET_ARN, apiKeyKmsKeyArn: KMS_KEY_ARN });
    const decrypt = policyStatements(template).filter((s) => JSON.stringify(s).includes('kms:'));
    // The worker's role only: this stack has no sweep.
    expect(decrypt).toEqual([{ Action: 'kms:Decrypt', Effect: 'Allow', Resource: KMS_KEY_ARN }]);
  });

  it('lets the worker send to the DLQ and the queue (fan-out) and consume the queue, and no other SQS action', () => {
    const { janitor, template } = construct();
    const sqs = workerStatements(template, janitor).filter((s) => JSON.stringify(s).includes('"sqs:'));
    expect(sqs).toEqual([
      {
        Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
        Effect: 'Allow',
        Resource: [arn(logicalIdOf(janitor.deadLetterQueue)), arn(logicalIdOf(janitor.queue))],
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
        Resource: arn(logicalIdOf(janitor.queue)),
      },
    ]);
  });
});

describe('SecretJanitor alarms', () => {
  it('creates DLQ, oldest-message, DLQ-send and worker-error alarms', () => {
    const { template } = construct();
    template.resourceCountIs('AWS::CloudWatch::Alarm', 4);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'DlqSendFailed',
      Namespace: 'ConvAISecretJanitor',
      Dimensions: [
        { Name: 'service', Value: 'convai-secret-janitor' },
        { Name: 'workspace', Value: 'default' },
      ],
    });
  });

  it('alarms on the oldest message after horizon plus 12 hours by default', () => {
    construct().template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateAgeOfOldestMessage',
      Threshold: (72 + 12) * 3600,
    });
  });

  it('sends alarm and OK notifications to the topic when one is given', () => {
    const app = testApp();
    const stack = new Stack(app, 'S');
    const janitor = new SecretJanitor(stack, 'J', {
      apiKeySecret: Secret.fromSecretCompleteArn(stack, 'Key', SECRET_ARN),
      alarmTopic: new Topic(stack, 'T', { enforceSSL: true }),
    });
    const template = Template.fromStack(stack);
    const topic = { Ref: logicalIdOf(stack.node.findChild('T')) };
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as {
      Properties: { AlarmActions?: unknown; OKActions?: unknown };
    }[];
    expect(alarms).toHaveLength(janitor.alarms.length);
    expect(alarms.map(({ Properties: { AlarmActions, OKActions } }) => ({ AlarmActions, OKActions }))).toEqual(
      alarms.map(() => ({ AlarmActions: [topic], OKActions: [topic] })),
    );
  });
});

describe('SecretJanitor props validation', () => {
  it('refuses a horizon that is not whole hours, naming the prop, the value and the range', () => {
    expect(() => construct({ horizon: Duration.minutes(90) })).toThrow(
      'horizon must be whole hours from 1 to 312, received 1.5 h',
    );
  });

  it('refuses a plain-http base URL that is not loopback', () => {
    expect(() => construct({ baseUrl: 'http://api.elevenlabs.io' })).toThrow(
      'baseUrl must use https (http is allowed only on loopback), received "http://api.elevenlabs.io"',
    );
  });

  it('refuses an invalid protected secret id', () => {
    expect(() => construct({ protectedSecretIds: ['../x'] })).toThrow(
      'protectedSecretIds has an invalid entry "../x": expected 1-128 letters, digits, "_" or "-"',
    );
  });

  it('refuses, at synth, protected ids that would pass the 4 KB Lambda environment limit', () => {
    const ids = Array.from({ length: 200 }, (_, i) => `protected_secret_${String(i).padStart(4, '0')}`);
    expect(() => construct({ protectedSecretIds: ids })).toThrow(/environment variables must fit Lambda's 4096 bytes/);
  });

  it('refuses maxConcurrency below the SQS minimum of 2', () => {
    expect(() => construct({ maxConcurrency: 1 })).toThrow(
      'maxConcurrency must be a whole number from 2 to 1000, received 1',
    );
  });

  it('refuses a requestTimeout of 3 minutes at synth, which the functions would refuse at cold start', () => {
    expect(() => construct({ requestTimeout: Duration.minutes(3), timeout: Duration.minutes(10) })).toThrow(
      'requestTimeout must be whole milliseconds from 100 to 120000, received 180000 ms',
    );
  });

  it('refuses a requestTimeout of half the worker timeout or more', () => {
    expect(() => construct({ requestTimeout: Duration.seconds(30) })).toThrow(
      'requestTimeout must be under half of the worker timeout (60 s), received 30000 ms',
    );
  });

  it('refuses a requestTimeout of half the sweep timeout or more when a sweep is deployed', () => {
    expect(() =>
      construct({
        requestTimeout: Duration.seconds(20),
        timeout: Duration.seconds(120),
        sweep: { prefixes: ['s-'], timeout: Duration.seconds(40) },
      }),
    ).toThrow(
      'requestTimeout must be under half of the worker timeout (120 s) and of sweep.timeout (40 s), received 20000 ms',
    );
  });

  it.each([
    [{ batchSize: 11 }, 'batchSize must be 1-10, or up to 100 with a maxBatchingWindow, received 11'],
    [{ batchSize: 0 }, 'batchSize must be a whole number from 1 to 100, received 0'],
    [{ memorySize: 64 }, 'memorySize must be a whole number from 128 to 10240, received 64'],
    [{ timeout: Duration.minutes(20) }, 'timeout must be whole seconds from 30 to 900, received 1200 s'],
    [
      { maxBatchingWindow: Duration.minutes(6) },
      'maxBatchingWindow must be whole seconds from 0 to 300, received 360 s',
    ],
    [{ concurrency: 51 }, 'concurrency must be a whole number from 1 to 50, received 51'],
  ] as [Partial<SecretJanitorProps>, string][])('refuses %o with one line naming the prop', (props, message) => {
    expect(() => construct(props)).toThrow(message);
  });

  it('accepts up to 100 records per invocation with a batching window', () => {
    expect(() => construct({ batchSize: 100, maxBatchingWindow: Duration.seconds(5) })).not.toThrow();
  });
});

describe('JanitorStack', () => {
  it('never resolves the secret value into the template: no secret resource and no dynamic reference', () => {
    const { template } = buildStack({ apiKeySecretName: 'janitor/elevenlabs', sweep: { prefixes: ['s-'] } });
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    // `secretValue` or `SecretValue.secretsManager` would appear as {{resolve:secretsmanager:…}}.
    expect(JSON.stringify(template.toJSON())).not.toMatch(/resolve:secretsmanager|SecretString/);
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
      const variables = (fn as { Properties: { Environment: { Variables: Record<string, unknown> } } }).Properties
        .Environment.Variables;
      expect(variables.API_KEY_SECRET_ID).toBe('janitor/elevenlabs');
    }
  });

  it('passes a secret name ending in a six-character segment to the functions unchanged', () => {
    const { stack, template } = buildStack({ apiKeySecretName: 'team-apikey' });
    expect(environmentOf(template, logicalIdOf(stack.janitor.worker)).API_KEY_SECRET_ID).toBe('team-apikey');
    const statement = policyStatements(template).find((s) => s.Action === 'secretsmanager:GetSecretValue');
    expect(statement?.Resource).toBe('arn:aws:secretsmanager:eu-west-1:123456789012:secret:team-apikey-??????');
  });

  it('grants the name-imported secret with the six-character suffix pattern', () => {
    const { template } = buildStack({ apiKeySecretName: 'janitor/elevenlabs' });
    const statement = policyStatements(template).find((s) => s.Action === 'secretsmanager:GetSecretValue');
    expect(statement?.Resource).toBe('arn:aws:secretsmanager:eu-west-1:123456789012:secret:janitor/elevenlabs-??????');
  });

  it.each([
    ['name import with an alarm e-mail', { apiKeySecretName: 'janitor/elevenlabs', alarmEmail: 'ops@example.com' }],
    ['ARN import with a KMS key', { apiKeySecretArn: SECRET_ARN, apiKeyKmsKeyArn: KMS_KEY_ARN }],
  ])('passes cdk-nag AwsSolutions with zero findings for a %s', (_name, context) => {
    const { stack } = buildStack(context);
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations.map((violation) => violation.ruleName)).toEqual([]);
  });
});
