import type { SQSBatchResponse } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMarksTable } from '#adapters/marks-table.ts';
import { schedulerPayload } from '#test/helpers/deployed-stack.ts';
import { agentRemovedEvent, envelopeBody } from '#test/helpers/eventbridge-events.ts';
import {
  API_KEY_SECRET_ARN,
  apiCall,
  apiRequest,
  awsCall,
  awsRequest,
  expectNoKeyAnywhere,
  expectSignedForTargets,
  jsonLines,
  numberAttribute,
  outcomeLines,
  sorted,
  startWire,
  stringAttribute,
  type Wire,
} from '#test/helpers/wire.ts';

/**
 * The deployable bundles, built with the stack's esbuild options, each invoked in a fresh `node`
 * process with the environment the synthesized stack gives it, against loopback fakes over real
 * HTTP. Every assertion is on what crossed the wire: the exact ElevenLabs and AWS requests.
 */

const KEY = 'sk_wire_5f2b9c8e1d7a4b3c9e0f1a2b3c4d5e6f';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let wire: Wire;

beforeAll(async () => {
  wire = await startWire({
    apiKey: KEY,
    context: {
      sweep: { prefixes: ['ci-run-', 'preview-'], mode: 'delete', maxDeletionPercent: 100 },
      scheduledDeletions: [
        {
          name: 'nightly-demo',
          expression: 'cron(0 2 * * ? *)',
          secretIds: ['demo_key_1', 'demo_key_2'],
          reason: 'nightly demo teardown',
        },
      ],
    },
  });
}, 60_000);

beforeEach(() => wire.reset());

afterAll(async () => {
  await wire?.close();
});

