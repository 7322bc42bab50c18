import { describe, expect, it } from 'vitest';
import { parseMessage, partitionIds } from '#core/parse-message.ts';
import type { BatchEntry, QueuedRecord, QueuePort } from '#core/ports.ts';
import { processBatch } from '#core/process-batch.ts';
import { processRecord } from '#core/process-record.ts';
import { QueueError } from '#shared/errors.ts';
import { agentRemovedEvent, envelopeBody, eventBridgeEvent } from '#test/helpers/eventbridge-events.ts';
import { fakeWorker, response, T0, toQueued, workerConfig } from '#test/helpers/fakes.ts';
import { sqsRecord } from '#test/helpers/sqs-events.ts';

const EVENT_ID = '0d1c5b4e-9a3f-4f0e-8b8e-2f6f3f1a7c11';
const AGENT = 'agent_7';
const REASON = 'agent deleted in console';
const HOUR = 3_600_000;

function queuedBody(body: string, options: { messageId?: string; receiveCount?: number; sentAtMs?: number } = {}) {
  return toQueued(sqsRecord(undefined, { body, sentAtMs: T0 - 60_000, messageId: 'msg-event', ...options }));
}

function agentRemoved(secretIds: unknown[], options: { receiveCount?: number; sentAtMs?: number } = {}) {
  return queuedBody(
    envelopeBody(agentRemovedEvent({ agentId: AGENT, secretIds, reason: REASON }, { id: EVENT_ID })),
    options,
  );
}

/** The fake worker with a sendBatch that records every call; `fail` decides the failed ids or throws. */
function fanOutWorker(fail: (entries: readonly BatchEntry[]) => string[] = () => [], deletes = [response(204)]) {
  const worker = fakeWorker({ deletes });
  const sent: BatchEntry[][] = [];
  const queue: QueuePort = {
    ...worker.queue.queue,
    async sendBatch(entries) {
      sent.push([...entries]);
      return fail(entries);
    },
  };
  const delivered = () => sent.flat().map((entry) => JSON.parse(entry.body) as Record<string, unknown>);
  return { ...worker, deps: { ...worker.deps, queue }, sent, delivered };
}

async function runBatch(worker: ReturnType<typeof fanOutWorker>, records: QueuedRecord[], env = {}) {
  return processBatch(records, worker.deps, workerConfig(env), worker.clock.now() + 60_000);
}

const linesNamed = (worker: ReturnType<typeof fanOutWorker>, message: string) =>
  worker.log.lines.filter((line) => line.message === message);
const failedIds = (result: { batchItemFailures: { itemIdentifier: string }[] }) =>
  result.batchItemFailures.map((failure) => failure.itemIdentifier);

