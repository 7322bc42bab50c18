import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createMarksTableClient } from '#adapters/marks-table.ts';
import { createQueueAdapter } from '#adapters/queue.ts';
import type { SweepMetricsPort } from '#core/ports.ts';
import type { SweepDeps } from '#core/sweep-run.ts';
import type { SweepConfig } from '#functions/config.ts';
import { AWS_CLIENT_CONFIG, createApiDeps, logPort, metrics } from '#functions/runtime.ts';

export const sweepMetricsPort: SweepMetricsPort = {
  record: (name, value, unit) => metrics.addMetric(name, MetricUnit[unit], value),
};

/** Wires the real clients for the sweep (all but the per-run id). Runs once, at cold start. */
export function createSweepDeps(config: SweepConfig): Omit<SweepDeps, 'runId'> {
  return {
    ...createApiDeps(config),
    queue: createQueueAdapter({ client: new SQSClient(AWS_CLIENT_CONFIG), queueUrl: config.queueUrl }),
    marks: createMarksTableClient(config.marksTableName, AWS_CLIENT_CONFIG),
    logger: logPort,
    metrics: sweepMetricsPort,
  };
}
