import { deletedSecrets, type Observation, type TerminalStates } from '#test/helpers/soak-checks.ts';
import { type SoakRun, START } from '#test/helpers/soak-harness.ts';
import { CATEGORIES } from '#test/helpers/soak-population.ts';

/** The figures the fault soak prints: requests, faults by kind, terminal states by kind, DELETE calls per deletion. */

/** The label a request's terminal state is counted under in the figures. */
export function terminalLabel(observations: readonly Observation[]): string {
  if (observations.some((o) => o.reason === 'deleted')) return 'deleted';
  const first = observations[0];
  if (!first) return 'lost';
  if (first.kind === 'deleted') return first.reason;
  return `${first.kind}: ${first.reason.split(':')[0]}`;
}

const table = (title: string, rows: Record<string, number | string>) =>
  [`  ${title}`, ...Object.entries(rows).map(([k, v]) => `    ${k.padEnd(36)} ${v}`)].join('\n');

/** The figures the soak prints. */
export function figures(run: SoakRun, states: TerminalStates): string {
  const deletes = run.proxy.records.filter((r) => r.route === 'delete').length;
  const deleted = deletedSecrets(run).size;
  const apiFaults = Object.values(run.proxy.faults).reduce((a, b) => a + b, 0);
  const byCategory = Object.fromEntries(
    CATEGORIES.map((c) => [c, run.population.requests.filter((r) => r.category === c).length]),
  );
  const terminal: Record<string, number> = {};
  let repeated = 0;
  for (const observations of states.byRequest.values()) {
    const label = terminalLabel(observations);
    terminal[label] = (terminal[label] ?? 0) + 1;
    if (observations.length > 1) repeated += 1;
  }
  const free = new Set(run.population.requests.filter((r) => r.category === 'free').map((r) => r.secretId));
  const freeDeletes = run.proxy.records.filter((r) => r.route === 'delete' && free.has(r.secretId)).length;
  return [
    `Fault soak, seed ${run.options.seed}: ${run.population.requests.length} requests in ${run.population.messages.length} messages, ` +
      `${((run.virtualEndMs - START) / 3_600_000).toFixed(1)} h virtual in ${(run.realMs / 1000).toFixed(1)} s`,
    table('requests by kind', byCategory),
    table('API faults by kind', {
      ...run.proxy.faults,
      total: `${apiFaults} of ${run.proxy.records.length} API requests (${((100 * apiFaults) / run.proxy.records.length).toFixed(1)} %)`,
    }),
    table('AWS and Lambda faults by kind', {
      ...Object.fromEntries(Object.entries(run.awsFaults).sort()),
      '401 from a rotated key': run.rotationUnauthorized,
    }),
    table('terminal states by kind', {
      ...Object.fromEntries(Object.entries(terminal).sort()),
      'reached more than once': `${repeated} (duplicate deliveries, lost answers, timed-out invocations)`,
    }),
    table('work', {
      invocations: run.summary.invocations,
      'records delivered': run.summary.records,
      'failed invocations': run.summary.failedInvocations,
      'DELETE calls': deletes,
      'secrets deleted': deleted,
      'DELETE calls per deletion': (deletes / Math.max(1, deleted)).toFixed(2),
      '  of a secret never in use': (freeDeletes / Math.max(1, free.size)).toFixed(2),
    }),
  ].join('\n');
}