describe('processRecord with a multi-id body', () => {
  it('enqueues each valid id as a single-id body carrying the event provenance when ids are mixed', async () => {
    const worker = fanOutWorker();
    await processRecord(agentRemoved(['sec_a', 'bad id', 'sec_b']), worker.deps, workerConfig(), T0 + 60_000);
    const provenance = { origin: 'event', reason: REASON, agentId: AGENT, eventId: EVENT_ID, firstSentAt: T0 - 60_000 };
    expect(worker.delivered()).toEqual([
      { secretId: 'sec_a', ...provenance },
      { secretId: 'sec_b', ...provenance },
    ]);
  });

  it('reports fanned_out without retry and with the counts when every valid id is enqueued', async () => {
    const worker = fanOutWorker();
    const report = await processRecord(
      agentRemoved(['sec_a', 'bad id', 'sec_b']),
      worker.deps,
      workerConfig(),
      T0 + 60_000,
    );
    expect(report).toMatchObject({
      outcome: 'fanned_out',
      retry: false,
      fields: { origin: 'event', agentId: AGENT, eventId: EVENT_ID, requested: 3, enqueued: 2, refusedIds: 1 },
    });
  });

  it('enqueues a duplicated id once when the event lists it twice', async () => {
    const worker = fanOutWorker();
    await processRecord(agentRemoved(['sec_a', 'sec_b', 'sec_a']), worker.deps, workerConfig(), T0 + 60_000);
    expect(worker.delivered().map((body) => body.secretId)).toEqual(['sec_a', 'sec_b']);
  });

  it('carries origin "schedule" and the execution id into the children when a schedule sends a list', async () => {
    const worker = fanOutWorker();
    const body = JSON.stringify({ secretIds: ['sec_a'], origin: 'schedule', eventId: 'exec-9', reason: 'nightly' });
    await processRecord(queuedBody(body), worker.deps, workerConfig(), T0 + 60_000);
    expect(worker.delivered()).toEqual([
      { secretId: 'sec_a', origin: 'schedule', eventId: 'exec-9', reason: 'nightly', firstSentAt: T0 - 60_000 },
    ]);
  });

  it('keeps the earliest send time in the children when the message itself was derived', async () => {
    const worker = fanOutWorker();
    const body = JSON.stringify({ secretIds: ['sec_a'], firstSentAt: T0 - 50 * 3_600_000 });
    await processRecord(queuedBody(body), worker.deps, workerConfig(), T0 + 60_000);
    expect(worker.delivered()[0]?.firstSentAt).toBe(T0 - 50 * 3_600_000);
  });

  it('deletes nothing itself when it fans out', async () => {
    const worker = fanOutWorker();
    await processRecord(agentRemoved(['sec_a', 'sec_b']), worker.deps, workerConfig(), T0 + 60_000);
    expect(worker.api.deletes).toEqual([]);
  });

  it('sends nothing and refuses every id when no id is valid', async () => {
    const worker = fanOutWorker();
    const report = await processRecord(agentRemoved(['bad id', '../x']), worker.deps, workerConfig(), T0 + 60_000);
    expect(worker.sent).toEqual([]);
    expect(report).toMatchObject({ outcome: 'fanned_out', retry: false });
    expect(report.refusals).toHaveLength(2);
  });

  it('sends the DLQ the reason naming the limit when the event lists 1001 ids', async () => {
    const worker = fanOutWorker();
    const ids = Array.from({ length: 1001 }, (_, index) => `sec_${index}`);
    const report = await processRecord(agentRemoved(ids), worker.deps, workerConfig(), T0 + 60_000);
    expect(report).toMatchObject({ outcome: 'moved_to_dlq', retry: false });
    expect(worker.sent).toEqual([]);
    expect(worker.queue.dlq).toHaveLength(1);
    expect(worker.queue.dlq[0]?.attributes.failureReason).toContain('at most 1000');
    expect(worker.queue.dlq[0]?.attributes.failureReason).toContain('received 1001');
  });

  it('sends the DLQ the reason naming the type when the detail-type is unknown', async () => {
    const worker = fanOutWorker();
    const body = envelopeBody(eventBridgeEvent('Agent Created', { agentId: AGENT, secretIds: ['sec_a'] }));
    const report = await processRecord(queuedBody(body), worker.deps, workerConfig(), T0 + 60_000);
    expect(report.outcome).toBe('moved_to_dlq');
    expect(worker.queue.dlq[0]?.attributes.failureReason).toContain('received "Agent Created"');
  });

  it('enqueues only children the worker accepts when the envelope id is 300 characters long', async () => {
    const worker = fanOutWorker();
    const body = envelopeBody(agentRemovedEvent({ agentId: AGENT, secretIds: ['sec_a'] }, { id: 'e'.repeat(300) }));
    await processRecord(queuedBody(body), worker.deps, workerConfig(), T0 + 60_000);
    for (const entry of worker.sent.flat()) expect(parseMessage(entry.body).kind).not.toBe('invalid');
  });

  it('defers with changeVisibility and reports what was not enqueued when SendMessageBatch keeps failing', async () => {
    const worker = fanOutWorker((entries) => entries.map((entry) => entry.id));
    const record = agentRemoved(['sec_a', 'sec_b']);
    const report = await processRecord(record, worker.deps, workerConfig(), T0 + 60_000);
    expect(report).toMatchObject({ outcome: 'transient_retry', retry: true, fields: { notEnqueued: 2 } });
    expect(worker.queue.visibility).toEqual([{ receiptHandle: record.receiptHandle, seconds: expect.any(Number) }]);
    expect(worker.queue.dlq).toEqual([]);
  });

  it('acknowledges and sends only the failed ids on as one multi-id message when their child entries keep failing', async () => {
    const worker = fanOutWorker((entries) =>
      entries.filter((entry) => entry.id !== 'remainder' && entry.body.includes('"sec_b"')).map((entry) => entry.id),
    );
    const report = await processRecord(
      agentRemoved(['sec_a', 'sec_b', 'sec_c']),
      worker.deps,
      workerConfig(),
      T0 + 60_000,
    );
    expect(report).toMatchObject({ outcome: 'fanned_out', retry: false, fields: { enqueued: 2, requeuedAsOne: 1 } });
    const remainder = worker.sent.flat().filter((entry) => entry.id === 'remainder');
    expect(remainder.map((entry) => JSON.parse(entry.body))).toEqual([
      {
        secretIds: ['sec_b'],
        origin: 'event',
        reason: REASON,
        agentId: AGENT,
        eventId: EVENT_ID,
        firstSentAt: T0 - 60_000,
      },
    ]);
    expect(parseMessage(remainder[0]?.body ?? '')).toMatchObject({ kind: 'multi', secretIds: ['sec_b'] });
    expect(worker.queue.visibility).toEqual([]);
  });

  it('defers the record when SendMessageBatch throws a QueueError every round', async () => {
    const worker = fanOutWorker(() => {
      throw new QueueError('expected SendMessageBatch to succeed, received TimeoutError');
    });
    const report = await processRecord(agentRemoved(['sec_a']), worker.deps, workerConfig(), T0 + 60_000);
    expect(report).toMatchObject({
      outcome: 'transient_retry',
      retry: true,
      fields: { error: 'QueueError: expected SendMessageBatch to succeed, received TimeoutError' },
    });
  });

  it('fans out when an entry fails once and succeeds on the resend', async () => {
    let calls = 0;
    const worker = fanOutWorker((entries) => (calls++ === 0 ? [entries[0]?.id ?? ''] : []));
    const report = await processRecord(agentRemoved(['sec_a', 'sec_b']), worker.deps, workerConfig(), T0 + 60_000);
    expect(report).toMatchObject({ outcome: 'fanned_out', retry: false, fields: { enqueued: 2 } });
    expect(worker.queue.visibility).toEqual([]);
  });

  it('moves the record to the DLQ when SendMessageBatch keeps failing past the horizon', async () => {
    const worker = fanOutWorker((entries) => entries.map((entry) => entry.id));
    const record = agentRemoved(['sec_a'], { sentAtMs: T0 - 73 * HOUR });
    const report = await processRecord(record, worker.deps, workerConfig(), T0 + 60_000);
    expect(report.outcome).toBe('moved_to_dlq');
    expect(worker.queue.dlq[0]?.attributes).toMatchObject({ origin: 'event' });
    expect(worker.queue.dlq[0]?.attributes.failureReason).toMatch(/^horizon_exceeded: still transient_retry/);
  });

  it('still reports its invalid ids as refusals when the record ends in the DLQ', async () => {
    const worker = fanOutWorker((entries) => entries.map((entry) => entry.id));
    const record = agentRemoved(['sec_a', 'bad id'], { sentAtMs: T0 - 73 * HOUR });
    const report = await processRecord(record, worker.deps, workerConfig(), T0 + 60_000);
    expect(report.outcome).toBe('moved_to_dlq');
    expect(report.refusals?.map((refusal) => refusal.secretId)).toEqual(['"bad id"']);
  });
});

