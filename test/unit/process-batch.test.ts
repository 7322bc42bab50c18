import { describe, expect, it } from 'vitest';
import type { QueuedRecord } from '#core/ports.ts';
import { processBatch } from '#core/process-batch.ts';
import { ApiKeyError, ApiRequestError, QueueError } from '#shared/errors.ts';
import {
  type Answer,
  API_KEY,
  fakeApiKey,
  fakeClock,
  fakeQueue,
  fakeWorker,
  response,
  T0,
  toQueued,
  workerConfig,
} from '#test/helpers/fakes.ts';
import { sqsRecord } from '#test/helpers/sqs-events.ts';

const IN_USE_422 = response(422, { detail: { status: 'secret_in_use', message: 'Secret is used by 1 agent' } });

function queued(secretId: string, options: { body?: string; receiveCount?: number; sentAtMs?: number } = {}) {
  return toQueued(sqsRecord({ secretId }, { sentAtMs: T0 - 60_000, messageId: `msg-${secretId}`, ...options }));
}

/** DELETE answers chosen by secret id, so concurrent records do not depend on call order. */
function bySecret(answers: Record<string, ApiResponseLike>): Answer {
  return (call) => {
    const answer = answers[call.secretId] ?? response(204);
    if (answer instanceof Error) throw answer;
    return answer;
  };
}
type ApiResponseLike = ReturnType<typeof response> | Error;

const failedIds = (result: { batchItemFailures: { itemIdentifier: string }[] }) =>
  result.batchItemFailures.map((failure) => failure.itemIdentifier);

