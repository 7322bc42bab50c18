import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Marker before the one JSON line a child prints; everything else on stdout is the function's logs. */
export const RESULT_MARKER = '@@BENCH_RESULT@@';

export const COLD_START_CHILD = fileURLToPath(new URL('./cold-start-child.mjs', import.meta.url));
export const WARM_CHILD = fileURLToPath(new URL('./warm-child.mjs', import.meta.url));

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

export interface ChildRun<T> {
  readonly result: T;
  /** Wall time seen by the parent, from spawn() to exit. */
  readonly wallMs: number;
}

export interface ChildOptions {
  readonly env: Record<string, string>;
  /** Kill the child after this long; every run is bounded. */
  readonly timeoutMs?: number;
}

/**
 * Runs `script` in a fresh Node process with the same binary as this one (Node 24 under npm), the
 * Lambda runtime's V8 flags, a clean environment (nothing inherited but what `env` says), and
 * returns its JSON result.
 */
export function runChild<T>(script: string, args: readonly string[], options: ChildOptions): Promise<ChildRun<T>> {
  const started = performance.now();
  const child = spawn(process.execPath, [...lambdaNodeArgs(), script, ...args], {
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const wallMs = performance.now() - started;
      const at = stdout.lastIndexOf(RESULT_MARKER);
      if (code !== 0 || at < 0) {
        const why = signal ? `signal ${signal}` : `exit code ${code}`;
        reject(new Error(`${script} ${args[0] ?? ''} failed (${why}):\n${stderr || stdout.slice(-2000)}`));
        return;
      }
      const line = stdout.slice(at + RESULT_MARKER.length).split('\n')[0] ?? '';
      resolve({ result: JSON.parse(line) as T, wallMs });
    });
  });
}
