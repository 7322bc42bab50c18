import { describe, expect, it } from 'vitest';
import { SQS_MAX_VISIBILITY_SECONDS } from '#core/backoff.ts';
import type { QueuedRecord } from '#core/ports.ts';
import { attemptPolicy } from '#core/process-deletion.ts';
import { processRecord } from '#core/process-record.ts';
import { ApiKeyError, QueueError } from '#shared/errors.ts';
import { environmentVariablesPage, secretVariable } from '#test/helpers/environment-variables.ts';
import {
  type Answer,
  fakeApiKey,
  fakeQueue,
  fakeWorker,
  response,
  T0,
  toQueued,
  workerConfig,
} from '#test/helpers/fakes.ts';
import { sqsRecord } from '#test/helpers/sqs-events.ts';
import { available, CONVERSATION_INITIATION_WEBHOOK, EMPTY_USED_BY, phoneNumber } from '#test/helpers/used-by.ts';

const HOUR = 3_600_000;
const IN_USE_422 = response(422, { detail: { status: 'secret_in_use', message: 'Secret is used by 1 agent' } });

function queued(payload: unknown, options: { receiveCount?: number; sentAtMs?: number; body?: string } = {}) {
  return toQueued(sqsRecord(payload, { sentAtMs: T0 - 60_000, ...options }));
}

async function run(
  record: QueuedRecord,
  options: Parameters<typeof fakeWorker>[0] & { env?: Record<string, string> } = {},
) {
  const worker = fakeWorker(options);
  const report = await processRecord(record, worker.deps, workerConfig(options.env), worker.clock.now() + 60_000);
  return { ...worker, report };
}

