import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import {
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SendMessageBatchResult,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseMessage, partitionIds } from '#core/parse-message.ts';
import {
  type AgentRemoved,
  DEFAULT_EVENT_SOURCE,
  publishAgentRemoved,
  publishSecretDeletionRequested,
  QueueError,
  RequestValidationError,
  requestSecretDeletion,
} from '#producer/index.ts';
import { envelopeBody, envelopeFromPutEventsEntry } from '#test/helpers/eventbridge-events.ts';

const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/janitor-queue';
const EVENT_ID = '11111111-2222-4333-8444-555555555555';

const sqs = mockClient(SQSClient);
const eventBridge = mockClient(EventBridgeClient);

const ids = (count: number) => Array.from({ length: count }, (_, index) => `sec_${index}`);

/** Answers SendMessageBatch like SQS: every entry not named by `failed` is Successful. */
function answerBatch(failed: (entry: SendMessageBatchRequestEntry) => boolean = () => false) {
  return (input: { Entries?: SendMessageBatchRequestEntry[] }): SendMessageBatchResult => {
    const entries = input.Entries ?? [];
    return {
      Successful: entries
        .filter((entry) => !failed(entry))
        .map((entry) => ({ Id: entry.Id, MessageId: `id-${entry.Id}`, MD5OfMessageBody: 'md5' })),
      Failed: entries
        .filter(failed)
        .map((entry) => ({ Id: entry.Id, SenderFault: false, Code: 'InternalError', Message: 'try again' })),
    };
  };
}

const batchCalls = () => sqs.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input);
const sentBodies = (call: { Entries?: SendMessageBatchRequestEntry[] } | undefined) =>
  (call?.Entries ?? []).map((entry) => JSON.parse(entry.MessageBody ?? 'null') as Record<string, unknown>);
const putEntries = () => eventBridge.commandCalls(PutEventsCommand).flatMap((call) => call.args[0].input.Entries ?? []);

function client() {
  return new SQSClient({ region: 'eu-west-1' });
}

beforeEach(() => {
  sqs.reset();
  eventBridge.reset();
  // The default clients resolve a region; resending after a failure must not wait.
  vi.stubEnv('AWS_REGION', 'eu-west-1');
  vi.spyOn(Math, 'random').mockReturnValue(0);
});

afterAll(() => {
  sqs.restore();
  eventBridge.restore();
});

