import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { auditPk, createMarksTable, MARK_SHARDS, markPk } from '#adapters/marks-table.ts';
import type { AuditRecord, Mark } from '#core/ports.ts';
import { DEFAULTS } from '#shared/config.ts';
import { MarksTableError } from '#shared/errors.ts';
import { T0 } from '#test/helpers/fakes.ts';

const TABLE = 'janitor-sweep-marks';
const NINETY_DAYS_S = 90 * 86_400;

const ddb = mockClient(DynamoDBDocumentClient);

beforeEach(() => {
  ddb.reset();
});

function table(options: { maxRounds?: number } = {}) {
  const sleeps: number[] = [];
  const store = createMarksTable({
    client: new DynamoDBClient({ region: 'eu-west-1' }),
    tableName: TABLE,
    auditTtlDays: DEFAULTS.auditTtlDays,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...options,
  });
  return { store, sleeps };
}

const mark = (secretId: string, firstSeenUnusedAt = T0, lastSeenUnusedAt = T0): Mark => ({
  secretId,
  name: `ci-run-${secretId}`,
  firstSeenUnusedAt,
  lastSeenUnusedAt,
});
const audit = (secretId: string, overrides: Partial<AuditRecord> = {}): AuditRecord => ({
  secretId,
  name: `ci-run-${secretId}`,
  decision: 'marked',
  reason: 'first_seen_unused',
  runId: 'run-1',
  mode: 'report',
  at: T0,
  ...overrides,
});
const secretIds = (count: number) => Array.from({ length: count }, (_, index) => `sec_${index}`);

type WriteRequest = {
  PutRequest?: { Item: Record<string, unknown> };
  DeleteRequest?: { Key: Record<string, unknown> };
};
const batches = () =>
  ddb.commandCalls(BatchWriteCommand).map((call) => (call.args[0].input.RequestItems?.[TABLE] ?? []) as WriteRequest[]);

describe('createMarksTable readAll', () => {
  it('queries each of the 16 MARK# partitions once when every partition fits one page', async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });
    await table().store.readAll();
    const inputs = ddb.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(MARK_SHARDS).toBe(16);
    expect(inputs.map((input) => input.ExpressionAttributeValues?.[':pk'])).toEqual(
      Array.from({ length: 16 }, (_, shard) => `MARK#${shard.toString(16)}`),
    );
    expect(inputs[0]).toEqual({
      TableName: TABLE,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'MARK#0' },
      ExclusiveStartKey: undefined,
    });
  });

  it('follows LastEvaluatedKey within a partition until its last page', async () => {
    const pkOf = (call: { args: [{ input: { ExpressionAttributeValues?: Record<string, unknown> } }] }) =>
      call.args[0].input.ExpressionAttributeValues?.[':pk'];
    const lastKey = { pk: 'MARK#0', sk: 'sec_1' };
    ddb.on(QueryCommand).resolves({ Items: [] });
    ddb
      .on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'MARK#0' } })
      .resolvesOnce({ Items: [{ pk: 'MARK#0', sk: 'sec_0', ...mark('sec_0') }], LastEvaluatedKey: lastKey })
      .resolvesOnce({ Items: [{ pk: 'MARK#0', sk: 'sec_1', ...mark('sec_1') }] });
    ddb
      .on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'MARK#5' } })
      .resolves({ Items: [{ pk: 'MARK#5', sk: 'sec_2', ...mark('sec_2') }] });
    const marks = await table().store.readAll();
    expect([...marks.keys()]).toEqual(['sec_0', 'sec_1', 'sec_2']);
    const calls = ddb.commandCalls(QueryCommand);
    expect(
      calls.filter((call) => pkOf(call as never) === 'MARK#0').map((call) => call.args[0].input.ExclusiveStartKey),
    ).toEqual([undefined, lastKey]);
    expect(calls).toHaveLength(17);
  });

  it('returns each mark with its name and both timestamps', async () => {
    ddb.on(QueryCommand).resolves({ Items: [{ pk: 'MARK#0', sk: 'sec_a', ...mark('sec_a', T0 - 1000, T0) }] });
    expect(await table().store.readAll()).toEqual(new Map([['sec_a', mark('sec_a', T0 - 1000, T0)]]));
  });

  it('skips items without a string secretId or a numeric firstSeenUnusedAt', async () => {
    ddb.on(QueryCommand).resolves({
      Items: [
        { pk: 'MARK#0', sk: 'a', secretId: 7, firstSeenUnusedAt: T0 },
        { pk: 'MARK#0', sk: 'b', secretId: 'sec_b', firstSeenUnusedAt: String(T0) },
        { pk: 'MARK#0', sk: 'c', secretId: 'sec_c', firstSeenUnusedAt: T0, lastSeenUnusedAt: T0 },
      ],
    });
    expect([...(await table().store.readAll()).keys()]).toEqual(['sec_c']);
  });

  it('uses firstSeenUnusedAt as lastSeenUnusedAt and an empty name when they are missing', async () => {
    ddb.on(QueryCommand).resolves({ Items: [{ pk: 'MARK#0', sk: 'sec_a', secretId: 'sec_a', firstSeenUnusedAt: T0 }] });
    expect((await table().store.readAll()).get('sec_a')).toEqual({
      secretId: 'sec_a',
      name: '',
      firstSeenUnusedAt: T0,
      lastSeenUnusedAt: T0,
    });
  });

  it('rejects when a Query fails', async () => {
    ddb.on(QueryCommand).rejects(new Error('ProvisionedThroughputExceededException'));
    await expect(table().store.readAll()).rejects.toThrow('ProvisionedThroughputExceededException');
  });
});

