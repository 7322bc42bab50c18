import type { Dice } from '#sandbox/random.ts';
import { agentRemovedEvent, deletionRequestedEvent, envelopeBody } from '#test/helpers/eventbridge-events.ts';

/**
 * The fault soak's requests: what each one asks for, how it travels (alone, in a multi-id message, in
 * an EventBridge event), and the one terminal state it must reach.
 */

export const CATEGORIES = [
  'free',
  'gone',
  'released',
  'never_released',
  'protected',
  'forged_sweep',
  'invalid_body',
  'invalid_id',
] as const;
export type Category = (typeof CATEGORIES)[number];

/** Share of each category among the requests. */
const SHARES: Record<Category, number> = {
  free: 0.5,
  gone: 0.1,
  released: 0.1,
  never_released: 0.04,
  protected: 0.05,
  forged_sweep: 0.08,
  invalid_body: 0.06,
  invalid_id: 0.07,
};

export type TerminalKind = 'deleted' | 'refused' | 'dlq';

/** The terminal state each category must reach: its kind, and the reasons allowed. */
export const EXPECTED: Record<Category, { kind: TerminalKind; reason: RegExp }> = {
  free: { kind: 'deleted', reason: /^(deleted|already_gone)$/ },
  gone: { kind: 'deleted', reason: /^already_gone$/ },
  released: { kind: 'deleted', reason: /^(deleted|already_gone)$/ },
  // The horizon can pass while the last attempt met an API fault or a revoked key.
  never_released: {
    kind: 'dlq',
    reason: /^horizon_exceeded: still (in_use_deferred|transient_retry|auth_failed) after \d+ h$/,
  },
  protected: { kind: 'refused', reason: /^protected_secret_id$/ },
  forged_sweep: {
    kind: 'refused',
    reason:
      /^(sweep_decision_missing|sweep_grace_period_not_met|sweep_mark_missing|sweep_mark_changed|stale_sweep_request)$/,
  },
  invalid_body: { kind: 'dlq', reason: /^invalid_message: / },
  invalid_id: { kind: 'refused', reason: /^invalid_secret_id$/ },
};

/**
 * A forged sweep message: without the sweep's decision (`runId`, `firstSeenUnusedAt`), claiming a
 * secret unused for less than the grace period, naming a secret without a mark, one whose mark started
 * at another time, or one whose mark the sweep has not refreshed for days.
 */
export const FORGERIES = ['no_decision', 'grace_not_met', 'no_mark', 'mark_changed', 'stale_mark'] as const;
export type Forgery = (typeof FORGERIES)[number];

/** The refusal each forgery meets (a message the worker receives late is `stale_sweep_request` first). */
export const FORGERY_REFUSALS: Record<Forgery, RegExp> = {
  no_decision: /^sweep_decision_missing$/,
  grace_not_met: /^(sweep_grace_period_not_met|stale_sweep_request)$/,
  no_mark: /^(sweep_mark_missing|stale_sweep_request)$/,
  mark_changed: /^(sweep_mark_changed|stale_sweep_request)$/,
  stale_mark: /^(sweep_mark_missing|stale_sweep_request)$/,
};

export interface SoakRequest {
  readonly index: number;
  readonly category: Category;
  /** The id as a log line names it: the secret id, or the quoted invalid id. */
  readonly logId: string;
  /** The secret on the fake ElevenLabs, for the categories that have one. */
  readonly secretId?: string;
  /** Sent at, from the start of the run (set when the carrying message is built). */
  sentAfterMs: number;
  /** For `released`: how long after its send the holder lets go. */
  readonly releaseAfterMs?: number;
  /** For `forged_sweep`: what the forger got wrong. */
  readonly forgery?: Forgery;
}

export interface SoakMessage {
  readonly body: string;
  readonly carrier:
    | 'single'
    | 'multi'
    | 'agent_removed'
    | 'deletion_requested'
    | 'sweep_single'
    | 'sweep_multi'
    | 'bad_body';
  readonly sentAfterMs: number;
  readonly requests: readonly SoakRequest[];
}

export interface Population {
  readonly requests: SoakRequest[];
  readonly messages: SoakMessage[];
  /** Secrets on the fake that no request names: they must survive. */
  readonly bystanders: string[];
}

const HOUR = 3_600_000;

/** A unique invalid body of each kind the worker must refuse (the index keeps bodies apart). */
function invalidBody(index: number, roll: Dice): string {
  const id = `sec_bad_body_${index}`;
  return roll.pick([
    () => `{"secretId": "${id}"`,
    () => `not json at all ${index}`,
    () => String(index),
    () => JSON.stringify([id]),
    () => JSON.stringify({ secretId: index }),
    () => JSON.stringify({ secretId: id, colour: 'red' }),
    () => JSON.stringify({ secretIds: [], reason: `empty ${index}` }),
    () => JSON.stringify({ secretId: `../../etc/passwd_${index}` }),
    () => JSON.stringify({ secretId: id, origin: 'cron' }),
    () => JSON.stringify({ secretId: id, firstSentAt: 12 }),
    () => JSON.stringify({ secretIds: Array.from({ length: 1001 }, (_, n) => `sec_${index}_${n}`) }),
    () => envelopeBody(agentRemovedEvent({ secretIds: [id] }, { id: `evt_bad_${index}` })),
    () =>
      JSON.stringify({
        version: '0',
        id: `evt_bad_${index}`,
        'detail-type': 'Agent Added',
        source: 'convai.secret-janitor',
        detail: { agentId: 'agt_1', secretIds: [id] },
      }),
  ])();
}

