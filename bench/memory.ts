import { linearRegression, type Regression, type Summary, summarize } from './stats.ts';
import { runWarm, type WarmOptions, type WarmRun } from './warm.ts';

/**
 * Memory of one warm container over many batches: the peak RSS (the kernel's high-water mark,
 * init included) against the budget and against references, and whether RSS keeps growing once
 * warm (a leak). The fake API answers at once: the most requests per second a container can see,
 * the worst case for memory, and 1,000 batches take seconds.
 */

export const MIB = 2 ** 20;
/** Lambda's "MB" are MiB. Target: the peak stays within half the configured 256 MB. */
export const PEAK_BUDGET_BYTES = 128 * MIB;
/** A trend fails when the late-window line rises more than 5 % of the budget per 1,000 batches... */
export const TREND_TOLERANCE_BYTES = 0.05 * PEAK_BUDGET_BYTES;
/** ...or the live heap after a full GC grows more than 1 MiB over the window (~110 bytes a record). */
export const HEAP_TOLERANCE_BYTES = 1 * MIB;

export interface Trend {
  readonly from: number;
  readonly to: number;
  readonly regression: Regression;
  /** Slope × 1,000 batches. */
  readonly bytesPer1000Batches: number;
}

export interface MemoryResults {
  readonly batches: number;
  readonly runs: number;
  /** Peak RSS of each run of our worker, as deployed. */
  readonly peakRssBytes: Summary;
  /** The same harness with other bundles: empty handler, worker without source maps (same batches), peer. */
  readonly floorPeakRssBytes: Summary;
  readonly noSourceMapsPeakRssBytes: Summary;
  readonly peerPeakRssBytes: Summary;
  readonly peerBatches: number;
  /** Trend of the run with the median peak: the whole window (from batch `from`), and its second half. */
  readonly rssAtFromBytes: number;
  readonly rssAtEndBytes: number;
  readonly window: Trend;
  readonly lateWindow: Trend;
  /** Worst run: steepest late-window slope and largest live-heap growth (after a forced GC). */
  readonly worstLateBytesPer1000Batches: number;
  readonly worstHeapGrowthBytes: number;
  readonly peakPass: boolean;
  readonly trendPass: boolean;
  /** GetSecretValue calls after the first invocation, per 1,000 warm invocations (all runs). */
  readonly keyReadsPer1000: number;
  /** One RSS sample per 10 batches of the median run, in MiB. */
  readonly rssSamplesMiB: number[];
}

function trend(rssBytes: readonly number[], from: number, to: number): Trend {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let batch = from; batch <= to; batch += 1) {
    xs.push(batch);
    ys.push(rssBytes[batch - 1] ?? Number.NaN);
  }
  const regression = linearRegression(xs, ys);
  return { from, to, regression, bytesPer1000Batches: regression.slope * 1000 };
}

const peakOf = (run: WarmRun) => Math.max(run.maxRssBytes, ...run.rssBytes);

/** `runs` warm runs; each must carry out every deletion (the empty handler deletes nothing). */
async function repeat(bundle: string, runs: number, options: WarmOptions, deletes = true): Promise<WarmRun[]> {
  const results: WarmRun[] = [];
  for (let i = 0; i < runs; i += 1) {
    const run = await runWarm(bundle, options);
    if (run.failed !== 0 || (deletes && run.left !== 0)) {
      throw new Error(`memory run of ${bundle}: ${run.failed} failed, ${run.left} secrets left`);
    }
    results.push(run);
  }
  return results;
}

export async function measureMemory(
  bundles: { worker: string; floor: string; peer: string },
  counts: { batches: number; peerBatches: number; runs: number },
): Promise<MemoryResults> {
  const { batches, runs } = counts;
  const from = Math.max(1, Math.round(batches / 10));
  const middle = Math.round((from + batches) / 2);
  const worker = await repeat(bundles.worker, runs, { batches, latencyMs: 0, gcAt: [from, batches] });
  const noMaps = await repeat(bundles.worker, runs, { batches, latencyMs: 0, env: { NODE_OPTIONS: '' } });
  const floor = await repeat(bundles.floor, runs, { batches, latencyMs: 0 }, false);
  const peer = await repeat(bundles.peer, runs, { batches: counts.peerBatches, latencyMs: 0 });
  const heapGrowth = (run: WarmRun) => {
    const at = (batch: number) => run.heapAfterGc.find((sample) => sample.batch === batch)?.bytes ?? Number.NaN;
    return at(batches) - at(from);
  };
  const peaks = worker.map(peakOf);
  const median = [...worker].sort((a, b) => peakOf(a) - peakOf(b))[Math.floor((runs - 1) / 2)] ?? worker[0];
  if (!median) throw new Error('no memory run');
  const worstLate = Math.max(...worker.map((run) => trend(run.rssBytes, middle, batches).bytesPer1000Batches));
  const worstHeap = Math.max(...worker.map(heapGrowth));
  const peakRssBytes = summarize(peaks);
  return {
    batches,
    runs,
    peakRssBytes,
    floorPeakRssBytes: summarize(floor.map(peakOf)),
    noSourceMapsPeakRssBytes: summarize(noMaps.map(peakOf)),
    peerPeakRssBytes: summarize(peer.map(peakOf)),
    peerBatches: counts.peerBatches,
    rssAtFromBytes: median.rssBytes[from - 1] ?? Number.NaN,
    rssAtEndBytes: median.rssBytes[batches - 1] ?? Number.NaN,
    window: trend(median.rssBytes, from, batches),
    lateWindow: trend(median.rssBytes, middle, batches),
    worstLateBytesPer1000Batches: worstLate,
    worstHeapGrowthBytes: worstHeap,
    peakPass: peakRssBytes.median <= PEAK_BUDGET_BYTES,
    trendPass: worstLate <= TREND_TOLERANCE_BYTES && worstHeap <= HEAP_TOLERANCE_BYTES,
    keyReadsPer1000: (worker.reduce((sum, run) => sum + run.keyReadsAfterFirst, 0) / (batches * runs)) * 1000,
    rssSamplesMiB: median.rssBytes.filter((_, i) => i % 10 === 9).map((rss) => Math.round((rss / MIB) * 10) / 10),
  };
}
