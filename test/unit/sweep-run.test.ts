import { describe, expect, it } from 'vitest';
import type { SweepMetricName } from '#core/outcomes.ts';
import { parseMessage } from '#core/parse-message.ts';
import type {
  ApiResponse,
  AuditRecord,
  BatchEntry,
  ElevenLabsApi,
  ListEnvironmentVariablesQuery,
  ListSecretsQuery,
  Mark,
  MarksStore,
  SweepMetricsPort,
} from '#core/ports.ts';
import type { SweepPlan } from '#core/sweep-plan.ts';
import { runSweep, type SweepDeps, sweepRunId } from '#core/sweep-run.ts';
import { loadSweepConfig } from '#shared/config.ts';
import { MarksTableError, QueueError } from '#shared/errors.ts';
import { environmentVariablesPage, secretVariable } from '#test/helpers/environment-variables.ts';
import { API_KEY, fakeApiKey, fakeClock, fakeLogger, response, T0 } from '#test/helpers/fakes.ts';
import { EMPTY_USED_BY } from '#test/helpers/used-by.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const GRACE = 7 * DAY;
const RUN_ID = '6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b';

const SWEEP_ENV = {
  API_KEY_SECRET_ID: 'janitor/elevenlabs-api-key',
  QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/janitor-queue',
  MARKS_TABLE_NAME: 'janitor-sweep-marks',
  SWEEP_PREFIXES: 'ci-run-,preview-',
};
/** Caps out of the way, for tests that are not about caps. */
const NO_CAPS = { MAX_DELETIONS_PER_RUN: '1000', MAX_DELETION_PERCENT: '100' };

interface ListedSecret {
  secret_id: string;
  name: string;
  used_by: unknown;
}

const unused = (secret_id: string, name: string): ListedSecret => ({ secret_id, name, used_by: EMPTY_USED_BY });
const inUse = (secret_id: string, name: string): ListedSecret => ({
  secret_id,
  name,
  used_by: { ...EMPTY_USED_BY, agents: [{ id: 'agent_1', type: 'available' }] },
});
const mark = (secretId: string, name: string, firstSeenUnusedAt: number, lastSeenUnusedAt = T0 - DAY): Mark => ({
  secretId,
  name,
  firstSeenUnusedAt,
  lastSeenUnusedAt,
});

/**
 * A workspace with one secret of each kind: two due (marked a grace period ago), one new, one still
 * in its grace period, one in use with a mark, one outside the prefixes with a mark, and one mark
 * whose secret is gone.
 */
function workspace() {
  return {
    secrets: [
      unused('sec_due_1', 'ci-run-due-1'),
      unused('sec_due_2', 'preview-due-2'),
      unused('sec_new', 'ci-run-new'),
      unused('sec_wait', 'ci-run-wait'),
      inUse('sec_busy', 'ci-run-busy'),
      unused('sec_other', 'prod-db-password'),
    ],
    marks: [
      mark('sec_due_1', 'ci-run-due-1', T0 - GRACE - DAY),
      mark('sec_due_2', 'preview-due-2', T0 - GRACE),
      mark('sec_wait', 'ci-run-wait', T0 - DAY),
      mark('sec_busy', 'ci-run-busy', T0 - 3 * DAY),
      mark('sec_other', 'prod-db-password', T0 - 3 * DAY),
      mark('sec_gone', 'ci-run-gone', T0 - 3 * DAY),
    ],
  };
}

/**
 * GET /v1/convai/secrets over an array with cursor `c:<offset>`. It ignores `search` unless told
 * otherwise: the search is only a server hint, and the plan must not depend on it. The
 * environment variables are `envVariables` on one page; `envAnswer` may take over those requests.
 */
function listApi(
  secrets: readonly ListedSecret[],
  options: {
    honourSearch?: boolean;
    answer?: (query: ListSecretsQuery) => ApiResponse | undefined;
    envVariables?: readonly unknown[];
    envAnswer?: () => ApiResponse | undefined;
  } = {},
) {
  const queries: ListSecretsQuery[] = [];
  const envQueries: ListEnvironmentVariablesQuery[] = [];
  const api: Pick<ElevenLabsApi, 'listSecrets' | 'listEnvironmentVariables'> = {
    async listSecrets(query) {
      queries.push(query);
      const override = options.answer?.(query);
      if (override) return override;
      const matching = options.honourSearch
        ? secrets.filter((secret) => secret.name.startsWith(query.search ?? ''))
        : secrets;
      const offset = query.cursor ? Number(query.cursor.slice(2)) : 0;
      const next = offset + query.pageSize < matching.length ? `c:${offset + query.pageSize}` : null;
      return response(200, { secrets: matching.slice(offset, offset + query.pageSize), next_cursor: next });
    },
    async listEnvironmentVariables(query) {
      envQueries.push(query);
      return options.envAnswer?.() ?? response(200, environmentVariablesPage(options.envVariables ?? []));
    },
  };
  return { api, queries, envQueries };
}

