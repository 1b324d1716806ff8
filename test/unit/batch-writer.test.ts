/** The batch writer's failure paths against DynamoDB Local: concurrent attempts, table creation races. */
import { BatchWriter } from '../../src/store/batch-writer';
import { ensureTable } from '../../src/store/ensure-table';
import { DynamoMemoryStore } from '../../src/store/memory-store';
import { memoryText } from '../../src/store/memory-types';
import { freshTable, uniqueId } from '../support/test-env';

let table: Awaited<ReturnType<typeof freshTable>>;
let writer: BatchWriter;
let store: DynamoMemoryStore;

beforeAll(async () => {
  table = await freshTable('batches');
  writer = new BatchWriter(table.doc, table.tableName);
  store = new DynamoMemoryStore(table.doc, table.tableName);
});
afterAll(() => table?.client.destroy());

function batch(batchId: string, namespace: string[], content: string) {
  return {
    batchId,
    threadId: 't',
    namespace,
    operations: [{ action: 'insert' as const, content }],
    existing: new Map(),
    usage: { inputTokens: 1, outputTokens: 1 },
    model: 'm',
  };
}

test('two attempts of one batch racing past the receipt check write it once and agree on the result', async () => {
  const namespace = ['memories', uniqueId('race')];
  const batchId = uniqueId('batch');
  // Attempt 1 timed out but still runs while attempt 2 starts; the model answered each a little differently.
  const [first, second] = await Promise.all([
    writer.apply(batch(batchId, namespace, 'User likes dogs')),
    writer.apply(batch(batchId, namespace, 'The user likes dogs')),
  ]);
  const winner = first.alreadyApplied ? second : first;
  const loser = first.alreadyApplied ? first : second;
  expect(winner.alreadyApplied).toBe(false);
  expect(loser).toEqual({ ...winner, alreadyApplied: true });
  expect((await store.search(namespace)).map((item) => memoryText(item.value))).toHaveLength(1);
});

test('a later apply of an applied batch returns the recorded result without writing', async () => {
  const namespace = ['memories', uniqueId('again')];
  const batchId = uniqueId('batch');
  const first = await writer.apply(batch(batchId, namespace, 'User likes cats'));
  const again = await writer.apply(batch(batchId, namespace, 'User adores cats'));
  expect(again).toEqual({ ...first, alreadyApplied: true });
  expect((await store.search(namespace)).map((item) => memoryText(item.value))).toEqual(['User likes cats']);
});

test('processes creating the same table at once all succeed', async () => {
  const name = uniqueId('concurrent');
  const outcomes = await Promise.all([1, 2, 3].map(() => ensureTable(table.client, name)));
  expect(outcomes.filter((o) => o === 'created')).toHaveLength(1);
  expect(await ensureTable(table.client, name)).toBe('exists');
});
