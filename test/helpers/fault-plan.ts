import { dice, seededRandom, seedOf } from '#sandbox/random.ts';

/**
 * The API faults the fault proxy can inject, and a seeded plan that decides, request by request,
 * which one (if any) to inject.
 */

export const HTTP_FAULTS = [
  'status_408',
  'status_429',
  'status_429_retry_after_seconds',
  'status_429_retry_after_date',
  'status_500',
  'status_502',
  'status_503',
  'reset',
  'reset_answer_lost',
  'hang',
  'hang_answer_lost',
  'slow',
  'echo_key',
] as const;
export type HttpFault = (typeof HTTP_FAULTS)[number];

export interface FaultDecision {
  readonly kind: HttpFault;
  readonly retryAfterSeconds?: number;
  /** Where the key starts in the echoed error message. */
  readonly echoOffset?: number;
  readonly echoStatus?: number;
  /** Echo in a text/plain body instead of a JSON `detail`. */
  readonly echoAsText?: boolean;
  readonly delayMs?: number;
}

export interface ProxiedRequest {
  readonly method: string;
  readonly route: 'delete' | 'get' | 'other';
  readonly secretId?: string;
  /** 1 for the first request for this method and secret, 2 for the next, … */
  readonly call: number;
}

export interface FaultPlanOptions {
  readonly seed: number;
  /** Share of requests that get a fault. */
  readonly rate: number;
  /** Chance that a fault repeats for the next requests for the same secret (an outage, not a blip). */
  readonly burst: number;
  readonly weights?: Partial<Record<HttpFault, number>>;
}

const DEFAULT_WEIGHTS: Record<HttpFault, number> = {
  status_408: 1,
  status_429: 1,
  status_429_retry_after_seconds: 1,
  status_429_retry_after_date: 1,
  status_500: 1,
  status_502: 1,
  status_503: 1,
  reset: 1,
  reset_answer_lost: 1,
  // Each costs the client's timeout in real time.
  hang: 0.15,
  hang_answer_lost: 0.15,
  slow: 1,
  echo_key: 1.5,
};
/** Short waits the worker sits out, and long ones it defers past (the in-process cap is 5 s). */
export const RETRY_AFTER_SECONDS = [1, 2, 4, 30, 300, 1800] as const;
export const ECHO_OFFSETS = [0, 40, 270] as const;

/**
 * Seeded fault decisions. Each decision depends only on the seed, the method, the secret and the
 * request's number for that secret, so a run repeats even though concurrent requests interleave.
 */
export function createFaultPlan(options: FaultPlanOptions): (request: ProxiedRequest) => FaultDecision | undefined {
  const weights = { ...DEFAULT_WEIGHTS, ...options.weights };
  const bursts = new Map<string, { decision: FaultDecision; left: number }>();
  return (request) => {
    const key = `${request.method} ${request.secretId ?? ''}`;
    const ongoing = bursts.get(key);
    if (ongoing && ongoing.left > 0) {
      ongoing.left -= 1;
      return ongoing.decision;
    }
    const roll = dice(seededRandom(seedOf(options.seed, key, request.call)));
    if (!roll.chance(options.rate)) return undefined;
    const kind = roll.weighted(weights);
    const decision: FaultDecision = {
      kind,
      ...(kind.startsWith('status_429_') ? { retryAfterSeconds: roll.pick(RETRY_AFTER_SECONDS) } : {}),
      ...(kind === 'slow' ? { delayMs: roll.int(2, 30) } : {}),
      ...(kind === 'echo_key'
        ? { echoOffset: roll.pick(ECHO_OFFSETS), echoStatus: roll.pick([500, 503, 401]), echoAsText: roll.chance(0.3) }
        : {}),
    };
    if (roll.chance(options.burst)) bursts.set(key, { decision, left: roll.int(1, 3) });
    return decision;
  };
}
