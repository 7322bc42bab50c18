import { describe, expect, it } from 'vitest';
import { LocalQueue } from '#sandbox/local-queue.ts';
import { localQueuePort } from '#sandbox/queue-port.ts';
import { createVirtualClock } from '#sandbox/virtual-clock.ts';
import { QueueError } from '#shared/errors.ts';

function setup() {
  const clock = createVirtualClock(Date.UTC(2026, 10, 26));
  const dlq = new LocalQueue({ name: 'dlq', clock });
  const queue = new LocalQueue({ name: 'queue', clock });
  return { queue, dlq, port: localQueuePort(queue, dlq) };
}

describe('localQueuePort', () => {
  it('sends to the DLQ with the real adapter attributes, escaping characters SQS refuses', async () => {
    const { dlq, port } = setup();
    await port.sendToDlq('{"secretId":"\uffff"}', {
      failureReason: 'invalid_message: x',
      attempts: 3,
      firstSentAt: '2026-11-26T00:00:00.000Z',
      secretId: 'sec_1',
    });
    expect(dlq.messages()).toEqual([
      expect.objectContaining({
        body: '{"secretId":"\\uffff"}',
        messageAttributes: {
          failureReason: { DataType: 'String', StringValue: 'invalid_message: x' },
          lastStatus: { DataType: 'String', StringValue: 'none' },
          attempts: { DataType: 'Number', StringValue: '3' },
          firstSentAt: { DataType: 'String', StringValue: '2026-11-26T00:00:00.000Z' },
          secretId: { DataType: 'String', StringValue: 'sec_1' },
        },
      }),
    ]);
  });

  it('throws QueueError naming the SQS error when a call fails', async () => {
    const { dlq, port } = setup();
    dlq.faults = { sendMessage: () => 'InternalError' };
    const attributes = { failureReason: 'x', attempts: 1, firstSentAt: 'y' };
    await expect(port.sendToDlq('a', attributes)).rejects.toThrow(QueueError);
    await expect(port.sendToDlq('a', attributes)).rejects.toThrow(/received InternalError$/);
    await expect(port.changeVisibility('unknown', 30)).rejects.toThrow(
      /ChangeMessageVisibility .*ReceiptHandleIsInvalid/,
    );
  });

  it('returns the ids of the batch entries that failed', async () => {
    const { queue, port } = setup();
    queue.faults = { sendBatchEntry: (entry) => entry.id === 'm1' };
    const failed = await port.sendBatch([
      { id: 'm0', body: 'a' },
      { id: 'm1', body: 'b' },
    ]);
    expect(failed).toEqual(['m1']);
    expect(queue.messages().map((m) => m.body)).toEqual(['a']);
  });
});
