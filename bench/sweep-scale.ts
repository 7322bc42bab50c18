import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createElevenLabsClient } from '#adapters/elevenlabs.ts';
import { createMarksTable } from '#adapters/marks-table.ts';
import type { ElevenLabsApi, LogPort, MarksStore } from '#core/ports.ts';
import { deletionLimit } from '#core/sweep-plan.ts';
import { runSweep, type SweepSummary } from '#core/sweep-run.ts';
import { loadSweepConfig, type SweepConfig } from '#shared/config.ts';
import { SETTINGS } from '#shared/settings.ts';
import { startMarksDynamo } from '#test/helpers/dynalite.ts';
import { type FakeElevenLabs, startFakeElevenLabs } from '#test/helpers/fake-elevenlabs.ts';
import { API_KEY } from './loopback.ts';
import { ratio, type Summary, summarize } from './stats.ts';
import { API_LATENCY_MS } from './warm.ts';

/**
 * Three consecutive scheduled sweeps over a large workspace, end to end on loopback: the real
 * `runSweep`, the real ElevenLabs client against the fake API, the real marks-table adapter against
 * dynalite (a real DynamoDB implementation, in memory), and a recording queue. Only the calendar is
 * simulated: within a run the clock moves with real time, so the 300 s deadline is a real one.
 */

/** The sweep function's default timeout (infra/janitor-sweep.ts: Duration.minutes(5)). */
export const SWEEP_TIMEOUT_MS = 5 * 60_000;
/** The "well within the function timeout", read as at most 20 % of it. */
export const SWEEP_RUN_BUDGET = 0.2;
/** The size the issue names; a run at another size is reported but not judged. */
export const SWEEP_SCALE_JUDGED = 10_000;
/** The largest MAX_DELETIONS_PER_RUN that loadSweepConfig accepts (declared in functions/shared/settings.ts). */
export const MAX_DELETIONS_PER_RUN_ALLOWED = SETTINGS.maxDeletionsPerRun.kind.range?.max ?? 1000;
/** Per list page, for the projection only: the API latency section 3 measures against. */
export const PROJECTED_LIST_LATENCY_MS = API_LATENCY_MS;

const PREFIX = 'janitor-';
const DAY = 24 * 3_600_000;
/** Monday 2026-11-30 03:00 UTC; the date only labels the runs. */
const T0 = Date.UTC(2026, 10, 30, 3, 0, 0);
/**
 * The grace period for this measurement. Three runs one day apart (the default `rate(1 day)`) must
 * reach it without a gap over the default 48 h MAX_OBSERVATION_GAP_HOURS restarting the marks, so
 * it is 36 h instead of the default 7 days: over by run 3 (48 h after run 1), not by run 2 (24 h).
 * What a run does with the due secrets does not depend on the grace length.
 */
export const SWEEP_SCALE_GRACE_HOURS = 36;
const HOLDERS = ['agent', 'tool', 'has_more'] as const;

export interface SweepScaleRun {
  readonly id: 'first' | 'refresh' | 'due';
  readonly label: string;
  /** Simulated time of the run, ISO. */
  readonly at: string;
  /** Wall time of `runSweep`, one sample per pass. */
  readonly wallMs: Summary;
  /** Time spent inside the list calls, and inside the marks table (readAll + apply), one sample per pass. */
  readonly listMs: Summary;
  readonly tableMs: Summary;
  /** Median wall time / the 300 s timeout. */
  readonly timeoutRatio: number;
  /** Median wall time plus PROJECTED_LIST_LATENCY_MS per list call (arithmetic: pages are fetched one after another). */
  readonly projectedMs: number;
  readonly status: SweepSummary['status'];
  readonly listCalls: number;
  readonly queries: number;
  readonly batchWrites: number;
  /** Any other DynamoDB operation (none expected). */
  readonly otherDynamo: number;
  readonly marksWritten: number;
  readonly marksDeleted: number;
  readonly audits: number;
  readonly newlyMarked: number;
  readonly due: number;
  readonly capExceeded?: { readonly due: number; readonly limit: number; readonly cap: string };
  readonly enqueued: number;
  readonly queueBatches: number;
  readonly logLines: number;
  readonly logBytes: number;
  /** Backoff sleeps (retries, unprocessed items): 0 in a fault-free run. */
  readonly sleeps: number;
}

