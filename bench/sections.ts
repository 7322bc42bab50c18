import type { SweepListCalls } from './api-efficiency.ts';
import type { BundleSize, Bundles } from './bundles.ts';
import type { VariantResult } from './cold-start.ts';
import type { CostLine } from './cost.ts';
import { dist, kib, mb, mbPer1000, ms, ratios, table } from './markdown.ts';
import { type MemoryResults, MIB, PEAK_BUDGET_BYTES } from './memory.ts';
import { ratio, type Summary } from './stats.ts';
import { MAX_DELETIONS_PER_RUN_ALLOWED, PROJECTED_LIST_LATENCY_MS, type SweepScale } from './sweep-scale.ts';
import type { ColdStartRatios } from './targets.ts';
import type { WarmResults } from './warm.ts';

/** The sections of results.md: the six of the issue in its order, then the sweep at scale. */

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

${table(['Scenario', 'Invocation', 'INIT', 'Billed ms', 'GB-s', 'USD', 'vs ideal'], rows)}`;
}

export function sweepScaleSection(s: SweepScale, judged: string): string {
  const n = (value: number) => value.toLocaleString('en-US');
  const seconds = (value: number) => (value / 1000).toFixed(2);
  const pct = (value: number) => `${(value * 100).toFixed(2)} %`;
  const rows = s.runs.map((run) => [
    run.label,
    run.at.slice(0, 16).replace('T', ' '),
    `${seconds(run.wallMs.median)} / ${seconds(run.wallMs.max)}`,
    pct(run.timeoutRatio),
    run.listCalls,
    run.queries,
    run.batchWrites,
    `${seconds(run.listMs.median)} / ${seconds(run.tableMs.median)}`,
    `${n(run.marksWritten)} / ${n(run.audits)}`,
    n(run.due),
    run.capExceeded ? `${run.status} (${n(run.capExceeded.due)} > ${run.capExceeded.limit})` : run.status,
    n(run.logLines),
    `${seconds(run.projectedMs)} (${pct(run.projectedMs / s.timeoutMs)})`,
  ]);
  const head = [
    'Run',
    'Simulated time (UTC)',
    'Wall s (median / max)',
    '/ 300 s',
    'List calls',
    'Query',
    'BatchWriteItem',
    'In list / in table, s',
    'Marks / audits written',
    'Due',
    'Status',
    'Log lines',
    `+ ${PROJECTED_LIST_LATENCY_MS} ms per page, s`,
  ];
  const tableCalls = s.runs.reduce((sum, run) => sum + run.queries + run.batchWrites, 0);
  const tableMs = s.runs.reduce((sum, run) => sum + run.tableMs.median, 0);
  const first = s.runs[0];
  const due = s.runs.at(-1);
  const expected =
    s.problems.length === 0
      ? 'Every run of every pass did exactly what its scenario expects'
      : `NOT as expected: ${s.problems.join('; ')}`;
  const caps = due?.capExceeded
    ? `Caps: run 3 finds all ${n(due.due)} unused secrets due and trips the ${due.capExceeded.cap === 'per_run' ? 'per-run' : 'fraction'} cap
  with the defaults (limit ${due.capExceeded.limit}), so it audits them as \`skipped\` and enqueues nothing. ${
    due.due > MAX_DELETIONS_PER_RUN_ALLOWED
      ? `No allowed setting lets ${n(due.due)} through
  (\`MAX_DELETIONS_PER_RUN\` is at most ${n(MAX_DELETIONS_PER_RUN_ALLOWED)}); w`
      : 'W'
  }ith caps that allowed them, report mode would write the
  same number of audits (\`would_enqueue\`) and log lines.`
    : `Caps: run 3 finds ${n(due?.due ?? 0)} due, within the caps.`;
  return `## 7. Sweep at ${n(s.secrets)} secrets

The real \`runSweep\` end to end on loopback (\`bench/sweep-scale.ts\`): the ElevenLabs HTTP client against the fake
API, \`createMarksTable\` against dynalite (a DynamoDB implementation, in memory), a recording queue.
${n(s.secrets)} secrets under one owned prefix: ${n(s.inUse)} in use (by an agent, a tool the key cannot see, or a
\`*_has_more\` flag), ${n(s.unused)} unused. Three scheduled runs one simulated day apart, ${s.passes} ${s.passes === 1 ? 'pass' : 'passes'}, each on a
fresh table; within a run the clock moves with real time, so its 300 s deadline is real. Report mode, default caps
(${s.maxDeletionsPerRun} per run, ${s.maxDeletionPercent} % of owned); grace period ${s.graceHours} h instead of 7 days, so that three daily runs reach it
without a gap over the default 48 h \`MAX_OBSERVATION_GAP_HOURS\` (run 3 does the same work either way).
DynamoDB calls are counted on the wire (\`X-Amz-Target\`); log lines are JSON-encoded as Powertools would, not printed.

${table(head, rows)}

- ${expected}; no retry or backoff sleep, nothing enqueued.
- **Target: ${judged}** (slowest run ${pct(s.worst.ratio)} of the timeout, budget ${s.budget * 100} %).
- ${caps}
- List calls are the ideal ceil(${n(s.secrets)} / 100), fetched one after another; the marks are read with
  ${first?.queries ?? 0} Query, and every write goes through BatchWriteItem in batches of 25, one batch after another.
- dynalite (JavaScript on an in-memory LevelDB) is slower than DynamoDB at the work itself, so for the table's own
  work these figures are an upper bound. But on loopback no call pays a network round trip, which in AWS each of these
  sequential calls does (here ${(tableMs / Math.max(1, tableCalls)).toFixed(1)} ms per DynamoDB call, table time / calls), and the fake API answers
  at once: the last column adds ${PROJECTED_LIST_LATENCY_MS} ms per list page (arithmetic, not measured), likely the largest term in AWS.
- Each run also claims its run id with one conditional PutItem, so a retried invocation does nothing.
- dynalite does not throttle. Marks are spread over 16 partition keys (\`MARK#0\` … \`MARK#f\`); DynamoDB serves one
  partition at up to 1,000 write units per second, and the adapter sends run 1's ${n(first?.marksWritten ?? 0)} mark writes back to back: a
  large first run could still meet throttling in AWS (\`UnprocessedItems\`, retried for up to 8 rounds). Not measured here.`;
}
