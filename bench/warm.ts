import { DEFAULTS } from '#shared/config.ts';
import { sqsRecord } from '#test/helpers/sqs-events.ts';
import { runChild, WARM_CHILD } from './child.ts';
import { startLoopback } from './loopback.ts';
import { type Summary, summarize } from './stats.ts';

/** Warm invocations: one Node process as one Lambda container, batches back to back, fakes in this process. */

export const BATCH_SIZE = 10;
export const API_LATENCY_MS = 100;

export interface WarmRun {
  readonly firstInvokeMs: number;
  readonly batchMs: number[];
  readonly rssBytes: number[];
  readonly heapAfterGc: { batch: number; bytes: number }[];
  readonly maxRssBytes: number;
  /** Records reported in batchItemFailures, cold invocation included. */
  readonly failed: number;
  /** Deletions asked for, cold invocation included, and DELETE requests the fake ElevenLabs saw. */
  readonly requested: number;
  readonly deleteCalls: number;
  /** Secrets still in the fake after the run (0: every request was carried out). */
  readonly left: number;
  /** GetSecretValue calls after the end of the cold invocation. */
  readonly keyReadsAfterFirst: number;
}

export interface WarmOptions {
  readonly batches: number;
  readonly latencyMs: number;
  /** Batches after which the child forces a GC and records the live heap. */
  readonly gcAt?: number[];
  /** Changes to the deployed environment. */
  readonly env?: Record<string, string>;
}

/** Runs `batches` warm batches of BATCH_SIZE records through `bundle` against fresh fakes. */
export async function runWarm(bundle: string, options: WarmOptions): Promise<WarmRun> {
  const loopback = await startLoopback(options.latencyMs);
  try {
    const prefix = 'sec_warm_';
    loopback.seed(prefix, options.batches, BATCH_SIZE);
    const template = sqsRecord({ secretId: 'template' });
    const childOptions = { idPrefix: prefix, batches: options.batches, size: BATCH_SIZE, gcAt: options.gcAt ?? [] };
    const { result } = await runChild<
      Omit<WarmRun, 'requested' | 'deleteCalls' | 'left' | 'keyReadsAfterFirst'> & {
        firstInvokeEndEpochMs: number;
      }
    >(WARM_CHILD, [bundle, JSON.stringify(template), JSON.stringify(childOptions)], {
      env: loopback.env(options.env),
      timeoutMs: 240_000,
    });
    return {
      ...result,
      requested: (options.batches + 1) * BATCH_SIZE,
      deleteCalls: loopback.elevenlabs.count('delete'),
      left: loopback.elevenlabs.secrets.size,
      keyReadsAfterFirst: loopback.getSecretValueAt.filter((at) => at > result.firstInvokeEndEpochMs).length,
    };
  } finally {
    await loopback.close();
  }
}

export interface WarmResults {
  readonly latencyMs: number;
  readonly concurrency: number;
  /** ceil(batch / concurrency) × latency: the time a batch needs when only the API's latency counts. */
  readonly idealBatchMs: number;
  readonly tenRecord: { readonly batchMs: Summary; readonly failed: number };
  readonly thousand: {
    readonly messages: number;
    readonly batches: number;
    readonly totalMs: number;
    readonly batchMs: Summary;
    readonly run: WarmRun;
  };
  readonly peer: { readonly batchMs: Summary; readonly failed: number };
}

/** A latency figure only counts if every deletion was carried out. */
function checked(run: WarmRun, what: string): WarmRun {
  if (run.failed !== 0 || run.left !== 0) throw new Error(`${what}: ${run.failed} failed, ${run.left} secrets left`);
  return run;
}

export async function measureWarm(
  workerBundle: string,
  peerBundle: string,
  counts: { reps: number; batchesOf1000: number; peerReps: number },
): Promise<WarmResults> {
  const latencyMs = API_LATENCY_MS;
  const ten = checked(await runWarm(workerBundle, { batches: counts.reps, latencyMs }), 'warm batches');
  const thousand = checked(await runWarm(workerBundle, { batches: counts.batchesOf1000, latencyMs }), '1,000 messages');
  const peer = checked(await runWarm(peerBundle, { batches: counts.peerReps, latencyMs }), 'peer warm batches');
  return {
    latencyMs,
    concurrency: DEFAULTS.concurrency,
    idealBatchMs: Math.ceil(BATCH_SIZE / DEFAULTS.concurrency) * latencyMs,
    tenRecord: { batchMs: summarize(ten.batchMs), failed: ten.failed },
    thousand: {
      messages: counts.batchesOf1000 * BATCH_SIZE,
      batches: counts.batchesOf1000,
      totalMs: thousand.batchMs.reduce((sum, ms) => sum + ms, 0),
      batchMs: summarize(thousand.batchMs),
      run: { ...thousand, batchMs: [], rssBytes: [] },
    },
    peer: { batchMs: summarize(peer.batchMs), failed: peer.failed },
  };
}