export interface SweepScale {
  readonly secrets: number;
  readonly inUse: number;
  readonly unused: number;
  readonly passes: number;
  readonly graceHours: number;
  readonly timeoutMs: number;
  readonly budget: number;
  readonly maxDeletionsPerRun: number;
  readonly maxDeletionPercent: number;
  readonly runs: readonly SweepScaleRun[];
  /** Empty when every run of every pass did what its scenario expects; anything here fails the target. */
  readonly problems: readonly string[];
  /** The slowest run (by median wall time), its median / the timeout, and the largest projection / the timeout. */
  readonly worst: { readonly label: string; readonly ratio: number; readonly projectedRatio: number };
}

type Op = 'Query' | 'BatchWriteItem' | 'PutItem' | 'other';

/** Counts DynamoDB operations as they go on the wire (the `X-Amz-Target` header), retries included. */
function countOperations(client: DynamoDBClient): Record<Op, number> {
  const counts: Record<Op, number> = { Query: 0, BatchWriteItem: 0, PutItem: 0, other: 0 };
  client.middlewareStack.add(
    (next) => async (args) => {
      const headers = (args.request as { headers?: Record<string, string> } | undefined)?.headers ?? {};
      const operation = (headers['x-amz-target'] ?? '').split('.').pop() ?? '';
      if (operation === 'Query' || operation === 'BatchWriteItem' || operation === 'PutItem') counts[operation] += 1;
      else counts.other += 1;
      return next(args);
    },
    { step: 'finalizeRequest', name: 'benchCountDynamoOperations' },
  );
  return counts;
}

/** 70 % in use (by an agent, by a tool the key cannot see, or by a `*_has_more` flag only), 30 % unused. */
function populate(fake: FakeElevenLabs, secrets: number): { inUse: number; unused: number } {
  let inUse = 0;
  for (let index = 0; index < secrets; index += 1) {
    const id = `sec_scale_${String(index).padStart(6, '0')}`;
    const secret = fake.addSecret(id, `${PREFIX}${index}`);
    if (index % 10 >= 7) continue;
    inUse += 1;
    const holder = HOLDERS[index % HOLDERS.length];
    if (holder === 'agent') fake.markInUse(id, `agent_${index}`);
    else if (holder === 'tool') secret.used_by.tools.push({ type: 'unknown', id: `tool_hidden_${index}` });
    else secret.used_by.agents_has_more = true;
  }
  return { inUse, unused: secrets - inUse };
}

/** List requests the fake saw: secrets pages and environment-variable pages. */
const listRequests = (fake: FakeElevenLabs) => fake.count('list') + fake.count('env_list');

interface Expected {
  readonly status: SweepSummary['status'];
  readonly marksWritten: number;
  readonly newlyMarked: number;
  readonly due: number;
  readonly audits: number;
}

/** What each run must do, from the workspace alone: every unused secret is marked, refreshed, then due. */
function expectations(unused: number, capped: boolean): Record<SweepScaleRun['id'], Expected> {
  return {
    first: { status: 'completed', marksWritten: unused, newlyMarked: unused, due: 0, audits: unused },
    refresh: { status: 'completed', marksWritten: unused, newlyMarked: 0, due: 0, audits: 0 },
    due: {
      status: capped ? 'cap_exceeded' : 'completed',
      marksWritten: unused,
      newlyMarked: 0,
      due: unused,
      audits: unused,
    },
  };
}

/** The audits `runSweep` writes for a plan in report mode (marked, unmarked, and every due secret). */
const auditsOf = (plan: SweepSummary['plan']) =>
  plan ? plan.newlyMarked.length + plan.unmarked.length + plan.due.length : 0;

interface Sample {
  readonly wallMs: number;
  readonly listMs: number;
  readonly tableMs: number;
  readonly summary: SweepSummary;
  readonly listCalls: number;
  readonly ops: Record<Op, number>;
  readonly queueBatches: number;
  readonly logLines: number;
  readonly logBytes: number;
  readonly sleeps: number;
}

