import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { loadWorkerConfig } from '#shared/config.ts';
import { logger, metrics } from '#shared/powertools.ts';
import { createWorkerDeps } from '#shared/worker-deps.ts';
import { createWorkerHandler } from '#shared/worker-handler.ts';

export { toQueuedRecord } from '#shared/worker-handler.ts';

// Read once at cold start: a bad variable fails the init with a message naming it.
const config = loadWorkerConfig();
// Every metric carries the workspace, so two janitors in one account never share a metric or an alarm.
metrics.setDefaultDimensions({ workspace: config.workspace });

export const handler = middy(createWorkerHandler(config, createWorkerDeps(config)))
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
