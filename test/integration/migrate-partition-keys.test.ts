/**
 * Moving the memory partitions of namespaces with three or more labels from the previous layout
 * (`ns#<all labels joined by U+001F>`) to the tenant boundary's (`.` after the second label), in place,
 * against DynamoDB Local: what the previous code wrote is invisible to the current code until moved, and
 * whole again afterwards; everything else keeps its keys; a second run moves nothing; an item already at a
 * new key is never overwritten.
 */
import { DeleteCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { migratePartitionKeys, previousLayoutNamespace } from '../../scripts/migrate-partition-keys';
import { NAMESPACE_SEPARATOR } from '../../src/rules';
import { DynamoMemoryStore } from '../../src/store/memory-store';
import { memoryText, memoryValue } from '../../src/store/memory-types';
import { memoryPartitionKey, namespaceOfMemoryPartition } from '../../src/store/table-keys';
import { freshTable } from '../support/test-env';

let table: Awaited<ReturnType<typeof freshTable>>;
let store: DynamoMemoryStore;

const WORK = ['memories', 'alice', 'work'];
const DEEP = ['memories', 'bob', 'a', 'b'];
const TOP = ['memories', 'alice'];

type Item = Record<string, unknown>;

async function items(): Promise<Item[]> {
  const out: Item[] = [];
  let start: Item | undefined;
  do {
    const page = await table.doc.send(new ScanCommand({ TableName: table.tableName, ...(start ? { ExclusiveStartKey: start } : {}) }));
    out.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}

const keyOf = (item: Item): string => `${String(item['pk'])} | ${String(item['sk'])}`;

/** The key the code before the tenant boundary gave a namespace's memory partition. */
const previousPartitionKey = (namespace: readonly string[]): string => `ns#${namespace.join(NAMESPACE_SEPARATOR)}`;

/** Rewrites the table as the previous code left it: every deeper namespace's items at the previous key. */
async function asPreviousLayout(): Promise<number> {
  let moved = 0;
  for (const item of await items()) {
    const namespace = namespaceOfMemoryPartition(String(item['pk']));
    if (!namespace || namespace.length < 3) continue;
    await table.doc.send(new PutCommand({ TableName: table.tableName, Item: { ...item, pk: previousPartitionKey(namespace) } }));
    await table.doc.send(new DeleteCommand({ TableName: table.tableName, Key: { pk: item['pk'], sk: item['sk'] } }));
    moved++;
  }
  return moved;
}

beforeEach(async () => {
  table = await freshTable('pkmove');
  store = new DynamoMemoryStore(table.doc, table.tableName);
  await store.put(TOP, 'k', memoryValue('Alice likes jazz'));
  await store.put(WORK, 'k1', memoryValue('Alice works on billing'));
  await store.put(WORK, 'k1', memoryValue('Alice works on payments'));
  await store.put(WORK, 'k2', memoryValue('Alice has a standup at 9'));
  await store.delete(WORK, 'k2');
  await store.put(DEEP, 'k', memoryValue('Bob is deep'));
});
afterEach(() => table?.client.destroy());

test('recognises exactly the keys the previous layout wrote differently', () => {
  expect(previousLayoutNamespace(previousPartitionKey(WORK))).toEqual(WORK);
  expect(previousLayoutNamespace(previousPartitionKey(DEEP))).toEqual(DEEP);
  expect(previousLayoutNamespace(memoryPartitionKey(WORK))).toBeNull();
  expect(previousLayoutNamespace(previousPartitionKey(TOP))).toBeNull();
  expect(previousLayoutNamespace('thread#["memories","alice"]/t1')).toBeNull();
});

test('moves a previous-layout table so every memory, tombstone and history record is found again; nothing else moves', async () => {
  const current = (await items()).map(keyOf).sort();
  const moved = await asPreviousLayout();
  expect(moved).toBeGreaterThanOrEqual(7); // work: a memory, a tombstone, 4 history records; deep: a memory and its history
  const untouched = (await items()).filter((item) => !previousLayoutNamespace(String(item['pk']))).map(keyOf);
  // What the previous code wrote is not where the current code looks.
  expect(await store.get(WORK, 'k1')).toBeNull();

  const dry = await migratePartitionKeys(table.doc, table.tableName, { dryRun: true });
  expect(dry).toMatchObject({ dryRun: true, previousLayout: moved, moved: 0, conflicts: [] });
  expect(await store.get(WORK, 'k1')).toBeNull();

  expect(await migratePartitionKeys(table.doc, table.tableName)).toMatchObject({ dryRun: false, previousLayout: moved, moved, conflicts: [] });
  expect((await items()).map(keyOf).sort()).toEqual(current);
  expect(untouched.every((key) => current.includes(key))).toBe(true);
  expect(await store.get(WORK, 'k1')).toMatchObject({ version: 2, value: memoryValue('Alice works on payments') });
  expect(await store.get(WORK, 'k2')).toBeNull();
  expect((await store.history(WORK, 'k2')).map((c) => c.action)).toEqual(['insert', 'delete']);
  expect((await store.search(['memories', 'alice'])).map((i) => memoryText(i.value)).sort()).toEqual(['Alice likes jazz', 'Alice works on payments']);
  expect((await store.search(DEEP)).map((i) => memoryText(i.value))).toEqual(['Bob is deep']);
  // And the current code versions on from there.
  expect((await store.put(WORK, 'k1', memoryValue('Alice works on refunds'))).version).toBe(3);

  // Running it again finds nothing to move.
  expect(await migratePartitionKeys(table.doc, table.tableName)).toMatchObject({ previousLayout: 0, moved: 0, conflicts: [] });
});

test('leaves an old item in place, reported, when an item already sits at its new key', async () => {
  const newer = await table.doc.send(new ScanCommand({ TableName: table.tableName }));
  const memory = (newer.Items ?? []).find((item) => item['pk'] === memoryPartitionKey(WORK) && item['sk'] === 'm#k1')!;
  // A stale copy at the previous key, as if the previous code wrote it after the current code wrote the new one.
  const stale = { ...memory, pk: previousPartitionKey(WORK), value: memoryValue('stale') };
  await table.doc.send(new PutCommand({ TableName: table.tableName, Item: stale }));

  const report = await migratePartitionKeys(table.doc, table.tableName);
  expect(report).toMatchObject({ previousLayout: 1, moved: 0, conflicts: [{ pk: previousPartitionKey(WORK), sk: 'm#k1', newPk: memoryPartitionKey(WORK) }] });
  expect(await store.get(WORK, 'k1')).toMatchObject({ value: memoryValue('Alice works on payments') });
  expect((await items()).some((item) => item['pk'] === previousPartitionKey(WORK))).toBe(true);
});
