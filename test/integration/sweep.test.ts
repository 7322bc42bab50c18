import { SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createElevenLabsClient } from '#adapters/elevenlabs.ts';
import { createMarksTable } from '#adapters/marks-table.ts';
import { createQueueAdapter } from '#adapters/queue.ts';
import type { SweepMetricName } from '#core/outcomes.ts';
import type { ApiKeyProvider } from '#core/ports.ts';
import { processRecord } from '#core/process-record.ts';
import { runSweep, type SweepDeps, type SweepSummary } from '#core/sweep-run.ts';
import { loadSweepConfig } from '#shared/config.ts';
import { type MarksDynamo, startMarksDynamo } from '#test/helpers/dynalite.ts';
import { type FakeAws, REGION, startFakeAws } from '#test/helpers/fake-aws.ts';
import { type FakeElevenLabs, startFakeElevenLabs } from '#test/helpers/fake-elevenlabs.ts';
import { fakeLogger, fakeMetrics, T0, workerConfig } from '#test/helpers/fakes.ts';

/**
 * The sweep end to end on loopback: the real runSweep with the real ElevenLabs client against the
 * fake API, the real marks table on dynalite, and the real queue adapter on the fake SQS. Only the
 * clock is simulated, so a week of daily runs takes milliseconds.
 */

const KEY = 'sk_sweep_00112233445566778899aabbccddeeff';
const QUEUE = 'janitor-queue';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const GRACE = 7 * DAY;
/** 250 + 100 owned secrets at 100 per page: 3 pages for ci-run-, 1 for preview-. */
const OWNED = { 'ci-run-': 250, 'preview-': 100 } as const;
const PAGES_PER_RUN = Math.ceil(250 / 100) + Math.ceil(100 / 100);
const HAS_MORE = ['tools_has_more', 'agents_has_more', 'phone_numbers_has_more'] as const;

let dynamo: MarksDynamo;
let elevenlabs: FakeElevenLabs;
let aws: FakeAws;
let sqs: SQSClient;
/** Owned secrets nobody uses: exactly what the sweep may mark and find due. */
let stale: string[];
/** Owned secrets with a holder: a visible agent, an unknown tool, or a `*_has_more` flag. */
let held: string[];

/**
 * 400 secrets: 350 under the two prefixes, of which 3 in 10 are held (1 by an agent, 1 by a holder
 * the key cannot see, 1 by a `*_has_more` flag only), and 50 under a prefix the janitor does not own.
 */
function populate(fake: FakeElevenLabs) {
  stale = [];
  held = [];
  for (const [prefix, count] of Object.entries(OWNED)) {
    for (let index = 0; index < count; index += 1) {
      const id = `sec_${prefix.replace(/\W/g, '')}_${String(index).padStart(3, '0')}`;
      const secret = fake.addSecret(id, `${prefix}${index}`);
      if (index % 10 === 3) fake.markInUse(id, `agent_${index}`);
      else if (index % 10 === 6) secret.used_by.tools.push({ type: 'unknown', id: `tool_hidden_${index}` });
      else if (index % 10 === 9) secret.used_by[HAS_MORE[Math.floor(index / 10) % 3] ?? 'tools_has_more'] = true;
      else {
        stale.push(id);
        continue;
      }
      held.push(id);
    }
  }
  for (let index = 0; index < 50; index += 1) fake.addSecret(`sec_prod_${index}`, `prod-${index}`);
}

beforeEach(async () => {
  // The SDK clients get explicit endpoints and credentials; no shared AWS config may leak in.
  vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent/aws-config');
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', '/nonexistent/aws-credentials');
  [dynamo, elevenlabs, aws] = await Promise.all([
    startMarksDynamo('janitor-sweep-marks'),
    startFakeElevenLabs({ validKeys: [KEY] }),
    startFakeAws(),
  ]);
  sqs = new SQSClient({
    endpoint: aws.endpoint,
    region: REGION,
    credentials: { accessKeyId: 'AKIAFAKEFAKEFAKEFAKE', secretAccessKey: 'fake-secret-access-key' },
  });
  populate(elevenlabs);
});

afterEach(async () => {
  sqs.destroy();
  await Promise.all([dynamo.stop(), elevenlabs.close(), aws.close()]);
});

const apiKey: ApiKeyProvider = { get: async () => KEY };

