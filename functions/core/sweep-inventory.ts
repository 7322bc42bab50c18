import { listEnvVariableUses } from '#core/env-variables.ts';
import { type AttemptPolicy, describeReadFailure, type RetryDeps, readWithRetries } from '#core/http-attempts.ts';
import type { ElevenLabsApi } from '#core/ports.ts';
import { mergeUsage, summarizeUsage, type Usage } from '#core/used-by.ts';

/** One secret as the sweep sees it. Names are not unique; ids are. */
export interface InventoryItem {
  readonly secretId: string;
  readonly name: string;
  readonly usage: Usage;
  /** Labels of the secret-type environment variables that reference it: uses `used_by` does not show. */
  readonly envVariables: readonly string[];
}

export type Inventory =
  | {
      readonly ok: true;
      readonly secrets: readonly InventoryItem[];
      /** Secret-type environment variables read. */
      readonly envVariables: number;
      /** List requests sent: secrets pages and environment-variable pages. */
      readonly listCalls: number;
    }
  | { readonly ok: false; readonly reason: string; readonly listCalls: number };

export interface InventoryDeps extends RetryDeps {
  readonly api: Pick<ElevenLabsApi, 'listSecrets' | 'listEnvironmentVariables'>;
}

/** Secrets per list page: the API's maximum, so a sweep makes the fewest calls. */
export const LIST_PAGE_SIZE = 100;

/** Guards against a server that never stops paging. 10,000 pages is a million secrets. */
const MAX_PAGES = 10_000;

interface Page {
  readonly items: Omit<InventoryItem, 'envVariables'>[];
  readonly nextCursor?: string;
}

/** Reads one list page strictly: anything unexpected fails the whole inventory. */
function parsePage(body: string | undefined): Page | string {
  let json: unknown;
  try {
    json = JSON.parse(body ?? '');
  } catch {
    return 'page body is not JSON';
  }
  const { secrets, next_cursor: nextCursor } = (json ?? {}) as { secrets?: unknown; next_cursor?: unknown };
  if (!Array.isArray(secrets)) return 'page has no "secrets" array';
  if (nextCursor !== undefined && nextCursor !== null && typeof nextCursor !== 'string') {
    return 'page has a "next_cursor" that is not a string';
  }
  const items: Omit<InventoryItem, 'envVariables'>[] = [];
  for (const secret of secrets) {
    const { secret_id: secretId, name, used_by: usedBy } = (secret ?? {}) as Record<string, unknown>;
    if (typeof secretId !== 'string' || typeof name !== 'string') return 'a secret has no string secret_id or name';
    items.push({ secretId, name, usage: summarizeUsage(usedBy) });
  }
  return nextCursor ? { items, nextCursor } : { items };
}

/**
 * Lists every secret whose name starts with one of the prefixes (`search` per prefix, page size
 * 100, following `next_cursor`, pages fetched one after another), then every secret-type
 * environment variable. A secret listed under two prefixes is in use if either listing says so.
 * Any page that still fails after retries aborts the whole inventory: a partial inventory must
 * never drive a decision.
 */
export async function listInventory(
  prefixes: readonly string[],
  deps: InventoryDeps,
  policy: AttemptPolicy,
  deadlineMs: number,
  pageSize = LIST_PAGE_SIZE,
): Promise<Inventory> {
  const byId = new Map<string, Omit<InventoryItem, 'envVariables'>>();
  let listCalls = 0;
  for (const prefix of prefixes) {
    let cursor: string | undefined;
    const seenCursors = new Set<string>();
    for (let page = 1; ; page += 1) {
      if (page > MAX_PAGES) return { ok: false, reason: `prefix "${prefix}": more than ${MAX_PAGES} pages`, listCalls };
      const attempts = await readWithRetries(
        (apiKey, timeoutMs) => deps.api.listSecrets({ pageSize, search: prefix, cursor }, apiKey, timeoutMs),
        deps,
        policy,
        deadlineMs,
      );
      listCalls += attempts.httpAttempts;
      const where = `prefix "${prefix}" page ${page}`;
      if (attempts.result.kind !== 'ok') {
        return { ok: false, reason: `${where}: ${describeReadFailure(attempts)}`, listCalls };
      }
      const parsed = parsePage(attempts.body);
      if (typeof parsed === 'string') return { ok: false, reason: `${where}: ${parsed}`, listCalls };
      for (const item of parsed.items) {
        const seen = byId.get(item.secretId);
        byId.set(item.secretId, seen ? { ...item, usage: mergeUsage(seen.usage, item.usage) } : item);
      }
      if (!parsed.nextCursor) break;
      if (seenCursors.has(parsed.nextCursor)) {
        return { ok: false, reason: `${where}: next_cursor repeats, paging would never end`, listCalls };
      }
      seenCursors.add(parsed.nextCursor);
      cursor = parsed.nextCursor;
    }
  }
  const env = await listEnvVariableUses(deps, policy, deadlineMs, { pageSize, maxPages: MAX_PAGES });
  listCalls += env.listCalls;
  if (!env.ok) return { ok: false, reason: env.reason, listCalls };
  const secrets = [...byId.values()].map((item) => ({ ...item, envVariables: env.bySecret.get(item.secretId) ?? [] }));
  return { ok: true, secrets, envVariables: env.variables, listCalls };
}
