import type { SweepListCalls } from './api-efficiency.ts';
import type { BundleSize, Bundles } from './bundles.ts';
import type { VariantResult } from './cold-start.ts';
import type { CostLine } from './cost.ts';
import { dist, kib, mb, mbPer1000, ms, ratios, table } from './markdown.ts';
import { type MemoryResults, MIB, PEAK_BUDGET_BYTES } from './memory.ts';
import { ratio, type Summary } from './stats.ts';
import type { ColdStartRatios } from './targets.ts';
import type { WarmResults } from './warm.ts';

/** The six sections of results.md, in the order of the issue. */

export function bundleSection(bundles: Bundles): string {
  const line = (b: BundleSize) => [
    b.name,
    b.awsSdk === 'bundled' ? 'bundled' : 'left out (runtime copy)',
    kib(b.jsBytes),
    kib(b.mapBytes),
    kib(b.gzipBytes),
    ratio(b.jsBytes, bundles.peer.jsBytes).toFixed(3),
  ];
  const rows = [bundles.functions, [bundles.workerFullMap, bundles.floor, bundles.peer]].flat().map(line);
  return `## 1. Bundle size

Every entry of \`FUNCTION_ENTRIES\`, built with \`esbuildOptions\` from \`infra/bundling.ts\` (minified ESM, source map),
with the AWS SDK bundled (as the stack deploys) and left out. Ratio: JavaScript bytes / the peer's.

${table(['Bundle', 'AWS SDK', 'JS', 'Source map', 'gzip (JS + map)', 'JS / peer'], rows)}

Peer: ${bundles.peerNote}. Left out, the SDK is not gone: Lambda loads the runtime's full copy instead (section 2).`;
}

export function coldStartSection(variants: readonly VariantResult[], r: ColdStartRatios): string {
  const rows = variants.map((v) => {
    const times = [v.bootMs, v.initMs, v.firstInvokeMs].map((s) => dist(s));
    return [v.label, v.runs, ...times, `**${dist(v.totalMs)}**`, dist(v.wallMs), mb(v.maxRssBytes.median)];
  });
  const get = (id: string) => variants.find((v) => v.id === id);
  const pair = (key: 'initMs' | 'firstInvokeMs') =>
    `${ms(get('worker')?.[key].median ?? Number.NaN)} vs ${ms(get('workerSdkExternal')?.[key].median ?? Number.NaN)}`;
  const head = ['Variant', 'Runs', 'Boot', 'Init', 'First invoke', 'Total', 'Spawn to exit', 'Peak RSS (median)'];
  return `## 2. Cold start

Fresh Node processes (\`bench/cold-start-child.mjs\`), interleaved, one discarded warm-up each. Each imports the bundle
and invokes \`handler\` once with a real-shaped 1-record SQS event: the worker reads the key from the fake Secrets Manager
and sends one DELETE to the fake ElevenLabs (no added latency). Times in ms from process start (\`performance.timeOrigin\`);
boot = Node ready, init = module import, first invoke = the handler call. Environment as the stack deploys it
(\`NODE_OPTIONS=--enable-source-maps\`) unless the row says source maps off; V8 flags of the Lambda runtime for 256 MB.

${table(head, rows)}

- **(b) − (a) over (c) − (a)**, as deployed: **${r.deployedMedian.toFixed(3)}** median, ${r.deployedP95.toFixed(3)} p95
  (init alone ${r.deployedInit.toFixed(3)}, first invoke alone ${r.deployedFirstInvoke.toFixed(3)}).
  With source maps off in all three: **${r.noSourceMapsMedian.toFixed(3)}** median, ${r.noSourceMapsP95.toFixed(3)} p95.
- **Bundling the AWS SDK** (the stack's choice): cold start bundled / left out = **${r.bundledVsExternal.toFixed(3)}**
  (init ${pair('initMs')} ms, first invoke ${pair('firstInvokeMs')} ms, bundled vs left out). The left-out variant loads the
  SDK from \`node_modules\`, standing in for the runtime's copy in \`/var/runtime\`; it defers more of the SDK to the first call.
- \`--enable-source-maps\` costs the worker ${ms(r.sourceMapsCostMs)} ms per cold start (median). The stack's map leaves
  \`sourcesContent\` out; a map with it would cost ${ms(r.fullMapCostMs)} ms more.`;
}

export function warmSection(w: WarmResults): string {
  const row = (label: string, s: Summary, total: string) => [label, dist(s, ' ms'), ratios(s, w.idealBatchMs), total];
  const total = `${ms(w.thousand.totalMs)} ms (ideal ${w.thousand.batches * w.idealBatchMs} ms)`;
  return `## 3. Warm batch latency

One process as one warm container (\`bench/warm-child.mjs\`); the fake ElevenLabs answers after ${w.latencyMs} ms.
Ideal = ceil(10 / ${w.concurrency}) × ${w.latencyMs} ms = ${w.idealBatchMs} ms (CONCURRENCY default ${w.concurrency}).

${table(
  ['Run', 'Per batch (median / p95)', 'Ratio to ideal (median / p95)', 'Total'],
  [
    row(`10-record batch × ${w.tenRecord.batchMs.n}`, w.tenRecord.batchMs, '—'),
    row(`${w.thousand.messages} messages in ${w.thousand.batches} batches`, w.thousand.batchMs, total),
    row(`peer, 10-record batch × ${w.peer.batchMs.n}`, w.peer.batchMs, '—'),
  ],
)}

The peer deletes one record after another (the AWS docs' partial-batch loop), so its batch takes about 10 × the latency.`;
}

