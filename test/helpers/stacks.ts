import { readFileSync } from 'node:fs';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { janitorStackFromContext } from '#infra/stack.ts';

export const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:janitor/elevenlabs-AbCdEf';
export const KMS_KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
export const TEST_ENV = { account: '123456789012', region: 'eu-west-1' } as const;

const CDK_JSON_CONTEXT = JSON.parse(readFileSync('cdk.json', 'utf8')).context as Record<string, unknown>;

/** The feature flags of cdk.json, so test stacks synthesize as the deployed one does. */
export const FEATURE_FLAGS: Readonly<Record<string, unknown>> = Object.fromEntries(
  Object.entries(CDK_JSON_CONTEXT).filter(([key]) => key.startsWith('@aws-cdk')),
);

/** The `janitor` block of cdk.json: what a plain `cdk deploy` builds. */
export const CDK_JSON_JANITOR = CDK_JSON_CONTEXT.janitor as Record<string, unknown>;

/**
 * A `janitor` context with every setting away from its default (the secret by ARN, so not by name).
 * Tests pin the template it produces, so ignoring any one key fails a test.
 */
export const EVERY_SETTING = {
  stackName: 'JanitorEverything',
  apiKeySecretArn: SECRET_ARN,
  apiKeySecretField: 'elevenlabsKey',
  apiKeyKmsKeyArn: KMS_KEY_ARN,
  baseUrl: 'https://api.eu.residency.elevenlabs.io',
  horizonHours: 48,
  protectedSecretIds: ['keep_alpha', 'keep_beta'],
  dryRun: true,
  concurrency: 7,
  maxConcurrency: 4,
  enabled: false,
  eventBusName: 'platform-bus',
  eventSource: 'acme.platform',
  workspace: 'eu',
  alarmEmail: 'ops@example.com',
  scheduledDeletions: [
    {
      name: 'nightly',
      expression: 'cron(0 2 * * ? *)',
      timeZone: 'Europe/Berlin',
      secretIds: ['demo_1', 'demo_2'],
      reason: 'nightly demo teardown',
    },
  ],
  sweep: {
    prefixes: ['session-', 'demo-'],
    mode: 'delete',
    schedule: 'rate(12 hours)',
    timeZone: 'Europe/Paris',
    gracePeriodHours: 240,
    maxObservationGapHours: 36,
    maxDeletionsPerRun: 40,
    maxDeletionPercent: 20,
    protectedNamePatterns: ['session-keep-*', '*-prod'],
  },
} as const;

/** An app with cdk.json's feature flags that skips esbuild, plus any other context. */
export function testApp(context: Record<string, unknown> = {}): App {
  return new App({ context: { ...FEATURE_FLAGS, 'aws:cdk:bundling-stacks': [], ...context } });
}

/**
 * Builds the deployable stack the way infra/app.ts does (`janitorStackFromContext`): `janitor` is the
 * context object of cdk.json, or the JSON string `-c janitor=…` passes. Skips esbuild.
 */
export function buildStack(janitor: Record<string, unknown> | string) {
  const app = testApp({ janitor });
  const stack = janitorStackFromContext(app, TEST_ENV);
  return { app, stack, template: Template.fromStack(stack) };
}

// ---- Reading deployed facts out of a template, whole ----

type Resource = { Type: string; Properties?: Record<string, unknown> } & Record<string, unknown>;
type PolicyDocument = { Version: string; Statement: unknown[] };

const resourcesOf = (template: Template) => template.toJSON().Resources as Record<string, Resource>;

/** The logical id of a construct's CloudFormation resource (its default child, or itself). */
export function logicalIdOf(construct: IConstruct): string {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  return Stack.of(construct).getLogicalId(element);
}

/** One resource whole (Type, Properties, DeletionPolicy…); fails when the id is not a resource of that type. */
export function resourceOf(template: Template, logicalId: string, type: string): Resource {
  const resource = resourcesOf(template)[logicalId];
  if (resource?.Type !== type) throw new Error(`${logicalId} is not a ${type} in the template`);
  return resource;
}

/** The whole Properties object of one resource. */
export function propertiesOf(template: Template, logicalId: string, type: string): Record<string, unknown> {
  return resourceOf(template, logicalId, type).Properties ?? {};
}

/** Logical ids of every resource of a type, sorted. */
export function logicalIdsOfType(template: Template, type: string): string[] {
  return Object.entries(resourcesOf(template))
    .filter(([, resource]) => resource.Type === type)
    .map(([id]) => id)
    .sort();
}

/** How many resources of each type the template holds: a new policy, permission or role shows here. */
export function resourceTypeCounts(template: Template): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { Type } of Object.values(resourcesOf(template))) counts[Type] = (counts[Type] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

const refersTo = (list: unknown, logicalId: string) =>
  Array.isArray(list) && list.some((item) => (item as { Ref?: string }).Ref === logicalId);

/**
 * Every statement of every AWS::IAM::Policy attached to the role, in template order. A policy that
 * names this role together with another one fails: each role's grants should stand alone.
 */
export function policyStatementsOf(template: Template, roleLogicalId: string): unknown[] {
  return Object.entries(resourcesOf(template))
    .filter(
      ([, resource]) => resource.Type === 'AWS::IAM::Policy' && refersTo(resource.Properties?.Roles, roleLogicalId),
    )
    .flatMap(([id, resource]) => {
      const properties = resource.Properties as { Roles: unknown[]; PolicyDocument: PolicyDocument };
      if (properties.Roles.length !== 1) throw new Error(`${id} is attached to more than ${roleLogicalId}`);
      if (properties.PolicyDocument.Version !== '2012-10-17') throw new Error(`${id} has an old policy version`);
      return properties.PolicyDocument.Statement;
    });
}

/** The one AWS::SQS::QueuePolicy of a queue, its document whole; fails on none or more than one. */
export function queuePolicyOf(template: Template, queueLogicalId: string): unknown {
  const policies = Object.values(resourcesOf(template)).filter(
    (resource) => resource.Type === 'AWS::SQS::QueuePolicy' && refersTo(resource.Properties?.Queues, queueLogicalId),
  );
  const [policy] = policies;
  if (!policy || policies.length !== 1) {
    throw new Error(`${queueLogicalId} has ${policies.length} queue policies, expected 1`);
  }
  const { Queues, PolicyDocument } = policy.Properties as { Queues: unknown[]; PolicyDocument: unknown };
  if (Queues.length !== 1) throw new Error(`the policy of ${queueLogicalId} also applies to other queues`);
  return PolicyDocument;
}

/** A function's Environment.Variables, whole. */
export function environmentOf(template: Template, functionLogicalId: string): Record<string, unknown> {
  const { Environment } = propertiesOf(template, functionLogicalId, 'AWS::Lambda::Function') as {
    Environment?: { Variables?: Record<string, unknown> };
  };
  return Environment?.Variables ?? {};
}

/** A schedule's Target with its Input parsed, so the payload can be compared as an object. */
export function scheduleTargetOf(template: Template, scheduleLogicalId: string): Record<string, unknown> {
  const { Target } = propertiesOf(template, scheduleLogicalId, 'AWS::Scheduler::Schedule') as {
    Target: { Input?: string } & Record<string, unknown>;
  };
  return { ...Target, ...(Target.Input === undefined ? {} : { Input: JSON.parse(Target.Input) }) };
}
