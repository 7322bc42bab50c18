import type { SweepDeps } from '#core/sweep-run.ts';
import { createApiDeps, createMarksStore, createQueue } from '#shared/aws-clients.ts';
import type { SweepConfig } from '#shared/config.ts';
import { logPort, sweepMetricsPort } from '#shared/powertools.ts';

/** Wires the real clients for the sweep (all but the per-run id). Runs once, at cold start. */
export function createSweepDeps(config: SweepConfig): Omit<SweepDeps, 'runId'> {
  return {
    ...createApiDeps(config),
    queue: createQueue(config.queueUrl),
    marks: createMarksStore(config.marksTableName),
    logger: logPort,
    metrics: sweepMetricsPort,
  };
}
