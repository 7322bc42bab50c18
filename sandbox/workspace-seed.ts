/**
 * A realistic ConvAI workspace for the sandbox, the same for the same seed and size: secrets under
 * the janitor's prefixes and under others, some held by agents, tools or phone numbers, some with
 * holders the key cannot see (`unknown`) or with more holders than listed (`*_has_more`), some
 * referenced only by a secret-type environment variable, one protected, and the cast of the story:
 * an agent about to be removed with its three secrets, and two secrets that get picked up later.
 */
import type { ElevenLabsSimulator } from '#sandbox/elevenlabs-simulator.ts';
import { type Dice, dice, seededRandom, seedOf } from '#sandbox/random.ts';
import { available, phoneNumber, type TelephonyProvider, unknown } from '#sandbox/used-by-shapes.ts';

/** What a seeded secret is, and so what should become of it. */
export type SecretKind =
  /** Owned and unused: the sweep deletes it once the grace period has passed. */
  | 'stale'
  | 'agent'
  | 'tool'
  | 'phone_number'
  /** Held by an agent the key cannot see (`type: "unknown"`). */
  | 'unknown_holder'
  /** `*_has_more` set: more holders than the answer lists. */
  | 'has_more'
  /** `used_by` is empty, but a secret-type environment variable references it. */
  | 'env_variable'
  /** Outside the janitor's prefixes: the sweep never lists it. */
  | 'not_owned'
  /** Owned and unused, but its id is in `PROTECTED_SECRET_IDS`. */
  | 'protected'
  /** Held by the agent the story removes. */
  | 'agent_removed'
  /** Unused at first; an agent starts using it during the grace period. */
  | 'picked_up_in_grace'
  /** Unused past the grace period; a tool starts using it after the sweep's plan, before the DELETE. */
  | 'picked_up_at_delete';

export interface SeededSecret {
  readonly secretId: string;
  readonly name: string;
  readonly kind: SecretKind;
}

export interface Holder {
  readonly id: string;
  readonly name: string;
}

export interface SeededWorkspace {
  /** The name prefixes the janitor's sweep owns. */
  readonly prefixes: readonly string[];
  readonly secrets: readonly SeededSecret[];
  readonly protectedId: string;
  readonly removedAgent: Holder & {
    readonly secretIds: readonly string[];
    /** The one the agent still holds when the event arrives (its teardown is not finished). */
    readonly lingering: string;
  };
  readonly pickedUpInGrace: { readonly secretId: string; readonly holder: Holder };
  readonly pickedUpAtDelete: { readonly secretId: string; readonly holder: Holder };
}

export const OWNED_PREFIXES = ['session-', 'demo-', 'ci-'] as const;
const OTHER_PREFIXES = ['prod-', 'billing-', 'team-'] as const;
const SLUGS = [
  'openai-key',
  'crm-token',
  'calendar-oauth',
  'webhook-signing',
  'zendesk-token',
  'twilio-auth',
  'hubspot-key',
  'slack-bot',
  'stripe-test-key',
  'weather-api',
  'maps-key',
  'search-api',
];
const AGENTS = ['Booking assistant', 'Sales qualifier', 'Onboarding guide', 'Survey caller', 'Returns desk'];
const TOOLS = ['crm_lookup', 'calendar_booking', 'order_status', 'ticket_create'];
const PROVIDERS: readonly TelephonyProvider[] = ['twilio', 'sip_trunk', 'exotel'];

/** One of each of these, then the rest in proportion to the weights. */
const WEIGHTS = {
  stale: 45,
  agent: 10,
  tool: 6,
  phone_number: 5,
  unknown_holder: 4,
  has_more: 3,
  env_variable: 5,
  not_owned: 22,
} as const satisfies Partial<Record<SecretKind, number>>;
type WeightedKind = keyof typeof WEIGHTS;
const STORY_SECRETS = 6;

export const MIN_SIZE = Object.keys(WEIGHTS).length + STORY_SECRETS;
export const MAX_SIZE = 500;

const lower = (roll: Dice, length: number) => roll.token(length).toLowerCase();

