/**
 * The two rules of "try again later": how long to wait, and when to give up. Every deferral the
 * worker makes goes through `retryDelaySeconds`, and every give-up through `giveUpReason`.
 */
import { visibilityDelaySeconds } from '#core/backoff.ts';
import type { Outcome } from '#core/outcomes.ts';
import type { QueuedRecord, Random } from '#core/ports.ts';

/**
 * The queue's `maxReceiveCount`: a fixed backstop, not a second give-up rule. The worker gives up by
 * the horizon; SQS's own redrive at 1000 (the SQS maximum) only moves messages the worker never got to
 * decide on, e.g. while every invocation fails to start. `transientCapSeconds` keeps the shortest
 * retry schedule inside 998 receives for every horizon, so the horizon comes first; the receive limit
 * one receive before the backstop only names the reason should the queue's visibility default apply.
 */
export const MAX_RECEIVE_COUNT = 1000;

/**
 * The cap of a transient, auth or dependency deferral: the configured one (15 min), raised for long
 * horizons so that even the shortest delays (half the cap, with equal jitter) reach the horizon in
 * fewer receives than the backstop allows. 72 h keeps 15 min; 312 h gives about 37.5 min.
 */
export function transientCapSeconds(policy: Pick<RetryPolicy, 'retryCapSeconds' | 'horizonMs'>): number {
  const receives = MAX_RECEIVE_COUNT - 2;
  return Math.max(policy.retryCapSeconds, Math.ceil((2 * policy.horizonMs) / 1000 / (receives - 10)));
}

/** Why a record comes again; each cause has its own backoff curve. */
export type RetryCause =
  /** ElevenLabs answered 422: the secret is still in use. */
  | { readonly kind: 'in_use' }
  /** 408, 429, 5xx, network errors; `retryAfterMs` from a `Retry-After` header. */
  | { readonly kind: 'transient'; readonly retryAfterMs?: number }
  /** 401/403 after one key refresh. */
  | { readonly kind: 'auth' }
  /** The API key could not be read from Secrets Manager. */
  | { readonly kind: 'key_unavailable' }
  /** The marks table could not be read to check a sweep request. */
  | { readonly kind: 'marks_unavailable' }
  /** Not started before the invocation's deadline margin: back at once. */
  | { readonly kind: 'unstarted' };

export interface RetryPolicy {
  /** First in-use deferral, doubling per receive. */
  readonly inUseBaseSeconds: number;
  /** Longest in-use deferral; below the SQS 12 h visibility limit. */
  readonly inUseCapSeconds: number;
  /** First deferral of a transient, auth or dependency failure, doubling per receive. */
  readonly retryBaseSeconds: number;
  readonly retryCapSeconds: number;
  /** Give up this long after the original request was first sent. */
  readonly horizonMs: number;
}

/**
 * The one rule for every retry-later delay, in seconds of SQS visibility:
 * - in use: 30 s doubling per receive up to 11.5 h, equal jitter;
 * - transient, auth, key or marks unavailable: 30 s doubling up to 15 min (more for horizons above
 *   about 124 h, see `transientCapSeconds`), equal jitter, at least `Retry-After`, never past the in-use cap;
 * - unstarted: 0 (back at once; nothing was tried).
 */
export function retryDelaySeconds(
  cause: RetryCause,
  receiveCount: number,
  policy: RetryPolicy,
  random: Random,
): number {
  switch (cause.kind) {
    case 'unstarted':
      return 0;
    case 'in_use':
      return visibilityDelaySeconds(
        receiveCount,
        { baseSeconds: policy.inUseBaseSeconds, capSeconds: policy.inUseCapSeconds },
        random,
      );
    default: {
      const backoff = visibilityDelaySeconds(
        receiveCount,
        { baseSeconds: policy.retryBaseSeconds, capSeconds: transientCapSeconds(policy) },
        random,
      );
      const retryAfterSeconds = cause.kind === 'transient' ? Math.ceil((cause.retryAfterMs ?? 0) / 1000) : 0;
      return Math.min(policy.inUseCapSeconds, Math.max(retryAfterSeconds, backoff));
    }
  }
}

/**
 * The one rule for giving up on a record that would otherwise come again: past the horizon (counted
 * from the original request), or one receive short of the queue's backstop, so the message always
 * reaches the DLQ with a reason. Returns the DLQ reason, or undefined to retry.
 */
export function giveUpReason(
  record: QueuedRecord,
  outcome: Outcome,
  nowMs: number,
  policy: Pick<RetryPolicy, 'horizonMs'>,
): string | undefined {
  const ageMs = nowMs - record.sentAtMs;
  if (ageMs >= policy.horizonMs) {
    return `horizon_exceeded: still ${outcome} after ${Math.round(ageMs / 3_600_000)} h`;
  }
  if (record.receiveCount >= MAX_RECEIVE_COUNT - 1) {
    return `receive_limit: still ${outcome} after ${record.receiveCount} receives`;
  }
  return undefined;
}
