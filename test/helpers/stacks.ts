import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { parseJanitorContext } from '#infra/context.ts';
import { JanitorStack } from '#infra/stack.ts';

export const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:janitor/elevenlabs-AbCdEf';
export const KMS_KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** Builds the deployable stack from a context object, without running esbuild. */
export function buildStack(context: Record<string, unknown>) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new JanitorStack(app, 'TestJanitor', {
    config: parseJanitorContext(context),
    env: { account: '123456789012', region: 'eu-west-1' },
  });
  return { app, stack, template: Template.fromStack(stack) };
}