describe('processBatch with a multi-id body', () => {
  it('logs one refused line per invalid id with the refusal and the reason when ids are mixed', async () => {
    const worker = fanOutWorker();
    await runBatch(worker, [agentRemoved(['sec_a', 'bad id', 'sec_b', '../etc'])]);
    const expected = partitionIds(['bad id', '../etc']).invalid;
    expect(linesNamed(worker, 'refused').map((line) => line.extra)).toEqual(
      expected.map(({ secretId, problem }) => ({
        outcome: 'refused',
        refusal: 'invalid_secret_id',
        secretId,
        detail: problem,
        origin: 'event',
        reason: REASON,
        agentId: AGENT,
        eventId: EVENT_ID,
        firstSentAt: T0 - 60_000,
        messageId: 'msg-event',
      })),
    );
  });

  it('logs refused lines at warn level when ids are invalid', async () => {
    const worker = fanOutWorker();
    await runBatch(worker, [agentRemoved(['sec_a', 'bad id'])]);
    expect(linesNamed(worker, 'refused').map((line) => line.level)).toEqual(['warn']);
  });

  it('counts one Refused metric per invalid id and one FannedOut for the record when ids are mixed', async () => {
    const worker = fanOutWorker();
    await runBatch(worker, [agentRemoved(['sec_a', 'bad id', 'bad/id'])]);
    expect(worker.metrics.counts.filter((name) => name === 'Refused')).toHaveLength(2);
    expect(worker.metrics.counts.filter((name) => name === 'FannedOut')).toHaveLength(1);
  });

  it('logs a fanned_out line and leaves the record out of batchItemFailures when ids are enqueued', async () => {
    const worker = fanOutWorker();
    const result = await runBatch(worker, [agentRemoved(['sec_a', 'bad id'])]);
    expect(failedIds(result)).toEqual([]);
    expect(linesNamed(worker, 'fanned_out').map((line) => line.extra)).toEqual([
      expect.objectContaining({ outcome: 'fanned_out', eventId: EVENT_ID, enqueued: 1, refusedIds: 1 }),
    ]);
  });

  it('reports the record in batchItemFailures and logs no refusal yet when SendMessageBatch keeps failing', async () => {
    const worker = fanOutWorker((entries) => entries.map((entry) => entry.id));
    const record = agentRemoved(['sec_a', 'bad id']);
    const result = await runBatch(worker, [record]);
    expect(failedIds(result)).toEqual(['msg-event']);
    expect(worker.queue.visibility.map((change) => change.receiptHandle)).toEqual([record.receiptHandle]);
    expect(linesNamed(worker, 'refused')).toEqual([]);
    expect(worker.metrics.counts).not.toContain('Refused');
  });

  it('moves the oversize event to the DLQ and leaves it out of batchItemFailures when it lists 1001 ids', async () => {
    const worker = fanOutWorker();
    const ids = Array.from({ length: 1001 }, (_, index) => `sec_${index}`);
    const result = await runBatch(worker, [agentRemoved(ids)]);
    expect(failedIds(result)).toEqual([]);
    expect(linesNamed(worker, 'moved_to_dlq')[0]?.extra.failureReason).toContain('at most 1000');
  });

  it('logs origin, agentId, eventId and reason on each deletion line when the children are processed', async () => {
    const fanning = fanOutWorker();
    await runBatch(fanning, [agentRemoved(['sec_a', 'bad id', 'sec_b'])]);
    const children = fanning.sent
      .flat()
      .map((entry, index) => queuedBody(entry.body, { messageId: `child-${index}`, sentAtMs: T0 - 1_000 }));

    const deleting = fanOutWorker();
    const result = await runBatch(deleting, children);
    expect(failedIds(result)).toEqual([]);
    expect(deleting.api.deletes.map((call) => call.secretId).sort()).toEqual(['sec_a', 'sec_b']);
    const deleted = linesNamed(deleting, 'deleted').map((line) => line.extra);
    expect(deleted).toHaveLength(2);
    for (const fields of deleted) {
      expect(fields).toMatchObject({ origin: 'event', agentId: AGENT, eventId: EVENT_ID, reason: REASON });
    }
  });
});

