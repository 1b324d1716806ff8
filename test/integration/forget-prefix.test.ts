/**
 * The erasure's prefix rules on DynamoDB Local: a prefix is whole labels (a longer label that starts the
 * same is another namespace), and the namespace registry forgets a label only when nothing else uses it.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { PrefixEraser } from '../../src/store/forget-prefix';
import { DynamoMemoryStore } from '../../src/store/memory-store';
import { memoryValue } from '../../src/store/memory-types';
import { freshTable } from '../support/test-env';

let table: Awaited<ReturnType<typeof freshTable>>;
let store: DynamoMemoryStore;

beforeEach(async () => {
  table = await freshTable('forget');
  store = new DynamoMemoryStore(table.doc, table.tableName);
  for (const ns of [['notes'], ['notes', 'a'], ['notes', 'a', 'deep'], ['notes', 'ab'], ['notesx'], ['other', 'notes']]) {
    await store.put(ns, 'k', memoryValue(`fact in ${ns.join('/')}`));
  }
});
afterEach(() => table?.client.destroy());

async function keys(): Promise<string[]> {
  const out = await table.doc.send(new ScanCommand({ TableName: table.tableName }));
  return (out.Items ?? []).map((item) => `${String(item['pk'])} | ${String(item['sk'])}`);
}

test('a one-label prefix removes that label and everything below it, and its registry entries', async () => {
  const report = await new PrefixEraser(table.doc, table.tableName).forget(['notes']);
  expect(report.memories).toBe(4);
  expect(report.namespaces.map((ns) => ns.join('/'))).toEqual(['notes', 'notes/a', 'notes/a/deep', 'notes/ab']);
  expect((await store.listNamespaces()).map((ns) => ns.join('/')).sort()).toEqual(['notesx', 'other/notes']);
  expect(await store.search(['notesx'])).toHaveLength(1);
  expect(await store.search(['other'])).toHaveLength(1);
  // No key is left of a namespace whose first label is the forgotten one, nor its registry entries.
  expect((await keys()).filter((k) => /^(ns|nsl)#notes(\u001f| )|^nsl1#notes#|^nsl0 \| notes$/.test(k))).toEqual([]);
  expect(
    (await keys())
      .filter((k) => k.startsWith('nsl0'))
      .map((k) => k.split(' | ')[1])
      .sort(),
  ).toEqual(['notesx', 'other']);
});

test('a two-label prefix keeps the first label and sibling second labels, and forgets its own second label', async () => {
  await new PrefixEraser(table.doc, table.tableName).forget(['notes', 'a']);
  expect((await store.listNamespaces()).map((ns) => ns.join('/')).sort()).toEqual(['notes', 'notes/ab', 'notesx', 'other/notes']);
  expect(await store.search(['notes', 'a'])).toEqual([]);
  expect(await store.search(['notes', 'ab'])).toHaveLength(1);
  expect((await keys()).filter((k) => k.startsWith('nsl1#notes#')).map((k) => k.split(' | ')[1])).toEqual(['ab']);
});

test('a dry run counts and deletes nothing', async () => {
  const before = await keys();
  expect(await new PrefixEraser(table.doc, table.tableName).forget(['notes', 'a'], { dryRun: true })).toMatchObject({ dryRun: true, memories: 2 });
  expect((await keys()).sort()).toEqual(before.sort());
});
