import pLimit from 'p-limit';
import { describeAttempts, itemDeadline, openSession, type Session, sessionProblem } from '#cli/api.ts';
import { parseDuration, parseWhole, readSecretIds } from '#cli/args.ts';
import { type HolderView, holderSummary, holderView } from '#cli/commands/secrets.ts';
import type { ApiOptions, Terminal } from '#cli/credentials.ts';
import { type CliError, EXIT, usageError } from '#cli/errors.ts';
import { count, formatAge, type Output } from '#cli/output.ts';
import { type EnvVariableListing, listEnvVariableUses } from '#core/env-variables.ts';
import { type DeleteAttempts, deleteWithRetries, readWithRetries } from '#core/http-attempts.ts';
import { retryDelaySeconds } from '#core/retry-policy.ts';
import { summarizeUsage } from '#core/used-by.ts';
import { DEFAULTS } from '#shared/config.ts';

export interface DeleteOptions extends ApiOptions {
  readonly fromFile?: string;
  readonly dryRun?: boolean;
  readonly yes?: boolean;
  readonly concurrency?: string;
  readonly wait?: string;
}

export type ItemOutcome =
  | 'deleted'
  | 'already_gone'
  | 'would_delete'
  | 'in_use'
  | 'failed'
  | 'auth_failed'
  | 'not_attempted';

export interface ItemResult {
  readonly secretId: string;
  readonly outcome: ItemOutcome;
  readonly status?: number;
  readonly httpAttempts: number;
  readonly detail?: string;
  readonly requestId?: string;
  readonly holders?: HolderView;
  readonly holdersLookup?: string;
}

const DONE: ReadonlySet<ItemOutcome> = new Set(['deleted', 'already_gone', 'would_delete']);

type EnvUses = () => Promise<EnvVariableListing>;

/** Secret-type environment variables, read once per run and only when needed (as the worker's lookup does). */
function envVariableUses(session: Session): EnvUses {
  let listing: Promise<EnvVariableListing> | undefined;
  return () => {
    listing ??= listEnvVariableUses(session.deps, session.policy, Number.MAX_SAFE_INTEGER, {
      pageSize: DEFAULTS.listPageSize,
      maxPages: 10_000,
    });
    return listing;
  };
}

interface Lookup {
  readonly status?: number;
  readonly httpAttempts: number;
  /** Set when the secret was read: its holders from `used_by` and environment variables. */
  readonly holders?: HolderView;
  readonly holdersLookup?: string;
  readonly kind: string;
}

/**
 * Who holds a secret: GET it and read `used_by` as the sweep does, plus the secret-type environment
 * variables that reference it. Holders stay unset when the secret could not be read.
 */
async function lookupHolders(session: Session, secretId: string, env: EnvUses): Promise<Lookup> {
  const attempts = await readWithRetries(
    (apiKey, timeoutMs) => session.api.getSecret(secretId, apiKey, timeoutMs),
    session.deps,
    session.policy,
    itemDeadline(session),
  );
  const base = {
    kind: attempts.result.kind,
    httpAttempts: attempts.httpAttempts,
    ...(attempts.status === undefined ? {} : { status: attempts.status }),
  };
  if (attempts.result.kind !== 'ok') return { ...base, holdersLookup: describeAttempts(attempts) };
  let usedBy: unknown;
  try {
    usedBy = (JSON.parse(attempts.body ?? '') as { used_by?: unknown }).used_by;
  } catch {
    usedBy = undefined; // unreadable: counts as in use
  }
  const listing = await env();
  const labels = listing.ok ? (listing.bySecret.get(secretId) ?? []) : [];
  return {
    ...base,
    holders: holderView(summarizeUsage(usedBy), labels),
    ...(listing.ok ? {} : { holdersLookup: `environment variables not read: ${listing.reason}` }),
  };
}

