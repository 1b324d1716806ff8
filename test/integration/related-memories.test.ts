/**
 * The store side of related memories (src/managers/related-memories.ts) on DynamoDB Local: several queries
 * ranked over one candidate read and merged by score — lexically and with an embedder (all queries embedded
 * in one request) — and a manager's default document: always shown once stored, seeded only into an empty
 * namespace.
 */
import type { ThreadMessage } from '../../src/contract';
import { resolveManager } from '../../src/managers/memory-manager';
import { readRelated, relatedMemories } from '../../src/managers/related-memories';
import { DynamoMemoryStore } from '../../src/store/memory-store';
import { memoryValue } from '../../src/store/memory-types';
import { createEmbedder } from '../../src/store/search/create-embedder';
import { FakeEmbeddingsApi } from '../../src/testing/fake-embeddings-api';
import { freshTable, uniqueId } from '../support/test-env';

let table: Awaited<ReturnType<typeof freshTable>>;
let store: DynamoMemoryStore;

beforeAll(async () => {
  table = await freshTable('related');
  store = new DynamoMemoryStore(table.doc, table.tableName);
});
afterAll(() => table?.client.destroy());

async function seed(target: DynamoMemoryStore, ns: string[]) {
  await target.put(ns, 'jazz', memoryValue('User likes jazz'));
  await target.put(ns, 'dog', memoryValue('User has a dog named Fido'));
  await target.put(ns, 'city', memoryValue('User lives in Lisbon'));
}

const message = (content: string): ThreadMessage => ({ id: uniqueId('m'), role: 'user', content, timestamp: '2026-01-01T00:00:00Z' });

test('several queries: each memory a query finds can be shown, once, up to queryLimit', async () => {
  const ns = ['memories', uniqueId('multi')];
  await seed(store, ns);
  const keys = async (queries: string[], queryLimit: number) => (await store.relevantTo(ns, queries, { queryLimit, newest: 0 })).map((i) => i.key).sort();
  expect(await keys(['jazz tonight', 'my dog Fido', 'Fido again'], 5)).toEqual(['dog', 'jazz']);
  expect(await keys(['jazz tonight', 'my dog Fido'], 1)).toHaveLength(1);
  expect(await keys(['', '  '], 5)).toEqual([]);
});

test('candidates read ahead are what relevantTo ranks (no second read), and are ignored for another namespace', async () => {
  const ns = ['memories', uniqueId('ahead')];
  const other = ['memories', uniqueId('other')];
  await seed(store, ns);
  await store.put(other, 'tea', memoryValue('User drinks green tea'));
  const options = { queryLimit: 1, newest: 0 };
  const ahead = await store.searchCandidates(ns);
  expect(ahead.memories).toHaveLength(3);
  expect(await store.relevantTo(ns, 'my dog Fido', options, ahead)).toEqual(await store.relevantTo(ns, 'my dog Fido', options));
  // Written after the read ahead: a ranking over that read cannot see it, a fresh read does.
  await store.put(ns, 'cat', memoryValue('User has a cat named Tom'));
  expect((await store.relevantTo(ns, 'my cat Tom', options, ahead)).map((i) => i.key)).not.toContain('cat');
  expect((await store.relevantTo(ns, 'my cat Tom', options)).map((i) => i.key)).toEqual(['cat']);
  // Read for `ns`, passed for `other`: `other` is read afresh, so its own memory is found.
  expect((await store.relevantTo(other, 'green tea', options, ahead)).map((i) => i.key)).toEqual(['tea']);
});

test("a search manager's reads done ahead (readRelated) are the ones its related memories come from", async () => {
  const manager = resolveManager({ name: 'plain', namespace: ['plain'], queryLimit: 2, newestShown: 0 });
  const ns = ['plain', uniqueId('u')];
  await seed(store, ns);
  const messages = [message('Fido chased a cat named Tom')];
  const reads = await readRelated({ store }, manager, ns);
  expect(await relatedMemories({ store }, manager, ns, messages, undefined, reads)).toEqual(await relatedMemories({ store }, manager, ns, messages));
  await store.put(ns, 'cat', memoryValue('User has a cat named Tom'));
  const keys = async (read?: typeof reads) => (await relatedMemories({ store }, manager, ns, messages, undefined, read)).items.map((i) => i.key);
  expect(await keys(reads)).not.toContain('cat');
  expect(await keys()).toContain('cat');
});

test('with an embedder, every query is embedded in one request and ranked by cosine', async () => {
  const api = await FakeEmbeddingsApi.start();
  try {
    const semantic = new DynamoMemoryStore(table.doc, table.tableName, {
      embedder: createEmbedder({ provider: 'voyage', apiKey: 'test-key', baseURL: api.baseURL }),
    });
    const ns = ['memories', uniqueId('vec')];
    await seed(semantic, ns);
    const writes = api.requests.length;
    const found = await semantic.relevantTo(ns, ['what is my dog called', 'where do I live'], { queryLimit: 2, newest: 0 });
    expect(found.map((i) => i.key).sort()).toEqual(['city', 'dog']);
    expect(api.requests.length).toBe(writes + 1);
  } finally {
    await api.close();
  }
});

test("a manager's default document is shown whenever it exists, and seeded only when the namespace is empty", async () => {
  const manager = resolveManager({ name: 'notes', namespace: ['notes'], default: { content: 'nothing known yet' }, queryLimit: 1, newestShown: 0 });
  const ns = ['notes', uniqueId('user')];
  const empty = await relatedMemories({ store }, manager, ns, [message('hello')]);
  expect(empty.seed).toMatchObject({ key: 'default', version: 1, value: { kind: 'Memory', content: { content: 'nothing known yet' } } });
  expect(empty.items).toEqual([empty.seed]);

  // A namespace with other memories but no default document: no seed (its insert would have nothing to do with them).
  await seed(store, ns);
  const unseeded = await relatedMemories({ store }, manager, ns, [message('Fido barked')]);
  expect(unseeded.seed).toBeUndefined();
  expect(unseeded.items.map((i) => i.key)).toEqual(['dog']);

  // Once stored, the document is shown even when the search does not find it.
  await store.put(ns, 'default', memoryValue('User is a night owl'));
  const shown = await relatedMemories({ store }, manager, ns, [message('Fido barked')]);
  expect(shown.items.map((i) => i.key)).toEqual(['default', 'dog']);
  expect(shown.seed).toBeUndefined();
});

test('a queryModel manager on a worker without a query writer fails with a ConfigurationError naming the option', async () => {
  const manager = resolveManager({ name: 'asks', namespace: ['asks'], queryModel: 'claude-haiku-test' });
  await expect(relatedMemories({ store }, manager, ['asks', uniqueId('u')], [message('hi')])).rejects.toThrow(
    'managers.asks.queryModel: this worker has no query writer (give the worker a queryWriter)',
  );
});