describe('requestSecretDeletion', () => {
  it('sends one single-id body per id with origin "request" and the reason when given ids and a reason', async () => {
    sqs.on(SendMessageBatchCommand).callsFake(answerBatch());
    await requestSecretDeletion(
      { secretIds: ['sec_a', 'sec_b'], reason: 'offboarding' },
      { queueUrl: QUEUE_URL, client: client() },
    );
    expect(batchCalls().flatMap(sentBodies)).toEqual([
      { secretId: 'sec_a', origin: 'request', reason: 'offboarding' },
      { secretId: 'sec_b', origin: 'request', reason: 'offboarding' },
    ]);
  });

  it('sends bodies without reason when the request has none', async () => {
    sqs.on(SendMessageBatchCommand).callsFake(answerBatch());
    await requestSecretDeletion({ secretIds: ['sec_a'] }, { queueUrl: QUEUE_URL, client: client() });
    expect(batchCalls().flatMap(sentBodies)).toEqual([{ secretId: 'sec_a', origin: 'request' }]);
  });

  it('sends to the target queue in batches of at most 10 when given 23 ids', async () => {
    sqs.on(SendMessageBatchCommand).callsFake(answerBatch());
    const result = await requestSecretDeletion({ secretIds: ids(23) }, { queueUrl: QUEUE_URL, client: client() });
    expect(batchCalls().map((call) => call.Entries?.length)).toEqual([10, 10, 3]);
    expect(batchCalls().every((call) => call.QueueUrl === QUEUE_URL)).toBe(true);
    expect(result).toEqual({ enqueued: 23 });
  });

  it('sends each id once when the request repeats ids', async () => {
    sqs.on(SendMessageBatchCommand).callsFake(answerBatch());
    const result = await requestSecretDeletion(
      { secretIds: ['sec_a', 'sec_b', 'sec_a', 'sec_b'] },
      { queueUrl: QUEUE_URL, client: client() },
    );
    expect(
      batchCalls()
        .flatMap(sentBodies)
        .map((body) => body.secretId),
    ).toEqual(['sec_a', 'sec_b']);
    expect(result).toEqual({ enqueued: 2 });
  });

  it('writes bodies the worker parses as single requests when read back', async () => {
    sqs.on(SendMessageBatchCommand).callsFake(answerBatch());
    await requestSecretDeletion({ secretIds: ['sec_a'], reason: 'r' }, { queueUrl: QUEUE_URL, client: client() });
    const body = batchCalls()[0]?.Entries?.[0]?.MessageBody ?? '';
    expect(parseMessage(body)).toEqual({
      kind: 'single',
      request: { secretId: 'sec_a', origin: 'request', reason: 'r' },
    });
  });

  it('rejects with the worker problem text before any SQS call when an id is invalid', async () => {
    const secretIds = ['sec_a', 'bad id'];
    const [invalid] = partitionIds(secretIds).invalid;
    const attempt = requestSecretDeletion({ secretIds }, { queueUrl: QUEUE_URL, client: client() });
    await expect(attempt).rejects.toThrow(RequestValidationError);
    await expect(attempt).rejects.toThrow(`${invalid?.secretId}: ${invalid?.problem}`);
    expect(sqs.calls()).toHaveLength(0);
  });

  it('names every invalid id when several are invalid', async () => {
    const secretIds = ['bad id', 'sec_a', '../x'];
    const expected = partitionIds(secretIds)
      .invalid.map(({ secretId, problem }) => `${secretId}: ${problem}`)
      .join('; ');
    await expect(requestSecretDeletion({ secretIds }, { queueUrl: QUEUE_URL, client: client() })).rejects.toThrow(
      expected,
    );
  });

  it('rejects before any SQS call when the request lists 1001 ids', async () => {
    await expect(
      requestSecretDeletion({ secretIds: ids(1001) }, { queueUrl: QUEUE_URL, client: client() }),
    ).rejects.toThrow('at most 1000 ids, received 1001');
    expect(sqs.calls()).toHaveLength(0);
  });

  it('rejects before any SQS call when the request lists no ids', async () => {
    await expect(requestSecretDeletion({ secretIds: [] }, { queueUrl: QUEUE_URL, client: client() })).rejects.toThrow(
      RequestValidationError,
    );
    expect(sqs.calls()).toHaveLength(0);
  });

  it('resends only the Failed entries when SQS fails some of them', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .callsFakeOnce(answerBatch((entry) => (entry.MessageBody ?? '').includes('"sec_1"')))
      .callsFake(answerBatch());
    const result = await requestSecretDeletion({ secretIds: ids(3) }, { queueUrl: QUEUE_URL, client: client() });
    expect(batchCalls()).toHaveLength(2);
    expect(sentBodies(batchCalls()[1])).toEqual([{ secretId: 'sec_1', origin: 'request' }]);
    expect(result).toEqual({ enqueued: 3 });
  });

  it('rejects with a QueueError saying how many failed when entries keep failing', async () => {
    sqs.on(SendMessageBatchCommand).callsFake(answerBatch((entry) => (entry.MessageBody ?? '').includes('"sec_1"')));
    const attempt = requestSecretDeletion({ secretIds: ids(3) }, { queueUrl: QUEUE_URL, client: client() });
    await expect(attempt).rejects.toThrow(QueueError);
    await expect(attempt).rejects.toThrow('expected all 3 ids to be enqueued, received 1 failures');
    expect(batchCalls()).toHaveLength(3);
  });

  it('rejects with a QueueError when every SendMessageBatch call throws', async () => {
    sqs.on(SendMessageBatchCommand).rejects(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }));
    const attempt = requestSecretDeletion({ secretIds: ids(2) }, { queueUrl: QUEUE_URL, client: client() });
    await expect(attempt).rejects.toThrow(QueueError);
    await expect(attempt).rejects.toThrow('received 2 failures');
  });

  /** Errors shaped as the SDK throws them (seen from a real SQSClient): same `name`, told apart by code and message. */
  const connectionRefused = () =>
    Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9324'), {
      code: 'ECONNREFUSED',
      $metadata: { attempts: 3 },
    });
  const noCredentials = () =>
    Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
      tryNextLink: false,
    });

  async function rejection(error: Error): Promise<QueueError> {
    sqs.on(SendMessageBatchCommand).rejects(error);
    try {
      await requestSecretDeletion({ secretIds: ids(2) }, { queueUrl: QUEUE_URL, client: client() });
    } catch (thrown) {
      if (thrown instanceof QueueError) return thrown;
      throw thrown;
    }
    throw new Error('expected a rejection');
  }

  it('keeps the name, code and message of a refused connection and says sending again is safe', async () => {
    const sdk = connectionRefused();
    const error = await rejection(sdk);
    expect(error.message).toBe(
      'expected all 2 ids to be enqueued, received 2 failures (Error (ECONNREFUSED): connect ECONNREFUSED 127.0.0.1:9324); sending again is safe',
    );
    expect(error.cause).toBe(sdk);
  });

  it('keeps the SDK error of missing credentials and says to fix the configuration, not that sending again is safe', async () => {
    const sdk = noCredentials();
    const error = await rejection(sdk);
    expect(error.message).toBe(
      'expected all 2 ids to be enqueued, received 2 failures (CredentialsProviderError: Could not load credentials from any providers); nothing was sent: fix the AWS configuration (credentials, region, queue URL or bus, permissions), then send again',
    );
    expect(error.cause).toBe(sdk);
  });

  it.each([
    ['a missing region', Object.assign(new Error('Region is missing'))],
    ['a missing queue', Object.assign(new Error('The specified queue does not exist.'), { name: 'QueueDoesNotExist' })],
    ['denied access', Object.assign(new Error('not authorized'), { name: 'AccessDenied' })],
  ])('says nothing was sent when %s stops every send', async (_label, sdk) => {
    const error = await rejection(sdk);
    expect(error.message).toMatch(/; nothing was sent: fix the AWS configuration/);
    expect(error.message).not.toContain('sending again is safe');
  });

  it('says the rest was not sent when the configuration fails after some ids were enqueued', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .callsFakeOnce(answerBatch())
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));
    await expect(
      requestSecretDeletion({ secretIds: ids(12) }, { queueUrl: QUEUE_URL, client: client() }),
    ).rejects.toThrow(/received 2 failures \(AccessDenied: not authorized\); the rest was not sent: fix the AWS/);
  });

  it('uses a default SQS client when the target has none', async () => {
    sqs.on(SendMessageBatchCommand).callsFake(answerBatch());
    await expect(requestSecretDeletion({ secretIds: ['sec_a'] }, { queueUrl: QUEUE_URL })).resolves.toEqual({
      enqueued: 1,
    });
    expect(batchCalls()).toHaveLength(1);
  });
});

