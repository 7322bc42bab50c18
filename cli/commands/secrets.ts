import { openSession, type Session, sessionProblem } from '#cli/api.ts';
import type { ApiOptions, Terminal } from '#cli/credentials.ts';
import { EXIT, failure, usageError } from '#cli/errors.ts';
import { count, type Output } from '#cli/output.ts';
import { type InventoryItem, listInventory } from '#core/sweep-inventory.ts';
import type { Usage } from '#core/used-by.ts';
import { DEFAULTS } from '#shared/config.ts';

export interface ListOptions extends ApiOptions {
  readonly prefix: readonly string[];
  readonly unused?: boolean;
  readonly inUse?: boolean;
}

/** The lists of `used_by` with a column each; any other key the API adds shows under "Others". */
const LISTS = [
  ['agents', 'Agents'],
  ['tools', 'Tools'],
  ['phone_numbers', 'Phone numbers'],
  ['mcp_servers', 'MCP servers'],
  ['env_variables', 'Env variables'],
  ['others', 'Others'],
] as const;
export const HOLDER_HEAD = [...LISTS.map(([, title]) => title), 'Unknown', 'Has more'];

/** A holder the key cannot see: `agent_9 (unknown)`, `Bot (agent_9, unknown)`. */
const UNKNOWN = /[(,] ?unknown\)$/;

export interface HolderView {
  readonly inUse: boolean;
  readonly unreadable: boolean;
  readonly holders: Readonly<Record<string, readonly string[]>>;
  /** Holders the API key cannot see (still a use). */
  readonly unknownHolders: number;
  readonly hasMore: readonly string[];
}

/**
 * `used_by` as the sweep reads it, plus the secret-type environment variables that reference the
 * secret (by label, under `env_variables`): a use `used_by` does not show.
 */
export function holderView(usage: Usage, envVariables: readonly string[] = []): HolderView {
  const holders: Readonly<Record<string, readonly string[]>> =
    envVariables.length > 0
      ? { ...usage.holders, env_variables: [...(usage.holders.env_variables ?? []), ...envVariables] }
      : usage.holders;
  const unknownHolders = Object.values(holders)
    .flat()
    .filter((name) => UNKNOWN.test(name)).length;
  return {
    inUse: usage.inUse || envVariables.length > 0,
    unreadable: usage.unreadable,
    holders,
    unknownHolders,
    hasMore: [...usage.hasMore],
  };
}

/** One table cell per list, then unknown and has-more. */
export function holderCells(view: HolderView): string[] {
  const known = new Set<string>(LISTS.map(([key]) => key));
  const extra = Object.entries(view.holders)
    .filter(([key]) => !known.has(key))
    .flatMap(([key, names]) => names.map((name) => `${key}: ${name}`));
  return [
    ...LISTS.map(([key]) => [...(view.holders[key] ?? []), ...(key === 'others' ? extra : [])].join('\n')),
    view.unknownHolders ? String(view.unknownHolders) : '',
    [...view.hasMore, ...(view.unreadable ? ['(unreadable used_by)'] : [])].join('\n'),
  ];
}

/** `agents: Support bot (agent_1); has more: agents_has_more` for one cell or line. */
export function holderSummary(view: HolderView): string {
  const parts = Object.entries(view.holders).map(([list, names]) => `${list}: ${names.join(', ')}`);
  if (view.hasMore.length > 0) parts.push(`has more: ${view.hasMore.join(', ')}`);
  if (view.unreadable) parts.push('used_by unreadable (counted as in use)');
  return parts.join('; ');
}

/**
 * Every secret under the prefixes (all secrets for `['']`), through the sweep's own inventory: all
 * pages, strict parsing, retries. A failed page ends the command in one line.
 */
export async function readInventory(
  session: Session,
  prefixes: readonly string[],
  out: Output,
): Promise<{ secrets: readonly InventoryItem[]; listCalls: number }> {
  const progress = await out.progress('Listing secrets');
  let pages = 0;
  const api = {
    ...session.api,
    listSecrets: async (...args: Parameters<Session['api']['listSecrets']>) => {
      const response = await session.api.listSecrets(...args);
      pages += 1;
      progress.update(pages, `pages of up to ${DEFAULTS.listPageSize}`);
      return response;
    },
    listEnvironmentVariables: async (...args: Parameters<Session['api']['listEnvironmentVariables']>) => {
      const response = await session.api.listEnvironmentVariables(...args);
      pages += 1;
      progress.update(pages, 'pages (secrets, then environment variables)');
      return response;
    },
  };
  const inventory = await listInventory(
    prefixes,
    { ...session.deps, api },
    session.policy,
    Number.MAX_SAFE_INTEGER,
    DEFAULTS.listPageSize,
  );
  progress.stop(inventory.ok ? `Listed ${inventory.secrets.length} secrets in ${pages} pages` : 'Listing failed');
  if (!inventory.ok) {
    throw (
      sessionProblem(session, 'list', session.seen.status) ?? failure(`listing secrets failed: ${inventory.reason}`)
    );
  }
  return { secrets: inventory.secrets, listCalls: inventory.listCalls };
}

export async function listSecretsCommand(options: ListOptions, out: Output, terminal: Terminal): Promise<number> {
  if (options.unused && options.inUse) throw usageError('--unused and --in-use exclude each other; give one');
  const session = await openSession(options, terminal);
  const prefixes = options.prefix.length > 0 ? options.prefix : [''];
  const { secrets, listCalls } = await readInventory(session, prefixes, out);
  const rows = secrets
    .map((secret) => ({
      secretId: secret.secretId,
      name: secret.name,
      ...holderView(secret.usage, secret.envVariables),
    }))
    .filter((row) => (options.unused ? !row.inUse : options.inUse ? row.inUse : true));
  if (out.json) {
    out.document({ baseUrl: session.baseUrl, prefixes: options.prefix, count: rows.length, listCalls, secrets: rows });
    return EXIT.ok;
  }
  out.table(
    ['Secret ID', 'Name', ...HOLDER_HEAD],
    rows.map((row) => [row.secretId, row.name, ...holderCells(row)]),
  );
  const inUse = rows.filter((row) => row.inUse).length;
  out.line(
    `${count(rows.length, 'secret')}: ${inUse} in use, ${rows.length - inUse} unused (${count(listCalls, 'list call')})`,
  );
  return EXIT.ok;
}
