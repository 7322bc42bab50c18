/** Exit codes: 0 everything done, 1 some items failed or are still in use, 2 usage or configuration error. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error the CLI reports as one line; `--verbose` adds the cause. */
export class CliError extends Error {
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** A bad option, argument or setting: exit 2. */
export const usageError = (message: string, cause?: unknown) =>
  new CliError(message, EXIT.usage, cause === undefined ? undefined : { cause });

/** The work could not be done (a service failed or is unreachable): exit 1. */
export const failure = (message: string, cause?: unknown) =>
  new CliError(message, EXIT.failed, cause === undefined ? undefined : { cause });

/** A short, key-free name for an AWS SDK or network error: its name and message, first line only. */
export function awsErrorText(error: unknown): string {
  const name = (error as Error)?.name ?? 'Error';
  const message = String((error as Error)?.message ?? error).split('\n')[0];
  return message && message !== name ? `${name}: ${message}` : name;
}

/** Errors of the AWS SDK that mean "configure me": no region, no credentials. */
export function isAwsConfigError(error: unknown): boolean {
  const name = (error as Error)?.name ?? '';
  const message = String((error as Error)?.message ?? '');
  return name === 'CredentialsProviderError' || /region is missing/i.test(message);
}

/** Runs one AWS call; its failure becomes one line naming the call (exit 2 for missing region or credentials). */
export async function awsCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof CliError) throw error;
    const fix = isAwsConfigError(error) ? ' (set AWS_REGION and AWS credentials, or AWS_PROFILE)' : '';
    throw new CliError(
      `${what} failed: ${awsErrorText(error)}${fix}`,
      isAwsConfigError(error) ? EXIT.usage : EXIT.failed,
      { cause: error },
    );
  }
}
