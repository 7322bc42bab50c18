// A warm Lambda container, in one Node process: import a bundle, invoke it once (the cold
// invocation, reported apart), then invoke it `batches` times with `size`-record SQS batches,
// back to back, timing each and sampling memory after each. Prints one JSON result line.
//
// Usage: node [--expose-gc] warm-child.mjs <bundle.mjs> <template-record.json> <options.json>
//   options: { idPrefix, batches, size, gcAt: number[] }. Record n of batch b asks to delete the
//   secret `${idPrefix}${b}_${n}` (batch 0 is the cold invocation); the parent seeds them.
//
// Plain JavaScript, for the same reason as cold-start-child.mjs.

import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { lambdaContext } from '../test/helpers/lambda-context.mjs';

const RESULT_MARKER = '@@BENCH_RESULT@@'; // same marker as test/helpers/node-child.ts

const [bundle, templateJson, optionsJson] = process.argv.slice(2);
if (!bundle || !templateJson || !optionsJson) throw new Error('usage: warm-child.mjs <bundle> <template> <options>');
const template = JSON.parse(templateJson);
const { idPrefix, batches, size, gcAt = [] } = JSON.parse(optionsJson);

/** Record `n` of batch `b`, in the shape of the template (a real Lambda SQS record). */
function record(b, n) {
  const sentAt = Date.now();
  return {
    ...template,
    messageId: randomUUID(),
    receiptHandle: `AQEB${randomUUID().replaceAll('-', '')}==`,
    body: JSON.stringify({ secretId: `${idPrefix}${b}_${n}`, reason: 'benchmark' }),
    attributes: {
      ...template.attributes,
      SentTimestamp: String(sentAt),
      ApproximateFirstReceiveTimestamp: String(sentAt),
    },
  };
}

async function invoke(handler, b) {
  const event = { Records: Array.from({ length: size }, (_, n) => record(b, n)) };
  const context = lambdaContext();
  const start = performance.now();
  const response = await handler(event, context);
  return { ms: performance.now() - start, failed: response?.batchItemFailures?.length ?? size };
}

const { handler } = await import(pathToFileURL(bundle).href);
const first = await invoke(handler, 0);
const firstInvokeEndEpochMs = Date.now();

const batchMs = [];
const rssBytes = [];
const heapAfterGc = [];
let failed = first.failed;
for (let b = 1; b <= batches; b += 1) {
  const run = await invoke(handler, b);
  batchMs.push(run.ms);
  failed += run.failed;
  rssBytes.push(process.memoryUsage.rss());
  if (gcAt.includes(b) && typeof globalThis.gc === 'function') {
    globalThis.gc();
    heapAfterGc.push({ batch: b, bytes: process.memoryUsage().heapUsed });
  }
}

const result = {
  firstInvokeMs: first.ms,
  firstInvokeEndEpochMs,
  batchMs,
  rssBytes,
  heapAfterGc,
  maxRssBytes: process.resourceUsage().maxRSS * 1024,
  failed,
};
process.stdout.write(`\n${RESULT_MARKER}${JSON.stringify(result)}\n`);
process.exit(0);
