import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import type { AuditRecord, Mark, MarksStore, Sleep } from '#core/ports.ts';
import { MarksTableError } from '#shared/errors.ts';

/**
 * The table layout. Marks are spread over 16 partitions (`MARK#0` … `MARK#f`, by a hash of the secret
 * id) so that a first run writing thousands of marks stays under DynamoDB's per-partition write rate;
 * the sweep reads them with one paginated Query per partition. Audits live under `AUDIT#<secretId>`.
 */
export const MARK_SHARDS = 16;
export const MARK_PREFIX = 'MARK#';
export function markPk(secretId: string): string {
  let hash = 0x811c9dc5; // FNV-1a
  for (let index = 0; index < secretId.length; index += 1) {
    hash = Math.imul(hash ^ secretId.charCodeAt(index), 0x01000193);
  }
  return `${MARK_PREFIX}${((hash >>> 0) % MARK_SHARDS).toString(16)}`;
}
const markKey = (secretId: string) => ({ pk: markPk(secretId), sk: secretId });
export const auditPk = (secretId: string) => `AUDIT#${secretId}`;
export const runPk = (runId: string) => `RUN#${runId}`;

export interface MarksTableOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly auditTtlDays: number;
  readonly sleep: Sleep;
  /** BatchWriteItem rounds for unprocessed items. @default 8 */
  readonly maxRounds?: number;
}

type WriteRequest = {
  PutRequest?: { Item: Record<string, unknown> };
  DeleteRequest?: { Key: Record<string, unknown> };
};

export function createMarksTable(options: MarksTableOptions): MarksStore {
  const doc = DynamoDBDocumentClient.from(options.client, { marshallOptions: { removeUndefinedValues: true } });
  const table = options.tableName;
  const auditItem = (audit: AuditRecord) => ({
    pk: auditPk(audit.secretId),
    sk: `${new Date(audit.at).toISOString()}#${audit.runId}#${audit.decision}`,
    ...audit,
    ttl: Math.floor(audit.at / 1000) + options.auditTtlDays * 86_400,
  });
  const markItem = (mark: Mark) => ({ ...markKey(mark.secretId), ...mark });

  async function batchWrite(requests: WriteRequest[]): Promise<void> {
    for (let start = 0; start < requests.length; start += 25) {
      let pending = requests.slice(start, start + 25);
      for (let round = 0; pending.length > 0; round += 1) {
        if (round >= (options.maxRounds ?? 8)) {
          throw new MarksTableError(
            `expected BatchWriteItem to store every item, received ${pending.length} unprocessed`,
          );
        }
        // Unprocessed items mean throttling: back off, 100 ms doubling up to 2 s.
        if (round > 0) await options.sleep(Math.min(2_000, 50 * 2 ** round));
        const output = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
        pending = (output.UnprocessedItems?.[table] ?? []) as WriteRequest[];
      }
    }
  }

  const toMark = (item: Record<string, unknown> | undefined): Mark | undefined => {
    const { secretId, name, firstSeenUnusedAt, lastSeenUnusedAt } = item ?? {};
    if (typeof secretId !== 'string' || typeof firstSeenUnusedAt !== 'number') return undefined;
    return {
      secretId,
      name: String(name ?? ''),
      firstSeenUnusedAt,
      lastSeenUnusedAt: typeof lastSeenUnusedAt === 'number' ? lastSeenUnusedAt : firstSeenUnusedAt,
    };
  };

  return {
    async get(secretId) {
      const output = await doc.send(new GetCommand({ TableName: table, Key: markKey(secretId), ConsistentRead: true }));
      return toMark(output.Item);
    },
    async readAll() {
      const marks = new Map<string, Mark>();
      for (let shard = 0; shard < MARK_SHARDS; shard += 1) {
        let startKey: Record<string, unknown> | undefined;
        do {
          const page = await doc.send(
            new QueryCommand({
              TableName: table,
              KeyConditionExpression: 'pk = :pk',
              ExpressionAttributeValues: { ':pk': `${MARK_PREFIX}${shard.toString(16)}` },
              ExclusiveStartKey: startKey,
            }),
          );
          for (const item of page.Items ?? []) {
            const mark = toMark(item);
            if (mark) marks.set(mark.secretId, mark);
          }
          startKey = page.LastEvaluatedKey;
        } while (startKey);
      }
      return marks;
    },
    async apply({ deletes, puts, audits }) {
      await batchWrite(deletes.map((secretId) => ({ DeleteRequest: { Key: markKey(secretId) } })));
      await batchWrite(puts.map((mark) => ({ PutRequest: { Item: markItem(mark) } })));
      await batchWrite(audits.map((audit) => ({ PutRequest: { Item: auditItem(audit) } })));
    },
    async clear(secretId, audit) {
      await doc.send(new DeleteCommand({ TableName: table, Key: markKey(secretId) }));
      await doc.send(new PutCommand({ TableName: table, Item: auditItem(audit) }));
    },
    async claimRun(runId, atMs) {
      try {
        await doc.send(
          new PutCommand({
            TableName: table,
            Item: {
              pk: runPk(runId),
              sk: 'run',
              runId,
              at: atMs,
              ttl: Math.floor(atMs / 1000) + options.auditTtlDays * 86_400,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return true;
      } catch (error) {
        if ((error as { name?: unknown })?.name === 'ConditionalCheckFailedException') return false;
        throw error;
      }
    },
  };
}
