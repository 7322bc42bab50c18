import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { runSweep } from '#core/sweep-run.ts';
import { loadSweepConfig } from '#shared/config.ts';
import { logger, metrics } from '#shared/powertools.ts';
import { createSweepDeps } from '#shared/sweep-deps.ts';

// Read once at cold start: a missing prefix list or a bad grace period fails the init by name.
const config = loadSweepConfig();
const deps = createSweepDeps(config);

export interface SweepResult {
  readonly status: 'completed' | 'aborted' | 'cap_exceeded';
  readonly mode: string;
  readonly runId: string;
  readonly due: number;
  readonly enqueued: number;
}

/** Invoked by EventBridge Scheduler; the payload carries nothing the sweep needs. */
async function sweep(_event: unknown, context: Context): Promise<SweepResult> {
  const summary = await runSweep(
    config,
    { ...deps, runId: context.awsRequestId },
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