describe('createMarksTable apply', () => {
  it('sends nothing when there are no changes', async () => {
    await table().store.apply({ deletes: [], puts: [], audits: [] });
    expect(ddb.calls()).toHaveLength(0);
  });

  it('deletes marks in BatchWrite chunks of 25', async () => {
    ddb.on(BatchWriteCommand).resolves({});
    await table().store.apply({ deletes: secretIds(60), puts: [], audits: [] });
    expect(batches().map((batch) => batch.length)).toEqual([25, 25, 10]);
    expect(batches().flat()).toEqual(
      secretIds(60).map((id) => ({ DeleteRequest: { Key: { pk: markPk(id), sk: id } } })),
    );
  });

  it('puts marks in BatchWrite chunks of 25', async () => {
    ddb.on(BatchWriteCommand).resolves({});
    await table().store.apply({ deletes: [], puts: secretIds(26).map((id) => mark(id)), audits: [] });
    expect(batches().map((batch) => batch.length)).toEqual([25, 1]);
  });

  it('stores a mark under its MARK# partition and sk secretId with its fields', async () => {
    ddb.on(BatchWriteCommand).resolves({});
    await table().store.apply({ deletes: [], puts: [mark('sec_a', T0 - 5, T0)], audits: [] });
    expect(batches()).toEqual([
      [
        {
          PutRequest: {
            Item: {
              pk: markPk('sec_a'),
              sk: 'sec_a',
              secretId: 'sec_a',
              name: 'ci-run-sec_a',
              firstSeenUnusedAt: T0 - 5,
              lastSeenUnusedAt: T0,
            },
          },
        },
      ],
    ]);
  });

  it('stores an audit under AUDIT#secretId with a 90-day ttl in epoch seconds', async () => {
    ddb.on(BatchWriteCommand).resolves({});
    const at = T0 + 999;
    await table().store.apply({ deletes: [], puts: [], audits: [audit('sec_a', { at, decision: 'would_enqueue' })] });
    expect(batches()[0]?.[0]?.PutRequest?.Item).toEqual({
      pk: 'AUDIT#sec_a',
      sk: `${new Date(at).toISOString()}#run-1#would_enqueue`,
      secretId: 'sec_a',
      name: 'ci-run-sec_a',
      decision: 'would_enqueue',
      reason: 'first_seen_unused',
      runId: 'run-1',
      mode: 'report',
      at,
      ttl: Math.floor(at / 1000) + NINETY_DAYS_S,
    });
    expect(auditPk('sec_a')).toBe('AUDIT#sec_a');
  });

  it('writes deletes, then marks, then audits, each in its own batches', async () => {
    ddb.on(BatchWriteCommand).resolves({});
    await table().store.apply({ deletes: ['sec_old'], puts: [mark('sec_new')], audits: [audit('sec_new')] });
    expect(batches().map((batch) => batch.map((request) => Object.keys(request)[0]))).toEqual([
      ['DeleteRequest'],
      ['PutRequest'],
      ['PutRequest'],
    ]);
    expect(batches()[2]?.[0]?.PutRequest?.Item.pk).toBe('AUDIT#sec_new');
  });

  it('sends the UnprocessedItems again, and only those', async () => {
    const puts = secretIds(25).map((id) => mark(id));
    ddb
      .on(BatchWriteCommand)
      .callsFakeOnce((input: { RequestItems: Record<string, WriteRequest[]> }) => ({
        UnprocessedItems: { [TABLE]: input.RequestItems[TABLE]?.slice(23) },
      }))
      .resolves({});
    const { store, sleeps } = table();
    await store.apply({ deletes: [], puts, audits: [] });
    expect(batches().map((batch) => batch.map((request) => request.PutRequest?.Item.sk))).toEqual([
      secretIds(25),
      ['sec_23', 'sec_24'],
    ]);
    expect(sleeps).toEqual([100]);
  });

  it('backs off longer on each round of unprocessed items', async () => {
    const unprocessed = { UnprocessedItems: { [TABLE]: [{ DeleteRequest: { Key: { pk: 'MARK', sk: 'sec_0' } } }] } };
    ddb
      .on(BatchWriteCommand)
      .resolvesOnce(unprocessed)
      .resolvesOnce(unprocessed)
      .resolvesOnce(unprocessed)
      .resolves({});
    const { store, sleeps } = table();
    await store.apply({ deletes: ['sec_0'], puts: [], audits: [] });
    expect(sleeps).toEqual([100, 200, 400]);
  });

  it('throws MarksTableError after maxRounds when items stay unprocessed', async () => {
    ddb.on(BatchWriteCommand).callsFake((input: { RequestItems: Record<string, WriteRequest[]> }) => ({
      UnprocessedItems: { [TABLE]: input.RequestItems[TABLE]?.slice(0, 2) },
    }));
    const { store } = table({ maxRounds: 3 });
    const applying = store.apply({ deletes: secretIds(5), puts: [], audits: [] });
    await expect(applying).rejects.toThrow(MarksTableError);
    await expect(applying).rejects.toThrow('expected BatchWriteItem to store every item, received 2 unprocessed');
    expect(batches()).toHaveLength(3);
  });

  it('tries eight rounds by default before it throws', async () => {
    ddb.on(BatchWriteCommand).callsFake((input: { RequestItems: Record<string, WriteRequest[]> }) => ({
      UnprocessedItems: input.RequestItems,
    }));
    await expect(table().store.apply({ deletes: ['sec_0'], puts: [], audits: [] })).rejects.toThrow(MarksTableError);
    expect(batches()).toHaveLength(8);
  });

  it('writes no later chunk or kind once a chunk fails', async () => {
    ddb.on(BatchWriteCommand).callsFake((input: { RequestItems: Record<string, WriteRequest[]> }) => ({
      UnprocessedItems: input.RequestItems,
    }));
    const { store } = table({ maxRounds: 2 });
    await expect(store.apply({ deletes: secretIds(30), puts: [mark('sec_x')], audits: [] })).rejects.toThrow();
    expect(batches().map((batch) => batch.length)).toEqual([25, 25]);
  });

  it('rejects when BatchWriteItem itself fails', async () => {
    ddb.on(BatchWriteCommand).rejects(new Error('ResourceNotFoundException'));
    await expect(table().store.apply({ deletes: ['sec_0'], puts: [], audits: [] })).rejects.toThrow(
      'ResourceNotFoundException',
    );
  });
});

