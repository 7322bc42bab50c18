import { fileURLToPath } from 'node:url';

// The runner (fresh Node process, Lambda V8 flags, clean env) is shared with the wire-level tests.
export { runChild } from '#test/helpers/node-child.ts';

export const COLD_START_CHILD = fileURLToPath(new URL('./cold-start-child.mjs', import.meta.url));
export const WARM_CHILD = fileURLToPath(new URL('./warm-child.mjs', import.meta.url));