/** A sweep wired like createSweepDeps, on loopback, with a clock the test sets before each run. */
function sweeper(env: Record<string, string> = {}) {
  const config = loadSweepConfig({
    API_KEY_SECRET_ID: 'janitor/elevenlabs-api-key',
    QUEUE_URL: aws.queueUrl(QUEUE),
    MARKS_TABLE_NAME: dynamo.tableName,
    ELEVENLABS_BASE_URL: elevenlabs.baseUrl,
    SWEEP_PREFIXES: 'ci-run-,preview-',
    ...env,
  });
  let now = T0;
  let runs = 0;
  const log = fakeLogger();
  const recorded: { name: SweepMetricName; value: number }[] = [];
  const deps: Omit<SweepDeps, 'runId'> = {
    api: createElevenLabsClient({ baseUrl: config.baseUrl, userAgent: 'sweep-integration-test' }),
    apiKey,
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
    random: () => 0.5,
    marks: createMarksTable({
      client: dynamo.client,
      tableName: config.marksTableName,
      auditTtlDays: config.auditTtlDays,
      sleep: async () => undefined,
    }),
    queue: createQueueAdapter({ client: sqs, queueUrl: config.queueUrl }),
    logger: log.logger,
    metrics: { record: (name, value) => recorded.push({ name, value }) },
  };
  return {
    config,
    deps,
    log,
    recorded,
    now: () => now,
    /** One scheduled invocation at `at`, with a 15-minute Lambda deadline. */
    run(at: number): Promise<SweepSummary> {
      now = at;
      runs += 1;
      return runSweep(config, { ...deps, runId: `run-${runs}` }, at + 15 * 60_000);
    },
    /** Daily invocations from `from` to `to` inclusive; returns the last summary. */
    async daily(from: number, to: number): Promise<SweepSummary> {
      let last: SweepSummary | undefined;
      for (let at = from; at <= to; at += DAY) last = await this.run(at);
      if (!last) throw new Error('daily: no run');
      return last;
    },
  };
}

const HIGH_CAPS = { MAX_DELETIONS_PER_RUN: '1000', MAX_DELETION_PERCENT: '100' };
const sorted = (values: Iterable<string>) => [...values].sort();
const withoutRunClaims = (items: Record<string, unknown>[]) =>
  items.filter((item) => !String(item.pk).startsWith('RUN#'));
const marksIn = (items: Record<string, unknown>[]) => items.filter((item) => String(item.pk).startsWith('MARK#'));
const auditsIn = (items: Record<string, unknown>[], decision: string) =>
  items.filter((item) => String(item.pk).startsWith('AUDIT#') && item.decision === decision);
const queued = () => aws.messages(QUEUE).map((message) => JSON.parse(message.body) as Record<string, unknown>);

