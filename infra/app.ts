import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parseJanitorContext } from '#infra/context.ts';
import { JanitorStack } from '#infra/stack.ts';

const app = new App();
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
const config = parseJanitorContext(app.node.tryGetContext('janitor'));
new JanitorStack(app, config.stackName, {
  config,
  description: 'ConvAI Secret Janitor: deletes stale ElevenLabs Conversational AI workspace secrets',
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
app.synth();