type Changes = Parameters<MarksStore['apply']>[0];

/** An in-memory marks table that records every apply; `failApply` fails the n-th apply (from 1). */
function fakeMarks(
  initial: readonly Mark[],
  options: { failRead?: Error; failApply?: number; claimed?: readonly string[] } = {},
) {
  const table = new Map(initial.map((m) => [m.secretId, m]));
  const applies: Changes[] = [];
  const claimed = new Set<string>(options.claimed ?? []);
  let reads = 0;
  const store: MarksStore = {
    async get(secretId) {
      return table.get(secretId);
    },
    async readAll() {
      reads += 1;
      if (options.failRead) throw options.failRead;
      return new Map(table);
    },
    async apply(changes) {
      applies.push(changes);
      if (options.failApply === applies.length) throw new MarksTableError('expected every item stored');
      for (const secretId of changes.deletes) table.delete(secretId);
      for (const put of changes.puts) table.set(put.secretId, put);
    },
    clear: () => Promise.reject(new Error('fakeMarks: clear is not expected')),
    async claimRun(runId) {
      if (claimed.has(runId)) return false;
      claimed.add(runId);
      return true;
    },
  };
  return { store, table, applies, reads: () => reads, audits: () => applies.flatMap((c) => c.audits) };
}

function fakeSweepQueue(options: { fail?: (body: string) => boolean; throws?: () => Error } = {}) {
  const sent: BatchEntry[] = [];
  const queue: Pick<SweepDeps['queue'], 'sendBatch'> = {
    async sendBatch(entries) {
      if (options.throws) throw options.throws();
      const failed = entries.filter((entry) => options.fail?.(entry.body));
      sent.push(...entries.filter((entry) => !failed.includes(entry)));
      return failed.map((entry) => entry.id);
    },
  };
  return { queue, sent, bodies: () => sent.map((entry) => JSON.parse(entry.body) as Record<string, unknown>) };
}

function fakeSweepMetrics() {
  const recorded: { name: SweepMetricName; value: number; unit: string }[] = [];
  const metrics: SweepMetricsPort = { record: (name, value, unit) => recorded.push({ name, value, unit }) };
  const value = (name: SweepMetricName) => recorded.filter((entry) => entry.name === name).map((entry) => entry.value);
  return { metrics, recorded, value };
}

interface SweepOptions {
  secrets?: readonly ListedSecret[];
  marks?: readonly Mark[];
  env?: Record<string, string>;
  honourSearch?: boolean;
  answer?: (query: ListSecretsQuery) => ApiResponse | undefined;
  envVariables?: readonly unknown[];
  envAnswer?: () => ApiResponse | undefined;
  failRead?: Error;
  failApply?: number;
  claimed?: readonly string[];
  queue?: ReturnType<typeof fakeSweepQueue>;
}

async function sweep(options: SweepOptions = {}) {
  const ws = workspace();
  const config = loadSweepConfig({ ...SWEEP_ENV, ...NO_CAPS, ...options.env });
  const clock = fakeClock(T0);
  const api = listApi(options.secrets ?? ws.secrets, options);
  const marks = fakeMarks(options.marks ?? ws.marks, options);
  const queue = options.queue ?? fakeSweepQueue();
  const log = fakeLogger();
  const metrics = fakeSweepMetrics();
  const deps: SweepDeps = {
    api: api.api,
    apiKey: fakeApiKey().provider,
    now: clock.now,
    sleep: async (ms) => clock.advance(ms),
    random: () => 0.5,
    marks: marks.store,
    queue: queue.queue,
    logger: log.logger,
    metrics: metrics.metrics,
    runId: RUN_ID,
  };
  const summary = await runSweep(config, deps, clock.now() + 15 * 60_000);
  return { summary, api, marks, queue, log, metrics, config };
}

const ids = (items: readonly { secretId: string }[] | undefined) => (items ?? []).map((item) => item.secretId);
const decisions = (audits: readonly AuditRecord[], decision: AuditRecord['decision']) =>
  audits.filter((audit) => audit.decision === decision);

