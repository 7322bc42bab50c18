import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { esbuildOptions, FUNCTION_ENTRIES } from '#infra/bundling.ts';
import { runChild } from '#test/helpers/node-child.ts';

/**
 * The deployable bundles, built exactly as the stack builds them (infra/bundling.ts), and one
 * invocation of a bundle in a fresh Node process, as a Lambda sandbox would run it.
 */

export type FunctionName = keyof typeof FUNCTION_ENTRIES;

export interface BuiltBundles {
  readonly dir: string;
  /** `<dir>/<name>/index.mjs` for every entry of FUNCTION_ENTRIES. */
  readonly bundles: Readonly<Record<FunctionName, string>>;
  remove(): Promise<void>;
}

/** Builds every function of the stack into a new temporary directory (run once per test file). */
export async function buildFunctionBundles(): Promise<BuiltBundles> {
  const dir = await mkdtemp(join(tmpdir(), 'janitor-bundles-'));
  const entries = Object.entries(FUNCTION_ENTRIES) as [FunctionName, string][];
  const built = await Promise.all(
    entries.map(async ([name, entry]) => {
      const outfile = join(dir, name, 'index.mjs');
      await build(esbuildOptions(entry, outfile));
      return [name, outfile] as const;
    }),
  );
  return {
    dir,
    bundles: Object.fromEntries(built) as Record<FunctionName, string>,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

const INVOKE_CHILD = fileURLToPath(new URL('./invoke-bundle.mjs', import.meta.url));

export interface Invocation {
  readonly bundle: string;
  /** The function's environment: runtime, stack and endpoint variables, nothing inherited. */
  readonly env: Record<string, string>;
  readonly event: unknown;
  readonly functionName: string;
  readonly memoryMb: number;
  /** Time left in the invocation when the handler starts. @default 60 s */
  readonly remainingMs?: number;
  /** Pins Math.random in the child, so jittered delays are exact. */
  readonly random?: number;
}

export interface InvocationResult<T> {
  /** The handler's return value; undefined when it threw (see `error`). */
  readonly result?: T;
  readonly error?: { readonly phase: 'init' | 'invoke'; readonly name: string; readonly message: string };
  /** Every non-empty line the function wrote to stdout (INFO logs, EMF metrics) and stderr (WARN, ERROR). */
  readonly stdout: string[];
  readonly stderr: string[];
}

/** Imports the bundle in a fresh `node` process, invokes its handler once, and returns what it returned and wrote. */
export async function invokeBundle<T>(invocation: Invocation): Promise<InvocationResult<T>> {
  const { bundle, env, memoryMb, event, functionName, remainingMs = 60_000, random } = invocation;
  const request = JSON.stringify({ event, functionName, memoryMb, remainingMs, random });
  const run = await runChild<{ result?: T; error?: InvocationResult<T>['error'] }>(INVOKE_CHILD, [bundle, request], {
    env,
    memoryMb,
    timeoutMs: 20_000,
  });
  const stderr = run.stderr.split('\n').filter((line) => line.trim() !== '');
  return { ...run.result, stdout: run.stdout, stderr };
}
