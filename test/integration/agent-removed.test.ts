import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { agentRemovedEvent, envelopeBody } from '#test/helpers/eventbridge-events.ts';
import { type FakeAws, REGION, startFakeAws } from '#test/helpers/fake-aws.ts';
import { type FakeElevenLabs, startFakeElevenLabs } from '#test/helpers/fake-elevenlabs.ts';
import { pollOnce as pollOnce_ } from '#test/helpers/poll.ts';

/**
 * The definition of done, on loopback with no client mocks: an "Agent Removed" event, as the
 * EventBridge rule delivers it to the queue, ends with every listed secret deleted (the one still in
 * use once it is released), an empty queue and DLQ, and deletion logs that name the event.
 */

const KEY = 'sk_agent_removed_00112233445566778899aabb';
const KEY_SECRET = 'janitor/elevenlabs-api-key';
const QUEUE = 'janitor-queue';
const DLQ = 'janitor-dlq';
const AGENT = 'agent_support_bot';
const REASON = 'agent removed from workspace';
type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

interface LogLine {
  readonly message: string;
  readonly outcome?: string;
  readonly secretId?: string;
  readonly origin?: string;
  readonly agentId?: string;
  readonly eventId?: string;
  readonly reason?: string;
}

let aws: FakeAws;
let elevenlabs: FakeElevenLabs;
let queueUrl: string;
let client: SQSClient;
let handler: Handler;
let output: string[];

beforeAll(async () => {
  aws = await startFakeAws();
  elevenlabs = await startFakeElevenLabs({ validKeys: [KEY] });
  aws.secrets.set(KEY_SECRET, JSON.stringify({ apiKey: KEY }));
});

// The vitest config restores env before each test, so the stubs (and the cold start) live here.
beforeEach(async () => {
  queueUrl = aws.queueUrl(QUEUE);
  const env: Record<string, string> = {
    ...aws.env(),
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    API_KEY_SECRET_ID: KEY_SECRET,
    QUEUE_URL: queueUrl,
    DLQ_URL: aws.queueUrl(DLQ),
    ELEVENLABS_BASE_URL: elevenlabs.baseUrl,
    REQUEST_TIMEOUT_MS: '2000',
    POWERTOOLS_DEV: '',
    POWERTOOLS_METRICS_NAMESPACE: 'ConvAISecretJanitor',
  };
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  output = [];
  client = new SQSClient({ region: REGION });
  vi.resetModules();
  handler = (await import('#handlers/worker.ts')).handler as unknown as Handler;
});

afterEach(() => {
  client.destroy();
  aws.failEntry = undefined;
  elevenlabs.secrets.clear();
  for (const name of [QUEUE, DLQ]) aws.messages(name).splice(0);
});

afterAll(async () => {
  await Promise.all([aws?.close(), elevenlabs?.close()]);
});

const pollOnce = () => pollOnce_({ client, queueUrl, handler, output });

/** Polls until the queue has nothing visible; returns how many records each poll handled. */
async function drain(maxPolls = 20): Promise<number[]> {
  const handled: number[] = [];
  for (let poll = 0; poll < maxPolls; poll += 1) {
    const { records } = await pollOnce();
    if (records.length === 0) return handled;
    handled.push(records.length);
  }
  throw new Error(`expected the queue to drain within ${maxPolls} polls, it still had visible messages`);
}

/** The JSON log lines the handler wrote; `fromIndex` skips lines of earlier passes. */
function logLines(fromIndex = 0): LogLine[] {
  return output
    .slice(fromIndex)
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{') && line.includes('"outcome"'))
    .map((line) => JSON.parse(line) as LogLine);
}

async function putEvent(secretIds: string[]) {
  const event = agentRemovedEvent({ agentId: AGENT, secretIds, reason: REASON });
  await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: envelopeBody(event) }));
  return event;
}

