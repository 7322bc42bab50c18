// One cold start, in a fresh Node process: import a bundle, invoke its handler once, print JSON.
//
// Usage: node cold-start-child.mjs <bundle.mjs> <sqs-event.json-string>
//
// Plain JavaScript on purpose: no TypeScript loader sits between process start and the import,
// so the figures are the bundle's own. Times are milliseconds since performance.timeOrigin, which
// Node sets when the process starts.

import { pathToFileURL } from 'node:url';
import { lambdaContext } from '../test/helpers/lambda-context.mjs';

const RESULT_MARKER = '@@BENCH_RESULT@@'; // same marker as test/helpers/node-child.ts

const ready = performance.now();
const [bundle, eventJson] = process.argv.slice(2);
if (!bundle || !eventJson) throw new Error('usage: cold-start-child.mjs <bundle.mjs> <event-json>');
const event = JSON.parse(eventJson);

const initStart = performance.now();
const module = await import(pathToFileURL(bundle).href);
const initEnd = performance.now();
const response = await module.handler(event, lambdaContext());
const invokeEnd = performance.now();

const result = {
  bootMs: ready,
  initMs: initEnd - initStart,
  firstInvokeMs: invokeEnd - initEnd,
  totalMs: invokeEnd,
  maxRssBytes: process.resourceUsage().maxRSS * 1024,
  batchItemFailures: response?.batchItemFailures?.length ?? -1,
};
process.stdout.write(`\n${RESULT_MARKER}${JSON.stringify(result)}\n`);
// Lambda freezes the container here; a benchmark process just ends, without waiting for idle sockets.
process.exit(0);
