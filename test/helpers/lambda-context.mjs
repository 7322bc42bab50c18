// The context object the Lambda Node.js runtime passes to a handler, for children that run a
// bundle in a fresh Node process (bench/*-child.mjs, test/helpers/invoke-bundle.mjs). Plain
// JavaScript, so nothing but Node sits between process start and the bundle's import.

import { randomUUID } from 'node:crypto';

/**
 * A context with a deadline `remainingMs` from now.
 * @param {{ functionName?: string, memoryMb?: number, remainingMs?: number }} [options]
 */
export function lambdaContext({ functionName = 'janitor-worker', memoryMb = 256, remainingMs = 60_000 } = {}) {
  const deadline = Date.now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}`,
    memoryLimitInMB: String(memoryMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/11/26/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
