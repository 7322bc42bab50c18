import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWS_CLIENT_CONFIG } from '#shared/aws-clients.ts';

/** A loopback server that accepts requests and never answers. */
let server: Server;
let endpoint: string;

beforeAll(async () => {
  server = createServer(() => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('AWS_CLIENT_CONFIG', () => {
  it('makes an SDK call to a silent endpoint fail instead of hanging until the Lambda timeout', async () => {
    // The shared settings, with a shorter request timeout and one attempt so the test stays quick.
    const client = new SQSClient({
      ...AWS_CLIENT_CONFIG,
      maxAttempts: 1,
      requestHandler: { ...AWS_CLIENT_CONFIG.requestHandler, requestTimeout: 300 },
      endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    });
    const started = Date.now();
    await expect(
      client.send(new SendMessageCommand({ QueueUrl: `${endpoint}/123456789012/q`, MessageBody: '{}' })),
    ).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('bounds every client: attempts, connection and request timeouts, and throws on a request timeout', () => {
    expect(AWS_CLIENT_CONFIG).toEqual({
      maxAttempts: 3,
      requestHandler: { connectionTimeout: 2_000, requestTimeout: 5_000, throwOnRequestTimeout: true },
    });
  });
});
