/**
 * Reading a secret's `used_by`. An `unknown` item is a dependent the key cannot see: still a use.
 * The reading follows the API schema: `tools`, `agents` and `others` are required; the other lists
 * and the `*_has_more` flags are optional and default to empty and `false` when absent or null.
 * Anything else that is missing or malformed counts as a use, and is reported as `unreadable`.
 */

const REQUIRED_LISTS = ['tools', 'agents', 'others'] as const;
const OPTIONAL_LISTS = ['phone_numbers', 'mcp_servers'] as const;
const HAS_MORE = ['tools_has_more', 'agents_has_more', 'phone_numbers_has_more'] as const;
type List = (typeof REQUIRED_LISTS)[number] | (typeof OPTIONAL_LISTS)[number];

export interface Usage {
  /** True unless every list is empty and every `*_has_more` flag is false. Unreadable means in use. */
  readonly inUse: boolean;
  /** True when some required field was missing or some field malformed (counted as a use). */
  readonly unreadable: boolean;
  /** Ids (or names) per list, for the log; never secret values. */
  readonly holders: Partial<Record<List, string[]>>;
  /** Which `*_has_more` flags were set (or unreadable). */
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

const absent = (value: unknown) => value === undefined || value === null;

export function summarizeUsage(usedBy: unknown): Usage {
  if (typeof usedBy !== 'object' || usedBy === null || Array.isArray(usedBy)) {
    return { inUse: true, unreadable: true, holders: {}, hasMore: [] };
  }
  const record = usedBy as Record<string, unknown>;
  const holders: Usage['holders'] = {};
  let unreadable = false;
  for (const list of [...REQUIRED_LISTS, ...OPTIONAL_LISTS]) {
    const items = record[list];
    if (absent(items) && (OPTIONAL_LISTS as readonly string[]).includes(list)) continue;
    if (!Array.isArray(items)) {
      unreadable = true;
      holders[list] = ['(unreadable)'];
    } else if (items.length > 0) {
      holders[list] = items.slice(0, 10).map(holderName);
    }
  }
  const hasMore: string[] = [];
  for (const flag of HAS_MORE) {
    const value = record[flag];
    if (absent(value) || value === false) continue;
    if (value !== true) unreadable = true;
    hasMore.push(flag);
  }
  const inUse = unreadable || Object.keys(holders).length > 0 || hasMore.length > 0;
  return { inUse, unreadable, holders, hasMore };
}