describe('an "Agent Removed" event on loopback (fake SQS, Secrets Manager and ElevenLabs)', () => {
  it('deletes the free secrets, defers the one in use, and deletes it once released', async () => {
    for (const id of ['sec_tool_a', 'sec_tool_b', 'sec_shared']) elevenlabs.addSecret(id);
    elevenlabs.markInUse('sec_shared', 'agent_other');
    const event = await putEvent(['sec_tool_a', 'sec_tool_b', 'sec_shared']);

    // First passes: the event fans out into three messages; two are deleted, one is deferred.
    const firstPasses = await drain();
    expect(firstPasses.reduce((sum, count) => sum + count, 0)).toBe(4);
    expect([...elevenlabs.secrets.keys()]).toEqual(['sec_shared']);
    const first = logLines();
    expect(first.filter((line) => line.outcome === 'fanned_out')).toHaveLength(1);
    expect(first.filter((line) => line.outcome === 'in_use_deferred').map((line) => line.secretId)).toEqual([
      'sec_shared',
    ]);
    const pending = aws.messages(QUEUE);
    expect(pending.map((message) => JSON.parse(message.body).secretId)).toEqual(['sec_shared']);
    expect(pending[0]?.visibleAt).toBeGreaterThan(Date.now() + 10_000);

    // The other agent lets go; the deferral ends.
    elevenlabs.release('sec_shared');
    aws.expireVisibility(QUEUE);
    const afterFirst = output.length;
    const secondPasses = await drain();
    expect(secondPasses).toEqual([1]);
    expect(elevenlabs.secrets.size).toBe(0);
    expect(logLines(afterFirst).map((line) => [line.outcome, line.secretId])).toEqual([['deleted', 'sec_shared']]);
    expect(aws.messages(QUEUE)).toHaveLength(0);
    expect(aws.messages(DLQ)).toHaveLength(0);

    const deletions = logLines().filter((line) => line.outcome === 'deleted');
    expect(deletions.map((line) => line.secretId).sort()).toEqual(['sec_shared', 'sec_tool_a', 'sec_tool_b']);
    for (const line of deletions) {
      expect(line).toMatchObject({ origin: 'event', agentId: AGENT, eventId: event.id, reason: REASON });
    }
    expect(output.join('')).not.toContain(KEY);
  });

  it('refuses an invalid id by itself and still deletes the valid ones', async () => {
    for (const id of ['sec_tool_a', 'sec_tool_b']) elevenlabs.addSecret(id);
    const event = await putEvent(['sec_tool_a', 'not a valid id', 'sec_tool_b']);

    await drain();
    expect(elevenlabs.secrets.size).toBe(0);
    const refused = logLines().filter((line) => line.outcome === 'refused');
    expect(refused).toEqual([
      expect.objectContaining({ secretId: '"not a valid id"', agentId: AGENT, eventId: event.id, origin: 'event' }),
    ]);
    expect(aws.messages(QUEUE)).toHaveLength(0);
    expect(aws.messages(DLQ)).toHaveLength(0);
  });

  it('keeps the event and fans it out again when SendMessageBatch fails an entry on every round', async () => {
    for (const id of ['sec_tool_a', 'sec_tool_b']) elevenlabs.addSecret(id);
    aws.failEntry = (_id, body) => body.includes('"sec_tool_b"');
    const event = await putEvent(['sec_tool_a', 'sec_tool_b']);

    // The event is returned to the queue with a delay; the child that did get through is deleted.
    await drain();
    expect([...elevenlabs.secrets.keys()]).toEqual(['sec_tool_b']);
    expect(aws.messages(QUEUE).map((message) => message.body)).toEqual([envelopeBody(event)]);
    expect(logLines().filter((line) => line.outcome === 'transient_retry')).toHaveLength(1);

    aws.failEntry = undefined;
    aws.expireVisibility(QUEUE);
    await drain();
    expect(elevenlabs.secrets.size).toBe(0);
    expect(aws.messages(QUEUE)).toHaveLength(0);
    expect(aws.messages(DLQ)).toHaveLength(0);
    // Sending again is safe: the id enqueued twice is already gone the second time.
    expect(
      logLines()
        .filter((line) => line.outcome === 'already_gone')
        .map((line) => line.secretId),
    ).toEqual(['sec_tool_a']);
  });
});