describe('publishAgentRemoved', () => {
  const detail = { agentId: 'agent_7', secretIds: ['sec_a', 'sec_b'], reason: 'agent deleted' };

  it('puts one "Agent Removed" entry on the default bus with the default source when no target is given', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: EVENT_ID }] });
    await publishAgentRemoved(detail);
    expect(putEntries()).toEqual([
      {
        EventBusName: 'default',
        Source: 'convai.secret-janitor',
        DetailType: 'Agent Removed',
        Detail: expect.any(String),
      },
    ]);
    expect(DEFAULT_EVENT_SOURCE).toBe('convai.secret-janitor');
  });

  it('puts the detail as JSON when publishing', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: EVENT_ID }] });
    await publishAgentRemoved(detail);
    expect(JSON.parse(putEntries()[0]?.Detail ?? 'null')).toEqual(detail);
  });

  it('returns the event id EventBridge assigned when the entry is accepted', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: EVENT_ID }] });
    expect(await publishAgentRemoved(detail)).toEqual({ eventId: EVENT_ID });
  });

  it('uses the given bus, source and client when the target names them', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: EVENT_ID }] });
    await publishAgentRemoved(detail, {
      eventBusName: 'arn:aws:events:eu-west-1:123456789012:event-bus/platform',
      source: 'platform.agents',
      client: new EventBridgeClient({ region: 'eu-west-1' }),
    });
    expect(putEntries()[0]).toMatchObject({
      EventBusName: 'arn:aws:events:eu-west-1:123456789012:event-bus/platform',
      Source: 'platform.agents',
    });
  });

  it('rejects with a QueueError naming the error code when EventBridge fails the entry', async () => {
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }],
    });
    const attempt = publishAgentRemoved(detail);
    await expect(attempt).rejects.toThrow(QueueError);
    await expect(attempt).rejects.toThrow('ThrottlingException: Rate exceeded');
  });

  it('keeps the SDK error of a failed PutEvents call in the message and as cause', async () => {
    const sdk = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    eventBridge.on(PutEventsCommand).rejects(sdk);
    const error = await publishAgentRemoved(detail).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(QueueError);
    expect((error as QueueError).message).toBe(
      'expected PutEvents to succeed, received CredentialsProviderError: Could not load credentials from any providers; nothing was sent: fix the AWS configuration (credentials, region, queue URL or bus, permissions), then send again',
    );
    expect((error as QueueError).cause).toBe(sdk);
  });

  it('rejects with a QueueError when EventBridge returns no event id', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{}] });
    await expect(publishAgentRemoved(detail)).rejects.toThrow(QueueError);
  });

  it('rejects with the worker problem text before any call when an id is invalid', async () => {
    const secretIds = ['sec_a', 'bad id'];
    const [invalid] = partitionIds(secretIds).invalid;
    const attempt = publishAgentRemoved({ agentId: 'agent_7', secretIds });
    await expect(attempt).rejects.toThrow(RequestValidationError);
    await expect(attempt).rejects.toThrow(`${invalid?.secretId}: ${invalid?.problem}`);
    expect(eventBridge.calls()).toHaveLength(0);
  });

  it('rejects before any call when agentId is missing', async () => {
    const attempt = publishAgentRemoved({ secretIds: ['sec_a'] } as unknown as AgentRemoved);
    await expect(attempt).rejects.toThrow('agentId is required');
    expect(eventBridge.calls()).toHaveLength(0);
  });

  it('rejects before any call when the detail has an unknown field', async () => {
    const attempt = publishAgentRemoved({ ...detail, force: true } as AgentRemoved);
    await expect(attempt).rejects.toThrow('unknown field "force"');
    expect(eventBridge.calls()).toHaveLength(0);
  });

  it('rejects before any call when the event lists 1001 ids', async () => {
    await expect(publishAgentRemoved({ agentId: 'agent_7', secretIds: ids(1001) })).rejects.toThrow(
      'at most 1000 ids, received 1001',
    );
    expect(eventBridge.calls()).toHaveLength(0);
  });

  it('publishes a detail the worker parses into the same ids when EventBridge delivers it to SQS', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: EVENT_ID }] });
    const { eventId } = await publishAgentRemoved(detail);
    const entry = putEntries()[0] as PutEventsRequestEntry;
    const body = envelopeBody(envelopeFromPutEventsEntry(entry, { id: eventId }));
    expect(parseMessage(body)).toEqual({
      kind: 'multi',
      secretIds: ['sec_a', 'sec_b'],
      provenance: { origin: 'event', agentId: 'agent_7', eventId: EVENT_ID, reason: 'agent deleted' },
    });
  });
});

