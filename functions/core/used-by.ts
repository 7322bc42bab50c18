/**
 * Reading a secret's `used_by`. An `unknown` item is a dependent the key cannot see: still a use.
 * The reading follows the API schema: `tools`, `agents` and `others` are required; the other lists
 * and the `*_has_more` flags are optional and default to empty and `false` when absent or null.
 * Anything else that is missing or malformed counts as a use, and is reported as `unreadable`. So
 * does a key the schema does not know, unless it is empty (null, false, 0, "", [] or {}): a field
 * the API adds later can only make the janitor more careful.
 */

const REQUIRED_LISTS = ['tools', 'agents', 'others'] as const;
const OPTIONAL_LISTS = ['phone_numbers', 'mcp_servers'] as const;
const HAS_MORE = ['tools_has_more', 'agents_has_more', 'phone_numbers_has_more'] as const;
const KNOWN_KEYS: ReadonlySet<string> = new Set([...REQUIRED_LISTS, ...OPTIONAL_LISTS, ...HAS_MORE]);
/** Holders named per list in a log line. */
const MAX_HOLDERS = 10;
/** Characters of one name (free text) in a log line. */
const MAX_NAME = 100;

export interface Usage {
  /** True unless every list is empty and every `*_has_more` flag is false. Unreadable means in use. */
  readonly inUse: boolean;
  /** True when some required field was missing, some field malformed, or an unknown field set (counted as a use). */
  readonly unreadable: boolean;
  /** Names per list (the `used_by` key), for the log; never secret values. */
  readonly holders: Readonly<Record<string, readonly string[]>>;
  /** Which `*_has_more` flags were set (or unreadable). */
  readonly hasMore: readonly string[];
}

const text = (value: unknown): string | undefined => {
  if (typeof value !== 'string' || value === '') return undefined;
  return value.length > MAX_NAME ? `${value.slice(0, MAX_NAME)}…` : value;
};

/**
 * A holder by its real fields: `Support bot (agent_1)` for an agent, tool or MCP server,
 * `agent_9 (unknown)` for one the key cannot see, `Main line (+15550100, phnum_1)` for a phone
 * number, and an `others` string as it is. `(unreadable)` only when the item names nothing.
 */
export function holderName(item: unknown): string {
  if (typeof item === 'string') return text(item) ?? '(unreadable)';
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return '(unreadable)';
  const fields = item as Record<string, unknown>;
  const id = text(fields.id) ?? text(fields.phone_number_id);
  const number = text(fields.phone_number);
  const name = text(fields.name) ?? text(fields.label) ?? number ?? id;
  if (name === undefined) return '(unreadable)';
  const details = [number, id].filter((detail) => detail !== undefined && detail !== name);
  if (fields.type === 'unknown') details.push('unknown');
  return details.length > 0 ? `${name} (${details.join(', ')})` : name;
}

const absent = (value: unknown) => value === undefined || value === null;

/** An unknown key's value that says nothing: it neither adds a use nor makes the answer unreadable. */
function isEmpty(value: unknown): boolean {
  if (absent(value) || value === false || value === 0 || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && Object.keys(value as object).length === 0;
}

export function summarizeUsage(usedBy: unknown): Usage {
  if (typeof usedBy !== 'object' || usedBy === null || Array.isArray(usedBy)) {
    return { inUse: true, unreadable: true, holders: {}, hasMore: [] };
  }
  const record = usedBy as Record<string, unknown>;
  const holders: Record<string, string[]> = {};
  const hasMore: string[] = [];
  let unreadable = false;
  for (const list of [...REQUIRED_LISTS, ...OPTIONAL_LISTS]) {
    const items = record[list];
    if (absent(items) && (OPTIONAL_LISTS as readonly string[]).includes(list)) continue;
    if (!Array.isArray(items)) {
      unreadable = true;
      holders[list] = ['(unreadable)'];
    } else if (items.length > 0) {
      holders[list] = items.slice(0, MAX_HOLDERS).map(holderName);
    }
  }
  for (const flag of HAS_MORE) {
    const value = record[flag];
    if (absent(value) || value === false) continue;
    if (value !== true) unreadable = true;
    hasMore.push(flag);
  }
  for (const [key, value] of Object.entries(record)) {
    if (KNOWN_KEYS.has(key) || isEmpty(value)) continue;
    unreadable = true;
    if (key.endsWith('_has_more')) hasMore.push(key);
    else holders[key] = Array.isArray(value) ? value.slice(0, MAX_HOLDERS).map(holderName) : ['(unreadable)'];
  }
  const inUse = unreadable || Object.keys(holders).length > 0 || hasMore.length > 0;
  return { inUse, unreadable, holders, hasMore };
}

/**
 * Two observations of one secret in one run (overlapping prefixes list it twice). If either says
 * in use, it is in use; holders and flags are the union.
 */
export function mergeUsage(first: Usage, second: Usage): Usage {
  const holders: Record<string, string[]> = {};
  for (const usage of [first, second]) {
    for (const [list, names] of Object.entries(usage.holders)) {
      holders[list] = [...new Set([...(holders[list] ?? []), ...names])].slice(0, MAX_HOLDERS);
    }
  }
  return {
    inUse: first.inUse || second.inUse,
    unreadable: first.unreadable || second.unreadable,
    holders,
    hasMore: [...new Set([...first.hasMore, ...second.hasMore])],
  };
}
