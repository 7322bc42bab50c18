import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SQSRecord } from 'aws-lambda';

/**
 * A loopback fake of the two AWS JSON-protocol services the janitor uses: Secrets Manager
 * (`X-Amz-Target: secretsmanager.<Op>`, JSON 1.1) and SQS (`AmazonSQS.<Op>`, JSON 1.0). The real
 * SDK clients talk to it through `AWS_ENDPOINT_URL_*` and queue URLs on this host.
 */

export const ACCOUNT_ID = '123456789012';
export const REGION = 'eu-west-1';

export interface FakeMessage {
  readonly messageId: string;
  readonly body: string;
  readonly messageAttributes: Record<string, unknown>;
  readonly sentAt: number;
  receiveCount: number;
  visibleAt: number;
  receiptHandle?: string;
}

/** One request as it arrived on the wire, before the fake decided anything. */
export interface RecordedAwsRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The operation named by `X-Amz-Target`, e.g. `SendMessageBatch`. */
  readonly operation: string;
  /** The request body exactly as sent (JSON text). */
  readonly body: string;
}

/** Answer to force for an operation: an AWS error `{__type, message}` with status 400 unless given. */
export type AwsFault = { type: string; message?: string; status?: number };

export interface FakeAws {
  readonly endpoint: string;
  /** Calls per operation, e.g. `calls.get('GetSecretValue')`. */
  readonly calls: Map<string, number>;
  /** Every request, in arrival order; tests may empty it (`requests.length = 0`). */
  readonly requests: RecordedAwsRequest[];
  readonly secrets: Map<string, string>;
  /** The queue's URL on this host; creates the queue on first use. */
  queueUrl(name: string): string;
  /** Every message of a queue, visible or in flight. */
  messages(name: string): FakeMessage[];
  /** Makes every in-flight message visible again, as if its visibility timeout had passed. */
  expireVisibility(name?: string): void;
  /** Return a fault to fail an operation; `failEntry` fails single SendMessageBatch entries. */
  fault?: (operation: string, input: Record<string, unknown>) => AwsFault | undefined;
  failEntry?: (id: string, body: string) => boolean;
  /** Env for the SDK: endpoints, dummy credentials, region. */
  env(): Record<string, string>;
  close(): Promise<void>;
}

const md5 = (text: string) => createHash('md5').update(text).digest('hex');
const awsError = (type: string, message: string): AwsFault => ({ type, message });

