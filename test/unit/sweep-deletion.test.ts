import { describe, expect, it } from 'vitest';
import type { AuditRecord, Mark, MarksStore, QueuedRecord } from '#core/ports.ts';
import { processBatch } from '#core/process-batch.ts';
import { processRecord } from '#core/process-record.ts';
import { MarksTableError } from '#shared/errors.ts';
import { type Answer, fakeWorker, response, T0, toQueued, workerConfig } from '#test/helpers/fakes.ts';
import { sqsRecord } from '#test/helpers/sqs-events.ts';

const RUN_ID = '6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b';
const DAY = 86_400_000;
/** When the sweep first saw the secret unused: eight days before the message, past the 7-day grace period. */
const FIRST_SEEN = T0 - 8 * DAY;
/** A worker next to a deployed sweep in delete mode. */
const SWEEP_ENV = { MARKS_TABLE_NAME: 'janitor-marks', SWEEP_MODE: 'delete' };
const IN_USE_422 = response(422, { detail: { status: 'secret_in_use', message: 'Secret is used by 1 agent' } });

function queued(payload: Record<string, unknown>, messageId?: string): QueuedRecord {
  return toQueued(sqsRecord(payload, { sentAtMs: T0 - 60_000, ...(messageId ? { messageId } : {}) }));
}

const sweepMessage = (secretId = 'sec_stale', extra: Record<string, unknown> = {}) => ({
  secretId,
  origin: 'sweep',
  reason: `stale: "ci-run-${secretId}" unused since 2026-11-19T12:00:00.000Z (168 h, grace 168 h)`,
  eventId: RUN_ID,
  runId: RUN_ID,
  firstSeenUnusedAt: FIRST_SEEN,
  ...extra,
});

/**
 * A marks store holding a fresh mark for every secret (as the sweep run that sent the message wrote
 * it), recording clear calls; `fail` makes clear throw, `mark` overrides what `get` returns.
 */