describe('processBatch', () => {
  it('leaves deleted and already-gone records out of batchItemFailures', async () => {
    const worker = fakeWorker({ deletes: [bySecret({ gone: response(404) })] });
    const records = [queued('fresh'), queued('gone')];
    const result = await processBatch(records, worker.deps, workerConfig(), worker.clock.now() + 60_000);
    expect(result.reports.map((report) => report.outcome)).toEqual(['deleted', 'already_gone']);
    expect(result.batchItemFailures).toEqual([]);
  });

  it('lists an in-use record in batchItemFailures and defers it', async () => {
    const worker = fakeWorker({ deletes: [bySecret({ busy: IN_USE_422 })] });
    const records = [queued('fresh'), queued('busy')];
    const result = await processBatch(records, worker.deps, workerConfig(), worker.clock.now() + 60_000);
    expect(failedIds(result)).toEqual(['msg-busy']);
    expect(worker.queue.visibility.map((call) => call.receiptHandle)).toEqual([records[1]?.receiptHandle]);
  });

  it('acknowledges a record moved to the DLQ past the horizon', async () => {
    const worker = fakeWorker({ deletes: [IN_USE_422] });
    const record = queued('busy', { sentAtMs: T0 - 73 * 3_600_000 });
    const result = await processBatch([record], worker.deps, workerConfig(), worker.clock.now() + 60_000);
    expect(result.reports[0]?.outcome).toBe('moved_to_dlq');
    expect(result.batchItemFailures).toEqual([]);
    expect(worker.metrics.counts).toEqual(['MovedToDlq']);
  });

  it('counts the Refused metric and sends nothing when the id is protected', async () => {
    const worker = fakeWorker();
    const config = workerConfig({ PROTECTED_SECRET_IDS: 'keep_me' });
    const result = await processBatch([queued('keep_me')], worker.deps, config, worker.clock.now() + 60_000);
    expect(worker.metrics.counts).toEqual(['Refused']);
    expect(worker.api.deletes).toEqual([]);
    expect(result.batchItemFailures).toEqual([]);
  });

  it('counts one metric per record named after its outcome', async () => {
    const worker = fakeWorker({ deletes: [bySecret({ gone: response(404), busy: IN_USE_422 })] });
    const records = [queued('fresh'), queued('gone'), queued('busy')];
    await processBatch(records, worker.deps, workerConfig(), worker.clock.now() + 60_000);
    expect([...worker.metrics.counts].sort()).toEqual(['AlreadyGone', 'Deleted', 'InUseDeferred']);
  });

  it('returns unstarted records with visibility 0 when the deadline margin is reached', async () => {
    const clock = fakeClock();
    const slowDelete: Answer = () => {
      clock.advance(2_000);
      return response(204);
    };
    const worker = fakeWorker({ clock, deletes: [slowDelete] });
    const config = workerConfig({ CONCURRENCY: '1' });
    const records = ['a', 'b', 'c', 'd'].map((id) => queued(id));
    // Margin 10 s: a starts with 13 s left, b with 11 s, c would start with 9 s.
    const result = await processBatch(records, worker.deps, config, clock.now() + config.deadlineMarginMs + 3_000);
    expect(result.reports.map((report) => report.outcome)).toEqual([
      'deleted',
      'deleted',
      'returned_unstarted',
      'returned_unstarted',
    ]);
    expect(worker.queue.visibility).toEqual([
      { receiptHandle: records[2]?.receiptHandle, seconds: 0 },
      { receiptHandle: records[3]?.receiptHandle, seconds: 0 },
    ]);
    expect(failedIds(result)).toEqual(['msg-c', 'msg-d']);
    expect(worker.api.deletes.map((call) => call.secretId)).toEqual(['a', 'b']);
  });

  it('still lists an unstarted record in batchItemFailures when returning it fails', async () => {
    const worker = fakeWorker({ queue: fakeQueue({ failVisibility: () => new QueueError('throttled') }) });
    const config = workerConfig();
    const result = await processBatch([queued('a')], worker.deps, config, worker.clock.now() + 1_000);
    expect(failedIds(result)).toEqual(['msg-a']);
    expect(result.reports[0]?.outcome).toBe('returned_unstarted');
  });

  it('runs at most CONCURRENCY records at once', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const slowDelete: Answer = async () => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      inFlight -= 1;
      return response(204);
    };
    const worker = fakeWorker({ deletes: [slowDelete] });
    const records = ['a', 'b', 'c', 'd', 'e', 'f'].map((id) => queued(id));
    const result = await processBatch(records, worker.deps, workerConfig({ CONCURRENCY: '2' }), T0 + 60_000);
    expect(maxInFlight).toBe(2);
    expect(worker.api.deletes).toHaveLength(6);
    expect(result.reports.every((report) => report.outcome === 'deleted')).toBe(true);
  });

  it('writes one log line per record with its secretId and outcome', async () => {
    const worker = fakeWorker({ deletes: [bySecret({ gone: response(404), busy: IN_USE_422, bad: response(400) })] });
    const records = [queued('fresh'), queued('gone'), queued('busy'), queued('bad')];
    await processBatch(records, worker.deps, workerConfig(), worker.clock.now() + 60_000);
    const lines = worker.log.lines.map((line) => [line.extra.secretId, line.extra.outcome, line.message]);
    expect(lines.sort()).toEqual(
      [
        ['bad', 'moved_to_dlq', 'moved_to_dlq'],
        ['busy', 'in_use_deferred', 'in_use_deferred'],
        ['fresh', 'deleted', 'deleted'],
        ['gone', 'already_gone', 'already_gone'],
      ].sort(),
    );
  });

  it('logs a DLQ move at warn level and a deletion at info level', async () => {
    const worker = fakeWorker({ deletes: [bySecret({ bad: response(400) })] });
    await processBatch([queued('fresh'), queued('bad')], worker.deps, workerConfig(), worker.clock.now() + 60_000);
    const levels = Object.fromEntries(worker.log.lines.map((line) => [line.extra.secretId, line.level]));
    expect(levels).toEqual({ fresh: 'info', bad: 'warn' });
  });

  it('keeps the record and logs the error when processing throws unexpectedly', async () => {
    const worker = fakeWorker();
    const boom = () => Promise.reject(new TypeError('cannot read properties of undefined'));
    const result = await processBatch([queued('a')], worker.deps, workerConfig(), T0 + 60_000, boom);
    expect(failedIds(result)).toEqual(['msg-a']);
    expect(worker.log.lines[0]).toMatchObject({
      level: 'warn',
      extra: { outcome: 'transient_retry', error: 'TypeError: cannot read properties of undefined' },
    });
  });

  it('never writes the API key to any log line', async () => {
    const unauthorized = response(401, { detail: { message: 'missing the permission convai_write' } });
    const gets: Answer[] = [response(200, { used_by: { agents: [{ id: 'agent_1' }] } })];
    const worker = fakeWorker({
      deletes: [
        bySecret({
          busy: IN_USE_422,
          denied: unauthorized,
          flaky: new ApiRequestError('network', 'expected an answer, received ECONNRESET'),
          bad: response(400, 'Bad Request'),
          slow: response(503, '', '60'),
        }),
      ],
      gets,
    });
    const records = [
      queued('fresh'),
      queued('busy'),
      queued('denied'),
      queued('flaky'),
      queued('bad'),
      queued('slow'),
      queued('x', { body: '{"secretId": "a/b"}' }),
    ];
    await processBatch(records, worker.deps, workerConfig(), worker.clock.now() + 60_000);
    expect(worker.api.deletes.every((call) => call.apiKey === API_KEY)).toBe(true);
    expect(worker.log.lines).toHaveLength(records.length);
    expect(JSON.stringify(worker.log.lines)).not.toContain(API_KEY);
  });

  it('never writes the API key to a log line when the key cannot be read', async () => {
    const apiKey = fakeApiKey({ fail: () => new ApiKeyError('expected to read secret k, received AccessDenied') });
    const worker = fakeWorker({ apiKey });
    await processBatch([queued('a')], worker.deps, workerConfig(), worker.clock.now() + 60_000);
    expect(worker.log.lines[0]?.extra.outcome).toBe('transient_retry');
    expect(JSON.stringify(worker.log.lines)).not.toContain(API_KEY);
  });
});

describe('toQueued (test helper)', () => {
  it('maps the SQS attributes to numbers', () => {
    const record: QueuedRecord = toQueued(sqsRecord({ secretId: 'a' }, { receiveCount: 3, sentAtMs: T0 }));
    expect(record).toMatchObject({ receiveCount: 3, sentAtMs: T0, body: '{"secretId":"a"}' });
  });
});
