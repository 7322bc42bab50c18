import { usageError } from '#cli/errors.ts';
import { AWS_CLIENT_CONFIG } from '#shared/aws-clients.ts';

/**
 * The region an address names: `arn:aws:sqs:eu-west-1:…` or `https://sqs.eu-west-1.amazonaws.com/…`,
 * so a bare ARN or queue URL works without AWS_REGION. Undefined for anything else (a local endpoint).
 */
export function regionOf(address: string | undefined): string | undefined {
  if (!address) return undefined;
  return (
    /^arn:aws[a-z-]*:[a-z0-9-]+:([a-z]{2}(?:-[a-z]+)+-\d):/.exec(address)?.[1] ??
    /^https:\/\/sqs\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com/.exec(address)?.[1]
  );
}

/** The bounded SDK client settings the Lambdas use, with the region of `address` when it names one. */
export function clientConfig(address?: string) {
  const region = regionOf(address);
  return { ...AWS_CLIENT_CONFIG, ...(region ? { region } : {}) };
}

/** Fails in one line before any call when no region can be found. */
export async function requireRegion(client: { config: { region: () => Promise<string> } }): Promise<void> {
  let region: string | undefined;
  try {
    region = await client.config.region();
  } catch {
    region = undefined;
  }
  if (!region) throw usageError('no AWS region: set AWS_REGION (or AWS_PROFILE with a region)');
}