/** Many secrets to page through: 500 owned under ci-run-, none used. */
const FIVE_PAGES = Array.from({ length: 500 }, (_, index) => unused(`sec_${index}`, `ci-run-${index}`));
const onOffset = (offset: number, answer: ApiResponse) => (query: ListSecretsQuery) =>
  (query.cursor ? Number(query.cursor.slice(2)) : 0) === offset ? answer : undefined;
const PAGE_3_FAILS = { secrets: FIVE_PAGES, answer: onOffset(200, response(500, { detail: 'upstream' })) };

describe('runSweep on an incomplete inventory', () => {
  it('returns status aborted naming the page when page 3 of 5 answers 500 after every retry', async () => {
    const { summary } = await sweep({ ...PAGE_3_FAILS, env: { SWEEP_MODE: 'delete' } });
    expect(summary.status).toBe('aborted');
    expect(summary.reason).toBe('inventory incomplete: prefix "ci-run-" page 3: transient, HTTP 500: upstream');
    expect(summary.plan).toBeUndefined();
  });

  it('never reads or writes the marks table when a page fails after retries', async () => {
    const { marks } = await sweep({ ...PAGE_3_FAILS, env: { SWEEP_MODE: 'delete' } });
    expect(marks.reads()).toBe(0);
    expect(marks.applies).toEqual([]);
  });

  it('enqueues nothing in delete mode when a page fails after retries', async () => {
    const { queue, summary } = await sweep({ ...PAGE_3_FAILS, env: { SWEEP_MODE: 'delete' } });
    expect(queue.sent).toEqual([]);
    expect(summary.enqueued).toBe(0);
  });

  it('records SweepAborted 1 and SweepCapExceeded 0 when a page fails after retries', async () => {
    const { metrics } = await sweep(PAGE_3_FAILS);
    expect(metrics.value('SweepAborted')).toEqual([1]);
    expect(metrics.value('SweepCapExceeded')).toEqual([0]);
    expect(metrics.value('SweepListCalls')).toEqual([2 + 5]);
    expect(metrics.value('SweepDue')).toEqual([]);
  });

  it('logs one error summary line when a page fails after retries', async () => {
    const { log } = await sweep(PAGE_3_FAILS);
    expect(log.lines).toEqual([
      {
        level: 'error',
        message: 'sweep_summary',
        extra: expect.objectContaining({
          status: 'aborted',
          runId: RUN_ID,
          mode: 'report',
          enqueued: 0,
          reason: expect.stringContaining('page 3'),
        }),
      },
    ]);
  });

  it('aborts without decisions when a page body is malformed', async () => {
    const { summary, marks, queue } = await sweep({
      secrets: FIVE_PAGES,
      answer: onOffset(100, response(200, '{"secrets": [')),
      env: { SWEEP_MODE: 'delete' },
    });
    expect(summary).toMatchObject({ status: 'aborted', reason: expect.stringContaining('page body is not JSON') });
    expect(marks.applies).toEqual([]);
    expect(queue.sent).toEqual([]);
  });

  it('aborts without decisions when next_cursor repeats', async () => {
    const { summary, marks, queue } = await sweep({
      answer: () => response(200, { secrets: [unused('sec_loop', 'ci-run-loop')], next_cursor: 'again' }),
      env: { SWEEP_MODE: 'delete' },
    });
    expect(summary).toMatchObject({ status: 'aborted', reason: expect.stringContaining('next_cursor repeats') });
    expect(marks.applies).toEqual([]);
    expect(queue.sent).toEqual([]);
  });
});

