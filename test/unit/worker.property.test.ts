import fc from 'fast-check';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { MINIMAL_ENV, T0 } from '#test/helpers/fakes.ts';
import { sqsRecord } from '#test/helpers/sqs-events.ts';

let toQueuedRecord: typeof import('#handlers/worker.ts').toQueuedRecord;

beforeAll(async () => {
  // The handler reads its configuration when it is imported.
  for (const [name, value] of Object.entries(MINIMAL_ENV)) vi.stubEnv(name, value);
  vi.stubEnv('AWS_REGION', 'eu-west-1');
  ({ toQueuedRecord } = await import('#handlers/worker.ts'));
});

/** Attribute values as SQS writes them, and as a broken or hand-built event may carry them. */
const attributes = fc.oneof(
  fc.nat().map(String),
  fc.string({ maxLength: 20 }),
  fc.constantFrom('', '0', '-1', '1.5', '1e3', 'NaN', 'Infinity', '9'.repeat(400), ' 7 '),
);

describe('toQueuedRecord (property)', () => {
  it('always yields a receive count of at least 1 and a finite, positive send time', () => {
    fc.assert(
      fc.property(attributes, attributes, (receiveCount, sentTimestamp) => {
        const raw = sqsRecord({ secretId: 'sec_a' });
        raw.attributes.ApproximateReceiveCount = receiveCount;
        raw.attributes.SentTimestamp = sentTimestamp;
        const record = toQueuedRecord(raw, T0);
        expect(Number.isInteger(record.receiveCount)).toBe(true);
        expect(record.receiveCount).toBeGreaterThanOrEqual(1);
        expect(Number.isFinite(record.sentAtMs)).toBe(true);
        expect(record.sentAtMs).toBeGreaterThan(0);
        expect(record.body).toBe(raw.body);
      }),
      { numRuns: 300 },
    );
  });
});
