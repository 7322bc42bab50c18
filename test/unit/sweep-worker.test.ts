import { describe, expect, it } from 'vitest';
import type { AuditRecord, MarksStore } from '#adapters/marks-table.ts';
import { processBatch } from '#core/batch.ts';
import { processRecord, type QueuedRecord } from '#core/process-record.ts';
import { MarksTableError } from '#functions/errors.ts';
import { sqsRecord } from '#test/helpers/sqs-events.ts';
import { type Answer, fakeWorker, response, T0, toQueued, workerConfig } from '#test/unit/support/fakes.ts';

const RUN_ID = '6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b';
const IN_USE_422 = response(422, { detail: { status: 'secret_in_use', message: 'Secret is used by 1 agent' } });

function queued(payload: Record<string, unknown>, messageId?: string): QueuedRecord {
  return toQueued(sqsRecord(payload, { sentAtMs: T0 - 60_000, ...(messageId ? { messageId } : {}) }));
}

const sweepMessage = (secretId = 'sec_stale', extra: Record<string, unknown> = {}) => ({
  secretId,
  origin: 'sweep',
  reason: `stale: "ci-run-${secretId}" unused since 2026-11-19T12:00:00.000Z (168 h, grace 168 h)`,
  eventId: RUN_ID,
  ...extra,
});

/** A marks store that records clear calls; `fail` makes clear throw. */
function recordingMarks(fail?: () => Error) {
  const cleared: { secretId: string; audit: AuditRecord }[] = [];
  const marks: Pick<MarksStore, 'clear'> = {
    async clear(secretId, audit) {
      cleared.push({ secretId, audit });
      if (fail) throw fail();
    },
  };
  return { marks, cleared };
}

async function run(
  payload: Record<string, unknown>,
  options: { deletes?: Answer[]; marks?: ReturnType<typeof recordingMarks> | null; env?: Record<string, string> } = {},
) {
  const worker = fakeWorker({ deletes: options.deletes ?? [IN_USE_422] });
  const marks = options.marks === undefined ? recordingMarks() : options.marks;
  const deps = marks ? { ...worker.deps, marks: marks.marks } : worker.deps;
  const record = queued(payload);
  const report = await processRecord(record, deps, workerConfig(options.env), worker.clock.now() + 60_000);
  return { ...worker, report, record, cleared: marks?.cleared ?? [] };
}

describe('processRecord for a sweep deletion answered 422 in use', () => {
  it('reports in_use_skipped without a retry', async () => {
    const { report } = await run(sweepMessage());
    expect(report).toMatchObject({
      outcome: 'in_use_skipped',
      retry: false,
      fields: { secretId: 'sec_stale', origin: 'sweep', eventId: RUN_ID, status: 422, markCleared: true },
    });
  });

  it('changes no visibility and sends nothing to the DLQ', async () => {
    const { queue } = await run(sweepMessage());
    expect(queue.visibility).toEqual([]);
    expect(queue.dlq).toEqual([]);
  });

  it('clears the mark with an unmarked audit for reason in_use_at_delete', async () => {
    const { cleared } = await run(sweepMessage());
    expect(cleared).toEqual([
      {
        secretId: 'sec_stale',
        audit: {
          secretId: 'sec_stale',
          decision: 'unmarked',
          reason: 'in_use_at_delete',
          runId: RUN_ID,
          mode: 'delete',
          at: T0,
        },
      },
    ]);
  });

  it('sends one DELETE and no holder lookup', async () => {
    const { api } = await run(sweepMessage());
    expect(api.deletes.map((call) => call.secretId)).toEqual(['sec_stale']);
    expect(api.gets).toEqual([]);
  });

  it('audits with runId worker when the message has no eventId', async () => {
    const { cleared } = await run({ secretId: 'sec_stale', origin: 'sweep' });
    expect(cleared[0]?.audit.runId).toBe('worker');
  });

  it('still acknowledges when clearing the mark fails', async () => {
    const marks = recordingMarks(() => new MarksTableError('expected DeleteItem to succeed'));
    const { report, queue } = await run(sweepMessage(), { marks });
    expect(report).toMatchObject({
      outcome: 'in_use_skipped',
      retry: false,
      fields: { markCleared: false, error: 'MarksTableError: expected DeleteItem to succeed' },
    });
    expect(queue.visibility).toEqual([]);
  });

  it('acknowledges without clearing when no marks table is configured', async () => {
    const { report } = await run(sweepMessage(), { marks: null });
    expect(report).toMatchObject({ outcome: 'in_use_skipped', retry: false, fields: { markCleared: false } });
  });
});