describe('runSweep with secret-type environment variables', () => {
  /** sec_due_1 is due by its mark, but an environment variable references it. */
  const referenced = { envVariables: [secretVariable('DB_PASSWORD', { production: 'sec_due_1' })] };

  it('neither enqueues nor keeps marked a due secret that an environment variable references', async () => {
    const { queue, summary, marks } = await sweep({ ...referenced, env: { SWEEP_MODE: 'delete' } });
    expect(queue.bodies().map((body) => body.secretId)).toEqual(['sec_due_2']);
    expect(summary.plan?.unmarked).toContainEqual({
      secretId: 'sec_due_1',
      name: 'ci-run-due-1',
      reason: 'in_use_env_variable',
    });
    expect(decisions(marks.audits(), 'unmarked').map((a) => [a.secretId, a.reason])).toContainEqual([
      'sec_due_1',
      'in_use_env_variable',
    ]);
  });

  it('counts the variables read and the secrets they hold in the summary and the metrics', async () => {
    const { metrics, log } = await sweep(referenced);
    expect(metrics.value('SweepEnvVariables')).toEqual([1]);
    expect(metrics.value('SweepSkippedInUseEnvVariable')).toEqual([1]);
    const summary = log.lines.find((line) => line.message === 'sweep_summary');
    expect(summary?.extra).toMatchObject({ envVariables: 1, skipped: { in_use_env_variable: 1 } });
  });

  it('aborts without decisions when the environment variables cannot be read', async () => {
    const refused = response(401, { detail: { status: 'missing_permissions', message: 'missing convai_read' } });
    const { summary, marks, queue, metrics } = await sweep({ envAnswer: () => refused, env: { SWEEP_MODE: 'delete' } });
    expect(summary).toMatchObject({ status: 'aborted', enqueued: 0 });
    expect(summary.reason).toMatch(/^inventory incomplete: environment variables page 1: auth, HTTP 401/);
    expect(marks.reads()).toBe(0);
    expect(marks.applies).toEqual([]);
    expect(queue.sent).toEqual([]);
    expect(metrics.value('SweepAborted')).toEqual([1]);
    expect(metrics.value('SweepEnvVariables')).toEqual([]);
  });
});

describe('runSweep on a marks table failure', () => {
  it('aborts without writes or enqueues when the marks cannot be read', async () => {
    const { summary, marks, queue, metrics } = await sweep({
      failRead: new Error('ProvisionedThroughputExceededException'),
      env: { SWEEP_MODE: 'delete' },
    });
    expect(summary).toMatchObject({ status: 'aborted', reason: expect.stringMatching(/^marks table: /) });
    expect(marks.applies).toEqual([]);
    expect(queue.sent).toEqual([]);
    expect(metrics.value('SweepAborted')).toEqual([1]);
  });

  it('aborts without enqueueing when the marks cannot be written', async () => {
    const { summary, queue } = await sweep({ failApply: 1, env: { SWEEP_MODE: 'delete' } });
    expect(summary).toMatchObject({
      status: 'aborted',
      reason: 'marks table: MarksTableError: expected every item stored',
      enqueued: 0,
    });
    expect(queue.sent).toEqual([]);
  });
});

describe('runSweep on a repeated run id', () => {
  it('lists nothing, writes nothing and enqueues nothing when the run id was already claimed', async () => {
    const { summary, api, marks, queue, log } = await sweep({ claimed: [RUN_ID], env: { SWEEP_MODE: 'delete' } });
    expect(summary).toMatchObject({ status: 'repeated', enqueued: 0, listCalls: 0 });
    expect(api.queries).toEqual([]);
    expect(marks.reads()).toBe(0);
    expect(marks.applies).toEqual([]);
    expect(queue.sent).toEqual([]);
    expect(log.lines.find((line) => line.message === 'sweep_summary')?.level).toBe('warn');
  });

  it('claims the run id before it lists, so a retry of the same run finds it', async () => {
    const { summary, marks } = await sweep();
    expect(summary.status).toBe('completed');
    expect(await marks.store.claimRun(RUN_ID, T0)).toBe(false);
  });
});

describe('sweepRunId', () => {
  it('names a scheduled run after its scheduled time when the payload carries it', () => {
    const event = { trigger: 'sweep-schedule', scheduledTime: '2026-12-01T02:00:00Z', executionId: 'x' };
    expect(sweepRunId(event, 'req-1')).toBe('scheduled-2026-12-01T02:00:00Z');
    expect(sweepRunId(event, 'req-2')).toBe(sweepRunId(event, 'req-1'));
  });

  it.each([undefined, null, {}, { scheduledTime: 'yesterday' }, { scheduledTime: 42 }, 'text'])(
    'falls back to the request id when the payload is %j',
    (event) => {
      expect(sweepRunId(event, 'req-1')).toBe('invoked-req-1');
    },
  );
});