describe('runSweep on loopback (dynalite, fake ElevenLabs, fake SQS)', () => {
  it('marks exactly the unused owned secrets, first seen now, on the first run', async () => {
    const summary = await sweeper(HIGH_CAPS).run(T0);
    const marks = marksIn(await dynamo.scan());
    expect(summary).toMatchObject({ status: 'completed', plan: { inventorySize: 350, owned: 350, due: [] } });
    expect(stale).toHaveLength(245);
    expect(sorted(marks.map((item) => String(item.sk)))).toEqual(sorted(stale));
    expect(marks.every((item) => item.firstSeenUnusedAt === T0 && item.lastSeenUnusedAt === T0)).toBe(true);
  });

  it('audits each first mark with a ttl 90 days out', async () => {
    await sweeper(HIGH_CAPS).run(T0);
    const audits = auditsIn(await dynamo.scan(), 'marked');
    expect(sorted(audits.map((item) => String(item.secretId)))).toEqual(sorted(stale));
    expect(new Set(audits.map((item) => item.ttl))).toEqual(new Set([Math.floor(T0 / 1000) + 90 * 86_400]));
  });

  it('never marks a held secret or a secret outside the prefixes', async () => {
    await sweeper(HIGH_CAPS).run(T0);
    const marked = new Set(marksIn(await dynamo.scan()).map((item) => String(item.sk)));
    expect(held.filter((id) => marked.has(id))).toEqual([]);
    expect([...marked].filter((id) => id.startsWith('sec_prod_'))).toEqual([]);
  });

  it('fetches ceil(n/100) list pages per prefix, then the secret-type environment variables', async () => {
    const summary = await sweeper(HIGH_CAPS).run(T0);
    const lists = elevenlabs.requests.filter((request) => request.route === 'list');
    // Plus one page of environment variables.
    expect(summary.listCalls).toBe(PAGES_PER_RUN + 1);
    expect(lists).toHaveLength(PAGES_PER_RUN);
    expect(lists.map((request) => [request.query.search, request.query.page_size])).toEqual([
      ['ci-run-', '100'],
      ['ci-run-', '100'],
      ['ci-run-', '100'],
      ['preview-', '100'],
    ]);
    const envLists = elevenlabs.requests.filter((request) => request.route === 'env_list');
    expect(envLists.map((request) => request.query)).toEqual([{ type: 'secret', page_size: '100' }]);
  });

  it('finds nothing due one hour before the grace period ends', async () => {
    const sweep = sweeper(HIGH_CAPS);
    await sweep.daily(T0, T0 + 6 * DAY);
    const summary = await sweep.run(T0 + GRACE - HOUR);
    expect(summary.plan?.due).toEqual([]);
    expect(summary.plan?.skipped.grace_period).toBe(stale.length);
    expect(marksIn(await dynamo.scan()).every((item) => item.firstSeenUnusedAt === T0)).toBe(true);
  });

  it('reports exactly the unused owned secrets after the grace period and enqueues nothing in report mode', async () => {
    const sweep = sweeper(HIGH_CAPS);
    await sweep.daily(T0, T0 + 6 * DAY);
    await sweep.run(T0 + GRACE - HOUR);
    const summary = await sweep.run(T0 + GRACE);
    expect(summary).toMatchObject({ status: 'completed', mode: 'report', enqueued: 0 });
    expect(sorted((summary.plan?.due ?? []).map((mark) => mark.secretId))).toEqual(sorted(stale));
    expect(aws.messages(QUEUE)).toEqual([]);
    const wouldEnqueue = auditsIn(await dynamo.scan(), 'would_enqueue');
    expect(sorted(wouldEnqueue.map((item) => String(item.secretId)))).toEqual(sorted(stale));
  });

  it('enqueues exactly the unused owned secrets after the grace period in delete mode', async () => {
    const sweep = sweeper({ ...HIGH_CAPS, SWEEP_MODE: 'delete' });
    await sweep.daily(T0, T0 + 6 * DAY);
    expect(aws.messages(QUEUE)).toEqual([]);
    const summary = await sweep.run(T0 + GRACE);
    expect(summary).toMatchObject({ status: 'completed', mode: 'delete', enqueued: stale.length });
    expect(sorted(queued().map((body) => String(body.secretId)))).toEqual(sorted(stale));
    expect(queued().every((body) => body.origin === 'sweep' && body.eventId === summary.runId)).toBe(true);
    const enqueued = auditsIn(await dynamo.scan(), 'enqueued');
    expect(sorted(enqueued.map((item) => String(item.secretId)))).toEqual(sorted(stale));
  });

  it('trips the default per-run cap and enqueues nothing in delete mode', async () => {
    const sweep = sweeper({ SWEEP_MODE: 'delete' });
    await sweep.daily(T0, T0 + 6 * DAY);
    const summary = await sweep.run(T0 + GRACE);
    expect(summary.status).toBe('cap_exceeded');
    expect(summary.plan?.capExceeded).toEqual({ due: stale.length, limit: 25, cap: 'per_run' });
    expect(aws.messages(QUEUE)).toEqual([]);
    expect(auditsIn(await dynamo.scan(), 'skipped')).toHaveLength(stale.length);
    expect(sweep.recorded.filter((entry) => entry.name === 'SweepCapExceeded').at(-1)?.value).toBe(1);
  });

  it('removes the marks of secrets that came into use or disappeared since the last run', async () => {
    const sweep = sweeper(HIGH_CAPS);
    await sweep.run(T0);
    const [nowUsed, nowGone] = stale;
    if (!nowUsed || !nowGone) throw new Error('fixture: expected stale secrets');
    elevenlabs.markInUse(nowUsed, 'agent_new');
    elevenlabs.secrets.delete(nowGone);
    await sweep.run(T0 + DAY);
    const items = await dynamo.scan();
    const marked = new Set(marksIn(items).map((item) => String(item.sk)));
    expect(marked.has(nowUsed) || marked.has(nowGone)).toBe(false);
    expect(marked.size).toBe(stale.length - 2);
    expect(auditsIn(items, 'unmarked').map((item) => [item.secretId, item.reason])).toEqual([
      [nowUsed, 'in_use'],
      [nowGone, 'gone'],
    ]);
  });

  it('never enqueues a stale secret that only an environment variable references', async () => {
    const [referenced, later] = stale;
    if (!referenced || !later) throw new Error('fixture: expected stale secrets');
    elevenlabs.addEnvironmentVariable({
      label: 'DB_PASSWORD',
      type: 'secret',
      values: { production: { secret_id: referenced } },
    });
    const sweep = sweeper({ ...HIGH_CAPS, SWEEP_MODE: 'delete' });
    await sweep.run(T0);
    // A variable created after the first run takes the secret's mark away.
    elevenlabs.addEnvironmentVariable({
      label: 'CRM_TOKEN',
      type: 'secret',
      values: { staging: { secret_id: later } },
    });
    await sweep.daily(T0 + DAY, T0 + GRACE);
    const sent = queued().map((body) => String(body.secretId));
    expect(sent).toHaveLength(stale.length - 2);
    expect(sent).not.toContain(referenced);
    expect(sent).not.toContain(later);
    const items = await dynamo.scan();
    expect(marksIn(items).some((item) => item.sk === referenced || item.sk === later)).toBe(false);
    expect(auditsIn(items, 'unmarked').map((item) => [item.secretId, item.reason])).toEqual([
      [later, 'in_use_env_variable'],
    ]);
    const last = sweep.log.lines.filter((line) => line.message === 'sweep_summary').at(-1);
    expect(last?.extra).toMatchObject({ envVariables: 2, skipped: { in_use_env_variable: 2 } });
  });

  it('leaves the table unchanged and enqueues nothing when the key may not read environment variables', async () => {
    const sweep = sweeper({ ...HIGH_CAPS, SWEEP_MODE: 'delete' });
    await sweep.daily(T0, T0 + 6 * DAY);
    const before = await dynamo.scan();
    elevenlabs.hook = (request) =>
      request.route === 'env_list'
        ? { status: 401, body: { detail: { status: 'missing_permissions', message: 'missing convai_read' } } }
        : undefined;
    const summary = await sweep.run(T0 + GRACE);
    expect(summary).toMatchObject({ status: 'aborted', enqueued: 0 });
    expect(summary.reason).toMatch(/^inventory incomplete: environment variables page 1: auth, HTTP 401/);
    // Only the run's own claim is new: no mark, unmark or audit.
    expect(withoutRunClaims(await dynamo.scan())).toEqual(withoutRunClaims(before));
    expect(aws.messages(QUEUE)).toEqual([]);
  });

  it('leaves the table unchanged and enqueues nothing when a page fails mid-inventory', async () => {
    const sweep = sweeper({ ...HIGH_CAPS, SWEEP_MODE: 'delete' });
    await sweep.daily(T0, T0 + 6 * DAY);
    const before = await dynamo.scan();
    // Page 2 of ci-run- (offset 100) fails on every attempt, on the run that would enqueue.
    elevenlabs.hook = (request) =>
      request.route === 'list' && request.query.search === 'ci-run-' && request.query.cursor !== undefined
        ? { status: 500, body: { detail: 'internal error' } }
        : undefined;
    const listsBefore = elevenlabs.count('list');
    const summary = await sweep.run(T0 + GRACE);
    expect(summary).toMatchObject({ status: 'aborted', enqueued: 0 });
    expect(summary.reason).toContain('prefix "ci-run-" page 2');
    expect(elevenlabs.count('list') - listsBefore).toBe(1 + 5);
    // Only the run's own claim is new: no mark, unmark or audit.
    const added = (await dynamo.scan()).filter(
      (item) => !before.some((old) => old.pk === item.pk && old.sk === item.sk),
    );
    expect(added).toEqual([expect.objectContaining({ pk: `RUN#${summary.runId}`, sk: 'run' })]);
    expect(withoutRunClaims(await dynamo.scan())).toEqual(withoutRunClaims(before));
    expect(aws.messages(QUEUE)).toEqual([]);
    expect(sweep.log.lines.filter((line) => line.level === 'error').map((line) => line.message)).toEqual([
      'sweep_summary',
    ]);
  });
});

