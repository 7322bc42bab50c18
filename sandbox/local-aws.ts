/**
 * The three AWS services the sandbox needs, in process, behind the SDK's `send`: Secrets Manager (the
 * API key), SQS (the producer's SendMessageBatch onto a local queue) and EventBridge (PutEvents, with
 * the stack's rule delivering the event envelope onto the queue). The janitor's own adapters and the
 * producer library call them exactly as they call AWS.
 */
import { randomUUID } from 'node:crypto';
import { PutEventsCommand, type PutEventsResultEntry } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { type BatchResultErrorEntry, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { envelopeBody, envelopeFromPutEventsEntry } from '#sandbox/eventbridge-events.ts';
import type { LocalQueue } from '#sandbox/local-queue.ts';

/** An AWS error as the SDK throws it: named by its code. */
function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, $fault: 'client' });
}

/** GetSecretValue over a map of secret names to their SecretString. */
export function localSecretsManager(secrets: ReadonlyMap<string, string>) {
  return {
    async send(command: object): Promise<{ SecretString?: string; Name?: string }> {
      if (!(command instanceof GetSecretValueCommand)) throw awsError('UnsupportedOperation', 'only GetSecretValue');
      const id = command.input.SecretId ?? '';
      const value = secrets.get(id);
      if (value === undefined) throw awsError('ResourceNotFoundException', `Secrets Manager can't find ${id}`);
      return { Name: id, SecretString: value };
    },
  } as unknown as { send: (command: GetSecretValueCommand) => Promise<{ SecretString?: string }> };
}

/** SendMessageBatch onto local queues, by queue URL. */
export function localSqs(queues: ReadonlyMap<string, LocalQueue>) {
  return {
    async send(command: object) {
      if (!(command instanceof SendMessageBatchCommand))
        throw awsError('UnsupportedOperation', 'only SendMessageBatch');
      const queue = queues.get(command.input.QueueUrl ?? '');
      if (!queue) throw awsError('AWS.SimpleQueueService.NonExistentQueue', 'The specified queue does not exist.');
      const entries = (command.input.Entries ?? []).map((entry) => ({
        id: entry.Id ?? '',
        body: entry.MessageBody ?? '',
      }));
      const { successful, failed } = queue.sendBatch(entries);
      const Failed: BatchResultErrorEntry[] = failed.map((Id) => ({ Id, Code: 'InternalError', SenderFault: false }));
      return { Successful: successful.map((Id) => ({ Id, MessageId: randomUUID(), MD5OfMessageBody: '' })), Failed };
    },
  } as never;
}

export interface LocalRule {
  readonly source: string;
  readonly detailTypes: readonly string[];
  /** The target: the envelope, serialized, as the message body (no input transformer). */
  readonly deliver: (body: string) => void;
}

/** PutEvents on the default bus; an event the rule matches is delivered to its target, the rest are dropped. */
export function localEventBus(rule: LocalRule) {
  return {
    async send(command: object) {
      if (!(command instanceof PutEventsCommand)) throw awsError('UnsupportedOperation', 'only PutEvents');
      const Entries: PutEventsResultEntry[] = (command.input.Entries ?? []).map((entry) => {
        const id = randomUUID();
        if (entry.Source === rule.source && rule.detailTypes.includes(entry.DetailType ?? '')) {
          rule.deliver(envelopeBody(envelopeFromPutEventsEntry(entry, { id })));
        }
        return { EventId: id };
      });
      return { FailedEntryCount: 0, Entries };
    },
  } as never;
}
