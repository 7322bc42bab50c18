/**
 * The API key never leaves the worker, not even as a fragment: ElevenLabs error bodies that echo the
 * key are cut to a few hundred characters, and a cut through the key must not leave a piece of it in
 * a log line, a DLQ message or attribute, or the handler's answer. Real wiring (Powertools logger,
 * queue adapter, HTTP client), mocked AWS, fake ElevenLabs on loopback.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type FakeElevenLabs, type Override, startFakeElevenLabs } from '#test/helpers/fake-elevenlabs.ts';
import { keyFragments } from '#test/helpers/key-fragments.ts';
import { lambdaContext, sqsEvent, sqsRecord } from '#test/helpers/sqs-events.ts';

/** The shape of a real key: `sk_` and 48 hex digits. */
const KEY = 'sk_3f9a1c7e5b2d8046f1e3a5c7b9d0e2f4a6c8e0b2d4f6a8c0';
/** error-body.ts keeps at most this many characters of a message. */
const CUT = 300;

type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

const sqs = mockClient(SQSClient);
const secretsManager = mockClient(SecretsManagerClient);
let fake: FakeElevenLabs;
let output: string[];

/** The error bodies ElevenLabs may send, each echoing `text` in another place. */
const SHAPES = {
  message: (text: string) => ({ detail: { status: 'error', code: 'bad', message: text } }),
  code: (text: string) => ({ detail: { code: text, message: 'see code' } }),
  string: (text: string) => ({ detail: text }),
  validation: (text: string) => ({ detail: [{ loc: ['path', 'secret_id'], msg: text, type: 'value_error' }] }),
  plain: (text: string) => text,
} as const;
type Shape = keyof typeof SHAPES;

/** Statuses that lead to each way out: the DLQ (400), an auth retry (401), in use (422), throttled (429). */
const STATUSES = [400, 401, 422, 429] as const;

/** Every start of the key from where it ends just before the cut to just after it. */
const OFFSETS = Array.from({ length: KEY.length + 8 }, (_, index) => CUT - KEY.length - 4 + index);

const secretIdOf = (shape: Shape, status: number, offset: number) => `s_${shape}_${status}_${offset}`;

function echo(path: string): Override | undefined {
  const match = /\/s_(\w+?)_(\d+)_(\d+)$/.exec(path);
  if (!match) return undefined;
  const [, shape, status, offset] = match;
  const text = `${'x'.repeat(Number(offset))}${KEY} and more text after the key`;
  return {
    status: Number(status),
    body: SHAPES[shape as Shape](text),
    headers: Number(status) === 429 ? { 'retry-after': '60' } : {},
  };
}

beforeAll(async () => {
  fake = await startFakeElevenLabs({ validKeys: [KEY], hook: (request) => echo(request.path) });
});
afterAll(async () => {
  await fake.close();
  sqs.restore();
  secretsManager.restore();
});

beforeEach(() => {
  sqs.reset();
  secretsManager.reset();
  sqs.resolves({});
  secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ apiKey: KEY }) });
  output = [];
  const capture = (chunk: unknown) => {
    output.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  const env: Record<string, string> = {
    API_KEY_SECRET_ID: 'janitor/elevenlabs-api-key',
    QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/janitor-queue',
    DLQ_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/janitor-dlq',
    ELEVENLABS_BASE_URL: fake.baseUrl,
    REQUEST_TIMEOUT_MS: '2000',
    CONCURRENCY: '20',
    POWERTOOLS_SERVICE_NAME: 'convai-secret-janitor',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    POWERTOOLS_DEV: '',
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKEFAKE',
    AWS_SECRET_ACCESS_KEY: 'fake-secret-access-key',
  };
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
});

async function loadHandler(): Promise<Handler> {
  vi.resetModules();
  const module = await import('#handlers/worker.ts');
  return module.handler as unknown as Handler;
}

const logLines = () =>
  output
    .join('')
    .split('\n')
    .filter((line) => line.trim().startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('worker handler: no fragment of the API key in any output', () => {
  it.each(Object.keys(SHAPES) as Shape[])(
    'leaves no 8-character piece of the key anywhere when an error body echoes it in %s at every offset around the cut',
    async (shape) => {
      const records = STATUSES.flatMap((status) =>
        OFFSETS.map((offset) => sqsRecord({ secretId: secretIdOf(shape, status, offset) })),
      );
      const handler = await loadHandler();
      const result = await handler(sqsEvent(records), lambdaContext(120_000));

      // Every record was answered, so every body reached the worker and every way out was taken.
      const deletes = fake.requests.filter((request) => request.route === 'delete' && request.path.includes(shape));
      expect(new Set(deletes.map((request) => request.path)).size).toBe(records.length);
      const logs = logLines().filter((line) => typeof line.outcome === 'string');
      expect(logs).toHaveLength(records.length);
      // 400 goes to the DLQ; so does 422 when its validation array points at the request.
      const permanent = shape === 'validation' ? 2 : 1;
      const dlq = sqs.commandCalls(SendMessageCommand).map((call) => call.args[0].input);
      expect(dlq).toHaveLength(permanent * OFFSETS.length);
      expect(result.batchItemFailures).toHaveLength((STATUSES.length - permanent) * OFFSETS.length);
      expect(output.join('')).toContain('[redacted]');

      const outputs = {
        'log lines': output.join(''),
        'DLQ messages and attributes': JSON.stringify(sqs.calls().map((call) => call.args[0].input)),
        'handler answer': JSON.stringify(result),
      };
      for (const [where, text] of Object.entries(outputs)) {
        expect({ where, fragments: keyFragments(KEY, text) }).toEqual({ where, fragments: [] });
      }
    },
  );
});
