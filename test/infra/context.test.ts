import { describe, expect, it } from 'vitest';
import { parseJanitorContext } from '#infra/context.ts';

describe('parseJanitorContext', () => {
  it('applies the default stack name when none is given', () => {
    expect(parseJanitorContext({ apiKeySecretName: 'k' }).stackName).toBe('ConvaiSecretJanitor');
  });

  it('parses a JSON string passed with -c', () => {
    expect(parseJanitorContext('{"apiKeySecretName":"k","dryRun":true}').dryRun).toBe(true);
  });

  it('refuses an unknown key and names it', () => {
    expect(() => parseJanitorContext({ apiKeySecretName: 'k', horizon: 3 })).toThrow(/unknown key "horizon"/);
  });

  it('refuses both a secret name and an ARN', () => {
    expect(() =>
      parseJanitorContext({
        apiKeySecretName: 'k',
        apiKeySecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:k-AbCdEf',
      }),
    ).toThrow(/exactly one of apiKeySecretName or apiKeySecretArn/);
  });

  it('refuses a secret ARN without the random suffix', () => {
    expect(() =>
      parseJanitorContext({ apiKeySecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:k' }),
    ).toThrow(/complete secret ARN/);
  });

  it('refuses a context value that is not JSON', () => {
    expect(() => parseJanitorContext('{nope')).toThrow(/must be a JSON object/);
  });
});
