/**
 * Where the sandbox's worker and sweep log and count: the core's LogPort and metric ports, kept in
 * memory with the virtual time of each line, scrubbed of the API key like the Powertools ports. The
 * story reads the lines it needs instead of printing every JSON line.
 */
import type { LogPort, MetricsPort, SweepMetricsPort } from '#core/ports.ts';
import { redact } from '#shared/redact.ts';

export interface LogEntry {
  readonly at: number;
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

export interface Collector {
  readonly entries: readonly LogEntry[];
  readonly counts: ReadonlyMap<string, number>;
  readonly logger: LogPort;
  readonly metrics: MetricsPort;
  readonly sweepMetrics: SweepMetricsPort;
  /** The entries logged since the last call. */
  takeNew(): LogEntry[];
}

export function createCollector(now: () => number): Collector {
  const entries: LogEntry[] = [];
  const counts = new Map<string, number>();
  let read = 0;
  const log =
    (level: LogEntry['level']) =>
    (message: string, extra: Record<string, unknown> = {}) =>
      entries.push({ at: now(), level, message: redact(message), fields: redact(extra) });
  const count = (name: string, value = 1) => counts.set(name, (counts.get(name) ?? 0) + value);
  return {
    entries,
    counts,
    logger: { info: log('info'), warn: log('warn'), error: log('error') },
    metrics: { count },
    // A sweep metric is a gauge per run, not a counter: keep the latest value.
    sweepMetrics: { record: (name, value) => counts.set(name, value) },
    takeNew() {
      const fresh = entries.slice(read);
      read = entries.length;
      return fresh;
    },
  };
}