function counts(total: number): Record<Category, number> {
  const result = Object.fromEntries(CATEGORIES.map((c) => [c, Math.floor(total * SHARES[c])])) as Record<
    Category,
    number
  >;
  result.free += total - CATEGORIES.reduce((sum, c) => sum + result[c], 0);
  return result;
}

/** `total` requests in the shares above, carried by messages sent over the first 6 h (40 % at once). */
export function buildPopulation(total: number, roll: Dice, startMs: number): Population {
  const requests: SoakRequest[] = [];
  for (const [category, count] of Object.entries(counts(total)) as [Category, number][]) {
    for (let n = 0; n < count; n += 1) {
      const index = requests.length;
      const tag = `${category.replace('_', '')}_${index}_${roll.token(6)}`;
      const invalid = category === 'invalid_id' ? `bad id #${index}` : undefined;
      requests.push({
        index,
        category,
        logId: invalid ? JSON.stringify(invalid) : category === 'invalid_body' ? `body_${index}` : `sec_${tag}`,
        ...(invalid || category === 'invalid_body' ? {} : { secretId: `sec_${tag}` }),
        sentAfterMs: 0,
        ...(category === 'released' ? { releaseAfterMs: roll.int(60_000, 48 * HOUR) } : {}),
        ...(category === 'forged_sweep' ? { forgery: roll.pick(FORGERIES) } : {}),
      });
    }
  }
  const sendAt = () => (roll.chance(0.4) ? 0 : roll.int(0, 6 * HOUR));
  const messages: SoakMessage[] = [];
  const add = (message: Omit<SoakMessage, 'sentAfterMs'>) => {
    const sentAfterMs = sendAt();
    for (const request of message.requests) request.sentAfterMs = sentAfterMs;
    messages.push({ ...message, sentAfterMs });
  };
  const ids = (group: readonly SoakRequest[]) => group.map((r) => (r.secretId ?? JSON.parse(r.logId)) as string);

  const reason = 'unused for 7 days';
  for (const request of requests.filter((r) => r.forgery && r.forgery !== 'no_decision')) {
    const claimedSince = startMs - (request.forgery === 'grace_not_met' ? 24 : 240) * HOUR;
    const decision = { runId: `forged-run-${request.index}`, firstSeenUnusedAt: claimedSince };
    const body = JSON.stringify({ secretId: request.secretId, origin: 'sweep', reason, ...decision });
    add({ body, carrier: 'sweep_single', requests: [request] });
  }
  // Without a decision, alone or several in one message (its children carry none either).
  const undecided = roll.shuffle(requests.filter((r) => r.forgery === 'no_decision'));
  while (undecided.length > 0) {
    const group = undecided.splice(0, roll.chance(0.5) ? 1 : roll.int(2, 5));
    const [only] = group;
    if (group.length === 1 && only?.secretId) {
      const body = JSON.stringify({ secretId: only.secretId, origin: 'sweep', reason });
      add({ body, carrier: 'sweep_single', requests: group });
    } else {
      const body = JSON.stringify({ secretIds: ids(group), origin: 'sweep', reason });
      add({ body, carrier: 'sweep_multi', requests: group });
    }
  }
  for (const request of requests.filter((r) => r.category === 'invalid_body')) {
    add({ body: invalidBody(request.index, roll), carrier: 'bad_body', requests: [request] });
  }
  const rest = roll.shuffle(requests.filter((r) => !['forged_sweep', 'invalid_body'].includes(r.category)));
  const grouped = rest.filter((r) => r.category === 'invalid_id' || roll.chance(0.45));
  const inGroups = new Set(grouped);
  for (const request of rest.filter((r) => !inGroups.has(r))) {
    add({
      body: JSON.stringify({ secretId: request.secretId, reason: 'session ended' }),
      carrier: 'single',
      requests: [request],
    });
  }
  while (grouped.length > 0) {
    const group = grouped.splice(0, roll.int(2, 10));
    const index = messages.length;
    const carrier = roll.weighted({ multi: 5, agent_removed: 4, deletion_requested: 1 });
    const detail = { secretIds: ids(group), reason: 'customer offboarded' };
    const body =
      carrier === 'multi'
        ? JSON.stringify({ ...detail, origin: roll.pick(['request', 'schedule']) })
        : carrier === 'agent_removed'
          ? envelopeBody(agentRemovedEvent({ agentId: `agt_${index}`, ...detail }, { id: `evt_${index}` }))
          : envelopeBody(deletionRequestedEvent(detail, { id: `evt_${index}` }));
    add({ body, carrier, requests: group });
  }
  const bystanders = Array.from({ length: Math.ceil(total / 10) }, (_, n) => `sec_bystander_${n}_${roll.token(6)}`);
  return { requests, messages: roll.shuffle(messages), bystanders };
}
