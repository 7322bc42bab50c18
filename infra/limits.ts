import { Token } from 'aws-cdk-lib';
import { ConfigError } from '#shared/errors.ts';

/** Lambda allows 4 KB of environment variables (names and values) per function. */
export const LAMBDA_ENV_LIMIT_BYTES = 4 * 1024;
/** Room assumed for each value CloudFormation fills in at deploy time (ARNs, URLs, names). */
const TOKEN_ALLOWANCE = 256;

/**
 * Fails the synth, not the deploy, when a function's environment would pass Lambda's 4 KB limit,
 * which long protected-id, prefix or pattern lists can do.
 */
export function checkEnvironmentSize(what: string, environment: Readonly<Record<string, string>>): void {
  const bytes = Object.entries(environment).reduce(
    (sum, [name, value]) =>
      sum + Buffer.byteLength(name) + (Token.isUnresolved(value) ? TOKEN_ALLOWANCE : Buffer.byteLength(value)),
    0,
  );
  if (bytes > LAMBDA_ENV_LIMIT_BYTES) {
    throw new ConfigError(
      `${what}: environment variables must fit Lambda's ${LAMBDA_ENV_LIMIT_BYTES} bytes, received about ${bytes} bytes; shorten protectedSecretIds, prefixes or protectedNamePatterns`,
    );
  }
}