describe('createMarksTable clear', () => {
  it('deletes the mark and then puts its audit', async () => {
    ddb.on(DeleteCommand).resolves({});
    ddb.on(PutCommand).resolves({});
    const record = audit('sec_a', {
      name: undefined,
      decision: 'unmarked',
      reason: 'in_use_at_delete',
      mode: 'delete',
    });
    await table().store.clear('sec_a', record);
    expect(ddb.calls().map((call) => call.args[0].constructor.name)).toEqual(['DeleteCommand', 'PutCommand']);
    expect(ddb.commandCalls(DeleteCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Key: { pk: markPk('sec_a'), sk: 'sec_a' },
    });
    expect(ddb.commandCalls(PutCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Item: {
        pk: 'AUDIT#sec_a',
        sk: `${new Date(T0).toISOString()}#run-1#unmarked`,
        secretId: 'sec_a',
        name: undefined,
        decision: 'unmarked',
        reason: 'in_use_at_delete',
        runId: 'run-1',
        mode: 'delete',
        at: T0,
        ttl: Math.floor(T0 / 1000) + NINETY_DAYS_S,
      },
    });
  });

  it('writes no audit when the delete fails', async () => {
    ddb.on(DeleteCommand).rejects(new Error('ConditionalCheckFailedException'));
    await expect(table().store.clear('sec_a', audit('sec_a'))).rejects.toThrow();
    expect(ddb.commandCalls(PutCommand)).toEqual([]);
  });
});