describe('worker bundle on the wire (SQS trigger)', () => {
  it('deletes, defers, and dead-letters with the exact requests when a batch mixes every case', async () => {
    wire.elevenlabs.addSecret('sec_free');
    wire.elevenlabs.addSecret('sec_busy');
    wire.elevenlabs.markInUse('sec_busy', 'agent_live', 'Support bot');
    wire.elevenlabs.addSecret('sec_rejected');
    // A 400 whose body echoes the key: it must reach the log redacted, and the DLQ not at all.
    wire.elevenlabs.hook = (request) =>
      request.method === 'DELETE' && request.path.endsWith('/sec_rejected')
        ? { status: 400, body: { detail: { status: 'bad_request', message: `key ${KEY} may not do this` } } }
        : undefined;
    const invalidBody = '{"secretId":"sec_x","colour":"red"}';
    const [free, busy, invalid, rejected] = await wire.deliver([
      JSON.stringify({ secretId: 'sec_free', reason: 'session ended' }),
      JSON.stringify({ secretId: 'sec_busy', reason: 'session ended' }),
      invalidBody,
      JSON.stringify({ secretId: 'sec_rejected' }),
    ]);
    if (!free || !busy || !invalid || !rejected) throw new Error('expected four records from the fake queue');
    wire.aws.requests.length = 0;

    // Math.random pinned at 0.5: the first in-use deferral is 15 s + 0.5 × 15 s, rounded: 23 s.
    const run = await wire.invoke<SQSBatchResponse>(
      'worker',
      { Records: [free, busy, invalid, rejected] },
      { random: 0.5 },
    );

    expect(run.error).toBeUndefined();
    expect(run.result).toEqual({ batchItemFailures: [{ itemIdentifier: busy.messageId }] });
    const firstSentAt = (record: typeof free) => new Date(Number(record.attributes.SentTimestamp)).toISOString();
    expect(sorted(wire.aws.requests.map(awsCall))).toEqual(
      sorted([
        awsRequest('secretsmanager.GetSecretValue', { SecretId: API_KEY_SECRET_ARN }),
        awsRequest('AmazonSQS.ChangeMessageVisibility', {
          QueueUrl: wire.queueUrl,
          ReceiptHandle: busy.receiptHandle,
          VisibilityTimeout: 23,
        }),
        awsRequest('AmazonSQS.SendMessage', {
          QueueUrl: wire.dlqUrl,
          MessageBody: invalidBody,
          MessageAttributes: {
            failureReason: stringAttribute(
              'invalid_message: colour: unknown field "colour" in the deletion request; allowed: secretId, reason, origin, agentId, eventId, firstSentAt, runId, firstSeenUnusedAt, workspace',
            ),
            lastStatus: stringAttribute('none'),
            attempts: numberAttribute(1),
            firstSentAt: stringAttribute(firstSentAt(invalid)),
          },
        }),
        awsRequest('AmazonSQS.SendMessage', {
          QueueUrl: wire.dlqUrl,
          MessageBody: '{"secretId":"sec_rejected"}',
          MessageAttributes: {
            failureReason: stringAttribute('permanent_error: HTTP 400'),
            lastStatus: numberAttribute(400),
            attempts: numberAttribute(1),
            firstSentAt: stringAttribute(firstSentAt(rejected)),
            secretId: stringAttribute('sec_rejected'),
            origin: stringAttribute('request'),
          },
        }),
      ]),
    );
    expectSignedForTargets(wire);

    const calls = wire.elevenlabs.requests.map(apiCall);
    expect(sorted(calls)).toEqual(
      sorted([
        apiRequest(wire, 'DELETE', '/v1/convai/secrets/sec_free'),
        apiRequest(wire, 'DELETE', '/v1/convai/secrets/sec_busy'),
        apiRequest(wire, 'DELETE', '/v1/convai/secrets/sec_rejected'),
        apiRequest(wire, 'GET', '/v1/convai/secrets/sec_busy'),
        apiRequest(wire, 'GET', '/v1/convai/environment-variables?type=secret&page_size=100'),
      ]),
    );
    // The secret in use: DELETE, then the holder lookup (used_by, then secret-type variables).
    expect(calls.filter((call) => !/sec_free|sec_rejected/.test(call.url)).map((call) => call.url)).toEqual([
      '/v1/convai/secrets/sec_busy',
      '/v1/convai/secrets/sec_busy',
      '/v1/convai/environment-variables?type=secret&page_size=100',
    ]);

    expect(sorted(outcomeLines(run).map((line) => [line.outcome, line.secretId ?? null]))).toEqual(
      sorted([
        ['deleted', 'sec_free'],
        ['in_use_deferred', 'sec_busy'],
        ['moved_to_dlq', null],
        ['moved_to_dlq', 'sec_rejected'],
      ]),
    );
    const lines = outcomeLines(run);
    expect(lines.find((line) => line.outcome === 'in_use_deferred')).toMatchObject({
      holders: { agents: ['Support bot (agent_live)'] },
      delaySeconds: 23,
      function_name: 'janitor-worker',
      cold_start: true,
    });
    expectNoKeyAnywhere(wire, KEY, run);
    expect(lines.find((line) => line.secretId === 'sec_rejected')?.detail).toBe('key [redacted] may not do this');
  });

  it('fans an "Agent Removed" envelope out with one SendMessageBatch when EventBridge delivered it', async () => {
    const event = agentRemovedEvent({
      agentId: 'agt_42',
      secretIds: ['sec_a', 'sec_b'],
      reason: 'customer offboarded',
    });
    const [record] = await wire.deliver([envelopeBody(event)]);
    if (!record) throw new Error('expected the envelope back from the fake queue');
    wire.aws.requests.length = 0;

    const run = await wire.invoke<SQSBatchResponse>('worker', { Records: [record] });

    expect(run.result).toEqual({ batchItemFailures: [] });
    const firstSentAt = Number(record.attributes.SentTimestamp);
    const child = (secretId: string) =>
      JSON.stringify({
        secretId,
        origin: 'event',
        reason: 'customer offboarded',
        agentId: 'agt_42',
        eventId: event.id,
        firstSentAt,
      });
    expect(wire.aws.requests.map(awsCall)).toEqual([
      awsRequest('AmazonSQS.SendMessageBatch', {
        QueueUrl: wire.queueUrl,
        Entries: [
          { Id: 'm0', MessageBody: child('sec_a') },
          { Id: 'm1', MessageBody: child('sec_b') },
        ],
      }),
    ]);
    expectSignedForTargets(wire);
    // Fanning out needs neither the key nor the API.
    expect(wire.elevenlabs.requests).toEqual([]);
    expect(outcomeLines(run)).toEqual([
      expect.objectContaining({ outcome: 'fanned_out', origin: 'event', agentId: 'agt_42', requested: 2, enqueued: 2 }),
    ]);
    expectNoKeyAnywhere(wire, KEY, run);
  });

  it('fans a scheduled list out with one SendMessageBatch when Scheduler sent the stack schedule body', async () => {
    const executionId = 'c0ffee00-1111-4222-8333-444455556666';
    const body = schedulerPayload(wire.deployed.scheduledDeletionInputs['nightly-demo'] ?? '', {
      scheduledTime: '2026-11-26T02:00:00Z',
      executionId,
    });
    expect(JSON.parse(body)).toEqual({
      secretIds: ['demo_key_1', 'demo_key_2'],
      reason: 'nightly demo teardown',
      origin: 'schedule',
      eventId: executionId,
    });
    const [record] = await wire.deliver([body]);
    if (!record) throw new Error('expected the schedule body back from the fake queue');
    wire.aws.requests.length = 0;

    const run = await wire.invoke<SQSBatchResponse>('worker', { Records: [record] });

    expect(run.result).toEqual({ batchItemFailures: [] });
    const firstSentAt = Number(record.attributes.SentTimestamp);
    const child = (secretId: string) =>
      JSON.stringify({
        secretId,
        origin: 'schedule',
        reason: 'nightly demo teardown',
        eventId: executionId,
        firstSentAt,
      });
    expect(wire.aws.requests.map(awsCall)).toEqual([
      awsRequest('AmazonSQS.SendMessageBatch', {
        QueueUrl: wire.queueUrl,
        Entries: [
          { Id: 'm0', MessageBody: child('demo_key_1') },
          { Id: 'm1', MessageBody: child('demo_key_2') },
        ],
      }),
    ]);
    expect(wire.elevenlabs.requests).toEqual([]);
    expectNoKeyAnywhere(wire, KEY, run);
  });
});

