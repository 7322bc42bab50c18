/**
 * The sandbox's deployment, on one machine: the ElevenLabs simulator on loopback with a seeded
 * workspace, the deletion queue and its DLQ (local, with SQS semantics), the real worker handler run
 * by the queue runner as Lambda's event source runs it, the real sweep, an in-memory marks table,
 * and Secrets Manager, SQS and EventBridge for the producer library. Configuration goes through
 * `loadWorkerConfig` and `loadSweepConfig`, from the variables the stack would set.
 */
import { DETAIL_TYPES } from '#core/message-schemas.ts';
import type { WorkerDeps } from '#core/ports.ts';
import { runSweep, type SweepSummary, sweepRunId } from '#core/sweep-run.ts';
import { sweepTimingProblem } from '#infra/sweep-rules.ts';
import { createCollector } from '#sandbox/collector.ts';
import { type ElevenLabsSimulator, startElevenLabsSimulator } from '#sandbox/elevenlabs-simulator.ts';
import { eventTime } from '#sandbox/eventbridge-events.ts';
import { localEventBus, localSecretsManager, localSqs } from '#sandbox/local-aws.ts';
import { createJanitorQueues } from '#sandbox/local-queue.ts';
import { createMemoryMarks } from '#sandbox/memory-marks.ts';
import { localQueuePort } from '#sandbox/queue-port.ts';
import { createQueueRunner } from '#sandbox/queue-runner.ts';
import { seededRandom, seedOf } from '#sandbox/random.ts';
import { createTimeline } from '#sandbox/timeline.ts';
import { createVirtualClock } from '#sandbox/virtual-clock.ts';
import { type SeededWorkspace, seedWorkspace } from '#sandbox/workspace-seed.ts';
import { createApiDeps } from '#shared/aws-clients.ts';
import { loadSweepConfig, loadWorkerConfig, type SweepMode } from '#shared/config.ts';
import { registerSecret } from '#shared/redact.ts';
import { redactingQueue } from '#shared/redacting-clients.ts';
import { createWorkerHandler } from '#shared/worker-handler.ts';

/** Thursday 26 November 2026, 09:00 UTC: virtual time starts here. */
export const START = Date.UTC(2026, 10, 26, 9, 0, 0);
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
/** The sweep's timing in the sandbox: short, but checked by the stack's own rule. */
export const SWEEP_TIMING = {
  schedule: 'rate(30 minutes)',
  timeZone: 'UTC',
  gracePeriodHours: 2,
  maxObservationGapHours: 1,
} as const;
export const SWEEP_EVERY_MS = 30 * MINUTE;

const KEY_SECRET = 'convai-secret-janitor/elevenlabs-api-key';
const QUEUE_URL = 'sandbox://janitor-queue';
const DLQ_URL = 'sandbox://janitor-dlq';

export interface WorldOptions {
  readonly seed: number;
  readonly size: number;
  /** The key the simulator accepts; it lives in the local Secrets Manager and nowhere else. */
  readonly apiKey: string;
  /** Waits while the clock skips this much virtual time (0 for an instant run). */
  readonly pace: (skippedMs: number) => Promise<void>;
}

export type World = Awaited<ReturnType<typeof createWorld>>;

