import type { Clock } from '#core/ports.ts';
import type { LocalQueue } from '#sandbox/local-queue.ts';
import { dice, seededRandom, seedOf } from '#sandbox/random.ts';
import type { ScheduledTimeline } from '#sandbox/timeline.ts';
import type { FakeAws } from '#test/helpers/fake-aws.ts';
import type { FakeElevenLabs } from '#test/helpers/fake-elevenlabs.ts';
import { tally } from '#test/helpers/soak-container.ts';

/** The fault soak's AWS-side faults: Secrets Manager, SQS, Lambda timeouts and key rotations. */

export const AWS_FAULT_RATES = {
  secretsThrottling: 0.04,
  changeVisibility: 0.03,
  dlqSend: 0.1,
  sendBatchCall: 0.03,
  sendBatchEntry: 0.08,
  duplicateDelivery: 0.02,
  /** Of invocations with 2 or more records. */
  functionTimeout: 0.03,
} as const;

const HOUR = 3_600_000;
/** Secrets Manager answers 500 to every call in these windows: [hours from the start, minutes]. */
export const SECRETS_OUTAGES = [
  [2, 20],
  [14, 30],
  [40, 15],
] as const;

/**
 * Draws that depend only on the seed, the fault, a key (the message) and how often that key met this
 * fault point: the schedule repeats whatever order concurrent records run in. Hits are tallied
 * unless `count` is false (the caller counts when the fault really happens).
 */
export function createStrikes(seed: number, counts: Record<string, number>) {
  const occurrences = new Map<string, number>();
  return (kind: string, rate: number, key: string, options: { count?: boolean } = {}): boolean => {
    const id = `${kind} ${key}`;
    const n = (occurrences.get(id) ?? 0) + 1;
    occurrences.set(id, n);
    const hit = seededRandom(seedOf(seed, id, n))() < rate;
    if (hit && options.count !== false) tally(counts, kind);
    return hit;
  };
}
export type Strikes = ReturnType<typeof createStrikes>;

export function injectQueueFaults(queue: LocalQueue, dlq: LocalQueue, strikes: Strikes): void {
  const rates = AWS_FAULT_RATES;
  queue.faults = {
    changeVisibility: (_handle, _seconds, message) =>
      strikes('change_visibility_failed', rates.changeVisibility, `${message?.body} ${message?.receiveCount}`)
        ? 'InternalError'
        : undefined,
    sendBatch: (entries) =>
      strikes('send_batch_failed', rates.sendBatchCall, entries[0]?.body ?? '') ? 'ServiceUnavailable' : undefined,
    sendBatchEntry: (entry) => strikes('send_batch_entry_failed', rates.sendBatchEntry, entry.body),
    duplicate: (message) =>
      strikes('duplicate_delivery', rates.duplicateDelivery, `${message.body} ${message.receiveCount}`),
  };
  dlq.faults = {
    sendMessage: (body) => (strikes('dlq_send_failed', rates.dlqSend, body) ? 'InternalError' : undefined),
  };
}

/** Throttling at random, and outages in fixed windows, for GetSecretValue. */
export function injectSecretsFaults(
  aws: FakeAws,
  now: Clock,
  start: number,
  seed: number,
  counts: Record<string, number>,
) {
  const roll = dice(seededRandom(seedOf(seed, 'secrets')));
  aws.fault = (operation) => {
    if (operation !== 'GetSecretValue') return undefined;
    const hours = (now() - start) / HOUR;
    if (SECRETS_OUTAGES.some(([at, minutes]) => hours >= at && hours < at + minutes / 60)) {
      tally(counts, 'secrets_outage');
      return { type: 'InternalServiceError', message: 'injected outage', status: 500 };
    }
    if (roll.chance(AWS_FAULT_RATES.secretsThrottling)) {
      tally(counts, 'secrets_throttling');
      return { type: 'ThrottlingException', message: 'Rate exceeded', status: 400 };
    }
    return undefined;
  };
}

/**
 * Two rotations: a clean one at 5 h (new key stored, then the old one revoked), and a careless one at
 * 29 h (old key revoked 20 minutes before the new one is stored). A cached key then gets 401 and the
 * worker reads the key again.
 */
export function scheduleKeyRotations(options: {
  timeline: ScheduledTimeline;
  start: number;
  keys: readonly string[];
  keySecret: string;
  aws: FakeAws;
  elevenlabs: FakeElevenLabs;
  counts: Record<string, number>;
}): void {
  const { timeline, start, keys, aws, elevenlabs } = options;
  const store = (key: string | undefined) => aws.secrets.set(options.keySecret, JSON.stringify({ apiKey: key }));
  timeline.schedule(start + 5 * HOUR, () => {
    tally(options.counts, 'key_rotation');
    elevenlabs.validKeys.add(keys[1] ?? '');
    store(keys[1]);
    elevenlabs.validKeys.delete(keys[0] ?? '');
  });
  timeline.schedule(start + 29 * HOUR, () => {
    tally(options.counts, 'key_rotation');
    elevenlabs.validKeys.delete(keys[1] ?? '');
    elevenlabs.validKeys.add(keys[2] ?? '');
  });
  timeline.schedule(start + 29 * HOUR + 20 * 60_000, () => store(keys[2]));
}
