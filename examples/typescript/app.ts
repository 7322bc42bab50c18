// A CDK app in TypeScript: two janitors, one per ElevenLabs workspace, and a Lambda of your own
// allowed to send them deletion requests. `npm run synth` type-checks it and synthesizes it.
import { App, Stack } from 'aws-cdk-lib';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { SecretJanitor, type SecretJanitorProps } from 'convai-secret-janitor/cdk';

const app = new App({ outdir: process.env.CDK_OUTDIR ?? 'cdk.out' });
const stack = new Stack(app, 'JanitorExample');

// The US (default) workspace, and the EU data-residency workspace with its own key and API origin.
const workspaces: Record<string, SecretJanitorProps> = {
  Us: { apiKeySecret: Secret.fromSecretNameV2(stack, 'UsApiKey', 'convai-secret-janitor/elevenlabs-api-key') },
  Eu: {
    apiKeySecret: Secret.fromSecretNameV2(stack, 'EuApiKey', 'convai-secret-janitor/elevenlabs-api-key-eu'),
    workspace: 'eu',
    baseUrl: 'https://api.eu.residency.elevenlabs.io',
  },
};
const janitors = Object.entries(workspaces).map(([name, props]) => new SecretJanitor(stack, `Janitor${name}`, props));

// Your service: a request for the EU janitor names its workspace, or that janitor sends it to its DLQ.
const producer = new LambdaFunction(stack, 'Producer', {
  runtime: Runtime.NODEJS_24_X,
  handler: 'index.handler',
  code: Code.fromInline(`
const { SQSClient, SendMessageCommand } = require('@aws-sdk/client-sqs');
const sqs = new SQSClient({});
const queues = JSON.parse(process.env.QUEUE_URLS);
exports.handler = async ({ secretId, workspace = 'default' }) => {
  const body = workspace === 'default' ? { secretId } : { secretId, workspace };
  await sqs.send(new SendMessageCommand({ QueueUrl: queues[workspace], MessageBody: JSON.stringify(body) }));
};`),
  environment: {
    QUEUE_URLS: stack.toJsonString(Object.fromEntries(janitors.map((j) => [j.workspace, j.queue.queueUrl]))),
  },
});
for (const janitor of janitors) janitor.grantSendDeletionRequests(producer);

app.synth();
