import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { parseJanitorContext } from '#infra/context.ts';
import { JanitorStack } from '#infra/stack.ts';

export const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:janitor/elevenlabs-AbCdEf';
export const KMS_KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** The feature flags of cdk.json, so test stacks synthesize as the deployed one does. */
export const FEATURE_FLAGS: Readonly<Record<string, unknown>> = Object.fromEntries(
  Object.entries(JSON.parse(readFileSync('cdk.json', 'utf8')).context as Record<string, unknown>).filter(([key]) =>
    key.startsWith('@aws-cdk'),
  ),
);

/** An app with cdk.json's feature flags that skips esbuild. */
export function testApp(): App {
  return new App({ context: { ...FEATURE_FLAGS, 'aws:cdk:bundling-stacks': [] } });
}

/** Builds the deployable stack from a context object, without running esbuild. */
export function buildStack(context: Record<string, unknown>) {
  const app = testApp();
  const stack = new JanitorStack(app, 'TestJanitor', {
    config: parseJanitorContext(context),
    env: { account: '123456789012', region: 'eu-west-1' },
  });
  return { app, stack, template: Template.fromStack(stack) };
}
