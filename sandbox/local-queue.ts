/**
 * An in-memory SQS standard queue on a virtual clock, with the semantics the worker relies on:
 * visibility timeouts, `ApproximateReceiveCount`, a new receipt handle per receive, the 12 h
 * visibility limit, redrive to a dead-letter queue past `maxReceiveCount`, retention, and at-least-once
 * delivery (a message can be delivered twice on demand). Faults are injected through `faults`.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { Clock } from '#core/ports.ts';
import { MAX_RECEIVE_COUNT } from '#core/retry-policy.ts';

/** SQS refuses a visibility that ends more than 12 hours after the message was received. */
export const MAX_VISIBILITY_SECONDS = 12 * 60 * 60;
/** Characters SQS accepts in a body (XML 1.0 without the restricted ones). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the allowed set is SQS's, named by code point.
const SQS_TEXT = /^[\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;

/** An SQS error, named by its code as the service names it (`ReceiptHandleIsInvalid`, …). */
export class LocalQueueError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

export interface StoredMessage {
  readonly messageId: string;
  readonly body: string;
  readonly messageAttributes: Readonly<Record<string, MessageAttributeValue>>;
  /** `SentTimestamp`: when the message entered this queue, or the source queue before a redrive. */
  readonly sentAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
  visibleAt: number;
  /** The receipt of the latest receive: only its handle may change visibility or delete. */
  receipt?: { readonly handle: string; readonly receivedAt: number };
}

/** One message as ReceiveMessage returns it (with `MessageSystemAttributeNames: All`). */
export interface ReceivedMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly md5OfBody: string;
  readonly attributes: {
    readonly ApproximateReceiveCount: string;
    readonly SentTimestamp: string;
    readonly ApproximateFirstReceiveTimestamp: string;
    readonly SenderId: string;
  };
  readonly messageAttributes: Readonly<Record<string, MessageAttributeValue>>;
}

/** Fault hooks; each returns an error code to fail the call (or `true` to fail a batch entry). */
export interface LocalQueueFaults {
  sendMessage?(body: string): string | undefined;
  sendBatch?(entries: readonly { id: string; body: string }[]): string | undefined;
  sendBatchEntry?(entry: { id: string; body: string }): boolean;
  changeVisibility?(receiptHandle: string, seconds: number, message: StoredMessage | undefined): string | undefined;
  /** True: this receive also leaves a copy behind, delivered again later (at-least-once delivery). */
  duplicate?(message: StoredMessage): boolean;
}

export interface LocalQueueOptions {
  readonly name: string;
  readonly clock: { readonly now: Clock };
  /** The queue's visibility timeout. @default 30 */
  readonly visibilityTimeoutSeconds?: number;
  /** @default 4 days, as SQS */
  readonly retentionSeconds?: number;
  /** @default 256 KiB */
  readonly maxMessageSizeBytes?: number;
  /** The redrive policy: past `maxReceiveCount` receives, a message moves to `queue`. */
  readonly deadLetter?: { readonly queue: LocalQueue; readonly maxReceiveCount: number };
  readonly faults?: LocalQueueFaults;
}

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

export class LocalQueue {
  readonly name: string;
  faults: LocalQueueFaults;
  /** What happened to the queue's messages besides receives: redrives and retention expiries. */
  readonly counters = { sent: 0, received: 0, deleted: 0, redriven: 0, expired: 0, duplicated: 0 };
  private readonly stored: StoredMessage[] = [];
  /** The message each current receipt handle belongs to. */
  private readonly handles = new Map<string, StoredMessage>();
  private readonly clock: { readonly now: Clock };
  private readonly visibilityTimeoutMs: number;
  private readonly retentionMs: number;
  private readonly maxBytes: number;
  private readonly deadLetter: LocalQueueOptions['deadLetter'];

  constructor(options: LocalQueueOptions) {
    this.name = options.name;
    this.clock = options.clock;
    this.visibilityTimeoutMs = (options.visibilityTimeoutSeconds ?? 30) * 1000;
    this.retentionMs = (options.retentionSeconds ?? 4 * 24 * 3600) * 1000;
    this.maxBytes = options.maxMessageSizeBytes ?? 256 * 1024;
    this.deadLetter = options.deadLetter;
    this.faults = options.faults ?? {};
  }

