/** Backoff and delay arithmetic. Pure: randomness and time come in as parameters. */

import type { Random } from '#core/ports.ts';

/** SQS: a message's visibility may not be extended beyond 12 hours from its receipt. */
export const SQS_MAX_VISIBILITY_SECONDS = 12 * 60 * 60;

/** Full jitter (AWS Architecture Blog): uniform in [0, min(cap, base * 2^attempt)). */
export function fullJitterMs(attempt: number, baseMs: number, capMs: number, random: Random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

export interface VisibilityBackoff {
  /** Delay for the first deferral. */
  readonly baseSeconds: number;
  /** Largest delay; kept below the SQS 12 h limit. */
  readonly capSeconds: number;
}

/**
 * Delay before the next receive of a deferred message, driven by `ApproximateReceiveCount`:
 * base doubling per receive, capped, with "equal jitter" (half fixed, half random) so the delay
 * still grows. Never exceeds the cap nor the SQS limit minus a safety margin.
 */
export function visibilityDelaySeconds(receiveCount: number, backoff: VisibilityBackoff, random: Random): number {
  const exponent = Math.max(0, receiveCount - 1);
  const ceiling = Math.min(backoff.capSeconds, backoff.baseSeconds * 2 ** Math.min(exponent, 30));
  const half = ceiling / 2;
  const delay = Math.round(half + random() * half);
  return Math.min(Math.max(delay, 1), backoff.capSeconds, SQS_MAX_VISIBILITY_SECONDS - 15 * 60);
}

/**
 * Parses `Retry-After`: delta seconds or an HTTP date. Returns whole milliseconds, or undefined when
 * the header is missing or unreadable. Negative values become 0; absurdly large ones stay finite.
 */
export function parseRetryAfterMs(header: string | null | undefined, nowMs: number): number | undefined {
  if (header === null || header === undefined) return undefined;
  const trimmed = header.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.min(Math.round(Number(trimmed) * 1000), Number.MAX_SAFE_INTEGER);
  // HTTP-date (IMF-fixdate), e.g. "Wed, 21 Oct 2026 07:28:00 GMT"; Date.parse alone is too lenient.
  if (!/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}