export async function startFakeAws(): Promise<FakeAws> {
  const queues = new Map<string, FakeMessage[]>();
  const queueOf = (url: unknown) => {
    const name =
      String(url ?? '')
        .split('/')
        .pop() ?? '';
    const queue = queues.get(name);
    if (!queue) throw awsError('com.amazonaws.sqs#QueueDoesNotExist', `queue ${String(url)} does not exist`);
    return queue;
  };
  const byHandle = (queue: FakeMessage[], handle: unknown) => {
    const message = queue.find((m) => m.receiptHandle !== undefined && m.receiptHandle === handle);
    if (!message) throw awsError('com.amazonaws.sqs#ReceiptHandleIsInvalid', `receipt handle ${String(handle)}`);
    return message;
  };
  const enqueue = (queue: FakeMessage[], body: string, messageAttributes: unknown, delaySeconds: unknown) => {
    const now = Date.now();
    const message: FakeMessage = {
      messageId: randomUUID(),
      body,
      messageAttributes: (messageAttributes ?? {}) as Record<string, unknown>,
      sentAt: now,
      receiveCount: 0,
      visibleAt: now + Number(delaySeconds ?? 0) * 1000,
    };
    queue.push(message);
    return { MessageId: message.messageId, MD5OfMessageBody: md5(body) };
  };

  const operations: Record<string, (input: Record<string, unknown>) => unknown> = {
    GetSecretValue(input) {
      const id = String(input.SecretId);
      const value = fake.secrets.get(id);
      if (value === undefined) throw awsError('ResourceNotFoundException', "Secrets Manager can't find the secret.");
      const arn = `arn:aws:secretsmanager:${REGION}:${ACCOUNT_ID}:secret:${id}-AbCdEf`;
      return { ARN: arn, Name: id, SecretString: value, VersionId: randomUUID(), VersionStages: ['AWSCURRENT'] };
    },
    SendMessage: (input) =>
      enqueue(queueOf(input.QueueUrl), String(input.MessageBody), input.MessageAttributes, input.DelaySeconds),
    SendMessageBatch(input) {
      const queue = queueOf(input.QueueUrl);
      const entries = input.Entries as { Id: string; MessageBody: string; DelaySeconds?: number }[];
      const Successful = [];
      const Failed = [];
      for (const entry of entries) {
        if (fake.failEntry?.(entry.Id, entry.MessageBody)) {
          Failed.push({ Id: entry.Id, SenderFault: false, Code: 'InternalError', Message: 'injected failure' });
        } else {
          Successful.push({ Id: entry.Id, ...enqueue(queue, entry.MessageBody, undefined, entry.DelaySeconds) });
        }
      }
      return { Successful, Failed };
    },
    ReceiveMessage(input) {
      const now = Date.now();
      const max = Number(input.MaxNumberOfMessages ?? 1);
      const timeout = Number(input.VisibilityTimeout ?? 30);
      const ready = queueOf(input.QueueUrl)
        .filter((m) => m.visibleAt <= now)
        .slice(0, max);
      const Messages = ready.map((m) => {
        m.receiveCount += 1;
        m.visibleAt = now + timeout * 1000;
        m.receiptHandle = `rh-${randomUUID()}`;
        const attributes = { ApproximateReceiveCount: String(m.receiveCount), SentTimestamp: String(m.sentAt) };
        const { messageId: MessageId, receiptHandle: ReceiptHandle, body: Body } = m;
        return { MessageId, ReceiptHandle, Body, MD5OfBody: md5(Body), Attributes: attributes };
      });
      return Messages.length ? { Messages } : {};
    },
    DeleteMessage(input) {
      const queue = queueOf(input.QueueUrl);
      queue.splice(queue.indexOf(byHandle(queue, input.ReceiptHandle)), 1);
      return {};
    },
    ChangeMessageVisibility(input) {
      const message = byHandle(queueOf(input.QueueUrl), input.ReceiptHandle);
      message.visibleAt = Date.now() + Number(input.VisibilityTimeout) * 1000;
      return {};
    },
  };

  function reply(res: ServerResponse, status: number, body: unknown, version: string) {
    res.writeHead(status, { 'content-type': `application/x-amz-json-${version}`, 'x-amzn-requestid': randomUUID() });
    res.end(JSON.stringify(body));
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const operation = target.split('.').pop() ?? '';
      const version = target.startsWith('AmazonSQS.') ? '1.0' : '1.1';
      fake.calls.set(operation, (fake.calls.get(operation) ?? 0) + 1);
      const body = Buffer.concat(chunks).toString();
      fake.requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, operation, body });
      try {
        const input = JSON.parse(body || '{}') as Record<string, unknown>;
        const run = operations[operation];
        if (!run) throw awsError('UnknownOperationException', `fake AWS does not implement ${target}`);
        const fault = fake.fault?.(operation, input);
        if (fault) throw fault;
        reply(res, 200, run(input), version);
      } catch (error) {
        const fault = error as AwsFault;
        if (typeof fault?.type !== 'string') return reply(res, 500, { __type: 'InternalFailure' }, version);
        reply(res, fault.status ?? 400, { __type: fault.type, message: fault.message ?? fault.type }, version);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const fake: FakeAws = {
    endpoint,
    calls: new Map(),
    requests: [],
    secrets: new Map(),
    queueUrl(name) {
      if (!queues.has(name)) queues.set(name, []);
      return `${endpoint}/${ACCOUNT_ID}/${name}`;
    },
    messages: (name) => queues.get(name) ?? [],
    expireVisibility(name) {
      const lists = name === undefined ? [...queues.values()] : [fake.messages(name)];
      for (const message of lists.flat()) message.visibleAt = 0;
    },
    env: () => ({
      AWS_ENDPOINT_URL_SQS: endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
      AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKEFAKE',
      AWS_SECRET_ACCESS_KEY: 'fake-secret-access-key',
      AWS_REGION: REGION,
    }),
    close() {
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
  return fake;
}

/** Turns a message from ReceiveMessage into the record Lambda's SQS event source would deliver. */
export function lambdaRecordFrom(
  message: { MessageId?: string; ReceiptHandle?: string; Body?: string; MD5OfBody?: string },
  attributes: Record<string, string | undefined> = {},
): SQSRecord {
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: 'AIDAFAKESENDER',
      ApproximateFirstReceiveTimestamp: attributes.SentTimestamp ?? String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:janitor-queue`,
    awsRegion: REGION,
  };
}
