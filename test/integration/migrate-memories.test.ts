/** Table setup and moving a first-layout table to the current layout, against DynamoDB Local. */
import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { migrateTable } from '../../scripts/migrate-memories';
import { ConfigurationError } from '../../src/errors';
import { createDynamoClients } from '../../src/store/dynamo-clients';
import { ensureTable, tableDefinition } from '../../src/store/ensure-table';
import { DynamoMemoryStore } from '../../src/store/memory-store';
import { MessageInbox } from '../../src/store/message-inbox';
import { memoryText, memoryValue } from '../../src/store/memory-types';
import { dynamoEndpoint } from '../support/test-env';

const dynamo = createDynamoClients({ endpoint: dynamoEndpoint(), region: 'us-east-1' });
afterAll(() => dynamo.client.destroy());

/** A table as the first layout created it: keys only, no indexes. */
async function firstLayoutTable(): Promise<string> {
  const name = `old-${randomUUID().slice(0, 8)}`;
  await dynamo.client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    }),
  );
  return name;
}

test('a first-layout table is refused by ensureTable, naming the migration', async () => {
  const old = await firstLayoutTable();
  await expect(ensureTable(dynamo.client, old)).rejects.toBeInstanceOf(ConfigurationError);
  await expect(ensureTable(dynamo.client, old)).rejects.toThrow('migrate-memories');
});

test('memories, their namespaces and thread inboxes survive the move; memories gain version 1 and a history', async () => {
  const old = await firstLayoutTable();
  const put = (Item: Record<string, unknown>) => dynamo.doc.send(new PutCommand({ TableName: old, Item }));
  const ns = ['memories', 'alice'];
  const at = '2026-11-20T10:00:00.000Z';
  await put({
    pk: 'ns#memories\u001falice',
    sk: 'k1',
    namespace: ns,
    key: 'k1',
    value: memoryValue('Alice likes jazz'),
    createdAt: at,
    updatedAt: at,
    threadId: 't1',
    batchId: 'b1',
  });
  await put({ pk: 'ns#memories\u001falice', sk: 'k2', namespace: ns, key: 'k2', value: memoryValue('Alice plays piano'), createdAt: at, updatedAt: at });
  await put({ pk: 'nsidx#memories', sk: 'memories\u001falice', namespace: ns });
  // A deeper namespace lands at the tenant boundary's key (`.` after the second label) like any other.
  const work = [...ns, 'work'];
  await put({
    pk: 'ns#memories\u001falice\u001fwork',
    sk: 'k3',
    namespace: work,
    key: 'k3',
    value: memoryValue('Alice works on billing'),
    createdAt: at,
    updatedAt: at,
  });
  await put({ pk: 'thread#t1', sk: 'head', threadId: 't1', lastSeq: 3, epoch: 'e1', createdAt: at });

  const fresh = `new-${randomUUID().slice(0, 8)}`;
  const report = await migrateTable(dynamo, old, fresh);
  expect(report).toMatchObject({ memories: 3, namespaces: 2, skipped: 1 });
  // Running it again copies the same items again, harmlessly.
  await migrateTable(dynamo, old, fresh);

  const store = new DynamoMemoryStore(dynamo.doc, fresh);
  expect((await store.search(ns)).map((i) => memoryText(i.value)).sort()).toEqual(['Alice likes jazz', 'Alice plays piano', 'Alice works on billing']);
  expect(await store.get(ns, 'k1')).toMatchObject({ version: 1, createdAt: at });
  expect((await store.history(ns, 'k1')).map((c) => [c.version, c.action, c.by.kind, c.by.batchId])).toEqual([[1, 'insert', 'migration', 'b1']]);
  expect(await store.listNamespaces({ prefix: ['memories'] })).toEqual([ns, work]);
  expect(await store.get(work, 'k3')).toMatchObject({ version: 1, value: memoryValue('Alice works on billing') });
  expect((await store.search(ns, { query: 'jazz' }))[0]?.key).toBe('k1');
  expect(await new MessageInbox(dynamo.doc, fresh).head('t1')).toEqual({ lastSeq: 3, epoch: 'e1' });
  // And it is the current layout: new writes version on from there.
  expect((await store.put(ns, 'k1', memoryValue('Alice loves jazz'))).version).toBe(2);
});

test('ensureTable turns TTL on for a current-layout table whose creator died before doing so', async () => {
  const name = `nottl-${randomUUID().slice(0, 8)}`;
  await dynamo.client.send(new CreateTableCommand(tableDefinition(name)));
  expect((await dynamo.client.send(new DescribeTimeToLiveCommand({ TableName: name }))).TimeToLiveDescription?.TimeToLiveStatus).toBe('DISABLED');
  expect(await ensureTable(dynamo.client, name)).toBe('exists');
  expect((await dynamo.client.send(new DescribeTimeToLiveCommand({ TableName: name }))).TimeToLiveDescription?.TimeToLiveStatus).toBe('ENABLED');
});