describe('runSweep state', () => {
  it('deletes the unmarked and puts the written marks in one apply before anything else', async () => {
    const { marks, summary } = await sweep();
    expect(marks.applies).toHaveLength(1);
    expect(marks.applies[0]?.deletes).toEqual(ids(summary.plan?.unmarked));
    expect(marks.applies[0]?.puts).toEqual(summary.plan?.writes);
  });

  it('unmarks the in-use, not-owned and gone secrets with their reasons', async () => {
    const { summary } = await sweep();
    expect(summary.plan?.unmarked).toEqual([
      { secretId: 'sec_busy', name: 'ci-run-busy', reason: 'in_use' },
      { secretId: 'sec_other', name: 'prod-db-password', reason: 'not_owned' },
      { secretId: 'sec_gone', name: 'ci-run-gone', reason: 'gone' },
    ]);
  });

  it('audits every new mark and every unmark with its reason', async () => {
    const { marks } = await sweep();
    const audits = marks.audits();
    expect(decisions(audits, 'marked').map((a) => [a.secretId, a.reason])).toEqual([['sec_new', 'first_seen_unused']]);
    expect(decisions(audits, 'unmarked').map((a) => [a.secretId, a.reason])).toEqual([
      ['sec_busy', 'in_use'],
      ['sec_other', 'not_owned'],
      ['sec_gone', 'gone'],
    ]);
    expect(audits.every((a) => a.runId === RUN_ID && a.at === T0)).toBe(true);
  });

  it('never marks or finds due a secret outside the prefixes that the API returned', async () => {
    const secrets = [unused('sec_x1', 'prod-a'), unused('sec_x2', 'staging-ci-run-b')];
    const old = [mark('sec_x1', 'prod-a', T0 - GRACE - DAY)];
    const { summary, marks, queue } = await sweep({ secrets, marks: old, env: { SWEEP_MODE: 'delete' } });
    expect(summary.plan).toMatchObject({ inventorySize: 2, owned: 0, writes: [], due: [] });
    expect(marks.table.size).toBe(0);
    expect(queue.sent).toEqual([]);
  });

  it('asks the API once per prefix with the prefix as search', async () => {
    const { api } = await sweep({ honourSearch: true });
    expect(api.queries.map((query) => [query.search, query.pageSize])).toEqual([
      ['ci-run-', 100],
      ['preview-', 100],
    ]);
  });
});

