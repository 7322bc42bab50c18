import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { cliBuildOptions } from '#scripts/cli-bundle.ts';
import { childOutput } from '#test/helpers/node-child.ts';

/** Runs the CLI as operators do: the built bundle (scripts/cli-bundle.ts) in a fresh Node process. */

let built: Promise<string> | undefined;

/** Builds the CLI bundle once per test file, into a temporary folder. */
export function buildCli(): Promise<string> {
  built ??= (async () => {
    const outfile = join(mkdtempSync(join(tmpdir(), 'janitor-cli-')), 'cli.mjs');
    await build(cliBuildOptions(outfile));
    return outfile;
  })();
  return built;
}

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  /** Added to a clean environment: no AWS profile or credentials, no key, unless given here. */
  readonly env?: Record<string, string>;
  /** Written to stdin, which is a pipe (not a terminal). */
  readonly input?: string;
  readonly timeoutMs?: number;
}

/** Every run of this test file, so a test can check that no output ever held the key. */
export const transcript: CliRun[] = [];

export async function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  const entry = await buildCli();
  const child = spawn(process.execPath, [entry, ...args], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: tmpdir(),
      AWS_CONFIG_FILE: '/nonexistent/aws-config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
      AWS_EC2_METADATA_DISABLED: 'true',
      ...options.env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const output = childOutput(child, options.timeoutMs ?? 15_000);
  child.stdin.end(options.input ?? '');
  const { code, stdout, stderr } = await output;
  const run = { code, stdout, stderr };
  transcript.push(run);
  return run;
}

/** Parses the one JSON document of a `--json` run. */
export function jsonOf<T = Record<string, unknown>>(run: CliRun): T {
  try {
    return JSON.parse(run.stdout) as T;
  } catch {
    throw new Error(`expected one JSON document on stdout, received:\n${run.stdout}\nstderr:\n${run.stderr}`);
  }
}