describe('publishSecretDeletionRequested', () => {
  const detail = { secretIds: ['sec_a', 'sec_b'], reason: 'customer offboarded' };

  it('puts one "Secret Deletion Requested" entry whose detail the worker parses into the same ids', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: EVENT_ID }] });
    expect(await publishSecretDeletionRequested(detail)).toEqual({ eventId: EVENT_ID });
    const entry = putEntries()[0];
    expect(entry).toMatchObject({ DetailType: 'Secret Deletion Requested', Source: 'convai.secret-janitor' });
    const parsed = parseMessage(
      envelopeBody(envelopeFromPutEventsEntry(entry as PutEventsRequestEntry, { id: EVENT_ID })),
    );
    expect(parsed).toMatchObject({ kind: 'multi', secretIds: ['sec_a', 'sec_b'], provenance: { origin: 'event' } });
  });

  it("fails before any AWS call when an id is invalid, with the worker's own problem text", async () => {
    const attempt = publishSecretDeletionRequested({ secretIds: ['sec_a', 'a/b'] });
    const { problem } = partitionIds(['a/b']).invalid[0] ?? { problem: '?' };
    await expect(attempt).rejects.toThrow(RequestValidationError);
    await expect(attempt).rejects.toThrow(problem);
    expect(eventBridge.calls()).toHaveLength(0);
  });
});
