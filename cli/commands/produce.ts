import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { parseWorkspace, readSecretIds } from '#cli/args.ts';
import { clientConfig, requireRegion } from '#cli/aws.ts';
import { EXIT, failure, usageError } from '#cli/errors.ts';
import { count, type Output } from '#cli/output.ts';
import { MAX_IDS_PER_REQUEST } from '#core/message-schemas.ts';
import { publishAgentRemoved, QueueError, RequestValidationError, requestSecretDeletion } from '#producer/index.ts';

/** The producer library's errors as CLI errors: a bad request is a usage error, a failed send is not. */
async function produce<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof RequestValidationError) throw usageError(error.message, error);
    if (error instanceof QueueError) {
      const cause = (error.cause as Error | undefined)?.message?.split('\n')[0];
      throw failure(cause ? `${error.message} (${cause})` : error.message, error);
    }
    throw error;
  }
}

export interface EnqueueOptions {
  readonly queueUrl: string;
  readonly fromFile?: string;
  readonly reason?: string;
  readonly workspace?: string;
}

/** `enqueue`: `requestSecretDeletion` from the shell, 1000 ids per request. */
export async function enqueueCommand(positional: readonly string[], options: EnqueueOptions, out: Output) {
  const workspace = parseWorkspace(options.workspace);
  const ids = readSecretIds(positional, options.fromFile);
  const client = new SQSClient(clientConfig(options.queueUrl));
  await requireRegion(client);
  let enqueued = 0;
  for (let start = 0; start < ids.length; start += MAX_IDS_PER_REQUEST) {
    const secretIds = ids.slice(start, start + MAX_IDS_PER_REQUEST);
    const request = {
      secretIds,
      ...(options.reason === undefined ? {} : { reason: options.reason }),
      ...(workspace === undefined ? {} : { workspace }),
    };
    enqueued += (await produce(() => requestSecretDeletion(request, { queueUrl: options.queueUrl, client }))).enqueued;
  }
  if (out.json)
    out.document({ queueUrl: options.queueUrl, ...(workspace ? { workspace } : {}), enqueued, secretIds: ids });
  else out.line(`Enqueued ${count(enqueued, 'deletion request')} on ${options.queueUrl}`);
  return EXIT.ok;
}

export interface PublishOptions {
  readonly agent: string;
  readonly reason?: string;
  readonly eventBus?: string;
  readonly source?: string;
  readonly workspace?: string;
}

/** `publish agent-removed`: `publishAgentRemoved` from the shell. */
export async function publishAgentRemovedCommand(positional: readonly string[], options: PublishOptions, out: Output) {
  const workspace = parseWorkspace(options.workspace);
  const ids = readSecretIds(positional);
  const client = new EventBridgeClient(clientConfig(options.eventBus));
  await requireRegion(client);
  const { eventId } = await produce(() =>
    publishAgentRemoved(
      {
        agentId: options.agent,
        secretIds: ids,
        ...(options.reason === undefined ? {} : { reason: options.reason }),
        ...(workspace === undefined ? {} : { workspace }),
      },
      {
        client,
        ...(options.eventBus ? { eventBusName: options.eventBus } : {}),
        ...(options.source ? { source: options.source } : {}),
      },
    ),
  );
  if (out.json) out.document({ eventId, agentId: options.agent, ...(workspace ? { workspace } : {}), secretIds: ids });
  else
    out.line(
      `Published "Agent Removed" for ${options.agent} with ${count(ids.length, 'secret id')} (event ${eventId})`,
    );
  return EXIT.ok;
}
