import type { SweepListCalls } from './api-efficiency.ts';
import { CLI_START_BUDGET_MS, type CliStart } from './cli-start.ts';
import type { VariantId, VariantResult } from './cold-start.ts';
import { type MemoryResults, MIB, PEAK_BUDGET_BYTES } from './memory.ts';
import { ratio } from './stats.ts';
import { PROJECTED_LIST_LATENCY_MS, SWEEP_SCALE_JUDGED, type SweepScale } from './sweep-scale.ts';
import type { WarmResults } from './warm.ts';

/** Ratios against the references measured in the same run, and the verdict on every target. */

export interface Target {
  readonly id: string;
  readonly what: string;
  readonly measured: string;
  readonly target: string;
  /** null: no verdict (nothing to measure yet, or a quick run too short to judge). */
  readonly pass: boolean | null;
}

export interface ColdStartRatios {
  /** ((b) − (a)) / ((c) − (a)) on the median time to the end of the first invocation, as deployed. */
  readonly deployedMedian: number;
  readonly deployedP95: number;
  readonly deployedInit: number;
  readonly deployedFirstInvoke: number;
  /** The same with source maps off in all three processes: only the code loaded differs. */
  readonly noSourceMapsMedian: number;
  readonly noSourceMapsP95: number;
  /** Worker with the AWS SDK bundled / left out (median total): below 1 favours bundling. */
  readonly bundledVsExternal: number;
  /** ms the deployed worker spends on --enable-source-maps (median total, with − without). */
  readonly sourceMapsCostMs: number;
  /** ms the deployed map (no sourcesContent) saves over one with it (median total). */
  readonly fullMapCostMs: number;
}

export function coldStartRatios(variants: readonly VariantResult[]): ColdStartRatios {
  const get = (id: VariantId) => {
    const found = variants.find((variant) => variant.id === id);
    if (!found) throw new Error(`cold start variant ${id} missing`);
    return found;
  };
  const above = (
    b: VariantId,
    c: VariantId,
    a: VariantId,
    key: 'totalMs' | 'initMs' | 'firstInvokeMs',
    q: 'median' | 'p95',
  ) => ratio(get(b)[key][q] - get(a)[key][q], get(c)[key][q] - get(a)[key][q]);
  return {
    deployedMedian: above('worker', 'peer', 'floor', 'totalMs', 'median'),
    deployedP95: above('worker', 'peer', 'floor', 'totalMs', 'p95'),
    deployedInit: above('worker', 'peer', 'floor', 'initMs', 'median'),
    deployedFirstInvoke: above('worker', 'peer', 'floor', 'firstInvokeMs', 'median'),
    noSourceMapsMedian: above('workerNoSourceMaps', 'peerNoSourceMaps', 'floorNoSourceMaps', 'totalMs', 'median'),
    noSourceMapsP95: above('workerNoSourceMaps', 'peerNoSourceMaps', 'floorNoSourceMaps', 'totalMs', 'p95'),
    bundledVsExternal: ratio(get('worker').totalMs.median, get('workerSdkExternal').totalMs.median),
    sourceMapsCostMs: get('worker').totalMs.median - get('workerNoSourceMaps').totalMs.median,
    fullMapCostMs: get('workerFullMap').totalMs.median - get('worker').totalMs.median,
  };
}

const f2 = (value: number) => value.toFixed(2);
const mib = (bytes: number) => `${(bytes / MIB).toFixed(1)} MB`;

export interface TargetInput {
  readonly cold: ColdStartRatios;
  readonly warm: WarmResults;
  readonly memory: MemoryResults;
  readonly sweep: SweepListCalls;
  readonly sweepScale: SweepScale;
  readonly cli: CliStart;
  /** Smoke mode: too few runs to judge the memory peak or trend or bundled vs left-out SDK, and the sweep on fewer secrets (reported, not judged). */
  readonly quick: boolean;
}