  /** SendMessage. Throws LocalQueueError. */
  send(body: string, messageAttributes: Record<string, MessageAttributeValue> = {}): string {
    const fault = this.faults.sendMessage?.(body);
    if (fault) throw new LocalQueueError(fault, `SendMessage to ${this.name} failed (injected)`);
    this.check(body);
    return this.store({ body, messageAttributes, sentAt: this.clock.now() });
  }

  /** SendMessageBatch (up to 10 entries): the ids of the entries that failed. Throws LocalQueueError. */
  sendBatch(entries: readonly { id: string; body: string }[]): { successful: string[]; failed: string[] } {
    if (entries.length < 1 || entries.length > 10) {
      throw new LocalQueueError(
        'TooManyEntriesInBatchRequest',
        `a batch holds 1-10 entries, received ${entries.length}`,
      );
    }
    const fault = this.faults.sendBatch?.(entries);
    if (fault) throw new LocalQueueError(fault, `SendMessageBatch to ${this.name} failed (injected)`);
    const successful: string[] = [];
    const failed: string[] = [];
    for (const entry of entries) {
      if (this.faults.sendBatchEntry?.(entry) || this.problem(entry.body)) failed.push(entry.id);
      else {
        this.store({ body: entry.body, messageAttributes: {}, sentAt: this.clock.now() });
        successful.push(entry.id);
      }
    }
    return { successful, failed };
  }

  /**
   * ReceiveMessage: up to `max` visible messages, oldest visibility first. Each gets a new receipt
   * handle and the queue's visibility timeout. A message already received `maxReceiveCount` times
   * moves to the dead-letter queue instead of being delivered.
   */
  receive(max = 10): ReceivedMessage[] {
    this.expire();
    const now = this.clock.now();
    const received: ReceivedMessage[] = [];
    for (const message of this.visible()) {
      if (received.length >= max) break;
      if (this.deadLetter && message.receiveCount >= this.deadLetter.maxReceiveCount) {
        this.remove(message);
        this.deadLetter.queue.adopt(message);
        this.counters.redriven += 1;
        continue;
      }
      if (this.faults.duplicate?.(message)) {
        // The copy keeps the id, body and counts, and is delivered on its own (SQS's at-least-once).
        this.stored.push({ ...message, receipt: undefined, visibleAt: now });
        this.counters.duplicated += 1;
      }
      message.receiveCount += 1;
      message.firstReceivedAt ??= now;
      message.visibleAt = now + this.visibilityTimeoutMs;
      if (message.receipt) this.handles.delete(message.receipt.handle);
      message.receipt = { handle: `AQEB${randomUUID().replaceAll('-', '')}`, receivedAt: now };
      this.handles.set(message.receipt.handle, message);
      this.counters.received += 1;
      received.push(this.toReceived(message, message.receipt.handle));
    }
    return received;
  }

