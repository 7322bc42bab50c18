import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createElevenLabsClient } from '#adapters/elevenlabs.ts';
import { realSleep } from '#shared/clock.ts';
import { API_KEY, startLoopback } from './loopback.ts';

/** The sweep's list calls against the ideal, on a fake workspace of 10,000 secrets. */

export const SWEEP_SECRETS = 10_000;
/** The list endpoint's largest page is 100, so listing 10,000 secrets takes at least 100 calls. */
export const SWEEP_IDEAL_LIST_CALLS = SWEEP_SECRETS / 100;
export const SWEEP_MODULE = fileURLToPath(new URL('../functions/core/sweep-inventory.ts', import.meta.url));
const PREFIX = 'janitor-';

export type SweepListCalls =
  | { readonly measured: true; readonly listCalls: number; readonly ideal: number; readonly listed: number }
  | { readonly measured: false; readonly reason: string; readonly ideal: number };

/**
 * The shape of `listInventory` in functions/core/sweep-inventory.ts, declared here rather than
 * imported: the bench must build and run whether or not that module exists.
 */
type ListInventory = (
  prefixes: readonly string[],
  deps: Record<string, unknown>,
  policy: Record<string, number>,
  deadlineMs: number,
  pageSize?: number,
) => Promise<{ ok: boolean; secrets?: readonly unknown[]; reason?: string; listCalls: number }>;

const notMeasured = (reason: string): SweepListCalls => ({
  measured: false,
  reason: `not measured: ${reason}`,
  ideal: SWEEP_IDEAL_LIST_CALLS,
});

/**
 * List calls for one sweep inventory of 10,000 secrets under one owned prefix, counted by the fake
 * ElevenLabs. "Not measured" while functions/core/sweep-inventory.ts (exporting `listInventory`)
 * does not exist, or when the inventory does not complete.
 */
export async function measureSweepListCalls(): Promise<SweepListCalls> {
  if (!existsSync(SWEEP_MODULE)) return notMeasured('no sweep function yet');
  const module = (await import(pathToFileURL(SWEEP_MODULE).href)) as { listInventory?: unknown };
  if (typeof module.listInventory !== 'function') return notMeasured('sweep-inventory.ts exports no listInventory()');
  const listInventory = module.listInventory as ListInventory;
  const loopback = await startLoopback(0);
  try {
    for (let i = 0; i < SWEEP_SECRETS; i += 1) loopback.elevenlabs.addSecret(`sec_sweep_${i}`, `${PREFIX}${i}`);
    const deps = {
      api: createElevenLabsClient({ baseUrl: loopback.elevenlabs.baseUrl, userAgent: 'convai-secret-janitor/bench' }),
      apiKey: { get: async () => API_KEY },
      now: Date.now,
      sleep: realSleep,
      random: Math.random,
    };
    // The sweep's own policy (functions/core/sweep-run.ts); no retry happens in a fault-free run.
    const policy = {
      maxQuickRetries: 4,
      quickBaseMs: 250,
      quickCapMs: 4_000,
      retryAfterCapMs: 10_000,
      requestTimeoutMs: 10_000,
      minAttemptMs: 500,
    };
    type Inventory = Awaited<ReturnType<ListInventory>>;
    const inventory: Inventory = await listInventory([PREFIX], deps, policy, Date.now() + 120_000, 100).catch(
      (error: unknown) => ({ ok: false, reason: String(error), listCalls: 0 }),
    );
    if (!inventory.ok) return notMeasured(`listInventory() did not complete: ${inventory.reason}`);
    const listed = inventory.secrets?.length ?? 0;
    if (listed !== SWEEP_SECRETS) return notMeasured(`listInventory() listed ${listed} of ${SWEEP_SECRETS} secrets`);
    return { measured: true, listCalls: loopback.elevenlabs.count('list'), ideal: SWEEP_IDEAL_LIST_CALLS, listed };
  } finally {
    await loopback.close();
  }
}
