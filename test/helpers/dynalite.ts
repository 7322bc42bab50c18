import type { IncomingHttpHeaders, IncomingMessage, Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, ScanCommand, type ScanCommandOutput } from '@aws-sdk/lib-dynamodb';

/**
 * A real DynamoDB on loopback (dynalite, in memory) with the sweep's marks table: string keys
 * `pk` (partition) and `sk` (sort), as infra/janitor-sweep.ts declares it.
 */

type DynaliteFactory = (options: { createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }) => Server;

// dynalite ships no type declarations; load it through require with the one signature we use.
const dynalite = createRequire(import.meta.url)('dynalite') as DynaliteFactory;

/** One DynamoDB request as it arrived; `operation` is the `X-Amz-Target` suffix, e.g. `PutItem`. */
export interface RecordedDynamoRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly operation: string;
  readonly body: string;
}

export interface MarksDynamo {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly endpoint: string;
  /** Every request dynalite received, the table setup included; tests may empty it. */
  readonly requests: RecordedDynamoRequest[];
  /** Every item of the table, unmarshalled and sorted by pk then sk (stable for comparisons). */
  scan(): Promise<Record<string, unknown>[]>;
  /** Deletes every item, so the next test starts from an empty table. */
  clear(): Promise<void>;
  stop(): Promise<void>;
}

export async function startMarksDynamo(tableName = 'sweep-marks'): Promise<MarksDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const requests: RecordedDynamoRequest[] = [];
  // A second listener beside dynalite's own: it reads the same body chunks and records them.
  server.on('request', (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const operation =
        String(req.headers['x-amz-target'] ?? '')
          .split('.')
          .pop() ?? '';
      const body = Buffer.concat(chunks).toString();
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, operation, body });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIAFAKEFAKEFAKEFAKE', secretAccessKey: 'fake-secret-access-key' },
    maxAttempts: 1,
  });
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      ProvisionedThroughput: { ReadCapacityUnits: 100, WriteCapacityUnits: 100 },
    }),
  );
  for (let poll = 0; ; poll += 1) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') break;
    if (poll >= 100) throw new Error(`dynalite: table ${tableName} is ${Table?.TableStatus}, expected ACTIVE`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }

  const marks: MarksDynamo = {
    client,
    tableName,
    endpoint,
    requests,
    async scan() {
      const doc = DynamoDBDocumentClient.from(client);
      const items: Record<string, unknown>[] = [];
      let startKey: ScanCommandOutput['LastEvaluatedKey'];
      do {
        const page = await doc.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: startKey }));
        items.push(...(page.Items ?? []));
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      const key = (item: Record<string, unknown>) => `${String(item.pk)}\u0000${String(item.sk)}`;
      return items.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    },
    async clear() {
      const doc = DynamoDBDocumentClient.from(client);
      for (const item of await marks.scan()) {
        await doc.send(new DeleteCommand({ TableName: tableName, Key: { pk: item.pk, sk: item.sk } }));
      }
    },
    async stop() {
      client.destroy();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
  return marks;
}