  /** ChangeMessageVisibility, with the errors SQS returns. Throws LocalQueueError. */
  changeVisibility(receiptHandle: string, seconds: number): void {
    const message = this.byHandle(receiptHandle);
    const fault = this.faults.changeVisibility?.(receiptHandle, seconds, message);
    if (fault) throw new LocalQueueError(fault, `ChangeMessageVisibility on ${this.name} failed (injected)`);
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_VISIBILITY_SECONDS) {
      throw new LocalQueueError('InvalidParameterValue', `VisibilityTimeout must be 0-43200, received ${seconds}`);
    }
    const now = this.clock.now();
    if (!message?.receipt) throw new LocalQueueError('ReceiptHandleIsInvalid', 'the receipt handle is not current');
    if (message.visibleAt <= now) throw new LocalQueueError('MessageNotInflight', 'the message is not in flight');
    if (now + seconds * 1000 > message.receipt.receivedAt + MAX_VISIBILITY_SECONDS * 1000) {
      throw new LocalQueueError(
        'InvalidParameterValue',
        `visibility may not end more than 12 h after the receive, received ${seconds} s`,
      );
    }
    message.visibleAt = now + seconds * 1000;
  }

  /** DeleteMessage. A stale receipt handle succeeds but deletes nothing, as in SQS; returns whether it deleted. */
  delete(receiptHandle: string): boolean {
    const message = this.byHandle(receiptHandle);
    if (!message) return false;
    this.remove(message);
    this.counters.deleted += 1;
    return true;
  }

  /** Every message, visible or in flight (copies, for inspection). */
  messages(): StoredMessage[] {
    return this.stored.map((message) => ({ ...message }));
  }

  get size(): number {
    return this.stored.length;
  }

  /** When the next message becomes visible: now if one is, undefined if the queue is empty. */
  nextVisibleAt(): number | undefined {
    this.expire();
    let next: number | undefined;
    for (const message of this.stored) if (next === undefined || message.visibleAt < next) next = message.visibleAt;
    return next === undefined ? undefined : Math.max(next, this.clock.now());
  }

  private adopt(message: StoredMessage): void {
    this.stored.push({ ...message, receiveCount: 0, receipt: undefined, visibleAt: this.clock.now() });
  }

  private store(message: Pick<StoredMessage, 'body' | 'messageAttributes' | 'sentAt'>): string {
    const messageId = randomUUID();
    this.stored.push({ ...message, messageId, receiveCount: 0, visibleAt: this.clock.now() });
    this.counters.sent += 1;
    return messageId;
  }

  private check(body: string): void {
    const problem = this.problem(body);
    if (problem) throw problem;
  }

  private problem(body: string): LocalQueueError | undefined {
    if (!SQS_TEXT.test(body))
      return new LocalQueueError('InvalidMessageContents', 'the body holds characters SQS refuses');
    const bytes = Buffer.byteLength(body, 'utf8');
    if (bytes > this.maxBytes) {
      return new LocalQueueError('InvalidParameterValue', `a body may hold ${this.maxBytes} bytes, received ${bytes}`);
    }
    return undefined;
  }

  private visible(): StoredMessage[] {
    const now = this.clock.now();
    return this.stored.filter((message) => message.visibleAt <= now).sort((a, b) => a.visibleAt - b.visibleAt);
  }

  private byHandle(receiptHandle: string): StoredMessage | undefined {
    return this.handles.get(receiptHandle);
  }

  private remove(message: StoredMessage): void {
    this.stored.splice(this.stored.indexOf(message), 1);
    if (message.receipt) this.handles.delete(message.receipt.handle);
  }

  private expire(): void {
    const now = this.clock.now();
    for (const message of this.stored.filter((m) => m.sentAt + this.retentionMs <= now)) {
      this.remove(message);
      this.counters.expired += 1;
    }
  }

  private toReceived(message: StoredMessage, receiptHandle: string): ReceivedMessage {
    return {
      messageId: message.messageId,
      receiptHandle,
      body: message.body,
      md5OfBody: md5(message.body),
      attributes: {
        ApproximateReceiveCount: String(message.receiveCount),
        SentTimestamp: String(message.sentAt),
        ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt ?? message.sentAt),
        SenderId: 'AIDASANDBOXSENDER',
      },
      messageAttributes: message.messageAttributes,
    };
  }
}

/**
 * The deletion queue and its DLQ as the stack deploys them (`infra/secret-janitor.ts`): 14 days
 * retention, a visibility of 6 x the worker's 60 s timeout, and the backstop redrive at
 * `MAX_RECEIVE_COUNT`. The sandbox and the fault soak run on these.
 */
export function createJanitorQueues(clock: { readonly now: Clock }) {
  const retentionSeconds = 14 * 24 * 3600;
  const dlq = new LocalQueue({ name: 'janitor-dlq', clock, retentionSeconds });
  const queue = new LocalQueue({
    name: 'janitor-queue',
    clock,
    visibilityTimeoutSeconds: 6 * 60,
    retentionSeconds,
    deadLetter: { queue: dlq, maxReceiveCount: MAX_RECEIVE_COUNT },
  });
  return { queue, dlq };
}
