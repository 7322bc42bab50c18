import { type AttemptPolicy, type RetryDeps, readWithRetries } from '#core/http-attempts.ts';
import type { ElevenLabsApi } from '#core/ports.ts';
import { summarizeUsage, type Usage } from '#core/used-by.ts';

/** One secret as the sweep sees it. Names are not unique; ids are. */
export interface InventoryItem {
  readonly secretId: string;
  readonly name: string;
  readonly usage: Usage;
}

export type Inventory =
  | { readonly ok: true; readonly secrets: readonly InventoryItem[]; readonly listCalls: number }
  | { readonly ok: false; readonly reason: string; readonly listCalls: number };

export interface InventoryDeps extends RetryDeps {
  readonly api: Pick<ElevenLabsApi, 'listSecrets'>;
}

/** Guards against a server that never stops paging. 10,000 pages is a million secrets. */
const MAX_PAGES = 10_000;

interface Page {
  readonly items: InventoryItem[];
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
  const items: InventoryItem[] = [];
  for (const secret of secrets) {
    const { secret_id: secretId, name, used_by: usedBy } = (secret ?? {}) as Record<string, unknown>;
    if (typeof secretId !== 'string' || typeof name !== 'string') return 'a secret has no string secret_id or name';
    items.push({ secretId, name, usage: summarizeUsage(usedBy) });
  }
  return nextCursor ? { items, nextCursor } : { items };
}

/**
 * Lists every secret whose name starts with one of the prefixes (`search` per prefix, page size
 * 100, following `next_cursor`, pages fetched one after another). Any page that still fails after
 * retries aborts the whole inventory: a partial inventory must never drive a decision.
 */
export async function listInventory(
  prefixes: readonly string[],
  deps: InventoryDeps,
  policy: AttemptPolicy,
  deadlineMs: number,
  pageSize = 100,
): Promise<Inventory> {
  const byId = new Map<string, InventoryItem>();
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
        const detail = 'detail' in attempts.result ? attempts.result.detail.message : attempts.result.error.message;
        return {
          ok: false,
          reason: `${where}: ${attempts.result.kind}, HTTP ${attempts.status ?? 'none'}${detail ? `: ${detail}` : ''}`,
          listCalls,
        };
      }
      const parsed = parsePage(attempts.body);
      if (typeof parsed === 'string') return { ok: false, reason: `${where}: ${parsed}`, listCalls };
      for (const item of parsed.items) byId.set(item.secretId, item);
      if (!parsed.nextCursor) break;
      if (seenCursors.has(parsed.nextCursor)) {
        return { ok: false, reason: `${where}: next_cursor repeats, paging would never end`, listCalls };
      }
      seenCursors.add(parsed.nextCursor);
      cursor = parsed.nextCursor;
    }
  }
  return { ok: true, secrets: [...byId.values()], listCalls };
}