describe('runSweep modes', () => {
  /** The parts of the plan that are decisions; durations and modes may differ. */
  const decisionsOf = (plan: SweepPlan | undefined) => ({
    writes: plan?.writes,
    newlyMarked: plan?.newlyMarked,
    unmarked: plan?.unmarked,
    due: plan?.due,
    skipped: plan?.skipped,
    capExceeded: plan?.capExceeded,
  });

  it('produces the same plan in report and delete mode over identical inputs', async () => {
    const report = await sweep({ env: { SWEEP_MODE: 'report' } });
    const remove = await sweep({ env: { SWEEP_MODE: 'delete' } });
    expect(ids(report.summary.plan?.due)).toEqual(['sec_due_1', 'sec_due_2']);
    expect(decisionsOf(remove.summary.plan)).toEqual(decisionsOf(report.summary.plan));
    expect(remove.marks.applies[0]?.deletes).toEqual(report.marks.applies[0]?.deletes);
    expect(remove.marks.applies[0]?.puts).toEqual(report.marks.applies[0]?.puts);
  });

  it('produces the same plan in report and delete mode when the cap is exceeded', async () => {
    const env = { MAX_DELETIONS_PER_RUN: '1' };
    const report = await sweep({ env: { ...env, SWEEP_MODE: 'report' } });
    const remove = await sweep({ env: { ...env, SWEEP_MODE: 'delete' } });
    expect(report.summary.plan?.capExceeded).toBeDefined();
    expect(decisionsOf(remove.summary.plan)).toEqual(decisionsOf(report.summary.plan));
  });

  it('lists the inventory when REQUEST_TIMEOUT_MS is below 500 ms', async () => {
    const { summary, api } = await sweep({ env: { SWEEP_MODE: 'report', REQUEST_TIMEOUT_MS: '200' } });
    expect(summary.status).toBe('completed');
    expect(api.queries.length).toBeGreaterThan(0);
  });

  it('enqueues nothing in report mode when secrets are due', async () => {
    const { summary, queue, metrics } = await sweep({ env: { SWEEP_MODE: 'report' } });
    expect(summary).toMatchObject({ status: 'completed', mode: 'report', enqueued: 0 });
    expect(queue.sent).toEqual([]);
    expect(metrics.value('SweepEnqueued')).toEqual([0]);
  });

  it('audits every due secret as would_enqueue in report mode', async () => {
    const { marks } = await sweep({ env: { SWEEP_MODE: 'report' } });
    const audits = decisions(marks.audits(), 'would_enqueue');
    expect(ids(audits)).toEqual(['sec_due_1', 'sec_due_2']);
    expect(audits[0]).toMatchObject({ mode: 'report', runId: RUN_ID, name: 'ci-run-due-1' });
    expect(audits[0]?.reason).toMatch(/^stale: "ci-run-due-1" unused since .* \(192 h, grace 168 h\)$/);
  });

  it('logs sweep_would_enqueue for every due secret in report mode', async () => {
    const { log } = await sweep({ env: { SWEEP_MODE: 'report' } });
    const lines = log.lines.filter((line) => line.message === 'sweep_would_enqueue');
    expect(lines.map((line) => line.extra.secretId)).toEqual(['sec_due_1', 'sec_due_2']);
  });

  it('enqueues exactly the due ids as single-id sweep messages in delete mode', async () => {
    const { queue, summary } = await sweep({ env: { SWEEP_MODE: 'delete' } });
    expect(queue.bodies()).toEqual([
      {
        secretId: 'sec_due_1',
        origin: 'sweep',
        reason: expect.stringMatching(/^stale: /),
        eventId: RUN_ID,
        runId: RUN_ID,
        firstSeenUnusedAt: T0 - GRACE - DAY,
      },
      {
        secretId: 'sec_due_2',
        origin: 'sweep',
        reason: expect.stringMatching(/^stale: /),
        eventId: RUN_ID,
        runId: RUN_ID,
        firstSeenUnusedAt: T0 - GRACE,
      },
    ]);
    expect(summary).toMatchObject({ status: 'completed', mode: 'delete', enqueued: 2 });
  });

  it('enqueues messages that the worker reads as single sweep deletions', async () => {
    const { queue } = await sweep({ env: { SWEEP_MODE: 'delete' } });
    expect(queue.sent.map((entry) => parseMessage(entry.body))).toEqual([
      { kind: 'single', request: expect.objectContaining({ secretId: 'sec_due_1', origin: 'sweep' }) },
      { kind: 'single', request: expect.objectContaining({ secretId: 'sec_due_2', origin: 'sweep' }) },
    ]);
  });

  it('enqueues a message the worker accepts when the secret name is 600 characters long', async () => {
    const name = `ci-run-${'x'.repeat(593)}`;
    const { queue } = await sweep({
      secrets: [unused('sec_long', name)],
      marks: [mark('sec_long', name, T0 - GRACE)],
      env: { SWEEP_MODE: 'delete' },
    });
    expect(queue.sent).toHaveLength(1);
    expect(parseMessage(queue.sent[0]?.body ?? '')).toMatchObject({ kind: 'single' });
  });

  it('audits every enqueued secret as enqueued in delete mode, after the plan audits', async () => {
    const { marks } = await sweep({ env: { SWEEP_MODE: 'delete' } });
    expect(marks.applies).toHaveLength(2);
    expect(decisions(marks.applies[0]?.audits ?? [], 'would_enqueue')).toEqual([]);
    expect(marks.applies[1]).toMatchObject({ deletes: [], puts: [] });
    expect(marks.applies[1]?.audits.map((a) => [a.secretId, a.decision, a.mode])).toEqual([
      ['sec_due_1', 'enqueued', 'delete'],
      ['sec_due_2', 'enqueued', 'delete'],
    ]);
  });

  it('sends nothing to the queue in delete mode when nothing is due', async () => {
    const { queue, summary, marks } = await sweep({
      secrets: [unused('sec_new', 'ci-run-new')],
      marks: [],
      queue: fakeSweepQueue({ throws: () => new Error('sendBatch must not be called') }),
      env: { SWEEP_MODE: 'delete' },
    });
    expect(summary).toMatchObject({ status: 'completed', enqueued: 0 });
    expect(queue.sent).toEqual([]);
    expect(marks.applies).toHaveLength(1);
  });

  it('audits an entry the queue refused as skipped with enqueue_failed', async () => {
    const queue = fakeSweepQueue({ fail: (body) => body.includes('sec_due_2') });
    const { marks, summary, metrics, log } = await sweep({ queue, env: { SWEEP_MODE: 'delete' } });
    expect(ids(queue.sent.map((entry) => JSON.parse(entry.body) as { secretId: string }))).toEqual(['sec_due_1']);
    expect(marks.applies[1]?.audits.map((a) => [a.secretId, a.decision, a.reason.split(':')[0]])).toEqual([
      ['sec_due_1', 'enqueued', 'stale'],
      ['sec_due_2', 'skipped', 'enqueue_failed'],
    ]);
    expect(summary.enqueued).toBe(1);
    expect(metrics.value('SweepEnqueueFailed')).toEqual([1]);
    expect(log.lines.some((line) => line.level === 'error' && line.message === 'sweep_enqueue_failed')).toBe(true);
  });

  it('completes with a warning when the enqueue audits cannot be written', async () => {
    const { summary, queue, log } = await sweep({ failApply: 2, env: { SWEEP_MODE: 'delete' } });
    expect(summary.status).toBe('completed');
    expect(queue.sent).toHaveLength(2);
    expect(log.lines.filter((line) => line.level === 'warn').map((line) => line.message)).toEqual([
      'sweep_audit_failed',
    ]);
  });

  it('stops enqueueing after the queue keeps failing and says so', async () => {
    const queue = fakeSweepQueue({ throws: () => new QueueError('expected SendMessageBatch to succeed') });
    const { summary, marks } = await sweep({ queue, env: { SWEEP_MODE: 'delete' } });
    expect(summary.enqueued).toBe(0);
    expect(decisions(marks.applies[1]?.audits ?? [], 'skipped')).toHaveLength(2);
  });
});

