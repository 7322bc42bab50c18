/**
 * Reading a secret's `used_by`. An `unknown` item is a dependent the key cannot see: still a use.
 * The reading fails safe: anything missing or malformed counts as a use.
 */

const LISTS = ['tools', 'agents', 'phone_numbers', 'mcp_servers', 'others'] as const;
const HAS_MORE = ['tools_has_more', 'agents_has_more', 'phone_numbers_has_more'] as const;

export interface Usage {
  /** True unless every list is empty and every `*_has_more` flag is false. Unreadable means in use. */
  readonly inUse: boolean;
  /** Ids (or names) per list, for the log; never secret values. */
  readonly holders: Partial<Record<(typeof LISTS)[number], string[]>>;
  /** Which `*_has_more` flags were set. */
  readonly hasMore: string[];
}

function holderName(item: unknown): string {
  if (typeof item === 'string') return item;
  if (typeof item === 'object' && item !== null) {
    const { id, type } = item as Record<string, unknown>;
    if (typeof id === 'string') return type === 'unknown' ? `${id} (unknown)` : id;
  }
  return '(unreadable)';
}

export function summarizeUsage(usedBy: unknown): Usage {
  if (typeof usedBy !== 'object' || usedBy === null || Array.isArray(usedBy))
    return { inUse: true, holders: {}, hasMore: ['used_by missing'] };
  const record = usedBy as Record<string, unknown>;
  const holders: Usage['holders'] = {};
  let inUse = false;
  for (const list of LISTS) {
    const items = record[list];
    // A list that is missing, null or not an array is unreadable, and unreadable means in use.
    if (!Array.isArray(items)) {
      inUse = true;
      holders[list] = ['(unreadable)'];
      continue;
    }
    if (items.length > 0) {
      inUse = true;
      holders[list] = items.slice(0, 10).map(holderName);
    }
  }
  // Only an explicit `false` says there is nothing more; a missing flag counts as "more".
  const hasMore = HAS_MORE.filter((flag) => record[flag] !== false);
  return { inUse: inUse || hasMore.length > 0, holders, hasMore };
}
