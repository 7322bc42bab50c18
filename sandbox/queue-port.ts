/**
 * The worker's QueuePort over local queues: the same contract as `adapters/queue.ts` (bodies and
 * attributes made SQS-safe, failures thrown as QueueError), so core code cannot tell the difference.
 */
import { sqsSafe, toMessageAttributes } from '#adapters/queue.ts';
import type { QueuePort } from '#core/ports.ts';
import type { LocalQueue } from '#sandbox/local-queue.ts';
import { QueueError } from '#shared/errors.ts';

async function call<T>(what: string, run: () => T): Promise<T> {
  // A network hop in real SQS: never complete in the same tick as the caller.
  await Promise.resolve();
  try {
    return run();
  } catch (cause) {
    throw new QueueError(`expected ${what} to succeed, received ${(cause as Error)?.name ?? 'an error'}`, { cause });
  }
}

export function localQueuePort(queue: LocalQueue, deadLetterQueue: LocalQueue): QueuePort {
  return {
    changeVisibility: (receiptHandle, seconds) =>
      call('ChangeMessageVisibility', () => queue.changeVisibility(receiptHandle, seconds)),
    sendToDlq: (body, attributes) =>
      call('SendMessage to the DLQ', () => {
        deadLetterQueue.send(sqsSafe(body), toMessageAttributes(attributes));
      }),
    sendBatch: (entries) =>
      call(
        'SendMessageBatch',
        () => queue.sendBatch(entries.map((entry) => ({ id: entry.id, body: sqsSafe(entry.body) }))).failed,
      ),
  };
}