describe('runSweep caps', () => {
  /** `dueCount` due secrets among `owned` owned ones; the rest are in use. */
  function dueAmong(dueCount: number, owned: number) {
    const secrets: ListedSecret[] = [];
    const marks: Mark[] = [];
    for (let index = 0; index < owned; index += 1) {
      const id = `sec_${index}`;
      const name = `ci-run-${index}`;
      if (index < dueCount) {
        secrets.push(unused(id, name));
        marks.push(mark(id, name, T0 - GRACE));
      } else {
        secrets.push(inUse(id, name));
      }
    }
    return { secrets, marks };
  }

  it('enqueues nothing and returns cap_exceeded when due is over maxDeletionsPerRun', async () => {
    const { summary, queue } = await sweep({
      ...dueAmong(4, 100),
      env: { SWEEP_MODE: 'delete', MAX_DELETIONS_PER_RUN: '3', MAX_DELETION_PERCENT: '100' },
    });
    expect(summary).toMatchObject({ status: 'cap_exceeded', enqueued: 0 });
    expect(summary.plan?.capExceeded).toEqual({ due: 4, limit: 3, cap: 'per_run' });
    expect(queue.sent).toEqual([]);
  });

  it('records SweepCapExceeded 1 when due is over maxDeletionsPerRun', async () => {
    const { metrics } = await sweep({
      ...dueAmong(4, 100),
      env: { SWEEP_MODE: 'delete', MAX_DELETIONS_PER_RUN: '3', MAX_DELETION_PERCENT: '100' },
    });
    expect(metrics.value('SweepCapExceeded')).toEqual([1]);
    expect(metrics.value('SweepAborted')).toEqual([0]);
    expect(metrics.value('SweepSkippedCapExceeded')).toEqual([4]);
  });

  it('audits every due secret as skipped with reason cap_exceeded', async () => {
    const { marks } = await sweep({
      ...dueAmong(4, 100),
      env: { SWEEP_MODE: 'delete', MAX_DELETIONS_PER_RUN: '3', MAX_DELETION_PERCENT: '100' },
    });
    const skipped = decisions(marks.audits(), 'skipped');
    expect(ids(skipped)).toEqual(['sec_0', 'sec_1', 'sec_2', 'sec_3']);
    expect(new Set(skipped.map((a) => a.reason))).toEqual(new Set(['cap_exceeded: 4 due > 3 allowed (per_run)']));
    expect(decisions(marks.audits(), 'enqueued')).toEqual([]);
  });

  it('returns cap_exceeded when 3 are due of 20 owned with a 10 % cap', async () => {
    const { summary, queue } = await sweep({
      ...dueAmong(3, 20),
      env: { SWEEP_MODE: 'delete', MAX_DELETIONS_PER_RUN: '25', MAX_DELETION_PERCENT: '10' },
    });
    expect(summary.status).toBe('cap_exceeded');
    expect(summary.plan?.capExceeded).toEqual({ due: 3, limit: 2, cap: 'fraction' });
    expect(queue.sent).toEqual([]);
  });

  it('enqueues all due secrets when 2 are due of 20 owned with a 10 % cap', async () => {
    const { summary, queue } = await sweep({
      ...dueAmong(2, 20),
      env: { SWEEP_MODE: 'delete', MAX_DELETIONS_PER_RUN: '25', MAX_DELETION_PERCENT: '10' },
    });
    expect(summary).toMatchObject({ status: 'completed', enqueued: 2 });
    expect(queue.sent).toHaveLength(2);
  });

  it('enqueues the one due secret of a 3-secret inventory with a 10 % cap', async () => {
    const { summary, queue } = await sweep({
      ...dueAmong(1, 3),
      env: { SWEEP_MODE: 'delete', MAX_DELETIONS_PER_RUN: '25', MAX_DELETION_PERCENT: '10' },
    });
    expect(summary.status).toBe('completed');
    expect(queue.sent).toHaveLength(1);
  });

  it('logs the cap in an error summary line', async () => {
    const { log } = await sweep({
      ...dueAmong(3, 20),
      env: { SWEEP_MODE: 'report', MAX_DELETIONS_PER_RUN: '25', MAX_DELETION_PERCENT: '10' },
    });
    const summaries = log.lines.filter((line) => line.message === 'sweep_summary');
    expect(summaries).toEqual([
      {
        level: 'error',
        message: 'sweep_summary',
        extra: expect.objectContaining({
          status: 'cap_exceeded',
          capExceeded: { due: 3, limit: 2, cap: 'fraction' },
        }),
      },
    ]);
  });
});

