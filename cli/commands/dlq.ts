import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { parseWhole } from '#cli/args.ts';
import { clientConfig, requireRegion } from '#cli/aws.ts';
import { awsCall, EXIT, failure } from '#cli/errors.ts';
import { count, formatAge, type Output } from '#cli/output.ts';

export interface DlqOptions {
  readonly queueUrl: string;
  readonly reason?: string;
  readonly max?: string;
}

export interface RedriveOptions extends DlqOptions {
  readonly to: string;
  readonly dryRun?: boolean;
}

/** One DLQ message with the worker's reason attributes (or EventBridge's and Scheduler's). */
export interface DlqMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly secretId?: string;
  readonly failureReason: string;
  readonly lastStatus?: string;
  readonly attempts?: number;
  readonly firstSentAt?: string;
  readonly origin?: string;
  readonly sentAt?: number;
  readonly ageMs?: number;
  readonly receiveCount?: number;
}

/** Long enough to read a large DLQ in one go; every message read is made visible again at the end. */
const READ_VISIBILITY_SECONDS = 300;
const BATCH = 10;

function secretIdInBody(body: string): string | undefined {
  try {
    const id = (JSON.parse(body) as { secretId?: unknown }).secretId;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

function toDlqMessage(message: Message, now: number): DlqMessage {
  const attribute = (name: string) => message.MessageAttributes?.[name]?.StringValue;
  const body = message.Body ?? '';
  const sentAt = Number(message.Attributes?.SentTimestamp);
  const errorCode = attribute('ERROR_CODE');
  const failureReason =
    attribute('failureReason') ??
    (errorCode
      ? `${errorCode}: ${attribute('ERROR_MESSAGE') ?? ''}`.trim()
      : '(none: moved by the queue redrive policy)');
  const attempts = Number(attribute('attempts'));
  const secretId = attribute('secretId') ?? secretIdInBody(body);
  const optional = {
    ...(secretId ? { secretId } : {}),
    ...(attribute('lastStatus') ? { lastStatus: attribute('lastStatus') } : {}),
    ...(Number.isFinite(attempts) && attribute('attempts') ? { attempts } : {}),
    ...(attribute('firstSentAt') ? { firstSentAt: attribute('firstSentAt') } : {}),
    ...(attribute('origin') ? { origin: attribute('origin') } : {}),
    ...(Number.isFinite(sentAt) ? { sentAt, ageMs: now - sentAt } : {}),
    ...(message.Attributes?.ApproximateReceiveCount
      ? { receiveCount: Number(message.Attributes.ApproximateReceiveCount) }
      : {}),
  };
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body,
    failureReason,
    ...optional,
  };
}

/**
 * Reads up to `max` messages without consuming them, and hands them to `use`. Afterwards, whatever
 * happened, every message read and not deleted by `use` is made visible again (visibility 0).
 */
async function withMessages<T>(
  client: SQSClient,
  queueUrl: string,
  max: number,
  out: Output,
  use: (messages: DlqMessage[], deleted: Set<string>) => Promise<T>,
): Promise<T> {
  const byId = new Map<string, DlqMessage>();
  const deleted = new Set<string>();
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
  };
  process.once('SIGINT', onSignal);
  const progress = await out.progress('Reading messages');
  try {
    while (byId.size < max && !interrupted) {
      const output = await awsCall('ReceiveMessage', () =>
        client.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: Math.min(BATCH, max - byId.size),
            VisibilityTimeout: READ_VISIBILITY_SECONDS,
            WaitTimeSeconds: 1,
            MessageAttributeNames: ['All'],
            MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
          }),
        ),
      );
      const messages = output.Messages ?? [];
      if (messages.length === 0) break;
      const now = Date.now();
      for (const message of messages) byId.set(message.MessageId ?? '', toDlqMessage(message, now));
      progress.update(byId.size, 'messages read');
    }
    progress.stop(`Read ${byId.size} messages`);
    if (interrupted) throw failure('interrupted; every message read is made visible again');
    return await use([...byId.values()], deleted);
  } finally {
    process.removeListener('SIGINT', onSignal);
    const left = [...byId.values()].filter((message) => !deleted.has(message.messageId));
    const notReleased = await release(client, queueUrl, left);
    if (notReleased > 0) {
      out.note(
        `${notReleased} messages could not be made visible again; they reappear after ${READ_VISIBILITY_SECONDS} s`,
      );
    }
  }
}

/** Visibility 0 for every message; returns how many could not be released. */
async function release(client: SQSClient, queueUrl: string, messages: readonly DlqMessage[]): Promise<number> {
  let failed = 0;
  for (let start = 0; start < messages.length; start += BATCH) {
    const chunk = messages.slice(start, start + BATCH);
    try {
      const output = await client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: chunk.map((message, index) => ({
            Id: `m${index}`,
            ReceiptHandle: message.receiptHandle,
            VisibilityTimeout: 0,
          })),
        }),
      );
      failed += output.Failed?.length ?? 0;
    } catch {
      failed += chunk.length;
    }
  }
  return failed;
}

/**
 * The body to redrive: without a top-level `firstSentAt`, so the request starts a new give-up horizon
 * (the worker counts it from the earlier of `firstSentAt` and the send time). Re-serialized only when
 * that field is there; any other body (not JSON, not an object, an EventBridge envelope) goes back as is.
 */
export function redriveBody(body: string): { body: string; horizonReset: boolean } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { body, horizonReset: false };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !Object.hasOwn(parsed, 'firstSentAt')) {
    return { body, horizonReset: false };
  }
  const { firstSentAt: _, ...rest } = parsed as Record<string, unknown>;
  return { body: JSON.stringify(rest), horizonReset: true };
}