function recordingMarks(fail?: () => Error, mark?: (secretId: string) => Mark | undefined | Error) {
  const cleared: { secretId: string; audit: AuditRecord }[] = [];
  const marks: Pick<MarksStore, 'clear' | 'get'> = {
    async get(secretId) {
      const found = mark
        ? mark(secretId)
        : {
            secretId,
            name: `ci-run-${secretId}`,
            firstSeenUnusedAt: FIRST_SEEN,
            lastSeenUnusedAt: T0 - 60_000,
          };
      if (found instanceof Error) throw found;
      return found;
    },
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
  const config = workerConfig({ ...SWEEP_ENV, ...options.env });
  const report = await processRecord(record, deps, config, worker.clock.now() + 60_000);
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

  it('audits with the runId of the sweep run that sent the message', async () => {
    const { cleared } = await run(sweepMessage('sec_stale', { eventId: undefined }));
    expect(cleared[0]?.audit.runId).toBe(RUN_ID);
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

  it('refuses without any DELETE when no marks table is configured', async () => {
    const worker = fakeWorker({ deletes: [IN_USE_422] });
    const report = await processRecord(queued(sweepMessage()), worker.deps, workerConfig(), T0 + 60_000);
    const api = worker.api;
    expect(report).toMatchObject({ outcome: 'refused', retry: false, fields: { refusal: 'sweep_not_deployed' } });
    expect(api.deletes).toEqual([]);
  });
});

describe('processRecord checks a sweep deletion against its mark before deleting', () => {
  const NO_CONTENT = response(204, '');

  it('deletes when the mark was refreshed by the run that sent the message', async () => {
    const { report } = await run(sweepMessage(), { deletes: [NO_CONTENT] });
    expect(report.outcome).toBe('deleted');
  });

  it('refuses with sweep_mark_missing and sends no DELETE when the secret has no mark', async () => {
    const { report, api } = await run(sweepMessage(), {
      deletes: [NO_CONTENT],
      marks: recordingMarks(undefined, () => undefined),
    });
    expect(report).toMatchObject({ outcome: 'refused', retry: false, fields: { refusal: 'sweep_mark_missing' } });
    expect(api.deletes).toEqual([]);
  });

  it('refuses when the mark predates the message by more than 15 minutes (it was re-marked since)', async () => {
    const oldMark = (secretId: string): Mark => ({
      secretId,
      name: secretId,
      firstSeenUnusedAt: FIRST_SEEN,
      lastSeenUnusedAt: T0 - 60_000 - 16 * 60_000,
    });
    const { report } = await run(sweepMessage(), { deletes: [NO_CONTENT], marks: recordingMarks(undefined, oldMark) });
    expect(report.fields.refusal).toBe('sweep_mark_missing');
  });

  it('refuses with stale_sweep_request when the message is older than 60 minutes', async () => {
    const worker = fakeWorker({ deletes: [NO_CONTENT] });
    const record = toQueued(sqsRecord(sweepMessage(), { sentAtMs: T0 - 61 * 60_000 }));
    const deps = { ...worker.deps, marks: recordingMarks().marks };
    const report = await processRecord(record, deps, workerConfig(SWEEP_ENV), T0 + 60_000);
    expect(report).toMatchObject({ outcome: 'refused', fields: { refusal: 'stale_sweep_request' } });
    expect(worker.api.deletes).toEqual([]);
  });

  it('refuses with sweep_mark_changed when a later run marked the secret afresh (its grace period restarted)', async () => {
    // Run 1 enqueued with mark A; run 2 saw the secret in use and unmarked it; run 3 marked it again.
    const newMark = (secretId: string): Mark => ({
      secretId,
      name: secretId,
      firstSeenUnusedAt: T0 - 2 * 60_000,
      lastSeenUnusedAt: T0 - 2 * 60_000,
    });
    const { report, api } = await run(sweepMessage(), {
      deletes: [NO_CONTENT],
      marks: recordingMarks(undefined, newMark),
    });
    expect(report).toMatchObject({ outcome: 'refused', retry: false, fields: { refusal: 'sweep_mark_changed' } });
    expect(api.deletes).toEqual([]);
  });

  it('refuses with sweep_grace_period_not_met when the mark is younger than the grace period at send time', async () => {
    const young = T0 - 60_000 - 6 * DAY;
    const youngMark = (secretId: string): Mark => ({
      secretId,
      name: secretId,
      firstSeenUnusedAt: young,
      lastSeenUnusedAt: T0 - 60_000,
    });
    const { report, api } = await run(sweepMessage('sec_stale', { firstSeenUnusedAt: young }), {
      deletes: [NO_CONTENT],
      marks: recordingMarks(undefined, youngMark),
    });
    expect(report).toMatchObject({ outcome: 'refused', fields: { refusal: 'sweep_grace_period_not_met' } });
    expect(api.deletes).toEqual([]);
  });

  it('deletes when the mark is exactly the grace period old at send time', async () => {
    const edge = T0 - 60_000 - 7 * DAY;
    const edgeMark = (secretId: string): Mark => ({
      secretId,
      name: secretId,
      firstSeenUnusedAt: edge,
      lastSeenUnusedAt: T0 - 60_000,
    });
    const { report } = await run(sweepMessage('sec_stale', { firstSeenUnusedAt: edge }), {
      deletes: [NO_CONTENT],
      marks: recordingMarks(undefined, edgeMark),
    });
    expect(report.outcome).toBe('deleted');
  });

  it('refuses with sweep_in_report_mode when the deployed sweep only reports', async () => {
    const { report, api } = await run(sweepMessage(), { deletes: [NO_CONTENT], env: { SWEEP_MODE: 'report' } });
    expect(report).toMatchObject({ outcome: 'refused', fields: { refusal: 'sweep_in_report_mode' } });
    expect(api.deletes).toEqual([]);
  });

  it('refuses with sweep_decision_missing when a sweep message lacks runId or firstSeenUnusedAt', async () => {
    for (const missing of ['runId', 'firstSeenUnusedAt']) {
      const { report, api } = await run(sweepMessage('sec_stale', { [missing]: undefined }), { deletes: [NO_CONTENT] });
      expect(report).toMatchObject({ outcome: 'refused', fields: { refusal: 'sweep_decision_missing' } });
      expect(api.deletes).toEqual([]);
    }
  });

  it('refuses a non-sweep message that carries the sweep binding fields', async () => {
    const forged = { secretId: 'sec_stale', origin: 'request', runId: RUN_ID, firstSeenUnusedAt: FIRST_SEEN };
    const { report, api } = await run(forged, { deletes: [NO_CONTENT] });
    expect(report).toMatchObject({ outcome: 'refused', fields: { refusal: 'sweep_fields_without_sweep_origin' } });
    expect(api.deletes).toEqual([]);
  });

  it('retries later without a DELETE when the marks table cannot be read', async () => {
    const unreadable = recordingMarks(undefined, () => new MarksTableError('GetItem failed'));
    const { report, api, queue } = await run(sweepMessage(), { deletes: [NO_CONTENT], marks: unreadable });
    expect(report).toMatchObject({ outcome: 'transient_retry', retry: true });
    expect(api.deletes).toEqual([]);
    expect(queue.visibility).toHaveLength(1);
  });

  it('does not consult the marks for a request-origin deletion', async () => {
    const never = recordingMarks(undefined, () => new Error('must not be read'));
    const { report } = await run({ secretId: 'sec_1' }, { deletes: [NO_CONTENT], marks: never });
    expect(report.outcome).toBe('deleted');
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
    const result = await processBatch(records, deps, workerConfig(SWEEP_ENV), worker.clock.now() + 60_000);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'msg-request' }]);
    expect(worker.queue.visibility.map((entry) => entry.receiptHandle)).toEqual([records[1]?.receiptHandle]);
  });

  it('counts InUseSkipped and logs in_use_skipped at info level', async () => {
    const worker = fakeWorker({ deletes: [bySecret] });
    const deps = { ...worker.deps, marks: recordingMarks().marks };
    await processBatch(
      [queued(sweepMessage('sec_busy_1'))],
      deps,
      workerConfig(SWEEP_ENV),
      worker.clock.now() + 60_000,
    );
    expect(worker.metrics.counts).toEqual(['InUseSkipped']);
    expect(worker.log.lines.map((line) => [line.level, line.message])).toEqual([['info', 'in_use_skipped']]);
  });
});
