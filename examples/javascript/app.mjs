// A CDK app in plain JavaScript: two janitors, one per ElevenLabs workspace, and a Lambda of your own
// allowed to send them deletion requests. `node app.mjs` synthesizes it; `npx cdk deploy` deploys it.
import { App, Stack } from 'aws-cdk-lib';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { SecretJanitor } from 'convai-secret-janitor';

const app = new App({ outdir: process.env.CDK_OUTDIR ?? 'cdk.out' });
const stack = new Stack(app, 'JanitorExample');

// The US (default) workspace, and the EU data-residency workspace with its own key and API origin.
const us = new SecretJanitor(stack, 'JanitorUs', {
  apiKeySecret: Secret.fromSecretNameV2(stack, 'UsApiKey', 'convai-secret-janitor/elevenlabs-api-key'),
});
const eu = new SecretJanitor(stack, 'JanitorEu', {
  apiKeySecret: Secret.fromSecretNameV2(stack, 'EuApiKey', 'convai-secret-janitor/elevenlabs-api-key-eu'),
  workspace: 'eu',
  baseUrl: 'https://api.eu.residency.elevenlabs.io',
});

// Your service: a request for the EU janitor names its workspace, or that janitor sends it to its DLQ.
const producer = new LambdaFunction(stack, 'Producer', {
  runtime: Runtime.NODEJS_24_X,
  handler: 'index.handler',
  code: Code.fromInline(`
const { SQSClient, SendMessageCommand } = require('@aws-sdk/client-sqs');
const sqs = new SQSClient({});
exports.handler = async ({ secretId, workspace }) => {
  const eu = workspace === 'eu';
  await sqs.send(new SendMessageCommand({
    QueueUrl: eu ? process.env.EU_QUEUE_URL : process.env.US_QUEUE_URL,
    MessageBody: JSON.stringify(eu ? { secretId, workspace } : { secretId }),
  }));
};`),
  environment: { US_QUEUE_URL: us.queue.queueUrl, EU_QUEUE_URL: eu.queue.queueUrl },
});
us.grantSendDeletionRequests(producer);
eu.grantSendDeletionRequests(producer);

app.synth();