export async function createWorld(options: WorldOptions) {
  const timingProblem = sweepTimingProblem(SWEEP_TIMING, 'context', new Date(START));
  if (timingProblem) throw new Error(`the sandbox's sweep timing is invalid: ${timingProblem}`);
  registerSecret(options.apiKey);
  const clock = createVirtualClock(START);
  const timeline = createTimeline();
  const simulator: ElevenLabsSimulator = await startElevenLabsSimulator({ validKeys: [options.apiKey] });
  let workspace: SeededWorkspace;
  try {
    workspace = seedWorkspace(simulator, options);
  } catch (error) {
    await simulator.close();
    throw error;
  }

  // What the stack sets on each function, with the sandbox's addresses and a short grace period.
  const env = {
    API_KEY_SECRET_ID: KEY_SECRET,
    QUEUE_URL,
    ELEVENLABS_BASE_URL: simulator.baseUrl,
    REQUEST_TIMEOUT_MS: '2000',
    PROTECTED_SECRET_IDS: workspace.protectedId,
    MARKS_TABLE_NAME: 'janitor-marks',
    GRACE_PERIOD_HOURS: String(SWEEP_TIMING.gracePeriodHours),
  };
  const workerConfig = loadWorkerConfig({ ...env, DLQ_URL, SWEEP_MODE: 'delete' });
  const sweepConfig = (mode: SweepMode) =>
    loadSweepConfig({
      ...env,
      SWEEP_MODE: mode,
      SWEEP_PREFIXES: workspace.prefixes.join(','),
      MAX_OBSERVATION_GAP_HOURS: String(SWEEP_TIMING.maxObservationGapHours),
      // The seeded workspace is mostly stale on purpose; the deployed defaults (25, 10 %) would stop the run.
      MAX_DELETIONS_PER_RUN: '1000',
      MAX_DELETION_PERCENT: '90',
    });

  const { queue, dlq } = createJanitorQueues(clock);
  const collector = createCollector(clock.now);
  const marks = createMemoryMarks();
  const secretsManager = localSecretsManager(new Map([[KEY_SECRET, JSON.stringify({ apiKey: options.apiKey })]]));
  const time = { now: clock.now, sleep: clock.sleep, random: seededRandom(seedOf(options.seed, 'worker')) };
  const queuePort = redactingQueue(localQueuePort(queue, dlq));

  const workerDeps: WorkerDeps = {
    ...createApiDeps(workerConfig, { secretsManager, time }),
    queue: queuePort,
    logger: collector.logger,
    metrics: collector.metrics,
    marks,
  };
  const runner = createQueueRunner({
    queue,
    clock,
    timeline,
    handler: createWorkerHandler(workerConfig, workerDeps),
    // The event source's defaults in the runner are the stack's: batches of 10, 2 at once, a 60 s timeout.
    pace: options.pace,
  });
  const sweepApi = createApiDeps(sweepConfig('report'), { secretsManager, time });

  return {
    clock,
    timeline,
    simulator,
    workspace,
    queue,
    dlq,
    collector,
    marks,
    workerConfig,
    sweepConfig,
    /** The API as the sweep calls it, for reading the workspace the way the janitor sees it. */
    sweepApi,
    /** Runs the worker until the queue and the timeline are empty. */
    drain: () => runner.run(),
    /** One scheduled sweep run at the current virtual time. */
    sweep(mode: SweepMode): Promise<SweepSummary> {
      const config = sweepConfig(mode);
      const runId = sweepRunId({ scheduledTime: eventTime(new Date(clock.now())) }, 'sandbox');
      const deps = { ...sweepApi, queue: queuePort, marks, logger: collector.logger, metrics: collector.sweepMetrics };
      return runSweep(config, { ...deps, runId }, clock.now() + 300_000);
    },
    /** Lets virtual time pass until `atMs` (waiting as the speed says), running what the timeline holds on the way. */
    async waitUntil(atMs: number) {
      for (let next = timeline.nextAt(); next !== undefined && next <= atMs; next = timeline.nextAt()) {
        await options.pace(next - clock.now());
        clock.advanceTo(next);
        timeline.runDue(next);
      }
      await options.pace(atMs - clock.now());
      clock.advanceTo(atMs);
    },
    /** The producer library's targets: the queue, and the default bus with the stack's rule on it. */
    producer: {
      queue: { queueUrl: QUEUE_URL, client: localSqs(new Map([[QUEUE_URL, queue]])) },
      bus: {
        client: localEventBus({
          source: workerConfig.eventSource,
          detailTypes: [DETAIL_TYPES.agentRemoved, DETAIL_TYPES.deletionRequested],
          deliver: (body) => queue.send(body),
        }),
      },
    },
    close: () => simulator.close(),
  };
}