describe('createMarksTable get', () => {
  it('reads the mark with ConsistentRead so a just-cleared mark never vouches for a deletion', async () => {
    ddb.on(GetCommand).resolves({ Item: { pk: markPk('sec_a'), sk: 'sec_a', ...mark('sec_a', T0 - 1000, T0) } });
    expect(await table().store.get('sec_a')).toEqual(mark('sec_a', T0 - 1000, T0));
    expect(ddb.commandCalls(GetCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Key: { pk: markPk('sec_a'), sk: 'sec_a' },
      ConsistentRead: true,
    });
  });
});

describe('createMarksTable claimRun', () => {
  it('puts the run item only if absent and returns true when the put succeeds', async () => {
    ddb.on(PutCommand).resolves({});
    expect(await table().store.claimRun('scheduled-2026-12-01T02:00:00Z', T0)).toBe(true);
    expect(ddb.commandCalls(PutCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Item: {
        pk: 'RUN#scheduled-2026-12-01T02:00:00Z',
        sk: 'run',
        runId: 'scheduled-2026-12-01T02:00:00Z',
        at: T0,
        ttl: Math.floor(T0 / 1000) + NINETY_DAYS_S,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  });

  it('returns false when the run was already claimed', async () => {
    const conflict = Object.assign(new Error('The conditional request failed'), {
      name: 'ConditionalCheckFailedException',
    });
    ddb.on(PutCommand).rejects(conflict);
    expect(await table().store.claimRun('run-1', T0)).toBe(false);
  });

  it('throws when the table fails for another reason', async () => {
    ddb
      .on(PutCommand)
      .rejects(Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' }));
    await expect(table().store.claimRun('run-1', T0)).rejects.toThrow('slow down');
  });
});

describe('markPk', () => {
  it('spreads secret ids over all 16 partitions', () => {
    const partitions = new Set(secretIds(400).map(markPk));
    expect(partitions.size).toBe(16);
  });

  it('puts the same id in the same partition every time', () => {
    expect(markPk('sec_abc')).toBe(markPk('sec_abc'));
    expect(markPk('sec_abc')).toMatch(/^MARK#[0-9a-f]$/);
  });
});