function resultOf(secretId: string, outcome: ItemOutcome, attempts: DeleteAttempts | undefined, httpAttempts: number) {
  return {
    secretId,
    outcome,
    httpAttempts,
    ...(attempts?.status === undefined ? {} : { status: attempts.status }),
    ...(attempts?.requestId ? { requestId: attempts.requestId } : {}),
    ...(attempts && outcome !== 'deleted' && outcome !== 'already_gone' ? { detail: describeAttempts(attempts) } : {}),
  };
}

interface RunState {
  stop?: CliError;
  readonly counts: Record<ItemOutcome, number>;
  waiting: number;
}

/**
 * One secret through the worker's attempt loop and classification. In use: with `--wait`, tried
 * again after the worker's in-use backoff until the wait is over; then reported with its holders.
 */
async function deleteOne(
  session: Session,
  secretId: string,
  waitUntil: number | undefined,
  state: RunState,
  env: EnvUses,
): Promise<ItemResult> {
  let httpAttempts = 0;
  for (let receive = 1; ; receive += 1) {
    if (state.stop) return resultOf(secretId, 'not_attempted', undefined, httpAttempts);
    const attempts = await deleteWithRetries(secretId, session.deps, session.policy, itemDeadline(session));
    httpAttempts += attempts.httpAttempts;
    const { kind } = attempts.result;
    if (kind === 'deleted' || kind === 'already_gone') return resultOf(secretId, kind, attempts, httpAttempts);
    if (kind === 'in_use') {
      const left = waitUntil === undefined ? 0 : waitUntil - Date.now();
      if (left > 0) {
        const delayMs = retryDelaySeconds({ kind: 'in_use' }, receive, session.worker, Math.random) * 1000;
        state.waiting += 1;
        await session.deps.sleep(Math.min(delayMs, left));
        state.waiting -= 1;
        continue;
      }
      const { holders, holdersLookup } = await lookupHolders(session, secretId, env);
      return {
        ...resultOf(secretId, 'in_use', attempts, httpAttempts),
        ...(holders ? { holders } : {}),
        ...(holdersLookup ? { holdersLookup } : {}),
      };
    }
    const problem = sessionProblem(session, kind, attempts.status);
    if (problem) {
      state.stop ??= problem;
      return resultOf(secretId, kind === 'auth' ? 'auth_failed' : 'failed', attempts, httpAttempts);
    }
    return resultOf(secretId, 'failed', attempts, httpAttempts);
  }
}

/**
 * `--dry-run`: reads each secret (GET), and the environment variables once, and says what a
 * deletion would meet. Deletes nothing.
 */
async function inspectOne(session: Session, secretId: string, state: RunState, env: EnvUses): Promise<ItemResult> {
  if (state.stop) return { secretId, outcome: 'not_attempted', httpAttempts: 0 };
  const seen = await lookupHolders(session, secretId, env);
  const base = {
    secretId,
    httpAttempts: seen.httpAttempts,
    ...(seen.status === undefined ? {} : { status: seen.status }),
  };
  const lookup = seen.holdersLookup ? { holdersLookup: seen.holdersLookup } : {};
  if (seen.status === 404) return { ...base, outcome: 'already_gone' };
  if (seen.holders) {
    return seen.holders.inUse
      ? { ...base, outcome: 'in_use', holders: seen.holders, ...lookup }
      : { ...base, outcome: 'would_delete', ...lookup };
  }
  const problem = sessionProblem(session, seen.kind, seen.status);
  if (problem) state.stop ??= problem;
  return { ...base, outcome: seen.kind === 'auth' ? 'auth_failed' : 'failed', detail: seen.holdersLookup ?? '' };
}

const listIds = (ids: readonly string[]) =>
  ids.length > 12 ? `${ids.slice(0, 12).join(', ')}, … and ${ids.length - 12} more` : ids.join(', ');

async function confirm(message: string): Promise<boolean> {
  const clack = await import('@clack/prompts');
  const answer = await clack.confirm({ message, initialValue: false, output: process.stderr });
  return answer === true;
}

