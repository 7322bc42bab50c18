import { vi } from 'vitest';
import type { Mark } from '#core/ports.ts';
import { createJanitorQueues, type LocalQueue, type StoredMessage } from '#sandbox/local-queue.ts';
import { localQueuePort } from '#sandbox/queue-port.ts';
import { createQueueRunner, type RunSummary } from '#sandbox/queue-runner.ts';
import { dice, seededRandom, seedOf } from '#sandbox/random.ts';
import { createTimeline } from '#sandbox/timeline.ts';
import { createVirtualClock } from '#sandbox/virtual-clock.ts';
import { loadWorkerConfig, type WorkerConfig } from '#shared/config.ts';
import { redactingQueue } from '#shared/redacting-clients.ts';
import { startFakeAws } from '#test/helpers/fake-aws.ts';
import { startFakeElevenLabs } from '#test/helpers/fake-elevenlabs.ts';
import { createFaultPlan } from '#test/helpers/fault-plan.ts';
import { type FaultProxy, startFaultProxy } from '#test/helpers/fault-proxy.ts';
import { createContainerPool, type Observations } from '#test/helpers/soak-container.ts';
import {
  AWS_FAULT_RATES,
  createStrikes,
  injectQueueFaults,
  injectSecretsFaults,
  scheduleKeyRotations,
} from '#test/helpers/soak-faults.ts';
import { buildPopulation, type Category, type Population, type SoakRequest } from '#test/helpers/soak-population.ts';

/**
 * The fault soak's world: the real worker handler (`createWorkerHandler`) with the real HTTP client and
 * key provider, run by the sandbox's queue runner on a virtual clock, against the fake ElevenLabs
 * behind a fault proxy and the fake Secrets Manager. What the run saw comes back for the checks.
 */

export const START = Date.UTC(2026, 10, 26, 12, 0, 0);
const HOUR = 3_600_000;
const KEY_SECRET = 'janitor/elevenlabs-api-key';

export interface SoakOptions {
  readonly seed: number;
  readonly requests: number;
  /** Chance that an API request gets a fault; bursts (a fault repeating) add a little. @default 0.145 */
  readonly apiFaultRate?: number;
}

export interface SoakRun extends Observations {
  readonly options: SoakOptions;
  readonly config: WorkerConfig;
  readonly population: Population;
  /** When each request's message really entered the queue (virtual time). */
  readonly sentAt: ReadonlyMap<SoakRequest, number>;
  readonly keys: readonly string[];
  /** Everything the worker wrote to stdout and stderr (Powertools JSON lines). */
  readonly output: string;
  readonly dlq: StoredMessage[];
  readonly leftInQueue: StoredMessage[];
  readonly queueCounters: LocalQueue['counters'];
  readonly secretsBefore: ReadonlySet<string>;
  readonly secretsAfter: ReadonlySet<string>;
  readonly proxy: Pick<FaultProxy, 'records' | 'byRequestId'> & { faults: ReturnType<FaultProxy['faultCounts']> };
  /** Injected AWS-side and Lambda faults by kind. */
  readonly awsFaults: Record<string, number>;
  /** 401 answers from the fake itself after a rotation (not injected). */
  readonly rotationUnauthorized: number;
  readonly invocationErrors: unknown[];
  readonly summary: RunSummary;
  readonly virtualEndMs: number;
  readonly realMs: number;
}

