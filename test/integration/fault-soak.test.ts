import { beforeAll, describe, expect, it } from 'vitest';
import { HTTP_FAULTS } from '#test/helpers/fault-plan.ts';
import {
  delayViolations,
  deletedSecrets,
  expectedDeletions,
  horizonViolations,
  type LogRecord,
  logRecords,
  type TerminalStates,
  terminalStates,
  terminalViolations,
  untouchableViolations,
} from '#test/helpers/soak-checks.ts';
import { TIMEOUT_MESSAGE } from '#test/helpers/soak-container.ts';
import { figures } from '#test/helpers/soak-figures.ts';
import { runSoak, type SoakRun } from '#test/helpers/soak-harness.ts';
import { keyLeaks, leakSources } from '#test/helpers/soak-leaks.ts';

/**
 * The fault soak (issue 10): thousands of deletion requests through the real worker handler, run by
 * the sandbox's local queue runner on a virtual clock that jumps past the 72 h horizon, with about a
 * fifth of the API requests failing and faults on the AWS side. `SOAK_SEED` and `SOAK_REQUESTS`
 * override the defaults; `npm run soak` is the long mode. See docs/reliability.md.
 */

function fromEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max}, received "${raw}"`);
  }
  return value;
}

const SEED = fromEnv('SOAK_SEED', 20261126, 0, 2 ** 32 - 1);
const REQUESTS = fromEnv('SOAK_REQUESTS', 2000, 100, 1_000_000);
/** Room for the long mode: about 30 ms of real time per request, never under 3 minutes. */
const TIMEOUT_MS = Math.max(180_000, REQUESTS * 30);

let run: SoakRun;
let logs: LogRecord[];
let states: TerminalStates;

beforeAll(async () => {
  run = await runSoak({ seed: SEED, requests: REQUESTS });
  logs = logRecords(run.output);
  states = terminalStates(run, logs);
  console.log(`${figures(run, states)}\n  (SOAK_SEED and SOAK_REQUESTS set the seed and the number of requests)`);
}, TIMEOUT_MS);

const first = (violations: string[]) => violations.slice(0, 20);

describe(`fault soak, seed ${SEED}`, () => {
  it('ran every request through the queue until the queue and the timeline were empty', () => {
    expect(run.population.requests.length).toBe(REQUESTS);
    expect(run.summary.idle).toBe(true);
    expect(run.leftInQueue).toEqual([]);
    expect(run.queueCounters).toMatchObject({ expired: 0, redriven: 0 });
  });

  // Rare faults need enough traffic; a small SOAK_REQUESTS run skips this check.
  it.runIf(REQUESTS >= 2000)('injected every fault kind, with about 20 % of API requests failing', () => {
    for (const kind of HTTP_FAULTS) expect(run.proxy.faults[kind], kind).toBeGreaterThan(0);
    const kinds = ['secrets_throttling', 'secrets_outage', 'key_rotation', 'change_visibility_failed'];
    kinds.push(
      'dlq_send_failed',
      'send_batch_failed',
      'send_batch_entry_failed',
      'function_timeout',
      'duplicate_delivery',
    );
    for (const kind of kinds) expect(run.awsFaults[kind], kind).toBeGreaterThan(0);
    expect(run.rotationUnauthorized).toBeGreaterThan(0);
    const share = Object.values(run.proxy.faults).reduce((a, b) => a + b, 0) / run.proxy.records.length;
    expect(share).toBeGreaterThan(0.15);
    expect(share).toBeLessThan(0.25);
  });

  it('ends every request in exactly one terminal state, the one it must reach, and loses none', () => {
    expect(first(terminalViolations(states))).toEqual([]);
  });

  it('deleted exactly the secrets that were free or released in time', () => {
    const deleted = deletedSecrets(run);
    const expected = expectedDeletions(run);
    expect([...deleted].filter((id) => !expected.has(id))).toEqual([]);
    expect([...expected].filter((id) => !deleted.has(id))).toEqual([]);
  });

  it('never sent a DELETE for a protected id or a forged sweep request', () => {
    expect(first(untouchableViolations(run))).toEqual([]);
  });

  it('never wrote a key, or 8 or more characters of one, to a log line, a DLQ message or an error', () => {
    const leaks = keyLeaks(leakSources(run), run.keys).map((leak) => `${leak.where}: ${leak.context}`);
    expect(first(leaks)).toEqual([]);
  });

  it('kept every delay within its documented bounds', () => {
    expect(first(delayViolations(run, logs))).toEqual([]);
  });

  it('never gave up before the horizon', () => {
    expect(first(horizonViolations(run))).toEqual([]);
  });

  it('met no failure but the injected ones: SQS errors and function timeouts', () => {
    expect(Object.keys(run.visibilityErrors).filter((code) => code !== 'InternalError')).toEqual([]);
    expect(Object.keys(run.dlqErrors).filter((code) => code !== 'InternalError')).toEqual([]);
    expect(run.invocationErrors.map((error) => (error as Error).message).filter((m) => m !== TIMEOUT_MESSAGE)).toEqual(
      [],
    );
    expect(run.summary.failedInvocations).toBe(run.awsFaults.function_timeout ?? 0);
  });
});