export function seedWorkspace(
  simulator: ElevenLabsSimulator,
  options: { readonly seed: number; readonly size: number },
): SeededWorkspace {
  const { seed, size } = options;
  if (!Number.isInteger(size) || size < MIN_SIZE || size > MAX_SIZE) {
    throw new RangeError(`size must be a whole number from ${MIN_SIZE} to ${MAX_SIZE}, received ${size}`);
  }
  const roll = dice(seededRandom(seedOf(seed, 'workspace')));
  const usedIds = new Set<string>();
  const newId = (prefix: string) => {
    let id: string;
    do id = `${prefix}_${lower(roll, 12)}`;
    while (usedIds.has(id));
    usedIds.add(id);
    return id;
  };
  const nameFor = (kind: SecretKind) =>
    `${kind === 'not_owned' ? roll.pick(OTHER_PREFIXES) : roll.pick(OWNED_PREFIXES)}${roll.pick(SLUGS)}-${lower(roll, 4)}`;

  const kinds: WeightedKind[] = Object.keys(WEIGHTS) as WeightedKind[];
  for (let n = kinds.length + STORY_SECRETS; n < size; n += 1) kinds.push(roll.weighted(WEIGHTS));
  const supportBot: Holder = { id: newId('agent'), name: 'Support bot' };
  const secrets: SeededSecret[] = [
    ...kinds.map((kind) => ({ secretId: newId('sec'), name: nameFor(kind), kind })),
    { secretId: newId('sec'), name: `session-${roll.pick(SLUGS)}-${lower(roll, 4)}`, kind: 'protected' },
    ...['crm-token', 'calendar-oauth', 'zendesk-token'].map((slug) => ({
      secretId: newId('sec'),
      name: `session-support-bot-${slug}`,
      kind: 'agent_removed' as const,
    })),
    { secretId: newId('sec'), name: nameFor('picked_up_in_grace'), kind: 'picked_up_in_grace' },
    { secretId: newId('sec'), name: nameFor('picked_up_at_delete'), kind: 'picked_up_at_delete' },
  ];

  let variables = 0;
  for (const secret of roll.shuffle(secrets)) {
    const usedBy = simulator.addSecret(secret.secretId, secret.name).used_by;
    switch (secret.kind) {
      case 'agent':
        usedBy.agents.push(available(newId('agent'), roll.pick(AGENTS), roll.pick(['admin', 'editor'] as const)));
        break;
      case 'tool':
        usedBy.tools.push(available(newId('tool'), roll.pick(TOOLS)));
        break;
      case 'phone_number':
        usedBy.phone_numbers.push(
          phoneNumber(newId('phnum'), 'Support line', `+1555010${roll.int(1000, 9999)}`, roll.pick(PROVIDERS)),
        );
        break;
      case 'unknown_holder':
        usedBy.agents.push(unknown(newId('agent')));
        break;
      case 'has_more':
        // Listed with a dependency limit: the holders themselves are cut off, only the flag says so.
        if (roll.chance(0.5)) usedBy.agents_has_more = true;
        else usedBy.tools_has_more = true;
        break;
      case 'env_variable':
        variables += 1;
        simulator.addEnvironmentVariable({
          label: `${secret.name.split('-').slice(1, -1).join('_').toUpperCase()}_${variables}`,
          type: 'secret',
          values: { production: { secret_id: secret.secretId }, staging: { secret_id: secret.secretId } },
        });
        break;
      case 'agent_removed':
        usedBy.agents.push(available(supportBot.id, supportBot.name));
        break;
      default:
        break;
    }
  }
  // Variables that reference no secret: the sweep reads them and moves on.
  simulator.addEnvironmentVariable({ label: 'REGION', type: 'string', values: { production: 'eu', staging: 'eu' } });
  simulator.addEnvironmentVariable({
    label: 'CALENDAR_CONNECTION',
    type: 'auth_connection',
    values: { production: { auth_connection_id: newId('conn') } },
  });

  const one = (kind: SecretKind) => secrets.find((secret) => secret.kind === kind)?.secretId ?? '';
  const removed = secrets.filter((secret) => secret.kind === 'agent_removed').map((secret) => secret.secretId);
  return {
    prefixes: OWNED_PREFIXES,
    secrets,
    protectedId: one('protected'),
    removedAgent: { ...supportBot, secretIds: removed, lingering: removed[1] ?? '' },
    pickedUpInGrace: { secretId: one('picked_up_in_grace'), holder: { id: newId('agent'), name: roll.pick(AGENTS) } },
    pickedUpAtDelete: { secretId: one('picked_up_at_delete'), holder: { id: newId('tool'), name: roll.pick(TOOLS) } },
  };
}
