import { createServer } from 'node:net';
import { SQSClient } from '@aws-sdk/client-sqs';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { QueueError, requestSecretDeletion } from '#producer/index.ts';

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function failure(client: SQSClient, queueUrl: string): Promise<QueueError> {
  const error = await requestSecretDeletion({ secretIds: ['sec_a'] }, { queueUrl, client }).catch((e: unknown) => e);
  if (!(error instanceof QueueError)) throw new Error(`expected a QueueError, received ${String(error)}`);
  return error;
}

beforeEach(() => {
  // No wait between the producer's send rounds.
  vi.spyOn(Math, 'random').mockReturnValue(0);
  // The default credential chain must find nothing and ask no instance metadata service.
  for (const name of [
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'AWS_PROFILE',
    'AWS_WEB_IDENTITY_TOKEN_FILE',
    'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
    'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  ]) {
    vi.stubEnv(name, '');
  }
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
  vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent/aws-config');
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', '/nonexistent/aws-credentials');
});

describe('requestSecretDeletion with a real SQS client', () => {
  it('tells a refused connection from missing credentials, keeping each SDK error as cause', async () => {
    const port = await closedPort();
    const endpoint = `http://127.0.0.1:${port}`;
    const queueUrl = `${endpoint}/123456789012/janitor-queue`;
    const refused = await failure(
      new SQSClient({
        region: 'eu-west-1',
        endpoint,
        maxAttempts: 1,
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-secret' },
      }),
      queueUrl,
    );
    const noCredentials = await failure(new SQSClient({ region: 'eu-west-1', endpoint, maxAttempts: 1 }), queueUrl);

    expect(refused.message).toContain(
      `(Error (ECONNREFUSED): connect ECONNREFUSED 127.0.0.1:${port}); sending again is safe`,
    );
    expect((refused.cause as { code?: string }).code).toBe('ECONNREFUSED');

    expect(noCredentials.message).toMatch(
      /\(CredentialsProviderError: .+\); nothing was sent: fix the AWS configuration/,
    );
    expect((noCredentials.cause as Error).name).toBe('CredentialsProviderError');
  });
});