export function evaluateTargets({ cold, warm, memory, sweep, sweepScale, cli, quick }: TargetInput): Target[] {
  const batchRatio = ratio(warm.tenRecord.batchMs.median, warm.idealBatchMs);
  const run = warm.thousand.run;
  const deletesPerDeletion = ratio(run.deleteCalls, run.requested);
  return [
    {
      id: 'cold-start',
      what: 'Cold start above the floor, worker / peer (median; as deployed, source maps on)',
      measured: `${f2(cold.deployedMedian)} (p95 ${f2(cold.deployedP95)})`,
      target: '≤ 0.33',
      pass: cold.deployedMedian <= 1 / 3,
    },
    {
      id: 'cold-start-code-only',
      what: 'Cold start above the floor, worker / peer (median; source maps off in all three)',
      measured: `${f2(cold.noSourceMapsMedian)} (p95 ${f2(cold.noSourceMapsP95)})`,
      target: '≤ 0.33',
      pass: cold.noSourceMapsMedian <= 1 / 3,
    },
    {
      id: 'bundle-aws-sdk',
      what: "Stack's choice to bundle the AWS SDK: cold start bundled / SDK left out (median)",
      measured: f2(cold.bundledVsExternal),
      target: '≤ 1.00',
      // Two close variants: a smoke run's three samples cannot tell them apart.
      pass: quick ? null : cold.bundledVsExternal <= 1,
    },
    {
      id: 'warm-batch',
      what: `Warm 10-record batch at ${warm.latencyMs} ms API latency / ideal ${warm.idealBatchMs} ms (median)`,
      measured: `${f2(batchRatio)} (p95 ${f2(ratio(warm.tenRecord.batchMs.p95, warm.idealBatchMs))})`,
      target: '≤ 1.15',
      pass: batchRatio <= 1.15 && warm.tenRecord.failed === 0,
    },
    {
      id: 'delete-calls',
      what: `DELETE calls per requested deletion (fault-free, ${run.requested} deletions)`,
      measured: f2(deletesPerDeletion),
      target: '= 1.00',
      pass: run.deleteCalls === run.requested && run.left === 0 && run.failed === 0,
    },
    {
      id: 'key-reads',
      what: `GetSecretValue calls per 1,000 warm invocations, after the first (${memory.runs} × ${memory.batches} measured)`,
      measured: f2(memory.keyReadsPer1000),
      target: '= 0',
      pass: memory.keyReadsPer1000 === 0,
    },
    {
      id: 'sweep-list-calls',
      what: 'List calls for a 10,000-secret sweep',
      measured: sweep.measured ? String(sweep.listCalls) : sweep.reason,
      target: `≤ ${sweep.ideal}`,
      pass: sweep.measured ? sweep.listCalls <= sweep.ideal : null,
    },
    sweepRunTarget(sweepScale, quick),
    {
      id: 'cli-start',
      what: `CLI start-up, \`--help\` of the built bundle, spawn to exit (median of ${cli.runs}; bare \`node -e 0\` ${cli.bareNodeMs.median.toFixed(0)} ms)`,
      measured: `${cli.helpMs.median.toFixed(0)} ms (p95 ${cli.helpMs.p95.toFixed(0)} ms; --version ${cli.versionMs.median.toFixed(0)} ms)`,
      target: `≤ ${CLI_START_BUDGET_MS} ms`,
      pass: cli.helpMs.median <= CLI_START_BUDGET_MS,
    },
    {
      id: 'peak-rss',
      what: `Peak RSS over ${memory.batches} batches, median of ${memory.runs} runs (empty handler ${mib(memory.floorPeakRssBytes.median)}, peer ${mib(memory.peerPeakRssBytes.median)})`,
      measured: `${mib(memory.peakRssBytes.median)} (max ${mib(memory.peakRssBytes.max)}; ${f2(ratio(memory.peakRssBytes.median, PEAK_BUDGET_BYTES))} × target)`,
      target: `≤ ${PEAK_BUDGET_BYTES / MIB} MB`,
      pass: quick ? null : memory.peakPass,
    },
    {
      id: 'rss-trend',
      what: `RSS growth once warm: fitted slope, batches ${memory.lateWindow.from}–${memory.lateWindow.to}; live heap after GC, ${memory.window.from}–${memory.window.to} (worst of ${memory.runs} runs)`,
      measured: `${(memory.worstLateBytesPer1000Batches / MIB).toFixed(2)} MB per 1,000 batches; heap ${(memory.worstHeapGrowthBytes / MIB).toFixed(2)} MB`,
      target: '≤ 6.4 MB per 1,000 batches; heap ≤ 1 MB',
      pass: quick ? null : memory.trendPass,
    },
  ];
}

const percent = (value: number) => `${(value * 100).toFixed(2)} %`;

/**
 * The slowest of the three sweep runs (median wall time) against the 5-minute timeout. Judged only at
 * the 10,000 secrets, and failed outright if any run did not do what its scenario expects.
 */
function sweepRunTarget(s: SweepScale, quick: boolean): Target {
  const judged = !quick && s.secrets === SWEEP_SCALE_JUDGED;
  const worst = s.runs.find((run) => run.label === s.worst.label);
  const wrong = s.problems.length > 0 ? `; runs not as expected: ${s.problems.slice(0, 2).join('; ')}` : '';
  return {
    id: 'sweep-run-time',
    what: `${SWEEP_SCALE_JUDGED.toLocaleString('en-US')}-secret sweep run / the 5-minute timeout (slowest of 3 runs, median of ${s.passes}; ${s.secrets.toLocaleString('en-US')} secrets measured, dynalite)`,
    measured: `${percent(s.worst.ratio)} (${s.worst.label}, ${((worst?.wallMs.median ?? Number.NaN) / 1000).toFixed(2)} s); ${percent(s.worst.projectedRatio)} with ${PROJECTED_LIST_LATENCY_MS} ms per list page${wrong}`,
    target: `≤ ${s.budget * 100} %`,
    pass: judged ? s.problems.length === 0 && s.worst.ratio <= s.budget : null,
  };
}