describe('processRecord with a multi-id body for a named workspace', () => {
  it('carries the workspace into every child body, which the same janitor then accepts', async () => {
    const worker = fanOutWorker();
    const config = workerConfig({ WORKSPACE: 'eu', EVENT_SOURCE: 'acme.platform' });
    const event = eventBridgeEvent(
      'Agent Removed',
      { agentId: AGENT, secretIds: ['sec_a', 'sec_b'], workspace: 'eu' },
      { id: EVENT_ID, source: 'acme.platform' },
    );
    const report = await processRecord(queuedBody(envelopeBody(event)), worker.deps, config, T0 + 60_000);
    expect(report.outcome).toBe('fanned_out');
    expect(worker.delivered().map((body) => body.workspace)).toEqual(['eu', 'eu']);
    for (const entry of worker.sent.flat()) {
      expect(parseMessage(entry.body, { eventSource: 'acme.platform', workspace: 'eu' }).kind).toBe('single');
    }
  });

  it('moves an event for another workspace to the DLQ without enqueueing or calling ElevenLabs', async () => {
    const worker = fanOutWorker();
    const event = eventBridgeEvent('Agent Removed', { agentId: AGENT, secretIds: ['sec_a'], workspace: 'eu' });
    const report = await processRecord(queuedBody(envelopeBody(event)), worker.deps, workerConfig(), T0 + 60_000);
    expect(report.outcome).toBe('moved_to_dlq');
    expect(worker.queue.dlq[0]?.attributes.failureReason).toBe(
      'invalid_message: workspace must be "default" (this janitor\'s), received "eu"',
    );
    expect(worker.sent).toEqual([]);
    expect(worker.api.deletes).toEqual([]);
  });
});
