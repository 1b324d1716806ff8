/** The batch writer's failure paths against DynamoDB Local: concurrent attempts, table creation races. */
import { MemoryConflictError, MemoryWriteRejectedError } from '../../src/errors';
import { BatchWriter } from '../../src/store/batch-writer';
import { ensureTable } from '../../src/store/ensure-table';
import { DynamoMemoryStore } from '../../src/store/memory-store';
import { memoryText, memoryValue, type MemoryItem } from '../../src/store/memory-types';
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
  // DynamoDB Local serialises transactions, so the loser sees the receipt; real DynamoDB may instead cancel
  // it with TransactionConflict, a retryable MemoryConflictError whose retry then finds the receipt.
  const outcomes = await Promise.allSettled([
    writer.apply(batch(batchId, namespace, 'User likes dogs')),
    writer.apply(batch(batchId, namespace, 'The user likes dogs')),
  ]);
  const applied = outcomes.flatMap((o) => (o.status === 'fulfilled' && !o.value.alreadyApplied ? [o.value] : []));
  expect(applied).toHaveLength(1);
  for (const outcome of outcomes) {
    if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(MemoryConflictError);
    else if (outcome.value.alreadyApplied) expect(outcome.value).toEqual({ ...applied[0], alreadyApplied: true });
  }
  expect(await writer.findReceipt(batchId)).toEqual({ ...applied[0], alreadyApplied: true });
  expect((await store.search(namespace)).map((item) => memoryText(item.value))).toHaveLength(1);
});

test('a delete of a memory changed after the model saw it is a conflict, and nothing is written', async () => {
  const namespace = ['memories', uniqueId('stale-delete')];
  await store.put(namespace, 'k', memoryValue('User likes tea'));
  const seen = await store.get(namespace, 'k');
  await new Promise((r) => setTimeout(r, 5));
  await store.put(namespace, 'k', memoryValue('User likes green tea'));
  const stale = {
    ...batch(uniqueId('batch'), namespace, 'User drinks coffee'),
    operations: [{ action: 'insert' as const, content: 'User drinks coffee' }, { action: 'delete' as const, id: 'k' }],
    existing: new Map([['k', seen as MemoryItem]]),
  };
  const failure = await writer.apply(stale).catch((err: unknown) => err);
  expect(failure).toBeInstanceOf(MemoryConflictError);
  expect((failure as Error).message).toContain('operations.1 (delete k) (ConditionalCheckFailed)');
  expect((await store.search(namespace)).map((item) => memoryText(item.value))).toEqual(['User likes green tea']);
});

test('an item DynamoDB refuses is a non-retryable MemoryWriteRejectedError naming the item', async () => {
  const tooLong = ['memories', ...Array.from({ length: 5 }, (_, i) => `${i}`.repeat(256))];
  const failure = await writer.apply(batch(uniqueId('batch'), tooLong, 'User exists')).catch((err: unknown) => err);
  expect(failure).toBeInstanceOf(MemoryWriteRejectedError);
  expect((failure as MemoryWriteRejectedError).retryable).toBe(false);
  expect((failure as Error).message).toContain('namespace index: ');
  expect((failure as Error).message).toContain('1024 bytes');
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
