import { fullJitterMs } from '#core/backoff.ts';
import type { DeletionRequest, Provenance } from '#core/message-schemas.ts';
import type { QueuePort, Random, Sleep } from '#core/ports.ts';
import { describeError, QueueError } from '#shared/errors.ts';

/** SendMessageBatch takes at most 10 entries. */
export const SQS_BATCH_LIMIT = 10;

export interface EnqueueOptions {
  readonly queue: Pick<QueuePort, 'sendBatch'>;
  readonly sleep: Sleep;
  readonly random: Random;
  /** Sends per chunk, the first included; only the entries that failed are sent again. @default 3 */
  readonly maxRounds?: number;
  /** No send starts after this epoch ms; what is left comes back in `failed`. @default no deadline */
  readonly deadlineMs?: number;
  readonly now?: () => number;
}

export interface EnqueueResult {
  readonly enqueued: number;
  /** Bodies that could not be enqueued after every round. */
  readonly failed: readonly string[];
  readonly lastError?: string;
  /** The last error a send threw (a QueueError whose `cause` is the SDK error), when one did. */
  readonly lastCause?: unknown;
}

/** One single-id message body per secret, carrying the provenance. */
export function childBodies(secretIds: readonly string[], provenance: Provenance): string[] {
  return secretIds.map((secretId) => JSON.stringify({ secretId, ...provenance } satisfies DeletionRequest));
}

/**
 * Enqueues every body with SendMessageBatch in chunks of 10, retrying only the `Failed` entries (or
 * the whole chunk when the call itself fails) with full-jitter backoff. Never drops a body silently:
 * what could not be sent comes back in `failed`.
 */
export async function enqueueAll(bodies: readonly string[], options: EnqueueOptions): Promise<EnqueueResult> {
  const maxRounds = options.maxRounds ?? 3;
  let enqueued = 0;
  const failed: string[] = [];
  let lastError: string | undefined;
  let lastCause: unknown;
  for (let start = 0; start < bodies.length; start += SQS_BATCH_LIMIT) {
    let pending = bodies.slice(start, start + SQS_BATCH_LIMIT).map((body, index) => ({ id: `m${index}`, body }));
    for (let round = 0; round < maxRounds && pending.length > 0; round += 1) {
      if (round > 0) await options.sleep(fullJitterMs(round, 100, 1_000, options.random));
      if (options.deadlineMs !== undefined && (options.now ?? Date.now)() >= options.deadlineMs) {
        lastError = 'no time left before the deadline';
        break;
      }
      let failedIds: string[];
      try {
        failedIds = await options.queue.sendBatch(pending);
      } catch (error) {
        if (!(error instanceof QueueError)) throw error;
        lastError = describeError(error);
        lastCause = error;
        continue;
      }
      enqueued += pending.length - failedIds.length;
      pending = pending.filter((entry) => failedIds.includes(entry.id));
      if (pending.length > 0) lastError = `SendMessageBatch failed ${pending.length} entries`;
    }
    failed.push(...pending.map((entry) => entry.body));
  }
  return {
    enqueued,
    failed,
    ...(lastError === undefined ? {} : { lastError }),
    ...(lastCause === undefined ? {} : { lastCause }),
  };
}