describe('processRecord', () => {
  it('reports deleted and no retry when DELETE answers 204', async () => {
    const { report, api } = await run(queued({ secretId: 'sec_1' }), { deletes: [response(204)] });
    expect(report).toMatchObject({ outcome: 'deleted', retry: false, fields: { secretId: 'sec_1', status: 204 } });
    expect(api.deletes.map((call) => call.secretId)).toEqual(['sec_1']);
  });

  it('sends the DELETE when REQUEST_TIMEOUT_MS is below 500 ms', async () => {
    const env = { REQUEST_TIMEOUT_MS: '200' };
    const { report, api } = await run(queued({ secretId: 'sec_1' }), { deletes: [response(204)], env });
    expect(report).toMatchObject({ outcome: 'deleted', retry: false });
    expect(api.deletes).toEqual([{ secretId: 'sec_1', apiKey: expect.any(String), timeoutMs: 200 }]);
  });

  it('reports already_gone and no retry when DELETE answers 404', async () => {
    const { report, queue } = await run(queued({ secretId: 'sec_1' }), { deletes: [response(404)] });
    expect(report).toMatchObject({ outcome: 'already_gone', retry: false });
    expect(queue.visibility).toEqual([]);
    expect(queue.dlq).toEqual([]);
  });

  it('defers with changeVisibility and asks for a retry when the secret is in use', async () => {
    const record = queued({ secretId: 'sec_1' });
    const { report, queue } = await run(record, { deletes: [IN_USE_422] });
    expect(report).toMatchObject({ outcome: 'in_use_deferred', retry: true, fields: { status: 422 } });
    expect(queue.visibility).toEqual([{ receiptHandle: record.receiptHandle, seconds: report.fields.delaySeconds }]);
    expect(queue.dlq).toEqual([]);
  });

  it('defers longer when an in-use record has been received more often', async () => {
    const first = await run(queued({ secretId: 'sec_1' }, { receiveCount: 1 }), { deletes: [IN_USE_422] });
    const fourth = await run(queued({ secretId: 'sec_1' }, { receiveCount: 4 }), { deletes: [IN_USE_422] });
    const fifth = await run(queued({ secretId: 'sec_1' }, { receiveCount: 5 }), { deletes: [IN_USE_422] });
    const delays = [first, fourth, fifth].map((result) => result.queue.visibility[0]?.seconds ?? 0);
    expect(delays[0]).toBeGreaterThan(0);
    expect(delays[1]).toBeGreaterThan(delays[0] ?? 0);
    expect(delays[2]).toBeGreaterThan(delays[1] ?? 0);
  });

  it('logs the holders when the in-use lookup returns used_by', async () => {
    const gets: Answer[] = [
      response(200, { secret_id: 'sec_1', used_by: { agents: [{ id: 'agent_7' }], tools: [], tools_has_more: true } }),
    ];
    const { report, api } = await run(queued({ secretId: 'sec_1' }), { deletes: [IN_USE_422], gets });
    expect(api.gets.map((call) => call.secretId)).toEqual(['sec_1']);
    // `others` is required: missing, it reads as unreadable (a use) and shows up too.
    expect(report.fields).toMatchObject({
      holders: { agents: ['agent_7'], others: ['(unreadable)'] },
      holdersHasMore: ['tools_has_more'],
    });
  });

  it('names every kind of holder by its real fields when the in-use lookup returns used_by', async () => {
    const usedBy = {
      ...EMPTY_USED_BY,
      agents: [available('agent_7', 'Support bot')],
      phone_numbers: [phoneNumber('phnum_1', 'Main line', '+15550100')],
      others: [CONVERSATION_INITIATION_WEBHOOK],
    };
    const gets = [response(200, { type: 'stored', secret_id: 'sec_1', name: 'x', used_by: usedBy })];
    const { report } = await run(queued({ secretId: 'sec_1' }), { deletes: [IN_USE_422], gets });
    expect(report.fields.holders).toEqual({
      agents: ['Support bot (agent_7)'],
      phone_numbers: ['Main line (+15550100, phnum_1)'],
      others: ['conversation_initiation_webhook'],
    });
  });

  it('names the environment variables that reference the secret when the in-use lookup runs', async () => {
    const gets = [response(200, { secret_id: 'sec_1', used_by: EMPTY_USED_BY })];
    const envPages = [
      response(200, environmentVariablesPage([secretVariable('CRM_TOKEN', { production: 'sec_1' })], 'next')),
      response(
        200,
        environmentVariablesPage([
          secretVariable('OTHER', { production: 'sec_2' }),
          secretVariable('DB', { staging: 'sec_1' }),
        ]),
      ),
    ];
    const { report, api } = await run(queued({ secretId: 'sec_1' }), { deletes: [IN_USE_422], gets, envPages });
    expect(api.envLists.map((call) => [call.type, call.pageSize, call.cursor])).toEqual([
      ['secret', 100, undefined],
      ['secret', 100, 'next'],
    ]);
    expect(report.fields.holders).toEqual({ env_variables: ['CRM_TOKEN', 'DB'] });
    expect(report.outcome).toBe('in_use_deferred');
  });

  it('names the environment variables even when GET secret fails', async () => {
    const envPages = [response(200, environmentVariablesPage([secretVariable('CRM_TOKEN', { production: 'sec_1' })]))];
    const { report } = await run(queued({ secretId: 'sec_1' }), {
      deletes: [IN_USE_422],
      gets: [response(500)],
      envPages,
    });
    expect(report.fields).toMatchObject({ lookupStatus: 500, holders: { env_variables: ['CRM_TOKEN'] } });
  });

  it('records why the environment variables could not be read, and still defers', async () => {
    const { report } = await run(queued({ secretId: 'sec_1' }), {
      deletes: [IN_USE_422],
      envPages: [response(401, { detail: { status: 'missing_permissions', message: 'missing convai_read' } })],
    });
    expect(report.outcome).toBe('in_use_deferred');
    expect(report.fields.envVariablesLookupError).toMatch(/^environment variables page 1: auth, HTTP 401/);
  });

  it('records the lookup status when the in-use lookup does not answer 200', async () => {
    const { report } = await run(queued({ secretId: 'sec_1' }), { deletes: [IN_USE_422], gets: [response(500)] });
    expect(report.fields).toMatchObject({ lookupStatus: 500 });
    expect(report.outcome).toBe('in_use_deferred');
  });

  it('skips the holder lookup when LOOKUP_HOLDERS is false', async () => {
    const { api, report } = await run(queued({ secretId: 'sec_1' }), {
      deletes: [IN_USE_422],
      env: { LOOKUP_HOLDERS: 'false' },
    });
    expect(api.gets).toEqual([]);
    expect(api.envLists).toEqual([]);
    expect(report.fields).not.toHaveProperty('holders');
  });

  it('moves an in-use record to the DLQ with its history when it is past the horizon', async () => {
    const sentAtMs = T0 - 73 * HOUR;
    const record = queued({ secretId: 'sec_1', origin: 'event' }, { receiveCount: 41, sentAtMs });
    const { report, queue } = await run(record, { deletes: [IN_USE_422] });
    expect(queue.dlq).toHaveLength(1);
    const sent = queue.dlq[0];
    expect(sent?.body).toBe(record.body);
    expect(sent?.attributes.failureReason).toMatch(/^horizon_exceeded/);
    expect(sent?.attributes).toMatchObject({
      lastStatus: 422,
      attempts: 41,
      firstSentAt: new Date(sentAtMs).toISOString(),
      secretId: 'sec_1',
      origin: 'event',
    });
    expect(report).toMatchObject({ outcome: 'moved_to_dlq', retry: false });
    expect(queue.visibility).toEqual([]);
  });

  it('keeps the record for a retry when the DLQ send fails', async () => {
    const failing = fakeQueue({ failDlq: () => new QueueError('expected SendMessage to the DLQ to succeed') });
    const record = queued({ secretId: 'sec_1' }, { sentAtMs: T0 - 73 * HOUR });
    const { report, metrics } = await run(record, { deletes: [IN_USE_422], queue: failing });
    expect(report).toMatchObject({ outcome: 'transient_retry', retry: true });
    expect(metrics.counts).toContain('DlqSendFailed');
  });

  it('moves an invalid body to the DLQ with the reason and sends no HTTP request', async () => {
    const record = queued(null, { body: JSON.stringify({ secretId: '../agents' }) });
    const { report, queue, api } = await run(record);
    expect(queue.dlq).toHaveLength(1);
    expect(queue.dlq[0]?.attributes.failureReason).toMatch(/^invalid_message: secretId must be/);
    expect(queue.dlq[0]?.attributes.failureReason).toContain('"../agents"');
    expect(report).toMatchObject({ outcome: 'moved_to_dlq', retry: false });
    expect(api.deletes).toEqual([]);
    expect(api.gets).toEqual([]);
  });

  it('moves a non-JSON body to the DLQ with the reason', async () => {
    const { queue } = await run(queued(null, { body: 'sec_1' }));
    expect(queue.dlq[0]?.attributes.failureReason).toBe('invalid_message: body must be JSON, received "sec_1"');
  });

  it('refuses a protected id without any HTTP request', async () => {
    const { report, api, queue } = await run(queued({ secretId: 'prod_key' }), {
      env: { PROTECTED_SECRET_IDS: 'other,prod_key' },
    });
    expect(report).toMatchObject({ outcome: 'refused', retry: false, fields: { refusal: 'protected_secret_id' } });
    expect(api.deletes).toEqual([]);
    expect(queue.dlq).toEqual([]);
  });

  it('reports would_delete without a DELETE when DRY_RUN is true', async () => {
    const { report, api } = await run(queued({ secretId: 'sec_1' }), { env: { DRY_RUN: 'true' } });
    expect(report).toMatchObject({ outcome: 'would_delete', retry: false, fields: { dryRun: true } });
    expect(api.deletes).toEqual([]);
  });

  it('moves the record to the DLQ when DELETE answers 400', async () => {
    const { report, queue } = await run(queued({ secretId: 'sec_1' }), {
      deletes: [response(400, { detail: 'bad request' })],
    });
    expect(queue.dlq[0]?.attributes).toMatchObject({ failureReason: 'permanent_error: HTTP 400', lastStatus: 400 });
    expect(report).toMatchObject({ outcome: 'moved_to_dlq', retry: false });
  });

  it('moves the record to the DLQ when a 422 validation array points at the path', async () => {
    const body = { detail: [{ loc: ['path', 'secret_id'], msg: 'invalid', type: 'value_error' }] };
    const { queue } = await run(queued({ secretId: 'sec_1' }), { deletes: [response(422, body)] });
    expect(queue.dlq[0]?.attributes.failureReason).toBe('permanent_error: HTTP 422');
  });

  it('defers with changeVisibility and asks for a retry when the error stays transient', async () => {
    const record = queued({ secretId: 'sec_1' });
    const { report, queue, api } = await run(record, { deletes: [response(503)] });
    expect(api.deletes).toHaveLength(attemptPolicy(workerConfig()).maxQuickRetries + 1);
    expect(report).toMatchObject({ outcome: 'transient_retry', retry: true, fields: { status: 503 } });
    expect(queue.visibility).toHaveLength(1);
    expect(queue.visibility[0]?.receiptHandle).toBe(record.receiptHandle);
    expect(queue.visibility[0]?.seconds).toBeGreaterThan(0);
  });

  it('defers at least the Retry-After when it is too long to wait in-process', async () => {
    const { queue } = await run(queued({ secretId: 'sec_1' }), { deletes: [response(429, '', '600')] });
    expect(queue.visibility[0]?.seconds).toBeGreaterThanOrEqual(600);
  });

  it('keeps the deferral under the SQS 12 h limit when Retry-After is a day', async () => {
    const { queue } = await run(queued({ secretId: 'sec_1' }), { deletes: [response(503, '', '86400')] });
    expect(queue.visibility[0]?.seconds).toBeLessThanOrEqual(SQS_MAX_VISIBILITY_SECONDS - 15 * 60);
  });

  it('reports auth_failed with the missing permission when 401 persists', async () => {
    const unauthorized = response(401, {
      detail: { status: 'missing_permissions', message: 'The API key is missing the permission convai_write' },
    });
    const { report, queue } = await run(queued({ secretId: 'sec_1' }), { deletes: [unauthorized] });
    expect(report).toMatchObject({ outcome: 'auth_failed', retry: true, fields: { permission: 'convai_write' } });
    expect(queue.visibility).toHaveLength(1);
  });

  it('defers as transient_retry when the API key cannot be read', async () => {
    const apiKey = fakeApiKey({ fail: () => new ApiKeyError('expected to read secret k, received AccessDenied') });
    const { report, api, queue } = await run(queued({ secretId: 'sec_1' }), { apiKey });
    expect(report).toMatchObject({
      outcome: 'transient_retry',
      retry: true,
      fields: { error: 'expected to read secret k, received AccessDenied' },
    });
    expect(api.deletes).toEqual([]);
    expect(queue.visibility).toHaveLength(1);
  });

  it('still asks for a retry and counts the failure when changeVisibility fails', async () => {
    const failing = fakeQueue({ failVisibility: () => new QueueError('expected ChangeMessageVisibility to succeed') });
    const { report, metrics } = await run(queued({ secretId: 'sec_1' }), { deletes: [IN_USE_422], queue: failing });
    expect(report).toMatchObject({
      outcome: 'in_use_deferred',
      retry: true,
      fields: { delaySeconds: 'queue default' },
    });
    expect(metrics.counts).toEqual(['VisibilityChangeFailed']);
  });
});
