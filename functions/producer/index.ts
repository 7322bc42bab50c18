/**
 * The producer library: typed functions other TypeScript services call to ask the janitor to delete
 * secrets. They validate with the worker's own schemas, so a bad request fails here, at the producer,
 * with the same message the worker would log.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import type * as v from 'valibot';
import { createQueueAdapter } from '#adapters/queue.ts';
import { childBodies, enqueueAll } from '#core/enqueue.ts';
import {
  AgentRemovedDetailSchema,
  DEFAULT_EVENT_SOURCE,
  DETAIL_TYPES,
  DeletionRequestedDetailSchema,
  validate,
} from '#core/message-schemas.ts';
import { partitionIds } from '#core/parse-message.ts';
import { realSleep } from '#shared/clock.ts';
import { describeAwsError, QueueError, RequestValidationError } from '#shared/errors.ts';

export { DEFAULT_EVENT_SOURCE, DETAIL_TYPES } from '#core/message-schemas.ts';
export { QueueError, RequestValidationError } from '#shared/errors.ts';

export type SecretDeletionRequest = v.InferInput<typeof DeletionRequestedDetailSchema>;
export type AgentRemoved = v.InferInput<typeof AgentRemovedDetailSchema>;

export interface QueueTarget {
  /** URL of the janitor's deletion queue. */
  readonly queueUrl: string;
  /** @default a new SQSClient with the default credential chain */
  readonly client?: Pick<SQSClient, 'send'>;
}

export interface BusTarget {
  /** Name or ARN of the bus the janitor's rule listens on. @default 'default' */
  readonly eventBusName?: string;
  /** Must match the construct's `eventSource`. @default 'convai.secret-janitor' */
  readonly source?: string;
  /** @default a new EventBridgeClient with the default credential chain */
  readonly client?: Pick<EventBridgeClient, 'send'>;
}

/** Runs an AWS call; any SDK error becomes a QueueError naming the call and the SDK error, kept as `cause`. */
async function send<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (cause) {
    throw new QueueError(`expected ${what} to succeed, received ${describeAwsError(cause)}${advice(cause)}`, {
      cause,
    });
  }
}

/**
 * SDK errors that mean the AWS configuration is wrong (credentials, region, queue or bus, permissions):
 * nothing was sent, and sending again changes nothing until it is fixed.
 */
const CONFIGURATION_ERRORS = new Set([
  'CredentialsProviderError',
  'TokenProviderError',
  'AccessDenied',
  'AccessDeniedException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'InvalidSignatureException',
  'ExpiredToken',
  'ExpiredTokenException',
  'QueueDoesNotExist',
  'AWS.SimpleQueueService.NonExistentQueue',
  'InvalidAddress',
  'ResourceNotFoundException',
]);

/** The SDK error behind a QueueError thrown by the queue adapter or `send`. */
function sdkError(error: unknown): unknown {
  return error instanceof QueueError && error.cause !== undefined ? error.cause : error;
}

function isConfigurationError(error: unknown): boolean {
  const cause = sdkError(error);
  if (!(cause instanceof Error)) return false;
  const code = (cause as { code?: unknown }).code;
  return (
    CONFIGURATION_ERRORS.has(cause.name) ||
    (typeof code === 'string' && CONFIGURATION_ERRORS.has(code)) ||
    /^(Region is missing|Invalid region)/.test(cause.message)
  );
}

/**
 * What to do next: fix the configuration, or (any other failure) send again, which is safe: the
 * janitor treats a repeated request like the first.
 */
function advice(error: unknown, sentSome = false): string {
  if (!isConfigurationError(error)) return '; sending again is safe';
  const what = sentSome ? 'the rest was not sent' : 'nothing was sent';
  return `; ${what}: fix the AWS configuration (credentials, region, queue URL or bus, permissions), then send again`;
}

/** Refuses the whole request when any id is invalid, naming each one. */
function requireValidIds(secretIds: readonly string[]): void {
  const { invalid } = partitionIds(secretIds);
  if (invalid.length > 0) {
    throw new RequestValidationError(invalid.map(({ secretId, problem }) => `${secretId}: ${problem}`).join('; '));
  }
}

/** Sends one SQS message per secret id (in batches of 10). Resolves once every id is enqueued. */
export async function requestSecretDeletion(
  request: SecretDeletionRequest,
  target: QueueTarget,
): Promise<{ enqueued: number }> {
  const { secretIds, reason, workspace } = validate(DeletionRequestedDetailSchema, request);
  requireValidIds(secretIds);
  const queue = createQueueAdapter({ client: target.client ?? new SQSClient({}), queueUrl: target.queueUrl });
  const unique = partitionIds(secretIds).valid;
  // The janitor of another workspace refuses a message naming this one, and the default janitor one naming none.
  const provenance = { origin: 'request' as const, ...(reason ? { reason } : {}), ...(workspace ? { workspace } : {}) };
  const result = await enqueueAll(childBodies(unique, provenance), {
    queue,
    sleep: realSleep,
    random: Math.random,
  });
  if (result.failed.length > 0) {
    const cause = result.lastCause === undefined ? undefined : sdkError(result.lastCause);
    const detail = cause === undefined ? result.lastError : describeAwsError(cause);
    throw new QueueError(
      `expected all ${unique.length} ids to be enqueued, received ${result.failed.length} failures (${detail})${advice(cause, result.enqueued > 0)}`,
      cause === undefined ? undefined : { cause },
    );
  }
  return { enqueued: result.enqueued };
}

/** Puts one janitor event on the bus; throws QueueError unless EventBridge accepted it. */
async function putEvent(detailType: string, detail: unknown, target: BusTarget): Promise<{ eventId: string }> {
  const client = target.client ?? new EventBridgeClient({});
  const output = await send('PutEvents', () =>
    client.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: target.eventBusName ?? 'default',
            Source: target.source ?? DEFAULT_EVENT_SOURCE,
            DetailType: detailType,
            Detail: JSON.stringify(detail),
          },
        ],
      }),
    ),
  );
  const entry = output.Entries?.[0];
  if ((output.FailedEntryCount ?? 0) > 0 || !entry?.EventId) {
    throw new QueueError(
      `expected EventBridge to accept the event, received ${entry?.ErrorCode ?? 'no event id'}: ${entry?.ErrorMessage ?? ''}`.trim(),
    );
  }
  return { eventId: entry.EventId };
}

/** Publishes an "Agent Removed" event; the janitor deletes the listed secrets once the agent lets go. */
export async function publishAgentRemoved(event: AgentRemoved, target: BusTarget = {}): Promise<{ eventId: string }> {
  const detail = validate(AgentRemovedDetailSchema, event);
  requireValidIds(detail.secretIds);
  return putEvent(DETAIL_TYPES.agentRemoved, detail, target);
}

/** Publishes a "Secret Deletion Requested" event for a list of secret ids. */
export async function publishSecretDeletionRequested(
  request: SecretDeletionRequest,
  target: BusTarget = {},
): Promise<{ eventId: string }> {
  const detail = validate(DeletionRequestedDetailSchema, request);
  requireValidIds(detail.secretIds);
  return putEvent(DETAIL_TYPES.deletionRequested, detail, target);
}
