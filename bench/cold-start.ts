import { sqsEvent, sqsRecord } from '#test/helpers/sqs-events.ts';
import { type Bundles, bundleOf } from './bundles.ts';
import { COLD_START_CHILD, runChild } from './child.ts';
import type { Loopback } from './loopback.ts';
import { type Summary, summarize } from './stats.ts';

/** Cold starts: fresh Node processes, each importing a bundle and invoking it once with a 1-record SQS event. */

export type VariantId =
  | 'floor'
  | 'worker'
  | 'peer'
  | 'workerSdkExternal'
  | 'workerFullMap'
  | 'floorNoSourceMaps'
  | 'workerNoSourceMaps'
  | 'peerNoSourceMaps';

interface Variant {
  readonly id: VariantId;
  readonly label: string;
  readonly bundle: string;
  readonly env?: Record<string, string>;
}

interface ChildResult {
  bootMs: number;
  initMs: number;
  firstInvokeMs: number;
  totalMs: number;
  maxRssBytes: number;
  batchItemFailures: number;
}

export interface VariantResult {
  readonly id: VariantId;
  readonly label: string;
  readonly runs: number;
  readonly bootMs: Summary;
  readonly initMs: Summary;
  readonly firstInvokeMs: Summary;
  /** Process start (performance.timeOrigin) to the end of the first invocation. */
  readonly totalMs: Summary;
  /** spawn() to exit, as the parent sees it. */
  readonly wallMs: Summary;
  readonly maxRssBytes: Summary;
}

/** As deployed (NODE_OPTIONS=--enable-source-maps, as the stack sets it), then the same without source maps. */
export function coldStartVariants(bundles: Bundles): Variant[] {
  const worker = bundleOf(bundles, 'worker');
  const noMaps = { NODE_OPTIONS: '' };
  return [
    { id: 'floor', label: '(a) empty handler, the floor', bundle: bundles.floor.outfile },
    { id: 'worker', label: '(b) our worker (AWS SDK bundled)', bundle: worker },
    { id: 'peer', label: '(c) peer: ElevenLabs SDK + Secrets Manager client', bundle: bundles.peer.outfile },
    {
      id: 'workerSdkExternal',
      label: 'our worker, AWS SDK from node_modules',
      bundle: bundleOf(bundles, 'worker', 'external'),
    },
    {
      id: 'workerFullMap',
      label: 'our worker, source map with sourcesContent',
      bundle: bundles.workerFullMap.outfile,
    },
    { id: 'floorNoSourceMaps', label: '(a) floor, source maps off', bundle: bundles.floor.outfile, env: noMaps },
    { id: 'workerNoSourceMaps', label: '(b) our worker, source maps off', bundle: worker, env: noMaps },
    { id: 'peerNoSourceMaps', label: '(c) peer, source maps off', bundle: bundles.peer.outfile, env: noMaps },
  ];
}

async function coldStart(variant: Variant, loopback: Loopback, secretId: string): Promise<[ChildResult, number]> {
  const event = sqsEvent([sqsRecord({ secretId, reason: 'benchmark cold start' })]);
  if (!variant.id.startsWith('floor')) loopback.elevenlabs.addSecret(secretId);
  const before = loopback.getSecretValueAt.length;
  const { result, wallMs } = await runChild<ChildResult>(COLD_START_CHILD, [variant.bundle, JSON.stringify(event)], {
    env: loopback.env(variant.env),
    timeoutMs: 60_000,
  });
  if (!variant.id.startsWith('floor')) {
    // A cold start only counts if it did the real work: one key read, one DELETE that succeeded.
    const keyReads = loopback.getSecretValueAt.length - before;
    if (result.batchItemFailures !== 0 || loopback.elevenlabs.secrets.has(secretId) || keyReads !== 1) {
      throw new Error(`${variant.id} cold start did not delete ${secretId} (key reads ${keyReads})`);
    }
  }
  return [result, wallMs];
}

/** `runs` measured cold starts per variant, interleaved (variant order rotates) after one discarded warm-up each. */
export async function measureColdStarts(bundles: Bundles, loopback: Loopback, runs: number): Promise<VariantResult[]> {
  const variants = coldStartVariants(bundles);
  const samples = new Map(variants.map((variant) => [variant.id, [] as [ChildResult, number][]]));
  for (const variant of variants) await coldStart(variant, loopback, `sec_cold_${variant.id}_warmup`);
  for (let run = 0; run < runs; run += 1) {
    for (let i = 0; i < variants.length; i += 1) {
      const variant = variants[(run + i) % variants.length] as Variant;
      samples.get(variant.id)?.push(await coldStart(variant, loopback, `sec_cold_${variant.id}_${run}`));
    }
  }
  return variants.map((variant) => {
    const list = samples.get(variant.id) ?? [];
    const pick = (key: keyof ChildResult) => summarize(list.map(([result]) => result[key]));
    return {
      id: variant.id,
      label: variant.label,
      runs: list.length,
      bootMs: pick('bootMs'),
      initMs: pick('initMs'),
      firstInvokeMs: pick('firstInvokeMs'),
      totalMs: pick('totalMs'),
      wallMs: summarize(list.map(([, wallMs]) => wallMs)),
      maxRssBytes: pick('maxRssBytes'),
    };
  });
}
