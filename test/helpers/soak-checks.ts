import { SQS_MAX_VISIBILITY_SECONDS } from '#core/backoff.ts';
import { attemptPolicy } from '#core/process-deletion.ts';
import type { SoakRun } from '#test/helpers/soak-harness.ts';
import { EXPECTED, FORGERY_REFUSALS, type SoakRequest, type TerminalKind } from '#test/helpers/soak-population.ts';

/** What the fault soak asserts, computed from what a run saw. Each check returns its violations. */

export interface LogRecord {
  readonly outcome: string;
  readonly secretId?: string;
  readonly refusal?: string;
  readonly attempt?: number;
  readonly delaySeconds?: number | string;
  readonly requestId?: string;
  readonly [field: string]: unknown;
}

/** The worker's per-record log lines (Powertools JSON lines that carry an outcome). */
export function logRecords(output: string): LogRecord[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{') && line.includes('"outcome"'))
    .map((line) => JSON.parse(line) as LogRecord);
}

export interface Observation {
  readonly kind: TerminalKind | 'unexpected';
  readonly reason: string;
}

export interface TerminalStates {
  readonly byRequest: Map<SoakRequest, Observation[]>;
  /** Terminal log lines and DLQ messages that belong to no request. */
  readonly unattributed: string[];
}

const TERMINAL_LOGS: Record<string, TerminalKind | 'unexpected'> = {
  deleted: 'deleted',
  already_gone: 'deleted',
  refused: 'refused',
  in_use_skipped: 'unexpected',
  would_delete: 'unexpected',
};

/** Every terminal state each request reached: deleted or gone and refused from the logs, DLQ from the DLQ. */
export function terminalStates(run: SoakRun, logs: readonly LogRecord[]): TerminalStates {
  const byLogId = new Map(run.population.requests.map((r) => [r.logId, r]));
  const byBody = new Map(
    run.population.messages.filter((m) => m.carrier === 'bad_body').map((m) => [m.body, m.requests[0] as SoakRequest]),
  );
  const byRequest = new Map<SoakRequest, Observation[]>(run.population.requests.map((r) => [r, []]));
  const unattributed: string[] = [];
  const observe = (request: SoakRequest | undefined, observation: Observation, what: string) => {
    if (request) byRequest.get(request)?.push(observation);
    else unattributed.push(what);
  };
  for (const line of logs) {
    const kind = TERMINAL_LOGS[line.outcome];
    if (!kind) continue;
    const reason = line.outcome === 'refused' ? String(line.refusal) : line.outcome;
    observe(byLogId.get(String(line.secretId)), { kind, reason }, `log ${line.outcome} ${String(line.secretId)}`);
  }
  for (const message of run.dlq) {
    const reason = message.messageAttributes.failureReason?.StringValue ?? '(no failureReason: moved by SQS redrive)';
    const owners = dlqOwners(message.body, byLogId, byBody);
    if (owners.length === 0) unattributed.push(`DLQ ${reason}: ${message.body.slice(0, 80)}`);
    for (const owner of owners) observe(owner, { kind: 'dlq', reason }, '');
  }
  return { byRequest, unattributed };
}

function dlqOwners(body: string, byLogId: Map<string, SoakRequest>, byBody: Map<string, SoakRequest>): SoakRequest[] {
  const bad = byBody.get(body);
  if (bad) return [bad];
  let parsed: { secretId?: unknown; secretIds?: unknown; detail?: { secretIds?: unknown } };
  try {
    parsed = JSON.parse(body);
  } catch {
    return [];
  }
  const ids = [
    parsed.secretId,
    ...[parsed.secretIds, parsed.detail?.secretIds].flatMap((l) => (Array.isArray(l) ? l : [])),
  ];
  return ids
    .filter((id): id is string => typeof id === 'string')
    .map((id) => byLogId.get(id) ?? byLogId.get(JSON.stringify(id)))
    .filter((r): r is SoakRequest => r !== undefined);
}

/** Each request ends in exactly one terminal state, the one its category expects. */
export function terminalViolations(states: TerminalStates): string[] {
  const violations = states.unattributed.map((what) => `belongs to no request: ${what}`);
  for (const [request, observations] of states.byRequest) {
    const expected = request.forgery
      ? { kind: EXPECTED.forged_sweep.kind, reason: FORGERY_REFUSALS[request.forgery] }
      : EXPECTED[request.category];
    const kinds = new Set(observations.map((o) => o.kind));
    const name = `${request.category} ${request.logId}`;
    if (kinds.size === 0) violations.push(`${name}: lost (no terminal state)`);
    else if (kinds.size > 1) violations.push(`${name}: ${kinds.size} terminal states: ${[...kinds].join(', ')}`);
    for (const o of observations) {
      if (o.kind !== expected.kind || !expected.reason.test(o.reason)) {
        violations.push(`${name}: expected ${expected.kind} ${expected.reason}, reached ${o.kind} "${o.reason}"`);
      }
    }
  }
  return violations;
}

/** The secrets that must be deleted: the free ones and the ones released in time. */
export function expectedDeletions(run: SoakRun): Set<string> {
  return new Set(
    run.population.requests
      .filter((r) => r.category === 'free' || r.category === 'released')
      .map((r) => r.secretId as string),
  );
}

export function deletedSecrets(run: SoakRun): Set<string> {
  return new Set([...run.secretsBefore].filter((id) => !run.secretsAfter.has(id)));
}

/** Secrets never to be deleted (protected, forged sweep) that were sent a DELETE or are gone. */
export function untouchableViolations(run: SoakRun): string[] {
  const untouchable = run.population.requests.filter(
    (r) => r.category === 'protected' || r.category === 'forged_sweep',
  );
  const ids = new Set(untouchable.map((r) => r.secretId as string));
  const called = run.proxy.records.filter((r) => r.route === 'delete' && ids.has(r.secretId ?? ''));
  return [
    ...called.map((r) => `DELETE sent for untouchable ${r.secretId}`),
    ...[...ids].filter((id) => !run.secretsAfter.has(id)).map((id) => `untouchable ${id} was deleted`),
  ];
}

/** The longest in-process wait: a quick retry's backoff or a `Retry-After` short enough to sit out. */
function maxWaitMs(run: SoakRun): number {
  const policy = attemptPolicy(run.config);
  return Math.max(policy.quickCapMs, policy.retryAfterCapMs);
}

const ceilingSeconds = (attempt: number, base: number, cap: number) =>
  Math.min(cap, base * 2 ** Math.min(Math.max(0, attempt - 1), 30));

/**
 * Every delay within its documented bounds (docs/operations.md): in-use deferrals 30 s doubling per
 * receive to 11.5 h, half of it random; transient and auth deferrals 30 s doubling to 15 min, at least
 * `Retry-After`, never past 11.5 h; unstarted records back at once; in-process waits at most 5 s;
 * every HTTP timeout at most REQUEST_TIMEOUT_MS; no visibility past the SQS 12 h limit.
 */
export function delayViolations(run: SoakRun, logs: readonly LogRecord[]): string[] {
  const { config } = run;
  const violations: string[] = [];
  for (const line of logs) {
    if (typeof line.delaySeconds !== 'number') continue;
    const attempt = Number(line.attempt);
    let low: number;
    let high: number;
    if (line.outcome === 'in_use_deferred') {
      high = ceilingSeconds(attempt, config.inUseBaseSeconds, config.inUseCapSeconds);
      low = Math.max(1, Math.round(high / 2));
    } else if (line.outcome === 'transient_retry' || line.outcome === 'auth_failed') {
      high = ceilingSeconds(attempt, config.retryBaseSeconds, config.retryCapSeconds);
      low = Math.max(1, Math.round(high / 2));
      const retryAfter = run.proxy.byRequestId.get(String(line.requestId))?.fault?.retryAfterSeconds;
      if (retryAfter !== undefined) {
        // Read on the worker's clock a little after the proxy wrote it (an HTTP date also drops the
        // milliseconds): up to the longest in-process wait plus 1 s shorter than the proxy meant.
        const slack = Math.ceil(maxWaitMs(run) / 1000) + 1;
        low = Math.min(config.inUseCapSeconds, Math.max(low, retryAfter - slack));
        high = Math.min(config.inUseCapSeconds, Math.max(high, retryAfter));
      }
    } else if (line.outcome === 'returned_unstarted') {
      low = 0;
      high = 0;
    } else {
      violations.push(`${line.outcome} has a delay of ${line.delaySeconds} s`);
      continue;
    }
    if (line.delaySeconds < low || line.delaySeconds > high) {
      violations.push(`${line.outcome} attempt ${attempt}: ${line.delaySeconds} s outside [${low}, ${high}]`);
    }
  }
  violations.push(
    ...run.sleeps.filter((ms) => ms < 0 || ms > maxWaitMs(run)).map((ms) => `in-process wait of ${ms} ms`),
  );
  violations.push(
    ...run.httpTimeouts.filter((ms) => ms <= 0 || ms > config.requestTimeoutMs).map((ms) => `HTTP timeout of ${ms} ms`),
  );
  violations.push(
    ...run.visibilityRequests
      .filter((s) => s < 0 || s > Math.min(config.inUseCapSeconds, SQS_MAX_VISIBILITY_SECONDS))
      .map((s) => `ChangeMessageVisibility of ${s} s`),
  );
  return violations;
}

/**
 * A request goes to the DLQ for the horizon only once the horizon has passed since it was first sent,
 * and no later than the longest deferral after that; its `firstSentAt` names that first send.
 */
export function horizonViolations(run: SoakRun): string[] {
  const violations: string[] = [];
  const byId = new Map(run.population.requests.map((r) => [r.logId, r]));
  const latest = run.config.horizonMs + run.config.inUseCapSeconds * 1000 + 3_600_000;
  for (const message of run.dlq) {
    const reason = message.messageAttributes.failureReason?.StringValue ?? '';
    if (!reason.startsWith('horizon_exceeded')) continue;
    const secretId = (JSON.parse(message.body) as { secretId?: string }).secretId ?? '';
    const first = run.sentAt.get(byId.get(secretId) as SoakRequest);
    if (first === undefined) {
      violations.push(`horizon_exceeded for an unknown request: ${message.body.slice(0, 80)}`);
      continue;
    }
    const age = message.sentAt - first;
    if (age < run.config.horizonMs || age > latest) {
      violations.push(`${secretId}: horizon_exceeded ${(age / 3_600_000).toFixed(2)} h after its first send`);
    }
    const stamped = message.messageAttributes.firstSentAt?.StringValue;
    if (stamped !== new Date(first).toISOString()) {
      violations.push(`${secretId}: firstSentAt ${stamped}, first sent ${new Date(first).toISOString()}`);
    }
  }
  return violations;
}