describe('sweep deletions through the worker on loopback', () => {
  /** Runs the sweep in delete mode until the stale secrets are enqueued; returns the messages. */
  async function enqueueStale() {
    const sweep = sweeper({ ...HIGH_CAPS, SWEEP_MODE: 'delete' });
    await sweep.daily(T0, T0 + GRACE);
    return { sweep, messages: aws.messages(QUEUE) };
  }

  function worker(now: () => number) {
    return {
      deps: {
        api: createElevenLabsClient({ baseUrl: elevenlabs.baseUrl, userAgent: 'sweep-integration-test' }),
        apiKey,
        queue: createQueueAdapter({ client: sqs, queueUrl: aws.queueUrl(QUEUE), dlqUrl: aws.queueUrl('janitor-dlq') }),
        logger: fakeLogger().logger,
        metrics: fakeMetrics().metrics,
        now,
        sleep: async () => undefined,
        random: () => 0.5,
        marks: createMarksTable({
          client: dynamo.client,
          tableName: dynamo.tableName,
          auditTtlDays: 90,
          sleep: async () => undefined,
        }),
      },
      config: workerConfig({ MARKS_TABLE_NAME: dynamo.tableName, SWEEP_MODE: 'delete' }),
    };
  }

  const asRecord = (message: { messageId: string; body: string }, now: number) => ({
    messageId: message.messageId,
    receiptHandle: `rh-${message.messageId}`,
    body: message.body,
    receiveCount: 1,
    sentAtMs: now,
  });

  it('skips an enqueued secret that came into use and clears its mark in the table', async () => {
    const { sweep, messages } = await enqueueStale();
    const message = messages[0];
    if (!message) throw new Error('expected an enqueued message');
    const { secretId } = JSON.parse(message.body) as { secretId: string };
    elevenlabs.markInUse(secretId, 'agent_came_back');
    const { deps, config } = worker(sweep.now);
    const report = await processRecord(asRecord(message, sweep.now()), deps, config, sweep.now() + 60_000);
    expect(report).toMatchObject({ outcome: 'in_use_skipped', retry: false, fields: { markCleared: true } });
    const items = await dynamo.scan();
    expect(marksIn(items).some((item) => item.sk === secretId)).toBe(false);
    expect(items.filter((item) => item.pk === `AUDIT#${secretId}` && item.reason === 'in_use_at_delete')).toMatchObject(
      [{ decision: 'unmarked', mode: 'delete', runId: JSON.parse(message.body).eventId }],
    );
  });

  it('refuses an old sweep message whose mark was cleared and written afresh by later runs', async () => {
    // Run 1 enqueues X; run 2 sees X in use and unmarks it; run 3 sees it unused again and marks it
    // afresh. The message from run 1 must not delete X: its grace period restarted at run 2.
    const { sweep, messages } = await enqueueStale();
    const message = messages[0];
    if (!message) throw new Error('expected an enqueued message');
    const { secretId } = JSON.parse(message.body) as { secretId: string };
    elevenlabs.markInUse(secretId, 'agent_came_back');
    await sweep.run(sweep.now() + 5 * 60_000);
    elevenlabs.release(secretId);
    await sweep.run(sweep.now() + 5 * 60_000);
    expect(marksIn(await dynamo.scan()).some((item) => item.sk === secretId)).toBe(true);
    const { deps, config } = worker(sweep.now);
    const sentAt = sweep.now() - 10 * 60_000;
    const report = await processRecord(asRecord(message, sentAt), deps, config, sweep.now() + 60_000);
    expect(report).toMatchObject({ outcome: 'refused', fields: { refusal: 'sweep_mark_changed' } });
    expect(elevenlabs.secrets.has(secretId)).toBe(true);
  });

  it('unmarks as gone, on the next run, every secret the worker deleted', async () => {
    const { sweep, messages } = await enqueueStale();
    const { deps, config } = worker(sweep.now);
    for (const message of messages) {
      const report = await processRecord(asRecord(message, sweep.now()), deps, config, sweep.now() + 60_000);
      expect(report.outcome).toBe('deleted');
    }
    const summary = await sweep.run(T0 + GRACE + DAY);
    expect(summary.plan?.due).toEqual([]);
    expect(sorted((summary.plan?.unmarked ?? []).map((entry) => entry.secretId))).toEqual(sorted(stale));
    expect(new Set(summary.plan?.unmarked.map((entry) => entry.reason))).toEqual(new Set(['gone']));
    expect(marksIn(await dynamo.scan())).toEqual([]);
  });
});
