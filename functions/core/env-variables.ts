import { type AttemptPolicy, describeReadFailure, type RetryDeps, readWithRetries } from '#core/http-attempts.ts';
import type { ElevenLabsApi } from '#core/ports.ts';

/**
 * Secret-type ConvAI environment variables (`GET /v1/convai/environment-variables?type=secret`).
 * Such a variable maps each environment name to `{secret_id}`. `used_by` does not list these uses,
 * so the janitor reads them here: a secret any variable references is in use, and the variable's
 * label names the holder. The reading is strict: anything it does not recognise fails the listing,
 * because an unreadable variable might reference any secret.
 */

export interface EnvVariableDeps extends RetryDeps {
  readonly api: Pick<ElevenLabsApi, 'listEnvironmentVariables'>;
}

export type EnvVariableListing =
  | {
      readonly ok: true;
      /** Labels of the variables that reference each secret, by secret id. */
      readonly bySecret: ReadonlyMap<string, readonly string[]>;
      /** Secret-type variables read. */
      readonly variables: number;
      readonly listCalls: number;
    }
  | { readonly ok: false; readonly reason: string; readonly listCalls: number };

interface Page {
  readonly references: readonly { readonly secretId: string; readonly label: string }[];
  readonly variables: number;
  readonly nextCursor?: string;
}

/** Types the schema knows; only `secret` references secrets. */
const NON_SECRET_TYPES: ReadonlySet<string> = new Set(['string', 'auth_connection']);
const MAX_LABEL = 100;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const shown = (text: string) => JSON.stringify(text.length > MAX_LABEL ? `${text.slice(0, MAX_LABEL)}…` : text);

/** The secrets one variable references, or why it cannot be read. */
function readVariable(variable: unknown): { label: string; secret: boolean; secretIds: string[] } | string {
  if (!isRecord(variable)) return 'a variable is not an object';
  const { id, label, type, values } = variable;
  const name = typeof label === 'string' && label !== '' ? label : typeof id === 'string' && id !== '' ? id : '';
  if (name === '') return 'a variable has no string label or id';
  if (typeof type !== 'string') return `variable ${shown(name)} has no string type`;
  if (NON_SECRET_TYPES.has(type)) return { label: name, secret: false, secretIds: [] };
  if (type !== 'secret')
    return `variable ${shown(name)} has type ${shown(type)}, expected secret, string or auth_connection`;
  if (!isRecord(values)) return `variable ${shown(name)} has no "values" object`;
  const secretIds: string[] = [];
  for (const [environment, value] of Object.entries(values)) {
    const secretId = isRecord(value) ? value.secret_id : undefined;
    if (typeof secretId !== 'string' || secretId === '') {
      return `variable ${shown(name)} environment ${shown(environment)} has no string secret_id`;
    }
    secretIds.push(secretId);
  }
  return { label: name, secret: true, secretIds };
}

/** Reads one page strictly: anything unexpected fails the whole listing. */
export function parseEnvVariablesPage(body: string | undefined): Page | string {
  let json: unknown;
  try {
    json = JSON.parse(body ?? '');
  } catch {
    return 'page body is not JSON';
  }
  if (!isRecord(json) || !Array.isArray(json.environment_variables)) {
    return 'page has no "environment_variables" array';
  }
  const { has_more: hasMore, next_cursor: nextCursor } = json;
  if (typeof hasMore !== 'boolean') return 'page has no boolean "has_more"';
  if (nextCursor !== undefined && nextCursor !== null && typeof nextCursor !== 'string') {
    return 'page has a "next_cursor" that is not a string';
  }
  if (hasMore && !nextCursor) return 'page says "has_more" but has no "next_cursor"';
  const references: { secretId: string; label: string }[] = [];
  let variables = 0;
  for (const variable of json.environment_variables) {
    const read = readVariable(variable);
    if (typeof read === 'string') return read;
    if (read.secret) variables += 1;
    for (const secretId of read.secretIds) references.push({ secretId, label: read.label });
  }
  return hasMore && nextCursor ? { references, variables, nextCursor } : { references, variables };
}

/**
 * Every secret-type environment variable, page after page (`has_more` and `next_cursor`). A page
 * that still fails after retries, a refused permission or an unreadable page fails the listing:
 * it never reads as "no variables".
 */
export async function listEnvVariableUses(
  deps: EnvVariableDeps,
  policy: AttemptPolicy,
  deadlineMs: number,
  limits: { readonly pageSize: number; readonly maxPages: number },
): Promise<EnvVariableListing> {
  const bySecret = new Map<string, Set<string>>();
  const seenCursors = new Set<string>();
  let cursor: string | undefined;
  let listCalls = 0;
  let variables = 0;
  for (let page = 1; ; page += 1) {
    const where = `environment variables page ${page}`;
    if (page > limits.maxPages) {
      return { ok: false, reason: `environment variables: more than ${limits.maxPages} pages`, listCalls };
    }
    const attempts = await readWithRetries(
      (apiKey, timeoutMs) =>
        deps.api.listEnvironmentVariables({ type: 'secret', pageSize: limits.pageSize, cursor }, apiKey, timeoutMs),
      deps,
      policy,
      deadlineMs,
    );
    listCalls += attempts.httpAttempts;
    if (attempts.result.kind !== 'ok') {
      return { ok: false, reason: `${where}: ${describeReadFailure(attempts)}`, listCalls };
    }
    const parsed = parseEnvVariablesPage(attempts.body);
    if (typeof parsed === 'string') return { ok: false, reason: `${where}: ${parsed}`, listCalls };
    variables += parsed.variables;
    for (const { secretId, label } of parsed.references) {
      bySecret.set(secretId, (bySecret.get(secretId) ?? new Set()).add(label));
    }
    if (!parsed.nextCursor) break;
    if (seenCursors.has(parsed.nextCursor)) {
      return { ok: false, reason: `${where}: next_cursor repeats, paging would never end`, listCalls };
    }
    seenCursors.add(parsed.nextCursor);
    cursor = parsed.nextCursor;
  }
  const labels = new Map([...bySecret].map(([secretId, set]) => [secretId, [...set]] as const));
  return { ok: true, bySecret: labels, variables, listCalls };
}