describe('sweep bundle on the wire (Scheduler trigger)', () => {
  /** Owned secrets marked unused 8 days ago (grace 7 days), one new, one held, one only a variable uses. */
  async function seed() {
    const now = Date.now();
    const firstSeen = now - 8 * DAY;
    const e = wire.elevenlabs;
    const owned = {
      sec_ci_old_1: 'ci-run-101',
      sec_ci_old_2: 'ci-run-102',
      sec_ci_new: 'ci-run-200',
      sec_ci_busy: 'ci-run-300',
      sec_ci_env: 'ci-run-400',
      sec_preview_old: 'preview-7',
    };
    for (const [id, name] of Object.entries(owned)) e.addSecret(id, name);
    e.addSecret('sec_prod', 'prod-1');
    e.markInUse('sec_ci_busy', 'agent_x');
    e.addEnvironmentVariable({
      label: 'DB_PASSWORD',
      type: 'secret',
      values: { production: { secret_id: 'sec_ci_env' } },
    });
    const marks = createMarksTable({
      client: wire.dynamo.client,
      tableName: wire.dynamo.tableName,
      auditTtlDays: 90,
      sleep: async () => undefined,
    });
    const marked = ['sec_ci_old_1', 'sec_ci_old_2', 'sec_ci_busy', 'sec_ci_env', 'sec_preview_old'] as const;
    await marks.apply({
      deletes: [],
      audits: [],
      puts: marked.map((id) => ({
        secretId: id,
        name: owned[id],
        firstSeenUnusedAt: firstSeen,
        lastSeenUnusedAt: now - DAY,
      })),
    });
    wire.dynamo.requests.length = 0;
    return { firstSeen };
  }

  it('enqueues the secrets past the grace period with one SendMessageBatch when the schedule fires in delete mode', async () => {
    const { firstSeen } = await seed();
    const scheduledTime = '2026-11-26T03:00:00Z';
    const runId = `scheduled-${scheduledTime}`;
    const event = JSON.parse(
      schedulerPayload(wire.deployed.sweepScheduleInput ?? '', { scheduledTime, executionId: 'exec-1' }),
    ) as unknown;

    const run = await wire.invoke('sweep', event);

    expect(run.error).toBeUndefined();
    expect(run.result).toEqual({ status: 'completed', mode: 'delete', runId, due: 3, enqueued: 3 });
    // The reason rounds the age to 0.1 h: 8 days is "192 h" for the 3 minutes after seed() ran.
    const since = new Date(firstSeen).toISOString();
    const sweepBody = (secretId: string, name: string) =>
      JSON.stringify({
        secretId,
        origin: 'sweep',
        reason: `stale: "${name}" unused since ${since} (192 h, grace 168 h)`,
        eventId: runId,
        runId,
        firstSeenUnusedAt: firstSeen,
      });
    expect(wire.aws.requests.map(awsCall)).toEqual([
      awsRequest('secretsmanager.GetSecretValue', { SecretId: API_KEY_SECRET_ARN }),
      awsRequest('AmazonSQS.SendMessageBatch', {
        QueueUrl: wire.queueUrl,
        Entries: [
          { Id: 'm0', MessageBody: sweepBody('sec_ci_old_1', 'ci-run-101') },
          { Id: 'm1', MessageBody: sweepBody('sec_ci_old_2', 'ci-run-102') },
          { Id: 'm2', MessageBody: sweepBody('sec_preview_old', 'preview-7') },
        ],
      }),
    ]);
    expectSignedForTargets(wire);
    expect(wire.elevenlabs.requests.map(apiCall)).toEqual([
      apiRequest(wire, 'GET', '/v1/convai/secrets?page_size=100&search=ci-run-'),
      apiRequest(wire, 'GET', '/v1/convai/secrets?page_size=100&search=preview-'),
      apiRequest(wire, 'GET', '/v1/convai/environment-variables?type=secret&page_size=100'),
    ]);

    // DynamoDB: the run's claim first, one Query per mark partition, then the writes.
    const operations = wire.dynamo.requests.map((request) => request.operation);
    expect(operations).toEqual(['PutItem', ...Array(16).fill('Query'), ...Array(4).fill('BatchWriteItem')]);
    expect(JSON.parse(wire.dynamo.requests[0]?.body ?? '{}')).toEqual({
      TableName: wire.dynamo.tableName,
      Item: {
        pk: { S: `RUN#${runId}` },
        sk: { S: 'run' },
        runId: { S: runId },
        at: { N: expect.stringMatching(/^\d{13}$/) },
        ttl: { N: expect.stringMatching(/^\d{10}$/) },
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    const summary = jsonLines(run.stdout).find((line) => line.message === 'sweep_summary');
    expect(summary).toMatchObject({
      runId,
      owned: 6,
      due: 3,
      enqueued: 3,
      unmarked: 2,
      newlyMarked: 1,
      function_name: 'janitor-sweep',
    });
    expectNoKeyAnywhere(wire, KEY, run);
  });

  it('does nothing but try its claim when Scheduler retries a run that already started', async () => {
    await seed();
    const scheduledTime = '2026-11-27T03:00:00Z';
    const runId = `scheduled-${scheduledTime}`;
    const event = JSON.parse(
      schedulerPayload(wire.deployed.sweepScheduleInput ?? '', { scheduledTime, executionId: 'exec-2' }),
    ) as unknown;
    const first = await wire.invoke('sweep', event);
    expect(first.result).toMatchObject({ status: 'completed', runId, enqueued: 3 });
    wire.aws.requests.length = 0;
    wire.elevenlabs.requests.length = 0;
    wire.dynamo.requests.length = 0;

    const retry = await wire.invoke('sweep', event);

    expect(retry.result).toEqual({ status: 'repeated', mode: 'delete', runId, due: 0, enqueued: 0 });
    expect(wire.dynamo.requests.map((request) => request.operation)).toEqual(['PutItem']);
    expect(wire.aws.requests).toEqual([]);
    expect(wire.elevenlabs.requests).toEqual([]);
    expectNoKeyAnywhere(wire, KEY, retry);
  });
});