export async function deleteCommand(
  positional: readonly string[],
  options: DeleteOptions,
  out: Output,
  terminal: Terminal,
): Promise<number> {
  const ids = readSecretIds(positional, options.fromFile);
  const concurrency = parseWhole('--concurrency', options.concurrency ?? String(DEFAULTS.concurrency), 1, 50);
  const waitMs = options.wait === undefined ? undefined : parseDuration('--wait', options.wait);
  if (!options.dryRun && !options.yes && !terminal.stdinIsTty) {
    throw usageError(
      `refusing to delete ${count(ids.length, 'secret')} without --yes: stdin is not a terminal, so nobody can confirm`,
    );
  }
  const session = await openSession(options, terminal, concurrency);
  const verb = options.dryRun ? 'Dry run: read' : 'Delete';
  out.note(
    `${verb} ${count(ids.length, 'secret')} on ${session.baseUrl} (key from ${session.keySource}): ${listIds(ids)}`,
  );
  if (waitMs !== undefined && !options.dryRun) {
    out.note(`Secrets in use are tried again with the worker's backoff for up to ${formatAge(waitMs)}.`);
  }
  if (
    !options.dryRun &&
    !options.yes &&
    !(await confirm(`Delete ${ids.length === 1 ? 'this secret' : `these ${ids.length} secrets`}?`))
  ) {
    out.note('Nothing was deleted.');
    return EXIT.failed;
  }

  const state: RunState = {
    counts: {
      deleted: 0,
      already_gone: 0,
      would_delete: 0,
      in_use: 0,
      failed: 0,
      auth_failed: 0,
      not_attempted: 0,
    },
    waiting: 0,
  };
  const progress = await out.progress(options.dryRun ? 'Reading' : 'Deleting', ids.length);
  const waitUntil = waitMs === undefined ? undefined : Date.now() + waitMs;
  const limit = pLimit(concurrency);
  const env = envVariableUses(session);
  let finished = 0;
  const results: ItemResult[] = await Promise.all(
    ids.map((id) =>
      limit(async () => {
        const result = options.dryRun
          ? await inspectOne(session, id, state, env)
          : await deleteOne(session, id, waitUntil, state, env);
        finished += 1;
        state.counts[result.outcome] += 1;
        const { deleted, already_gone: gone, in_use: inUse, failed } = state.counts;
        const waiting = state.waiting ? `, ${state.waiting} waiting (in use)` : '';
        progress.update(finished, `deleted ${deleted}, gone ${gone}, in use ${inUse}, failed ${failed}${waiting}`);
        return result;
      }),
    ),
  );
  progress.stop(
    Object.entries(state.counts)
      .filter(([, count]) => count > 0)
      .map(([outcome, count]) => `${count} ${outcome.replace('_', ' ')}`)
      .join(', '),
  );

  const reached = results.some(
    (r) => r.outcome !== 'failed' && r.outcome !== 'not_attempted' && r.outcome !== 'auth_failed',
  );
  if (state.stop && !reached) throw state.stop;
  const summary = Object.fromEntries(Object.entries(state.counts).filter(([, count]) => count > 0));
  if (out.json) {
    out.document({
      baseUrl: session.baseUrl,
      dryRun: options.dryRun === true,
      requested: ids.length,
      summary,
      results,
    });
  } else {
    out.table(
      ['Secret ID', 'Outcome', 'HTTP', 'Detail'],
      results.map((r) => [
        r.secretId,
        r.outcome,
        r.status ?? '',
        r.holders ? holderSummary(r.holders) : (r.detail ?? r.holdersLookup ?? ''),
      ]),
    );
    out.line(
      Object.entries(summary)
        .map(([outcome, count]) => `${count} ${outcome.replace('_', ' ')}`)
        .join(', '),
    );
  }
  if (state.stop) throw state.stop;
  return results.every((r) => DONE.has(r.outcome)) ? EXIT.ok : EXIT.failed;
}
