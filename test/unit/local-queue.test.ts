import { describe, expect, it } from 'vitest';
import { LocalQueue, LocalQueueError, type LocalQueueFaults } from '#sandbox/local-queue.ts';
import { createVirtualClock } from '#sandbox/virtual-clock.ts';

const T0 = Date.UTC(2026, 10, 26, 12, 0, 0);
const HOUR = 3_600_000;

function queues(options: { maxReceiveCount?: number; faults?: LocalQueueFaults; retentionSeconds?: number } = {}) {
  const clock = createVirtualClock(T0);
  const dlq = new LocalQueue({ name: 'dlq', clock });
  const queue = new LocalQueue({
    name: 'queue',
    clock,
    visibilityTimeoutSeconds: 360,
    deadLetter: { queue: dlq, maxReceiveCount: options.maxReceiveCount ?? 5 },
    ...(options.faults ? { faults: options.faults } : {}),
    ...(options.retentionSeconds ? { retentionSeconds: options.retentionSeconds } : {}),
  });
  return { clock, queue, dlq };
}

const codeOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return error instanceof LocalQueueError ? error.code : 'not a LocalQueueError';
  }
  return 'no error';
};

describe('LocalQueue', () => {
  it('hides a received message until the queue visibility timeout has passed', () => {
    const { clock, queue } = queues();
    queue.send('{"secretId":"sec_1"}');
    expect(queue.receive()).toHaveLength(1);
    clock.advance(359_999);
    expect(queue.receive()).toEqual([]);
    clock.advance(1);
    expect(queue.receive().map((m) => m.body)).toEqual(['{"secretId":"sec_1"}']);
  });

  it('counts receives and keeps SentTimestamp and the first receive time when a message comes again', () => {
    const { clock, queue } = queues();
    queue.send('a');
    clock.advance(5_000);
    const first = queue.receive()[0];
    clock.advance(HOUR);
    const second = queue.receive()[0];
    expect(first?.attributes).toMatchObject({
      ApproximateReceiveCount: '1',
      SentTimestamp: String(T0),
      ApproximateFirstReceiveTimestamp: String(T0 + 5_000),
    });
    expect(second?.attributes).toMatchObject({
      ApproximateReceiveCount: '2',
      SentTimestamp: String(T0),
      ApproximateFirstReceiveTimestamp: String(T0 + 5_000),
    });
    expect(second?.messageId).toBe(first?.messageId);
    expect(second?.md5OfBody).toBe('0cc175b9c0f1b6a831c399e269772661');
  });

  it('gives a new receipt handle per receive and refuses ChangeMessageVisibility with an old one', () => {
    const { clock, queue } = queues();
    queue.send('a');
    const first = queue.receive()[0];
    clock.advance(HOUR);
    const second = queue.receive()[0];
    expect(second?.receiptHandle).not.toBe(first?.receiptHandle);
    expect(codeOf(() => queue.changeVisibility(first?.receiptHandle ?? '', 60))).toBe('ReceiptHandleIsInvalid');
    queue.changeVisibility(second?.receiptHandle ?? '', 60);
    clock.advance(59_999);
    expect(queue.receive()).toEqual([]);
    clock.advance(1);
    expect(queue.receive()).toHaveLength(1);
  });

  it('succeeds but deletes nothing when DeleteMessage gets a stale receipt handle', () => {
    const { clock, queue } = queues();
    queue.send('a');
    const first = queue.receive()[0];
    clock.advance(HOUR);
    const second = queue.receive()[0];
    expect(queue.delete(first?.receiptHandle ?? '')).toBe(false);
    expect(queue.size).toBe(1);
    expect(queue.delete(second?.receiptHandle ?? '')).toBe(true);
    expect(queue.size).toBe(0);
  });

  it('refuses a visibility that would end more than 12 h after the receive', () => {
    const { clock, queue } = queues();
    queue.send('a');
    const handle = queue.receive()[0]?.receiptHandle ?? '';
    queue.changeVisibility(handle, 11 * 3600);
    clock.advance(2 * HOUR);
    expect(codeOf(() => queue.changeVisibility(handle, 10 * 3600 + 1))).toBe('InvalidParameterValue');
    queue.changeVisibility(handle, 10 * 3600);
    expect(codeOf(() => queue.changeVisibility(handle, 43_201))).toBe('InvalidParameterValue');
  });

  it('refuses ChangeMessageVisibility when the message is no longer in flight', () => {
    const { clock, queue } = queues();
    queue.send('a');
    const handle = queue.receive()[0]?.receiptHandle ?? '';
    clock.advance(360_000);
    expect(codeOf(() => queue.changeVisibility(handle, 30))).toBe('MessageNotInflight');
  });

  it('moves a message to the dead-letter queue instead of delivering it past maxReceiveCount', () => {
    const { clock, queue, dlq } = queues({ maxReceiveCount: 2 });
    queue.send('a', { reason: { DataType: 'String', StringValue: 'kept' } });
    expect(queue.receive()).toHaveLength(1);
    clock.advance(HOUR);
    expect(queue.receive()).toHaveLength(1);
    clock.advance(HOUR);
    expect(queue.receive()).toEqual([]);
    expect(queue.counters.redriven).toBe(1);
    expect(dlq.messages()).toEqual([
      expect.objectContaining({
        body: 'a',
        sentAt: T0,
        messageAttributes: { reason: { DataType: 'String', StringValue: 'kept' } },
      }),
    ]);
  });

  it('delivers a message twice when the duplicate hook says so, and deleting one copy leaves the other', () => {
    let duplicates = 1;
    const { queue } = queues({ faults: { duplicate: () => duplicates-- > 0 } });
    queue.send('a');
    const first = queue.receive(1);
    const second = queue.receive(1);
    expect(second.map((m) => [m.messageId, m.body, m.attributes.ApproximateReceiveCount])).toEqual(
      first.map((m) => [m.messageId, m.body, '1']),
    );
    queue.delete(first[0]?.receiptHandle ?? '');
    expect(queue.size).toBe(1);
    expect(queue.counters.duplicated).toBe(1);
  });

  it('fails only the batch entries the hook names, and entries SQS would refuse', () => {
    const { queue } = queues({ faults: { sendBatchEntry: (entry) => entry.id === 'b' } });
    const result = queue.sendBatch([
      { id: 'a', body: 'x' },
      { id: 'b', body: 'y' },
      { id: 'c', body: 'bad \uffff' },
    ]);
    expect(result).toEqual({ successful: ['a'], failed: ['b', 'c'] });
    expect(queue.messages().map((m) => m.body)).toEqual(['x']);
    expect(codeOf(() => queue.sendBatch([]))).toBe('TooManyEntriesInBatchRequest');
  });

  it('refuses a body with characters SQS does not accept, or over the size limit', () => {
    const { queue } = queues();
    expect(codeOf(() => queue.send('a\u0000b'))).toBe('InvalidMessageContents');
    expect(codeOf(() => queue.send('x'.repeat(256 * 1024 + 1)))).toBe('InvalidParameterValue');
    expect(queue.size).toBe(0);
  });

  it('fails a call with the code the fault hook returns', () => {
    const { queue } = queues({
      faults: { sendMessage: () => 'ServiceUnavailable', changeVisibility: () => 'InternalError' },
    });
    expect(codeOf(() => queue.send('a'))).toBe('ServiceUnavailable');
    expect(codeOf(() => queue.changeVisibility('any', 30))).toBe('InternalError');
  });

  it('drops a message once it is older than the retention period, and counts it', () => {
    const { clock, queue } = queues({ retentionSeconds: 3600 });
    queue.send('a');
    clock.advance(HOUR);
    expect(queue.receive()).toEqual([]);
    expect(queue.counters.expired).toBe(1);
  });

  it('says when the next message becomes visible, and undefined when the queue is empty', () => {
    const { clock, queue } = queues();
    expect(queue.nextVisibleAt()).toBeUndefined();
    queue.send('a');
    expect(queue.nextVisibleAt()).toBe(T0);
    const handle = queue.receive()[0]?.receiptHandle ?? '';
    queue.changeVisibility(handle, 900);
    expect(queue.nextVisibleAt()).toBe(T0 + 900_000);
    clock.advance(HOUR);
    expect(queue.nextVisibleAt()).toBe(T0 + HOUR);
  });
});
