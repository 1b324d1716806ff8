/**
 * The memory store against DynamoDB Local: LangGraph's store semantics (get, put, delete, search with
 * prefix / filter / limit / offset / query, listNamespaces with prefix / suffix / maxDepth), versions,
 * history and restore, TTL honoured on read, tenant scoping, and reads that stay within their namespace.
 */
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { InvalidInputError, TenantAccessError } from '../../src/errors';
import { DynamoMemoryStore } from '../../src/store/memory-store';
import { memoryText, memoryValue } from '../../src/store/memory-types';
import { memoryKey } from '../../src/store/table-keys';
import { FakeEmbeddingsApi } from '../../src/testing/fake-embeddings-api';
import { createEmbedder } from '../../src/store/search/create-embedder';
import { freshTable, uniqueId } from '../support/test-env';

let table: Awaited<ReturnType<typeof freshTable>>;
let store: DynamoMemoryStore;

beforeAll(async () => {
  table = await freshTable('store');
  store = new DynamoMemoryStore(table.doc, table.tableName);
});
afterAll(() => table?.client.destroy());

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const texts = (items: { value: Record<string, unknown> }[]) => items.map((item) => memoryText(item.value));

describe('get, put, delete, versions', () => {
  test('put creates version 1, each change adds one, createdAt is kept, a deleted item is gone', async () => {
    const ns = ['memories', uniqueId('user')];
    const created = await store.put(ns, 'k1', memoryValue('User likes dogs'));
    expect(created).toMatchObject({ namespace: ns, key: 'k1', version: 1 });
    const item = await store.get(ns, 'k1');
    expect(item).toMatchObject({ value: { kind: 'Memory', content: { content: 'User likes dogs' } }, version: 1 });
    expect(item?.createdAt).toBe(item?.updatedAt);
    expect(await store.get([...ns, 'deeper'], 'k1')).toBeNull();

    await pause(5);
    expect((await store.put(ns, 'k1', memoryValue('User loves dogs'))).version).toBe(2);
    const updated = await store.get(ns, 'k1');
    expect(updated?.createdAt).toBe(item?.createdAt);
    expect((updated?.updatedAt ?? '') > (item?.updatedAt ?? '')).toBe(true);

    await store.delete(ns, 'k1');
    expect(await store.get(ns, 'k1')).toBeNull();
    expect(await store.search(ns)).toEqual([]);
    await expect(store.delete(ns, 'k1')).resolves.toBeUndefined();
    await expect(store.delete(ns, 'never-was')).resolves.toBeUndefined();
  });

  test('concurrent writers of one memory are serialised by its version: every write lands, in some order', async () => {
    const ns = ['memories', uniqueId('race')];
    await Promise.all(Array.from({ length: 6 }, (_, i) => store.put(ns, 'k', memoryValue(`value ${i}`))));
    const item = await store.get(ns, 'k');
    expect(item?.version).toBe(6);
    const history = await store.history(ns, 'k');
    expect(history.map((c) => c.version)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(history.at(-1)?.value).toEqual(item?.value);
  });
});

describe('history and restore', () => {
  test('every change is kept with who made it; a wrong update is undone and a delete brought back', async () => {
    const ns = ['memories', uniqueId('hist')];
    await store.put(ns, 'city', memoryValue('User lives in Paris'), { actor: 'onboarding' });
    await store.put(ns, 'city', memoryValue('User lives in Lisbon'));
    await store.put(ns, 'city', memoryValue('User lives on the moon'), { actor: 'buggy-agent' });

    const restored = await store.restore(ns, 'city', 2, { actor: 'admin' });
    expect(restored).toMatchObject({ version: 4, value: memoryValue('User lives in Lisbon') });
    await store.delete(ns, 'city');
    expect(await store.get(ns, 'city')).toBeNull();
    expect(await store.restore(ns, 'city', 4)).toMatchObject({ version: 6, value: memoryValue('User lives in Lisbon') });
    expect(await store.get(ns, 'city')).toMatchObject({ version: 6 });

    const history = await store.history(ns, 'city');
    expect(history.map((c) => [c.version, c.action, c.by.kind])).toEqual([
      [1, 'insert', 'api'],
      [2, 'update', 'api'],
      [3, 'update', 'api'],
      [4, 'restore', 'restore'],
      [5, 'delete', 'api'],
      [6, 'restore', 'restore'],
    ]);
    expect(history[0]?.by.actor).toBe('onboarding');
    expect(history[3]?.by).toMatchObject({ fromVersion: 2, actor: 'admin' });
    expect(history[4]?.value).toBeNull();
    // Restoring the version that was a delete deletes again.
    expect(await store.restore(ns, 'city', 5)).toBeNull();
    expect(await store.get(ns, 'city')).toBeNull();
    await expect(store.restore(ns, 'city', 99)).rejects.toThrow('version: ');
  });
});

describe('TTL', () => {
  test('an item past its TTL is absent on read, before DynamoDB removes it', async () => {
    const ns = ['memories', uniqueId('ttl')];
    const start = Date.now();
    const writer = new DynamoMemoryStore(table.doc, table.tableName, { now: () => new Date(start) });
    await writer.put(ns, 'session', memoryValue('User is in a meeting'), { ttlSeconds: 60 });
    await writer.put(ns, 'lasting', memoryValue('User likes tea'));
    expect(await writer.get(ns, 'session')).not.toBeNull();
    const later = new DynamoMemoryStore(table.doc, table.tableName, { now: () => new Date(start + 61_000) });
    expect(await later.get(ns, 'session')).toBeNull();
    expect(texts(await later.search(ns))).toEqual(['User likes tea']);
    expect(texts(await later.search(ns, { query: 'meeting' }))).toEqual([]);
    await expect(writer.put(ns, 'bad', memoryValue('x'), { ttlSeconds: -1 })).rejects.toThrow('ttlSeconds');
  });
});

describe('search', () => {
  test('a namespace and the namespaces below it, newest first, with limit and offset', async () => {
    const user = uniqueId('user');
    await store.put(['memories', user], 'a', memoryValue('first'));
    await pause(5);
    await store.put(['memories', user, 'work'], 'b', memoryValue('second'));
    await pause(5);
    await store.put(['memories', `${user}x`], 'c', memoryValue('another user whose id shares the prefix'));

    expect(texts(await store.search(['memories', user]))).toEqual(['second', 'first']);
    expect((await store.search(['memories', user], { limit: 1 })).map((i) => i.key)).toEqual(['b']);
    expect((await store.search(['memories', user], { offset: 1 })).map((i) => i.key)).toEqual(['a']);
    expect(await store.search(['memories', user, 'work', 'none'])).toEqual([]);
  });

  test('items read by a user search do not grow with other users’ memories', async () => {
    const first = uniqueId('lbl');
    const user = uniqueId('user');
    for (let i = 0; i < 5; i++) await store.put([first, user], `k${i}`, memoryValue(`user fact ${i}`));
    const measure = async () => {
      const before = { ...store.reads.stats };
      const items = await store.search([first, user], { limit: 10 });
      return { items: items.length, read: store.reads.stats.itemsRead - before.itemsRead };
    };
    const alone = await measure();
    for (let u = 0; u < 40; u++) {
      for (let i = 0; i < 5; i++) await store.put([first, `other-${u}`], `k${i}`, memoryValue(`someone else ${i}`));
    }
    const crowded = await measure();
    expect(alone.items).toBe(5);
    expect(crowded).toEqual(alone);
  });

  test('a one-label prefix reads newest first across every namespace under it, about limit items a shard', async () => {
    const first = uniqueId('wide');
    for (let u = 0; u < 30; u++) {
      await store.put([first, `user-${u}`], 'k', memoryValue(`fact of user ${u}`));
      await pause(2);
    }
    const before = store.reads.stats.itemsRead;
    const newest = await store.search([first], { limit: 3 });
    expect(texts(newest)).toEqual(['fact of user 29', 'fact of user 28', 'fact of user 27']);
    expect(store.reads.stats.itemsRead - before).toBeLessThanOrEqual(16 * 3);
    expect(texts(await store.search([first], { limit: 2, offset: 28 }))).toEqual(['fact of user 1', 'fact of user 0']);
  });

  test('query ranks by relevance and reports a score; filter matches value fields as LangGraph does', async () => {
    const ns = ['memories', uniqueId('rank')];
    await store.put(ns, 'dog', memoryValue('User has a dog named Fido'));
    await store.put(ns, 'jazz', memoryValue('User likes jazz'));
    await store.put(ns, 'city', memoryValue('User lives in Lisbon'));
    const hits = await store.search(ns, { query: 'what is my dog called' });
    expect(hits[0]).toMatchObject({ key: 'dog' });
    expect(hits[0]?.score).toBeGreaterThan(0);
    expect(hits.every((h) => h.key !== 'jazz')).toBe(true);

    const shop = ['shop', uniqueId('items')];
    await store.put(shop, 'a', { kind: 'Item', color: 'red', price: 5 });
    await store.put(shop, 'b', { kind: 'Item', color: 'blue', price: 12 });
    await store.put(shop, 'c', { kind: 'Item', color: 'red', price: 20 });
    expect((await store.search(shop, { filter: { color: 'red' } })).map((i) => i.key).sort()).toEqual(['a', 'c']);
    expect((await store.search(shop, { filter: { color: 'red', price: { $gt: 10 } } })).map((i) => i.key)).toEqual(['c']);
  });

  test('bad options are refused, naming the field', async () => {
    await expect(store.search(['memories'], { limit: -1 })).rejects.toThrow(/limit/);
    await expect(store.search(['memories'], { offset: -1 })).rejects.toThrow(/offset/);
    await expect(store.search(['memories'], { limit: 1.5 })).rejects.toThrow(InvalidInputError);
    await expect(store.search(['memories'], { filter: { score: { $foo: 1 } } })).rejects.toThrow(/filter/);
    await expect(store.search(['mem.ories'])).rejects.toThrow('namespacePrefix.0');
    await expect(store.put(['mem.ories'], 'k', memoryValue('x'))).rejects.toThrow('namespace');
    await expect(store.put(['memories'], '', memoryValue('x'))).rejects.toThrow('key');
    await expect(store.put(['memories'], 'k', 'not an object' as never)).rejects.toThrow('value');
  });
});

describe('listNamespaces', () => {
  test('prefix, suffix, maxDepth, limit and offset, as LangGraph', async () => {
    const root = uniqueId('root');
    const namespaces = [[root, 'alice'], [root, 'alice', 'work'], [root, 'bob', 'work'], [root, 'bob', 'home', 'v1'], [root]];
    for (const ns of namespaces) await store.put(ns, 'k', memoryValue('x'));
    const sorted = (list: string[][]) => list.map((ns) => ns.join('/'));
    expect(sorted(await store.listNamespaces({ prefix: [root] }))).toEqual([
      `${root}`,
      `${root}/alice`,
      `${root}/alice/work`,
      `${root}/bob/home/v1`,
      `${root}/bob/work`,
    ]);
    expect(sorted(await store.listNamespaces({ prefix: [root, 'bob'] }))).toEqual([`${root}/bob/home/v1`, `${root}/bob/work`]);
    expect(sorted(await store.listNamespaces({ prefix: [root], suffix: ['work'] }))).toEqual([`${root}/alice/work`, `${root}/bob/work`]);
    expect(sorted(await store.listNamespaces({ prefix: [root, '*', 'work'] }))).toEqual([`${root}/alice/work`, `${root}/bob/work`]);
    expect(sorted(await store.listNamespaces({ prefix: [root], maxDepth: 2 }))).toEqual([`${root}`, `${root}/alice`, `${root}/bob`]);
    expect(sorted(await store.listNamespaces({ prefix: [root], limit: 2, offset: 1 }))).toEqual([`${root}/alice`, `${root}/alice/work`]);
    expect((await store.listNamespaces()).some((ns) => ns[0] === root)).toBe(true);
  });
});

describe('tenants', () => {
  test('a store bound to a tenant refuses every namespace outside it, and narrows empty prefixes to it', async () => {
    const tenant = ['memories', uniqueId('alice')];
    const other = ['memories', uniqueId('bob')];
    await store.put(other, 'secret', memoryValue('Bob’s secret'));
    const alice = store.forTenant(tenant);
    await alice.put([...tenant, 'notes'], 'k', memoryValue('Alice’s note'));

    await expect(alice.get(other, 'secret')).rejects.toBeInstanceOf(TenantAccessError);
    await expect(alice.put(other, 'k', memoryValue('x'))).rejects.toBeInstanceOf(TenantAccessError);
    await expect(alice.delete(other, 'secret')).rejects.toBeInstanceOf(TenantAccessError);
    await expect(alice.history(other, 'secret')).rejects.toBeInstanceOf(TenantAccessError);
    await expect(alice.search(['memories'])).rejects.toBeInstanceOf(TenantAccessError);
    await expect(alice.search(['memories', '*'])).rejects.toBeInstanceOf(TenantAccessError);
    await expect(alice.listNamespaces({ prefix: ['memories'] })).rejects.toBeInstanceOf(TenantAccessError);
    expect(() => alice.forTenant(other)).toThrow(TenantAccessError);

    expect(texts(await alice.search([]))).toEqual(['Alice’s note']);
    expect(await alice.listNamespaces()).toEqual([[...tenant, 'notes']]);
    expect(await store.get(other, 'secret')).not.toBeNull();
  });
});

describe('embeddings', () => {
  test('with an embedder, values are embedded on write and a query is ranked by cosine similarity', async () => {
    const api = await FakeEmbeddingsApi.start();
    try {
      const embedder = createEmbedder({ provider: 'voyage', apiKey: 'test-key', baseURL: api.baseURL });
      const semantic = new DynamoMemoryStore(table.doc, table.tableName, { embedder });
      const ns = ['memories', uniqueId('vec')];
      await semantic.put(ns, 'jazz', memoryValue('User likes jazz'));
      await semantic.put(ns, 'dog', memoryValue('User has a dog named Fido'));
      await semantic.put(ns, 'city', memoryValue('User lives in Lisbon'));
      const writes = api.requests.length;
      expect(writes).toBe(3);
      const hits = await semantic.search(ns, { query: 'what is my dog called' });
      expect(hits[0]?.key).toBe('dog');
      expect(hits).toHaveLength(3); // cosine ranks every candidate with a vector
      expect(hits[0]?.score).toBeGreaterThan(hits[1]?.score ?? 1);
      expect(api.requests.length).toBe(writes + 1); // one request for the query
      // The extraction's context uses the same ranking.
      expect((await semantic.relevantTo(ns, 'Fido chased a cat today', { queryLimit: 1, newest: 0 })).map((i) => i.key)).toEqual(['dog']);
    } finally {
      await api.close();
    }
  });
});

describe('edge cases a review found', () => {
  test('a memory whose item DynamoDB removed (TTL) continues its versions; its history is never overwritten', async () => {
    const ns = ['memories', uniqueId('gone')];
    await store.put(ns, 'k', memoryValue('v1'));
    await store.put(ns, 'k', memoryValue('v2'));
    await table.doc.send(new DeleteCommand({ TableName: table.tableName, Key: memoryKey(ns, 'k') })); // as TTL would
    expect((await store.put(ns, 'k', memoryValue('v3'))).version).toBe(3);
    expect((await store.history(ns, 'k')).map((c) => [c.version, c.value])).toEqual([
      [1, memoryValue('v1')],
      [2, memoryValue('v2')],
      [3, memoryValue('v3')],
    ]);
  });

  test('restoring a deleted memory keeps when it was first created', async () => {
    const ns = ['memories', uniqueId('created')];
    const first = await store.put(ns, 'k', memoryValue('x'));
    await store.delete(ns, 'k');
    await pause(5);
    expect((await store.restore(ns, 'k', 1))?.createdAt).toBe(first.createdAt);
  });

  test('a tenant label may not be a wildcard; "*" as a one-label prefix means every first label', async () => {
    expect(() => store.forTenant(['memories', '*'])).toThrow('tenant.1');
    const first = uniqueId('star');
    await store.put([first, 'u'], 'k', memoryValue('found through a wildcard'));
    expect(texts(await store.search(['*'], { limit: 1000 }))).toContain('found through a wildcard');
    expect(await store.listNamespaces({ prefix: [first], maxDepth: 1 })).toEqual([[first]]);
  });

  test('with embeddings enabled later, memories without vectors still come back, after the vector-ranked ones', async () => {
    const api = await FakeEmbeddingsApi.start();
    try {
      const ns = ['memories', uniqueId('mixed')];
      await store.put(ns, 'old-dog', memoryValue('User walks the dog every morning')); // no embedder yet
      const semantic = new DynamoMemoryStore(table.doc, table.tableName, {
        embedder: createEmbedder({ provider: 'voyage', apiKey: 'k', baseURL: api.baseURL }),
      });
      await semantic.put(ns, 'new-dog', memoryValue('User has a dog named Fido'));
      const hits = await semantic.search(ns, { query: 'dog' });
      expect(hits.map((h) => h.key)).toEqual(['new-dog', 'old-dog']);
    } finally {
      await api.close();
    }
  });
});