/** One pass: a fresh dynalite table, then three runs one day apart. */
async function onePass(fake: FakeElevenLabs, env: Record<string, string>): Promise<Sample[]> {
  const dynamo = await startMarksDynamo('janitor-sweep-marks');
  try {
    const counts = countOperations(dynamo.client);
    const config = loadSweepConfig({ ...env, MARKS_TABLE_NAME: dynamo.tableName });
    const tally = { calendar: T0, started: 0, slept: 0, sleeps: 0, queue: 0, lines: 0, bytes: 0, list: 0, table: 0 };
    const timed = async <T>(into: 'list' | 'table', work: () => Promise<T>): Promise<T> => {
      const from = performance.now();
      try {
        return await work();
      } finally {
        tally[into] += performance.now() - from;
      }
    };
    const sleep = async (ms: number) => {
      tally.sleeps += 1;
      tally.slept += ms;
    };
    // Every line JSON-encoded, as Powertools does before writing it; nothing is printed.
    const line =
      (level: string) =>
      (message: string, extra: Record<string, unknown> = {}) => {
        tally.lines += 1;
        tally.bytes += JSON.stringify({ level, message, ...extra }).length + 1;
      };
    const logger: LogPort = { info: line('INFO'), warn: line('WARN'), error: line('ERROR') };
    const api = createElevenLabsClient({ baseUrl: fake.baseUrl, userAgent: 'convai-secret-janitor/bench' });
    const marks = createMarksTable({
      client: dynamo.client,
      tableName: dynamo.tableName,
      auditTtlDays: config.auditTtlDays,
      sleep,
    });
    const deps = {
      api: {
        listSecrets: (...args: Parameters<ElevenLabsApi['listSecrets']>) =>
          timed('list', () => api.listSecrets(...args)),
        listEnvironmentVariables: (...args: Parameters<ElevenLabsApi['listEnvironmentVariables']>) =>
          timed('list', () => api.listEnvironmentVariables(...args)),
      },
      apiKey: { get: async () => API_KEY },
      now: () => tally.calendar + tally.slept + (performance.now() - tally.started),
      sleep,
      random: Math.random,
      marks: {
        ...marks,
        readAll: () => timed('table', () => marks.readAll()),
        apply: (changes: Parameters<MarksStore['apply']>[0]) => timed('table', () => marks.apply(changes)),
      },
      // Report mode never enqueues; the recording queue shows it.
      queue: {
        sendBatch: async (): Promise<string[]> => {
          tally.queue += 1;
          return [];
        },
      },
      logger,
      metrics: { record: () => undefined },
    };
    const samples: Sample[] = [];
    for (let run = 0; run < 3; run += 1) {
      Object.assign(tally, { calendar: T0 + run * DAY, slept: 0, sleeps: 0, queue: 0, lines: 0, bytes: 0 });
      Object.assign(tally, { list: 0, table: 0 });
      const before = { ...counts };
      const lists = listRequests(fake);
      tally.started = performance.now();
      const summary = await runSweep(
        config,
        { ...deps, runId: `bench-run-${run + 1}` },
        tally.calendar + SWEEP_TIMEOUT_MS,
      );
      const wallMs = performance.now() - tally.started;
      samples.push({
        wallMs,
        listMs: tally.list,
        tableMs: tally.table,
        summary,
        listCalls: listRequests(fake) - lists,
        ops: {
          Query: counts.Query - before.Query,
          BatchWriteItem: counts.BatchWriteItem - before.BatchWriteItem,
          PutItem: counts.PutItem - before.PutItem,
          other: counts.other - before.other,
        },
        queueBatches: tally.queue,
        logLines: tally.lines,
        logBytes: tally.bytes,
        sleeps: tally.sleeps,
      });
    }
    return samples;
  } finally {
    await dynamo.stop();
  }
}

const RUNS = [
  { id: 'first', label: 'run 1: first sighting' },
  { id: 'refresh', label: 'run 2: next day, refresh only' },
  { id: 'due', label: 'run 3: grace over, report mode' },
] as const;

/** Differences between what a run did and what its scenario expects; empty when it matches. */
function check(label: string, sample: Sample, want: Expected): string[] {
  const { summary } = sample;
  const got: Expected = {
    status: summary.status,
    marksWritten: summary.plan?.writes.length ?? 0,
    newlyMarked: summary.plan?.newlyMarked.length ?? 0,
    due: summary.plan?.due.length ?? 0,
    audits: auditsOf(summary.plan),
  };
  const problems = (Object.keys(want) as (keyof Expected)[])
    .filter((key) => got[key] !== want[key])
    .map((key) => `${label}: ${key} ${got[key]}, expected ${want[key]}`);
  if (summary.reason) problems.push(`${label}: ${summary.reason}`);
  if (summary.enqueued !== 0 || sample.queueBatches !== 0) problems.push(`${label}: enqueued in report mode`);
  if (sample.ops.PutItem !== 1)
    problems.push(`${label}: ${sample.ops.PutItem} PutItem calls, expected 1 (the run claim)`);
  if (sample.ops.other !== 0)
    problems.push(`${label}: ${sample.ops.other} DynamoDB calls besides Query, BatchWriteItem and the run claim`);
  return problems;
}

