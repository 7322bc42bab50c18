/**
 * `used_by` of a ConvAI workspace secret, in the shapes of the official client's serializers
 * (`ConvAiStoredSecretDependencies` in `@elevenlabs/elevenlabs-js`): available tools, agents and MCP
 * servers carry `id`, `name`, `created_at_unix_secs` and `access_level`; unknown ones (the key cannot
 * see them) only `type: "unknown"` and `id`; phone numbers `phone_number_id`, `phone_number`, `label`
 * and `provider`; `others` are strings.
 */

export type AccessLevel = 'admin' | 'editor' | 'commenter' | 'viewer';
export type TelephonyProvider = 'twilio' | 'sip_trunk' | 'exotel';

export interface AvailableDependent {
  type: 'available';
  id: string;
  name: string;
  created_at_unix_secs: number;
  access_level: AccessLevel;
}
export interface UnknownDependent {
  type: 'unknown';
  id: string;
}
export type Dependent = AvailableDependent | UnknownDependent;

export interface PhoneNumberDependent {
  phone_number_id: string;
  phone_number: string;
  label: string;
  provider: TelephonyProvider;
}

/** The only `others` value the schema knows. */
export type OtherDependent = 'conversation_initiation_webhook';
export const CONVERSATION_INITIATION_WEBHOOK: OtherDependent = 'conversation_initiation_webhook';

export interface UsedBy {
  tools: Dependent[];
  tools_has_more: boolean;
  agents: Dependent[];
  agents_has_more: boolean;
  phone_numbers: PhoneNumberDependent[];
  phone_numbers_has_more: boolean;
  mcp_servers: Dependent[];
  others: OtherDependent[];
}

/** `used_by` exactly as GET /v1/convai/secrets returns it for a secret nobody uses. */
export const EMPTY_USED_BY = {
  tools: [],
  tools_has_more: false,
  agents: [],
  agents_has_more: false,
  phone_numbers: [],
  phone_numbers_has_more: false,
  mcp_servers: [],
  others: [],
} as const;

/** A fresh, mutable copy (for fakes that push holders into the lists). */
export function emptyUsedBy(): UsedBy {
  return { ...EMPTY_USED_BY, tools: [], agents: [], phone_numbers: [], mcp_servers: [], others: [] };
}

/** 2026-01-01T00:00:00Z, a fixed creation time for dependents. */
const CREATED = 1_767_225_600;

/** A tool, agent or MCP server the key can see. */
export const available = (id: string, name = id, accessLevel: AccessLevel = 'admin'): AvailableDependent => ({
  type: 'available',
  id,
  name,
  created_at_unix_secs: CREATED,
  access_level: accessLevel,
});

/** A tool, agent or MCP server the key cannot see: still a use. */
export const unknown = (id: string): UnknownDependent => ({ type: 'unknown', id });

export const phoneNumber = (
  phoneNumberId: string,
  label = 'Support line',
  number = '+15550100',
  provider: TelephonyProvider = 'twilio',
): PhoneNumberDependent => ({ phone_number_id: phoneNumberId, phone_number: number, label, provider });
