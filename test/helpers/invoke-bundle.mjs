// One Lambda invocation in a fresh Node process: import a bundle, call its handler once with an
// event and a Lambda context, print the outcome as one JSON line after the marker, and exit.
// Everything the function writes (logs, EMF metrics) stays on stdout and stderr for the parent.
//
// Usage: node invoke-bundle.mjs <bundle.mjs> <invocation-json>
//   invocation: { event, functionName, memoryMb, remainingMs, random? }
//   random: a fixed value for Math.random, so that jittered delays (a ChangeMessageVisibility
//   VisibilityTimeout) are exact in the request the test compares.
//
// Plain JavaScript on purpose, like bench/cold-start-child.mjs: no TypeScript loader sits between
// process start and the bundle's import. test/helpers/lambda-bundles.ts starts it.

import { pathToFileURL } from 'node:url';
import { lambdaContext } from './lambda-context.mjs';

const RESULT_MARKER = '@@BENCH_RESULT@@'; // same marker as test/helpers/node-child.ts

const [bundle, invocationJson] = process.argv.slice(2);
if (!bundle || !invocationJson) throw new Error('usage: invoke-bundle.mjs <bundle.mjs> <invocation-json>');
const { event, functionName, memoryMb, remainingMs, random } = JSON.parse(invocationJson);
if (typeof random === 'number') Math.random = () => random;

/** A thrown error as data: its class and message, as the Lambda runtime reports a failed invocation. */
const failure = (phase, error) => ({ error: { phase, name: error?.name, message: String(error?.message ?? error) } });

let outcome;
let handler;
try {
  ({ handler } = await import(pathToFileURL(bundle).href));
} catch (error) {
  outcome = failure('init', error);
}
if (handler) {
  try {
    outcome = { result: await handler(event, lambdaContext({ functionName, memoryMb, remainingMs })) };
  } catch (error) {
    outcome = failure('invoke', error);
  }
}
process.stdout.write(`\n${RESULT_MARKER}${JSON.stringify(outcome)}\n`);
// Lambda freezes the sandbox here; a test process just ends, without waiting for idle sockets.
process.exit(0);