/** Captures what Powertools writes while `run` runs. */
async function capturingOutput<T>(run: () => Promise<T>): Promise<{ result: T; output: string }> {
  const chunks: string[] = [];
  const capture = (chunk: unknown) => chunks.push(String(chunk)) > 0;
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    return { result: await run(), output: chunks.join('') };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

export async function runSoak(options: SoakOptions): Promise<SoakRun> {
  const realStart = performance.now();
  const roll = dice(seededRandom(seedOf(options.seed, 'population')));
  const population = buildPopulation(options.requests, roll, START);
  const keys = [0, 1, 2].map(() => `sk_${roll.token(40)}`);
  const ids = (...categories: Category[]) =>
    population.requests.flatMap((r) => (r.secretId && categories.includes(r.category) ? [r.secretId] : []));
  const clock = createVirtualClock(START);
  const awsFaults: Record<string, number> = {};

  const elevenlabs = await startFakeElevenLabs({ validKeys: [keys[0] ?? ''] });
  for (const id of [
    ...ids('free', 'released', 'never_released', 'protected', 'forged_sweep'),
    ...population.bystanders,
  ])
    elevenlabs.addSecret(id);
  for (const id of ids('released', 'never_released')) elevenlabs.markInUse(id);
  for (const id of ids('protected', 'forged_sweep')) if (roll.chance(0.5)) elevenlabs.markInUse(id);
  const secretsBefore = new Set(elevenlabs.secrets.keys());
  const proxy = await startFaultProxy({
    upstream: elevenlabs.baseUrl,
    now: clock.now,
    decide: createFaultPlan({ seed: options.seed, rate: options.apiFaultRate ?? 0.145, burst: 0.25 }),
  });
  const aws = await startFakeAws();
  aws.secrets.set(KEY_SECRET, JSON.stringify({ apiKey: keys[0] }));
  injectSecretsFaults(aws, clock.now, START, options.seed, awsFaults);

  const config = loadWorkerConfig({
    API_KEY_SECRET_ID: KEY_SECRET,
    QUEUE_URL: 'sandbox://janitor-queue',
    DLQ_URL: 'sandbox://janitor-dlq',
    ELEVENLABS_BASE_URL: proxy.baseUrl,
    // The smallest allowed, so that a hung request costs little real time; the deployed default is 10 s.
    REQUEST_TIMEOUT_MS: '100',
    PROTECTED_SECRET_IDS: ids('protected').join(','),
    MARKS_TABLE_NAME: 'janitor-marks',
    // The sweep may delete: forged sweep messages meet every check the worker has.
    SWEEP_MODE: 'delete',
  });
  const { queue, dlq } = createJanitorQueues(clock);
  const strikes = createStrikes(options.seed, awsFaults);
  injectQueueFaults(queue, dlq, strikes);

  // The marks some forgeries name: one that started at another time, one not refreshed for 3 days.
  const marks = new Map<string, Mark>();
  for (const { secretId, forgery } of population.requests) {
    if (!secretId || (forgery !== 'mark_changed' && forgery !== 'stale_mark')) continue;
    const at =
      forgery === 'mark_changed'
        ? { firstSeenUnusedAt: START - 300 * HOUR, lastSeenUnusedAt: START - HOUR }
        : { firstSeenUnusedAt: START - 240 * HOUR, lastSeenUnusedAt: START - 72 * HOUR };
    marks.set(secretId, { secretId, name: `session-${secretId}`, ...at });
  }

  const timeline = createTimeline();
  const sentAt = new Map<SoakRequest, number>();
  for (const message of population.messages) {
    timeline.schedule(START + message.sentAfterMs, () => {
      queue.send(message.body);
      for (const request of message.requests) sentAt.set(request, clock.now());
    });
  }
  for (const { secretId, releaseAfterMs, sentAfterMs } of population.requests) {
    if (releaseAfterMs === undefined || !secretId) continue;
    timeline.schedule(START + sentAfterMs + releaseAfterMs, () => elevenlabs.release(secretId));
  }
  scheduleKeyRotations({ timeline, start: START, keys, keySecret: KEY_SECRET, aws, elevenlabs, counts: awsFaults });

  const pool = createContainerPool({
    config,
    clock,
    awsEndpoint: aws.endpoint,
    queue: redactingQueue(localQueuePort(queue, dlq)),
    marks,
    random: seededRandom(seedOf(options.seed, 'worker')),
    onTimeout: () => {
      awsFaults.function_timeout = (awsFaults.function_timeout ?? 0) + 1;
    },
  });
  const invocationErrors: unknown[] = [];
  const runner = createQueueRunner({
    queue,
    clock,
    timeline,
    batchSize: 10,
    maxConcurrency: 2,
    functionTimeoutMs: 60_000,
    onInvocation: (invocation) => {
      if (invocation.error !== undefined) invocationErrors.push(invocation.error);
    },
    handler: (event, context) => {
      const head = event.Records[0];
      const key = `${head?.body} ${head?.attributes.ApproximateReceiveCount}`;
      const timesOut =
        event.Records.length >= 2 &&
        strikes('function_timeout', AWS_FAULT_RATES.functionTimeout, key, { count: false });
      const killAt = timesOut
        ? dice(seededRandom(seedOf(options.seed, key))).int(2, 2 * event.Records.length)
        : undefined;
      return pool.invoke(event, context, killAt);
    },
  });

  try {
    const { result: summary, output } = await capturingOutput(() => runner.run({ untilMs: START + 14 * 24 * HOUR }));
    return {
      ...pool.seen,
      options,
      config,
      population,
      sentAt,
      keys,
      output,
      dlq: dlq.messages(),
      leftInQueue: queue.messages(),
      queueCounters: { ...queue.counters },
      secretsBefore,
      secretsAfter: new Set(elevenlabs.secrets.keys()),
      proxy: { records: proxy.records, byRequestId: proxy.byRequestId, faults: proxy.faultCounts() },
      awsFaults,
      rotationUnauthorized: proxy.records.filter((r) => r.upstreamStatus === 401).length,
      invocationErrors,
      summary,
      virtualEndMs: clock.now(),
      realMs: performance.now() - realStart,
    };
  } finally {
    pool.close();
    await Promise.all([proxy.close(), elevenlabs.close(), aws.close()]);
  }
}
