import { ratio } from './stats.ts';

/**
 * Lambda cost per 1,000 deletions, from measured durations. Assumptions (also printed in results.md):
 * - arm64 on-demand prices: $0.0000133334 per GB-second and $0.20 per million requests; no free tier;
 * - memory as configured (256 MB, SecretJanitor's default), billed duration rounded up to 1 ms;
 * - batches of 10 records, so 100 invocations per 1,000 deletions, every deletion fault-free;
 * - the fake ElevenLabs answers each request after the stated latency (100 ms); real latency decides;
 * - durations measured on this machine, not on a 256 MB Lambda (which gets a fraction of a vCPU);
 * - "with one cold start": one INIT per 1,000 deletions, billed (AWS bills INIT since August 2025):
 *   process start to the end of the module import, median of the cold-start runs.
 */

export const PRICE_PER_GB_SECOND = 0.0000133334;
export const PRICE_PER_REQUEST = 0.2 / 1_000_000;
export const MEMORY_MB = 256;
export const DELETIONS = 1_000;

export interface CostLine {
  readonly label: string;
  readonly invocationMs: number;
  readonly initMs: number;
  readonly invocations: number;
  readonly billedMs: number;
  readonly gbSeconds: number;
  readonly dollars: number;
  /** Dollars against the ideal line (the batch takes exactly the API's latency, no init). */
  readonly vsIdeal: number;
}

export interface CostInput {
  readonly label: string;
  /** Duration of one warm invocation of a full batch. */
  readonly invocationMs: number;
  /** Billed INIT added once per 1,000 deletions (0: every invocation warm). */
  readonly initMs: number;
}

function line(input: CostInput, batchSize: number, idealDollars: number | undefined): CostLine {
  const invocations = Math.ceil(DELETIONS / batchSize);
  const billedMs = invocations * Math.ceil(input.invocationMs) + Math.ceil(input.initMs);
  const gbSeconds = (billedMs / 1000) * (MEMORY_MB / 1024);
  const dollars = gbSeconds * PRICE_PER_GB_SECOND + invocations * PRICE_PER_REQUEST;
  return { ...input, invocations, billedMs, gbSeconds, dollars, vsIdeal: ratio(dollars, idealDollars ?? dollars) };
}

/** The first input is the ideal; every line is also reported as a ratio to it. */
export function costModel(ideal: CostInput, others: readonly CostInput[], batchSize: number): CostLine[] {
  const idealLine = line(ideal, batchSize, undefined);
  return [idealLine, ...others.map((input) => line(input, batchSize, idealLine.dollars))];
}
