import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { measureSweepListCalls } from './api-efficiency.ts';
import { buildBundles, bundleOf } from './bundles.ts';
import { measureCliStart } from './cli-start.ts';
import { measureColdStarts } from './cold-start.ts';
import { costModel } from './cost.ts';
import { startLoopback } from './loopback.ts';
import { machineInfo } from './machine.ts';
import { measureMemory } from './memory.ts';
import { type Results, renderMarkdown } from './report.ts';
import { measureSweepScale } from './sweep-scale.ts';
import { coldStartRatios, evaluateTargets } from './targets.ts';
import { BATCH_SIZE, measureWarm } from './warm.ts';

/**
 * `npm run bench`: writes bench/results.md and bench/results.json (about 2–3 min on 2 cores).
 * `npm run bench:quick`: few iterations, writes bench/.tmp/results-quick.* and leaves results.* alone.
 */

const quick = process.argv.includes('--quick');
const SETTINGS = quick
  ? {
      coldStartRuns: 3,
      warmBatches: 3,
      batchesOf1000: 10,
      peerBatches: 2,
      memoryBatches: 50,
      peerMemoryBatches: 20,
      memoryRuns: 1,
      sweepSecrets: 1_000,
      sweepPasses: 1,
    }
  : {
      coldStartRuns: 25,
      warmBatches: 30,
      batchesOf1000: 100,
      peerBatches: 10,
      memoryBatches: 1000,
      peerMemoryBatches: 200,
      memoryRuns: 3,
      sweepSecrets: 10_000,
      sweepPasses: 5,
    };

// esbuild entries and outputs are relative to the project root.
process.chdir(fileURLToPath(new URL('..', import.meta.url)));
const started = performance.now();
const step = (what: string) =>
  process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${what}\n`);

step(`mode ${quick ? 'quick' : 'full'}, Node ${process.version} (${process.execPath})`);
const machine = machineInfo();
step('building bundles with infra/bundling.ts esbuildOptions');
const bundles = await buildBundles('bench/.tmp/bundles');
const worker = bundleOf(bundles, 'worker');

step(`cold starts: ${SETTINGS.coldStartRuns} per variant`);
const loopback = await startLoopback(0);
const variants = await measureColdStarts(bundles, loopback, SETTINGS.coldStartRuns).finally(() => loopback.close());
const ratios = coldStartRatios(variants);

step('warm batches at 100 ms API latency');
const warm = await measureWarm(worker, bundles.peer.outfile, {
  reps: SETTINGS.warmBatches,
  batchesOf1000: SETTINGS.batchesOf1000,
  peerReps: SETTINGS.peerBatches,
});

step(`memory: ${SETTINGS.memoryRuns} × ${SETTINGS.memoryBatches} batches per bundle`);
const memory = await measureMemory(
  { worker, floor: bundles.floor.outfile, peer: bundles.peer.outfile },
  { batches: SETTINGS.memoryBatches, peerBatches: SETTINGS.peerMemoryBatches, runs: SETTINGS.memoryRuns },
);
step('sweep list calls');
const sweep = await measureSweepListCalls();
step(`sweep runs: ${SETTINGS.sweepPasses} × 3 runs over ${SETTINGS.sweepSecrets} secrets (dynalite)`);
const sweepScale = await measureSweepScale(SETTINGS.sweepSecrets, SETTINGS.sweepPasses);
step(`CLI start-up: ${SETTINGS.coldStartRuns} × --help, --version and bare node`);
const cli = await measureCliStart('bench/.tmp/cli', SETTINGS.coldStartRuns);

const get = (id: string) => variants.find((variant) => variant.id === id);
const initOf = (id: string) => (get(id)?.bootMs.median ?? Number.NaN) + (get(id)?.initMs.median ?? Number.NaN);
const batch = warm.tenRecord.batchMs;
const cost = costModel(
  { label: `ideal: ${warm.idealBatchMs} ms per batch, no INIT`, invocationMs: warm.idealBatchMs, initMs: 0 },
  [
    { label: 'our worker, warm (median)', invocationMs: batch.median, initMs: 0 },
    { label: 'our worker, warm (p95)', invocationMs: batch.p95, initMs: 0 },
    { label: 'our worker, median + one cold start', invocationMs: batch.median, initMs: initOf('worker') },
    { label: 'peer, median + one cold start', invocationMs: warm.peer.batchMs.median, initMs: initOf('peer') },
  ],
  BATCH_SIZE,
);

const results: Results = {
  mode: quick ? 'quick' : 'full',
  runtimeSeconds: (performance.now() - started) / 1000,
  machine,
  settings: SETTINGS,
  targets: evaluateTargets({ cold: ratios, warm, memory, sweep, sweepScale, cli, quick }),
  bundles,
  coldStart: { variants, ratios },
  warm,
  sweep,
  sweepScale,
  cli,
  memory,
  cost,
};

const [dir, base] = quick ? ['bench/.tmp', 'results-quick'] : ['bench', 'results'];
mkdirSync(dir, { recursive: true });
writeFileSync(`${dir}/${base}.json`, `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(`${dir}/${base}.md`, renderMarkdown(results));
step(`wrote ${dir}/${base}.md and ${dir}/${base}.json`);
for (const target of results.targets) {
  const verdict = target.pass === null ? 'n/a ' : target.pass ? 'pass' : 'FAIL';
  process.stderr.write(`  ${verdict}  ${target.what}: ${target.measured} (target ${target.target})\n`);
}
