import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { runSweep, type SweepSummary, sweepRunId } from '#core/sweep-run.ts';
import { loadSweepConfig } from '#shared/config.ts';
import { logger, metrics } from '#shared/powertools.ts';
import { createSweepDeps } from '#shared/sweep-deps.ts';

// Read once at cold start: a missing prefix list or a bad grace period fails the init by name.
const config = loadSweepConfig();
// Every metric carries the workspace, so two janitors in one account never share a metric or an alarm.
metrics.setDefaultDimensions({ workspace: config.workspace });
const deps = createSweepDeps(config);

export interface SweepResult {
  readonly status: SweepSummary['status'];
  readonly mode: string;
  readonly runId: string;
  readonly due: number;
  readonly enqueued: number;
}

/** Invoked by EventBridge Scheduler; the payload carries the scheduled time that names the run. */
async function sweep(event: unknown, context: Context): Promise<SweepResult> {
  const summary = await runSweep(
    config,
    { ...deps, runId: sweepRunId(event, context.awsRequestId) },
    deps.now() + context.getRemainingTimeInMillis(),
  );
  return {
    status: summary.status,
    mode: summary.mode,
    runId: summary.runId,
    due: summary.plan?.due.length ?? 0,
    enqueued: summary.enqueued,
  };
}

export const handler = middy(sweep)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