describe('runSweep summary', () => {
  it('logs one info summary line with the plan counts when the run completes', async () => {
    const { log } = await sweep();
    const summaries = log.lines.filter((line) => line.message === 'sweep_summary');
    expect(summaries).toEqual([
      {
        level: 'info',
        message: 'sweep_summary',
        extra: {
          status: 'completed',
          mode: 'report',
          runId: RUN_ID,
          durationMs: 0,
          listCalls: 3,
          enqueued: 0,
          envVariables: 0,
          inventorySize: 6,
          owned: 5,
          unused: 4,
          newlyMarked: 1,
          unmarked: 3,
          due: 2,
          skipped: {
            protected_id: 0,
            protected_name: 0,
            in_use: 1,
            in_use_env_variable: 0,
            unreadable: 0,
            grace_period: 2,
            cap_exceeded: 0,
          },
        },
      },
    ]);
  });

  it('records every sweep metric with its unit when the run completes', async () => {
    const { metrics } = await sweep();
    expect(Object.fromEntries(metrics.recorded.map((entry) => [entry.name, [entry.value, entry.unit]]))).toEqual({
      SweepListCalls: [3, 'Count'],
      SweepDuration: [0, 'Milliseconds'],
      SweepAborted: [0, 'Count'],
      SweepCapExceeded: [0, 'Count'],
      SweepEnvVariables: [0, 'Count'],
      SweepInventorySize: [6, 'Count'],
      SweepOwned: [5, 'Count'],
      SweepUnused: [4, 'Count'],
      SweepNewlyMarked: [1, 'Count'],
      SweepUnmarked: [3, 'Count'],
      SweepDue: [2, 'Count'],
      SweepEnqueued: [0, 'Count'],
      SweepSkippedProtected: [0, 'Count'],
      SweepSkippedInUse: [1, 'Count'],
      SweepSkippedInUseEnvVariable: [0, 'Count'],
      SweepSkippedUnreadable: [0, 'Count'],
      SweepSkippedGracePeriod: [2, 'Count'],
      SweepSkippedCapExceeded: [0, 'Count'],
    });
  });

  it('counts protected secrets in SweepSkippedProtected', async () => {
    const { metrics, summary } = await sweep({
      env: { PROTECTED_SECRET_IDS: 'sec_due_1', PROTECTED_NAME_PATTERNS: 'preview-*' },
    });
    expect(metrics.value('SweepSkippedProtected')).toEqual([2]);
    expect(summary.plan?.due).toEqual([]);
  });
});

describe('runSweep logs', () => {
  it.each([
    ['a complete run in delete mode', { env: { SWEEP_MODE: 'delete' } }],
    ['an aborted run', { ...PAGE_3_FAILS, env: { SWEEP_MODE: 'delete' } }],
  ])('never contain the API key in %s', async (_name, options) => {
    const { log, queue } = await sweep(options as SweepOptions);
    const everything = JSON.stringify([log.lines, queue.sent]);
    expect(everything.length).toBeGreaterThan(100);
    expect(everything).not.toContain(API_KEY);
  });
});
