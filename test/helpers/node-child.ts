import { type ChildProcess, spawn } from 'node:child_process';

/**
 * Fresh Node processes that behave like a Lambda sandbox: the same binary as this one (Node 24 under
 * npm), the V8 flags the runtime derives from the function's memory, and nothing of this process's
 * environment. The benchmark and the wire-level tests start their children here.
 */

/** Marker before the one JSON line a child prints; everything else on stdout is the function's logs. */
export const RESULT_MARKER = '@@BENCH_RESULT@@';

const REGION = 'eu-west-1';

/** The function's configured memory (SecretJanitor's default memorySize). */
export const LAMBDA_MEMORY_MB = 256;

/**
 * The V8 flags the Lambda Node.js runtime's bootstrap derives from AWS_LAMBDA_FUNCTION_MEMORY_SIZE:
 * new space 10 % of the function's memory (each semi space half of it), old space the rest, gc exposed. Without them V8 sizes its
 * heap for this machine's RAM and lets garbage pile up far past what a 256 MB sandbox allows.
 */
export function lambdaNodeArgs(memoryMb = LAMBDA_MEMORY_MB): string[] {
  const newSpace = Math.floor(memoryMb / 10);
  return [
    '--expose-gc',
    '--max-http-header-size=81920',
    `--max-semi-space-size=${Math.floor(newSpace / 2)}`,
    `--max-old-space-size=${memoryMb - newSpace}`,
  ];
}

/**
 * What the Lambda runtime itself puts in a function's environment (credentials are dummies; the
 * loopback fakes do not check signatures), and no shared AWS config from this machine.
 */
export function lambdaRuntimeEnv(functionName: string, memoryMb: number): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    TZ: ':UTC',
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKEFAKE',
    AWS_SECRET_ACCESS_KEY: 'fake-secret-access-key',
    AWS_SESSION_TOKEN: 'fake-session-token',
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMb),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${functionName}`,
    // Powertools reports `cold_start: true` only when it knows the sandbox started on demand.
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
  };
}

export interface ChildRun<T> {
  readonly result: T;
  /** Wall time seen by the parent, from spawn() to exit. */
  readonly wallMs: number;
  /** Every stdout line but the result line: the function's logs and EMF metrics. */
  readonly stdout: string[];
  readonly stderr: string;
}

export interface ChildOptions {
  readonly env: Record<string, string>;
  /** Kill the child after this long; every run is bounded. */
  readonly timeoutMs?: number;
  /** The function's memory, for the V8 flags. @default LAMBDA_MEMORY_MB */
  readonly memoryMb?: number;
}

/** What a child process printed and how it ended. */
export interface ChildOutput {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Collects a spawned child's stdout and stderr until it closes; kills it after `timeoutMs`. */
export function childOutput(child: ChildProcess, timeoutMs: number): Promise<ChildOutput> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise<ChildOutput>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  }).finally(() => clearTimeout(timer));
}

/**
 * Runs `script` in a fresh Node process with the Lambda runtime's V8 flags and a clean environment
 * (nothing inherited but what `env` says), and returns its JSON result and output.
 */
export function runChild<T>(script: string, args: readonly string[], options: ChildOptions): Promise<ChildRun<T>> {
  const started = performance.now();
  const child = spawn(process.execPath, [...lambdaNodeArgs(options.memoryMb), script, ...args], {
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return childOutput(child, options.timeoutMs ?? 120_000).then(({ code, signal, stdout, stderr }) => {
    const wallMs = performance.now() - started;
    const at = stdout.lastIndexOf(RESULT_MARKER);
    if (code !== 0 || at < 0) {
      const why = signal ? `signal ${signal}` : `exit code ${code}`;
      const tail = (stderr || stdout).slice(-4000);
      throw new Error(`${script} ${args[0] ?? ''} failed (${why}):\n${tail}`);
    }
    const line = stdout.slice(at + RESULT_MARKER.length).split('\n')[0] ?? '';
    const logs = `${stdout.slice(0, at)}${stdout.slice(at + RESULT_MARKER.length + line.length)}`;
    return {
      result: JSON.parse(line) as T,
      wallMs,
      stdout: logs.split('\n').filter((text) => text.trim() !== ''),
      stderr,
    };
  });
}