const matches = (reason: string | undefined) => (message: DlqMessage) =>
  reason === undefined || message.failureReason.startsWith(reason);

function rows(messages: readonly DlqMessage[]) {
  return messages.map((m) => [
    m.messageId,
    m.secretId ?? '',
    m.failureReason,
    m.lastStatus ?? '',
    m.attempts ?? '',
    m.ageMs === undefined ? '' : formatAge(m.ageMs),
  ]);
}
const HEAD = ['Message ID', 'Secret ID', 'Failure reason', 'Last status', 'Attempts', 'Age'];

async function sqs(queueUrl: string): Promise<SQSClient> {
  const client = new SQSClient(clientConfig(queueUrl));
  await requireRegion(client);
  return client;
}

const maxOf = (options: DlqOptions) => parseWhole('--max', options.max ?? '10000', 1, 100_000);

/** `dlq list`: reads without consuming; every message is visible again when the command ends. */
export async function dlqListCommand(options: DlqOptions, out: Output): Promise<number> {
  const client = await sqs(options.queueUrl);
  const max = maxOf(options);
  return withMessages(client, options.queueUrl, max, out, async (messages) => {
    const shown = messages.filter(matches(options.reason));
    if (out.json) {
      out.document({
        queueUrl: options.queueUrl,
        read: messages.length,
        count: shown.length,
        messages: shown.map(({ receiptHandle: _, ...message }) => message),
      });
    } else {
      out.table(HEAD, rows(shown));
      const filter =
        options.reason === undefined ? '' : ` (${shown.length} with a reason starting "${options.reason}")`;
      out.line(`${count(messages.length, 'message')} read${filter}; all are visible again`);
    }
    return EXIT.ok;
  });
}

/** `dlq redrive`: moves the matching messages back (send, then delete), counting what moved. */
export async function dlqRedriveCommand(options: RedriveOptions, out: Output): Promise<number> {
  const client = await sqs(options.queueUrl);
  const max = maxOf(options);
  return withMessages(client, options.queueUrl, max, out, async (messages, deleted) => {
    const chosen = messages.filter(matches(options.reason));
    const outgoing = new Map(chosen.map((message) => [message.messageId, redriveBody(message.body)]));
    const resets = (list: readonly DlqMessage[]) =>
      list.filter((message) => outgoing.get(message.messageId)?.horizonReset).length;
    let moved = 0;
    let failed = 0;
    let horizonReset = options.dryRun ? resets(chosen) : 0;
    let lastError: string | undefined;
    if (!options.dryRun) {
      const progress = await out.progress('Moving messages', chosen.length);
      for (let start = 0; start < chosen.length; start += BATCH) {
        const chunk = chosen.slice(start, start + BATCH);
        const sent = await client
          .send(
            new SendMessageBatchCommand({
              QueueUrl: options.to,
              Entries: chunk.map((message, index) => ({
                Id: `m${index}`,
                MessageBody: outgoing.get(message.messageId)?.body ?? message.body,
              })),
            }),
          )
          .then((output) => new Set((output.Successful ?? []).map((entry) => Number(entry.Id?.slice(1)))))
          .catch((error: unknown) => {
            lastError = `SendMessageBatch: ${(error as Error)?.name ?? 'Error'}`;
            return new Set<number>();
          });
        const toDelete = chunk.filter((_, index) => sent.has(index));
        failed += chunk.length - toDelete.length;
        horizonReset += resets(toDelete);
        if (toDelete.length > 0) {
          const removed = await client
            .send(
              new DeleteMessageBatchCommand({
                QueueUrl: options.queueUrl,
                Entries: toDelete.map((message, index) => ({ Id: `m${index}`, ReceiptHandle: message.receiptHandle })),
              }),
            )
            .then((output) => new Set((output.Successful ?? []).map((entry) => Number(entry.Id?.slice(1)))))
            .catch((error: unknown) => {
              lastError = `DeleteMessageBatch: ${(error as Error)?.name ?? 'Error'}`;
              return new Set<number>();
            });
          // Sent but not deleted: the copy in the DLQ stays (a repeat deletion is harmless).
          toDelete.forEach((message, index) => {
            if (removed.has(index)) deleted.add(message.messageId);
          });
          moved += toDelete.length;
        }
        progress.update(moved + failed, `moved ${moved}, failed ${failed}`);
      }
      progress.stop(`Moved ${moved} messages`);
    }
    const stayed = messages.length - deleted.size;
    if (out.json) {
      out.document({
        from: options.queueUrl,
        to: options.to,
        dryRun: options.dryRun === true,
        read: messages.length,
        matched: chosen.length,
        moved,
        failed,
        horizonReset,
        ...(lastError ? { lastError } : {}),
        messages: chosen.map(({ receiptHandle: _, ...message }) => message),
      });
    } else {
      out.table(HEAD, rows(chosen));
      const fresh = horizonReset
        ? `; ${count(horizonReset, 'request')} ${options.dryRun ? 'would start' : 'started'} a new give-up horizon (firstSentAt removed)`
        : '';
      out.line(
        options.dryRun
          ? `Dry run: ${chosen.length} of ${messages.length} messages would move to ${options.to}; nothing moved${fresh}`
          : `Moved ${moved} of ${chosen.length} matching messages to ${options.to}${failed ? `, ${failed} failed (${lastError})` : ''}; ${stayed} stay in the DLQ${fresh}`,
      );
    }
    return failed > 0 ? EXIT.failed : EXIT.ok;
  });
}