describe('processRecord for a non-sweep deletion answered 422 in use', () => {
  it.each(['request', 'event', 'schedule'])('defers a message with origin %s as in_use_deferred', async (origin) => {
    const { report, queue, cleared, record } = await run({ secretId: 'sec_1', origin });
    expect(report).toMatchObject({ outcome: 'in_use_deferred', retry: true });
    expect(queue.visibility).toEqual([{ receiptHandle: record.receiptHandle, seconds: report.fields.delaySeconds }]);
    expect(cleared).toEqual([]);
  });

  it('defers a message without origin as in_use_deferred', async () => {
    const { report, cleared } = await run({ secretId: 'sec_1' });
    expect(report).toMatchObject({ outcome: 'in_use_deferred', retry: true, fields: { origin: 'request' } });
    expect(cleared).toEqual([]);
  });
});

describe('processRecord for a sweep deletion not answered 422', () => {
  it('reports deleted and leaves the mark alone when DELETE answers 204', async () => {
    const { report, cleared } = await run(sweepMessage(), { deletes: [response(204)] });
    expect(report).toMatchObject({ outcome: 'deleted', retry: false });
    expect(cleared).toEqual([]);
  });

  it('defers with transient_retry and leaves the mark alone when DELETE keeps answering 503', async () => {
    const { report, cleared } = await run(sweepMessage(), { deletes: [response(503)] });
    expect(report).toMatchObject({ outcome: 'transient_retry', retry: true });
    expect(cleared).toEqual([]);
  });

  it('refuses a protected id without a DELETE', async () => {
    const { report, api } = await run(sweepMessage('sec_keep'), { env: { PROTECTED_SECRET_IDS: 'sec_keep' } });
    expect(report).toMatchObject({ outcome: 'refused', retry: false });
    expect(api.deletes).toEqual([]);
  });
});

describe('processBatch with sweep deletions', () => {
  const bySecret: Answer = (call) => (call.secretId.startsWith('sec_busy') ? IN_USE_422 : response(204));

  it('leaves an in-use sweep record out of batchItemFailures and keeps an in-use request record in', async () => {
    const worker = fakeWorker({ deletes: [bySecret] });
    const deps = { ...worker.deps, marks: recordingMarks().marks };
    const records = [
      queued(sweepMessage('sec_busy_sweep'), 'msg-sweep'),
      queued({ secretId: 'sec_busy_request', origin: 'request' }, 'msg-request'),
    ];
    const result = await processBatch(records, deps, workerConfig(), worker.clock.now() + 60_000);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'msg-request' }]);
    expect(worker.queue.visibility.map((entry) => entry.receiptHandle)).toEqual([records[1]?.receiptHandle]);
  });

  it('counts InUseSkipped and logs in_use_skipped at info level', async () => {
    const worker = fakeWorker({ deletes: [bySecret] });
    const deps = { ...worker.deps, marks: recordingMarks().marks };
    await processBatch([queued(sweepMessage('sec_busy_1'))], deps, workerConfig(), worker.clock.now() + 60_000);
    expect(worker.metrics.counts).toEqual(['InUseSkipped']);
    expect(worker.log.lines.map((line) => [line.level, line.message])).toEqual([['info', 'in_use_skipped']]);
  });
});