export function apiSection(w: WarmResults, mem: MemoryResults, sweep: SweepListCalls): string {
  const run = w.thousand.run;
  const list = sweep.measured
    ? `${sweep.listCalls} (${ratio(sweep.listCalls, sweep.ideal).toFixed(2)} × ideal; ${sweep.listed} secrets listed)`
    : sweep.reason;
  return `## 4. API efficiency

- DELETE calls per requested deletion: ${run.deleteCalls} / ${run.requested} = **${ratio(run.deleteCalls, run.requested).toFixed(2)}**
  (ideal 1.00; the ${w.thousand.messages}-message run plus its cold invocation).
- GetSecretValue calls per 1,000 warm invocations, after the first: **${mem.keyReadsPer1000.toFixed(2)}** (ideal 0;
  ${mem.runs} × ${mem.batches} invocations; with the 300 s key TTL a container reads the key again at most every 5 min).
- List calls for a 10,000-secret sweep (ideal ${sweep.ideal}): **${list}**.`;
}

export function memorySection(mem: MemoryResults, w: WarmResults, judged: (id: string) => string): string {
  const row = (label: string, s: Summary) => [
    label,
    `${mb(s.median)} / ${mb(s.max)}`,
    ratio(s.median, PEAK_BUDGET_BYTES).toFixed(2),
  ];
  const slow = w.thousand.run.maxRssBytes;
  const aboveFloor = ratio(
    mem.peakRssBytes.median - mem.floorPeakRssBytes.median,
    mem.peerPeakRssBytes.median - mem.floorPeakRssBytes.median,
  );
  return `## 5. Memory

${mem.runs} × ${mem.batches} batches of 10 in one process (\`bench/warm-child.mjs\`), fake API without latency (the most requests per
second, the worst case), with the V8 flags of the Lambda runtime for 256 MB (\`--max-semi-space-size=12 --max-old-space-size=231\`).
Peak RSS = the kernel's high-water mark (init included), against the 128 MB target and the same harness with other bundles:

${table(
  ['Process', 'Peak RSS (median / max)', 'Median / 128 MB'],
  [
    row('our worker, as deployed', mem.peakRssBytes),
    row('our worker, source maps off', mem.noSourceMapsPeakRssBytes),
    row('empty handler', mem.floorPeakRssBytes),
    row(`peer (${mem.peerBatches} batches)`, mem.peerPeakRssBytes),
    [
      `our worker, API at ${w.latencyMs} ms (${w.thousand.messages}-message run)`,
      mb(slow),
      ratio(slow, 128 * MIB).toFixed(2),
    ],
  ],
)}

Above the empty handler, the worker uses ${aboveFloor.toFixed(2)} × what the peer uses.
Run with the median peak: ${mb(mem.rssAtFromBytes)} at batch ${mem.window.from}, ${mb(mem.rssAtEndBytes)} at batch ${mem.batches}.
Least-squares slope of RSS, batches ${mem.window.from}–${mem.window.to}: ${mbPer1000(mem.window.bytesPer1000Batches)} (R² ${mem.window.regression.r2.toFixed(2)});
batches ${mem.lateWindow.from}–${mem.lateWindow.to}, once the heap has reached its working size: ${mbPer1000(mem.lateWindow.bytesPer1000Batches)} (R² ${mem.lateWindow.regression.r2.toFixed(2)}).
Worst of the runs: late slope ${mbPer1000(mem.worstLateBytesPer1000Batches)}; live heap after a forced GC
${(mem.worstHeapGrowthBytes / 1024).toFixed(0)} KiB from batch ${mem.window.from} to ${mem.batches}.
Peak: **${judged('peak-rss')}**; growth trend: **${judged('rss-trend')}**.`;
}

export function costSection(cost: readonly CostLine[], w: WarmResults): string {
  const rows = cost.map((c) => [
    c.label,
    `${ms(c.invocationMs)} ms`,
    `${ms(c.initMs)} ms`,
    c.billedMs,
    c.gbSeconds.toFixed(2),
    `$${c.dollars.toFixed(6)}`,
    c.vsIdeal.toFixed(3),
  ]);
  return `## 6. Cost per 1,000 deletions

arm64, 256 MB, $0.0000133334 per GB-s and $0.20 per million requests; billed duration rounded up to 1 ms; batches of 10
(100 invocations); durations measured here with the fake API at ${w.latencyMs} ms per request; one cold start means one
billed INIT (boot + import, median) per 1,000 deletions. Lambda at 256 MB has less CPU than this machine.

${table(['Scenario', 'Invocation', 'INIT', 'Billed ms', 'GB-s', 'USD', 'vs ideal'], rows)}
`;
}
