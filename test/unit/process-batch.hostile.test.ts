/**
 * Every hostile body of the corpus (test/helpers/hostile-bodies.ts) through the worker's batch:
 * no call to ElevenLabs, a specific reason, and nothing lost.
 */
import { describe, expect, it } from 'vitest';
import type { QueuedRecord } from '#core/ports.ts';
import { processBatch } from '#core/process-batch.ts';
import { QueueError } from '#shared/errors.ts';
import { fakeQueue, fakeWorker, T0, toQueued, workerConfig } from '#test/helpers/fakes.ts';
import { HOSTILE_CASES, type HostileCase } from '#test/helpers/hostile-bodies.ts';
import { sqsRecord } from '#test/helpers/sqs-events.ts';

const config = workerConfig();
const DEADLINE = T0 + 60_000;

const record = (body: string): QueuedRecord =>
  toQueued(sqsRecord(undefined, { body, sentAtMs: T0 - 60_000, receiveCount: 2 }));

function expectReason(text: unknown, reason: HostileCase['reason']): void {
  expect(typeof text).toBe('string');
  if (typeof reason === 'string') expect(text).toContain(reason);
  else expect(text).toMatch(reason);
}

const active = HOSTILE_CASES;
const named = (cases: readonly HostileCase[]) => cases.map((item) => [item.name, item] as const);

describe('hostile corpus', () => {
  it('holds at least 80 cases, from SQS and from EventBridge', () => {
    expect(active.length).toBeGreaterThanOrEqual(80);
    expect(active.filter((item) => item.via === 'eventbridge').length).toBeGreaterThanOrEqual(20);
    expect(new Set(HOSTILE_CASES.map((item) => item.name)).size).toBe(HOSTILE_CASES.length);
  });
});

describe('processBatch with a hostile body', () => {
  it.each(named(active))(
    'refuses %s without calling ElevenLabs, with its reason, and loses nothing',
    async (_, item) => {
      const worker = fakeWorker();
      const input = record(item.body);

      const result = await processBatch([input], worker.deps, config, DEADLINE);

      expect(worker.api.deletes).toEqual([]);
      expect(worker.api.gets).toEqual([]);
      expect(worker.apiKey.calls).toEqual([]);
      // Acknowledged: the record has a final answer (the DLQ, or a refusal per id) and is not retried.
      expect(result.batchItemFailures).toEqual([]);
      const [report] = result.reports;
      if (item.refusal === 'dlq') {
        expect(report?.outcome).toBe('moved_to_dlq');
        expect(worker.queue.dlq).toHaveLength(1);
        expect(worker.queue.dlq[0]?.body).toBe(item.body);
        const failureReason = worker.queue.dlq[0]?.attributes.failureReason;
        expect(failureReason).toMatch(/^invalid_message: /);
        expectReason(failureReason, item.reason);
        expect(worker.queue.dlq[0]?.attributes).toMatchObject({
          attempts: 2,
          firstSentAt: new Date(T0 - 60_000).toISOString(),
        });
        expect(worker.log.lines).toEqual([
          {
            level: 'warn',
            message: 'moved_to_dlq',
            extra: expect.objectContaining({ outcome: 'moved_to_dlq', failureReason, messageId: input.messageId }),
          },
        ]);
      } else {
        const ids = JSON.parse(item.body) as { secretIds?: string[]; detail?: { secretIds: string[] } };
        const distinct = new Set(ids.secretIds ?? ids.detail?.secretIds);
        expect(report?.outcome).toBe('fanned_out');
        expect(report?.fields).toMatchObject({ enqueued: 0, refusedIds: distinct.size });
        expect(worker.queue.dlq).toEqual([]);
        const refused = worker.log.lines.filter((line) => line.message === 'refused');
        expect(refused).toHaveLength(distinct.size);
        for (const line of refused) {
          expect(line.extra.refusal).toBe('invalid_secret_id');
          expectReason(line.extra.detail, item.reason);
        }
      }
    },
  );

  it.each(named(active.filter((item) => item.refusal === 'dlq')))(
    'keeps %s for another receive when the DLQ send fails',
    async (_, item) => {
      const worker = fakeWorker({ queue: fakeQueue({ failDlq: () => new QueueError('SendMessage failed') }) });
      const input = record(item.body);

      const result = await processBatch([input], worker.deps, config, DEADLINE);

      expect(worker.api.deletes).toEqual([]);
      expect(result.batchItemFailures).toEqual([{ itemIdentifier: input.messageId }]);
      expect(result.reports[0]?.outcome).toBe('transient_retry');
      expect(worker.metrics.counts).toContain('DlqSendFailed');
    },
  );
});
