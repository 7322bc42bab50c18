import { MessageSystemAttributeName, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { expect } from 'vitest';
import { type DeployedStack, synthDeployedStack } from '#test/helpers/deployed-stack.ts';
import { type MarksDynamo, startMarksDynamo } from '#test/helpers/dynalite.ts';
import {
  type FakeAws,
  lambdaRecordFrom,
  REGION,
  type RecordedAwsRequest,
  startFakeAws,
} from '#test/helpers/fake-aws.ts';
import { type FakeElevenLabs, type RecordedRequest, startFakeElevenLabs } from '#test/helpers/fake-elevenlabs.ts';
import {
  type BuiltBundles,
  buildFunctionBundles,
  type FunctionName,
  type InvocationResult,
  invokeBundle,
} from '#test/helpers/lambda-bundles.ts';
import { lambdaRuntimeEnv } from '#test/helpers/node-child.ts';
import { SECRET_ARN } from '#test/helpers/stacks.ts';

/**
 * The wire-level harness: the deployable bundles, the stack's own environment for each function
 * (read from the synthesized template), and loopback fakes of everything they call over HTTP —
 * ElevenLabs, Secrets Manager and SQS (`AWS_ENDPOINT_URL_*`), DynamoDB (dynalite). Every fake
 * records every request, so tests compare what went over the wire.
 */

export const QUEUE = 'janitor-queue';
export const DLQ = 'janitor-dlq';
export const MARKS_TABLE = 'janitor-sweep-marks';
/** The API key secret is imported by ARN, so the function asks Secrets Manager for exactly this id. */
export const API_KEY_SECRET_ARN = SECRET_ARN;

export interface WireOptions {
  /** The ElevenLabs key stored in the fake Secrets Manager (as `{"apiKey": …}`). */
  readonly apiKey: string;
  /** The `janitor` context, without `apiKeySecretArn` and `baseUrl` (the harness sets both). */
  readonly context: Record<string, unknown>;
}

export interface Wire {
  readonly aws: FakeAws;
  readonly elevenlabs: FakeElevenLabs;
  readonly dynamo: MarksDynamo;
  readonly deployed: DeployedStack;
  readonly queueUrl: string;
  readonly dlqUrl: string;
  /** The whole environment a function's sandbox gets: runtime, stack, AWS endpoints. */
  env(name: FunctionName): Record<string, string>;
  /** One invocation of a bundle in a fresh Node process. */
  invoke<T>(name: FunctionName, event: unknown, options?: { random?: number }): Promise<InvocationResult<T>>;
  /** Sends bodies to the queue and receives them back as the Lambda records SQS would deliver. */
  deliver(bodies: readonly string[]): Promise<SQSRecord[]>;
  /** Forgets the recorded requests and empties the queues, the ElevenLabs store and the marks table. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export async function startWire(options: WireOptions): Promise<Wire> {
  const [aws, elevenlabs, dynamo] = await Promise.all([
    startFakeAws(),
    startFakeElevenLabs({ validKeys: [options.apiKey] }),
    startMarksDynamo(MARKS_TABLE),
  ]);
  aws.secrets.set(API_KEY_SECRET_ARN, JSON.stringify({ apiKey: options.apiKey }));
  const queueUrl = aws.queueUrl(QUEUE);
  const dlqUrl = aws.queueUrl(DLQ);
  // esbuild works in its own process while the synth keeps this one busy.
  const building: Promise<BuiltBundles> = buildFunctionBundles();
  let deployed: DeployedStack;
  let built: BuiltBundles;
  try {
    deployed = synthDeployedStack(
      { ...options.context, apiKeySecretArn: API_KEY_SECRET_ARN, baseUrl: elevenlabs.baseUrl },
      { queueUrl, dlqUrl, marksTableName: MARKS_TABLE },
    );
  } finally {
    built = await building;
  }
  const client = new SQSClient({
    endpoint: aws.endpoint,
    region: REGION,
    credentials: { accessKeyId: 'AKIAFAKEFAKEFAKEFAKE', secretAccessKey: 'fake-secret-access-key' },
  });

  const functionOf = (name: FunctionName) => {
    const fn = deployed[name];
    if (!fn) throw new Error(`the stack of this context has no ${name} function`);
    return fn;
  };
  const wire: Wire = {
    aws,
    elevenlabs,
    dynamo,
    deployed,
    queueUrl,
    dlqUrl,
    env(name) {
      const fn = functionOf(name);
      return {
        ...lambdaRuntimeEnv(`janitor-${name}`, fn.memoryMb),
        ...fn.env,
        AWS_ENDPOINT_URL_SQS: aws.endpoint,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.endpoint,
        AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      };
    },
    invoke(name, event, { random } = {}) {
      return invokeBundle({
        bundle: built.bundles[name],
        env: wire.env(name),
        event,
        functionName: `janitor-${name}`,
        memoryMb: functionOf(name).memoryMb,
        ...(random === undefined ? {} : { random }),
      });
    },
    async deliver(bodies) {
      for (const body of bodies) await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
      const received = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          MessageSystemAttributeNames: [MessageSystemAttributeName.All],
        }),
      );
      return (received.Messages ?? []).map((message) => lambdaRecordFrom(message, message.Attributes));
    },
    async reset() {
      await dynamo.clear();
      aws.requests.length = 0;
      for (const name of [QUEUE, DLQ]) aws.messages(name).splice(0);
      elevenlabs.requests.length = 0;
      elevenlabs.secrets.clear();
      elevenlabs.environmentVariables.clear();
      elevenlabs.hook = undefined;
      dynamo.requests.length = 0;
    },
    async close() {
      client.destroy();
      await Promise.all([aws.close(), elevenlabs.close(), dynamo.stop(), built.remove()]);
    },
  };
  return wire;
}

/** An AWS JSON-protocol call as tests compare it: what decides the call, without signature and SDK headers. */
export function awsCall(request: RecordedAwsRequest) {
  return {
    method: request.method,
    path: request.path,
    target: request.headers['x-amz-target'],
    contentType: request.headers['content-type'],
    body: JSON.parse(request.body) as unknown,
  };
}

/** The SigV4 credential scope of a request: `<access key>/<region>/<service>` (the date left out). */
export function credentialScope(request: { headers: RecordedAwsRequest['headers'] }): string {
  const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request,/.exec(
    String(request.headers.authorization ?? ''),
  );
  return match ? `${match[1]}/${match[2]}/${match[3]}` : `unsigned: ${String(request.headers.authorization)}`;
}

/** An ElevenLabs request without its `xi-api-key` header: the key is checked apart and never compared or stored. */
export function apiCall(request: RecordedRequest) {
  const { 'xi-api-key': _key, ...headers } = request.headers;
  return { method: request.method, url: request.url, headers, body: request.body };
}

/** The JSON log lines a function wrote (EMF metric lines included: they are JSON too). */
export function jsonLines(lines: readonly string[]): Record<string, unknown>[] {
  return lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** `USER_AGENT` of functions/shared/aws-clients.ts, written out so that a change shows in the tests. */
const USER_AGENT = 'convai-secret-janitor/0.1.0 (+aws-lambda)';

/** An expected ElevenLabs request, as `apiCall` presents it: every header but `xi-api-key`, no body. */
export function apiRequest(wire: Wire, method: string, url: string) {
  return {
    method,
    url,
    headers: {
      host: new URL(wire.elevenlabs.baseUrl).host,
      'user-agent': USER_AGENT,
      accept: 'application/json',
      connection: 'keep-alive',
    },
    body: '',
  };
}

/** An expected AWS JSON-protocol request, as `awsCall` presents it. */
export function awsRequest(target: string, body: unknown) {
  return {
    method: 'POST',
    path: '/',
    target,
    contentType: target.startsWith('AmazonSQS.') ? 'application/x-amz-json-1.0' : 'application/x-amz-json-1.1',
    body,
  };
}

/** SQS message attributes as the SDK sends them. */
export const stringAttribute = (value: string) => ({ DataType: 'String', StringValue: value });
export const numberAttribute = (value: number) => ({ DataType: 'Number', StringValue: String(value) });

/** Concurrent requests arrive in any order: compare them sorted. */
export const sorted = <T>(items: readonly T[]) =>
  [...items].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

/** The log lines that report a record's outcome (stdout for INFO, stderr for WARN and ERROR). */
export const outcomeLines = (run: InvocationResult<unknown>) =>
  jsonLines([...run.stdout, ...run.stderr]).filter((line) => typeof line.outcome === 'string');

/**
 * The API key, whole or as a 16-character piece, is in nothing the function wrote, returned or sent,
 * nor in anything the fakes stored, but in the `xi-api-key` header of each ElevenLabs request. The
 * checks are booleans, so a failure never prints the key.
 */
export function expectNoKeyAnywhere(wire: Wire, key: string, run: InvocationResult<unknown>) {
  const everything = [
    ...run.stdout,
    ...run.stderr,
    JSON.stringify(run.result),
    JSON.stringify(run.error),
    JSON.stringify(wire.aws.requests),
    JSON.stringify(wire.elevenlabs.requests.map(apiCall)),
    JSON.stringify(wire.dynamo.requests),
    JSON.stringify(wire.aws.messages(QUEUE).map((message) => [message.body, message.messageAttributes])),
    JSON.stringify(wire.aws.messages(DLQ).map((message) => [message.body, message.messageAttributes])),
  ].join('\n');
  expect(everything.includes(key)).toBe(false);
  expect(everything.includes(key.slice(8, 24))).toBe(false);
  expect(wire.elevenlabs.requests.every((request) => request.headers['xi-api-key'] === key)).toBe(true);
}

/** Every AWS request is signed with the runtime's credentials for the region and the service its target names. */
export function expectSignedForTargets(wire: Wire) {
  const service = (target: unknown) => (String(target).startsWith('AmazonSQS.') ? 'sqs' : 'secretsmanager');
  for (const request of wire.aws.requests) {
    expect(credentialScope(request)).toBe(`AKIAFAKEFAKEFAKEFAKE/eu-west-1/${service(request.headers['x-amz-target'])}`);
  }
}
