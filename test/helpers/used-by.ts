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
export function emptyUsedBy() {
  return {
    ...EMPTY_USED_BY,
    tools: [] as unknown[],
    agents: [] as unknown[],
    phone_numbers: [] as unknown[],
    mcp_servers: [] as unknown[],
    others: [] as string[],
  };
}