function summarizeRun(index: number, samples: readonly Sample[]): SweepScaleRun {
  const { id, label } = RUNS[index] ?? RUNS[0];
  const last = samples.at(-1);
  if (!last) throw new Error(`sweep scale: no sample for ${label}`);
  const plan = last.summary.plan;
  const wallMs = summarize(samples.map((sample) => sample.wallMs));
  return {
    id,
    label,
    at: new Date(T0 + index * DAY).toISOString(),
    wallMs,
    listMs: summarize(samples.map((sample) => sample.listMs)),
    tableMs: summarize(samples.map((sample) => sample.tableMs)),
    timeoutRatio: ratio(wallMs.median, SWEEP_TIMEOUT_MS),
    projectedMs: wallMs.median + last.listCalls * PROJECTED_LIST_LATENCY_MS,
    status: last.summary.status,
    listCalls: last.listCalls,
    queries: last.ops.Query,
    batchWrites: last.ops.BatchWriteItem,
    otherDynamo: last.ops.other,
    marksWritten: plan?.writes.length ?? 0,
    marksDeleted: plan?.unmarked.length ?? 0,
    audits: auditsOf(plan),
    newlyMarked: plan?.newlyMarked.length ?? 0,
    due: plan?.due.length ?? 0,
    ...(plan?.capExceeded ? { capExceeded: plan.capExceeded } : {}),
    enqueued: last.summary.enqueued,
    queueBatches: last.queueBatches,
    logLines: last.logLines,
    logBytes: last.logBytes,
    sleeps: Math.max(...samples.map((sample) => sample.sleeps)),
  };
}

/**
 * `passes` × three runs over `secrets` owned secrets under one prefix, each pass on a fresh table,
 * with the default caps (run 3 trips the per-run cap: report mode audits the due secrets as skipped).
 */
export async function measureSweepScale(secrets: number, passes: number): Promise<SweepScale> {
  const fake = await startFakeElevenLabs({ validKeys: [API_KEY] });
  try {
    const { inUse, unused } = populate(fake, secrets);
    const env = {
      API_KEY_SECRET_ID: 'convai-secret-janitor/elevenlabs-api-key',
      QUEUE_URL: 'http://127.0.0.1:9/000000000000/janitor-queue',
      ELEVENLABS_BASE_URL: fake.baseUrl,
      SWEEP_PREFIXES: PREFIX,
      SWEEP_MODE: 'report',
      GRACE_PERIOD_HOURS: String(SWEEP_SCALE_GRACE_HOURS),
    };
    const byPass: Sample[][] = [];
    for (let pass = 0; pass < passes; pass += 1) byPass.push(await onePass(fake, env));

    const config: SweepConfig = loadSweepConfig({ ...env, MARKS_TABLE_NAME: 'janitor-sweep-marks' });
    const expected = expectations(unused, unused > deletionLimit(secrets, config).limit);
    const problems: string[] = [];
    const runs = RUNS.map(({ id, label }, index) => {
      const samples = byPass.map((pass) => pass[index]).filter((sample): sample is Sample => sample !== undefined);
      for (const sample of samples) problems.push(...check(label, sample, expected[id]));
      return summarizeRun(index, samples);
    });
    const worst = runs.reduce((a, b) => (b.wallMs.median > a.wallMs.median ? b : a));
    return {
      secrets,
      inUse,
      unused,
      passes,
      graceHours: SWEEP_SCALE_GRACE_HOURS,
      timeoutMs: SWEEP_TIMEOUT_MS,
      budget: SWEEP_RUN_BUDGET,
      maxDeletionsPerRun: config.maxDeletionsPerRun,
      maxDeletionPercent: config.maxDeletionPercent,
      runs,
      problems: [...new Set(problems)],
      worst: {
        label: worst.label,
        ratio: worst.timeoutRatio,
        projectedRatio: ratio(Math.max(...runs.map((run) => run.projectedMs)), SWEEP_TIMEOUT_MS),
      },
    };
  } finally {
    await fake.close();
  }
}
