/**
 * DynamoLangGraphStore (LangGraph.js's BaseStore over the memory store) against DynamoDB Local:
 * 1. LangGraph's store methods and `batch`: shapes, Date timestamps, delete via put(null), filter, pages,
 *    scores, listNamespaces, ordering inside a batch, error classes, tenancy;
 * 2. as a LangGraph run uses it: inside `AsyncBatchedStore`, with concurrent agent nodes;
 * 3. interop with the extraction pipeline's reads and writes;
 * 4. parity with LangGraph's own InMemoryStore, and the differences from it, pinned.
 */
import { AsyncBatchedStore, InMemoryStore, InvalidNamespaceError, type BaseStore, type Item, type SearchItem } from '@langchain/langgraph-checkpoint';
import { InvalidInputError, TenantAccessError } from '../../src/errors';
import { DynamoLangGraphStore } from '../../src/langgraph/langgraph-store';
import { DynamoMemoryStore } from '../../src/store/memory-store';
import { memoryText, memoryValue } from '../../src/store/memory-types';
import { freshTable, uniqueId } from '../support/test-env';

let table: Awaited<ReturnType<typeof freshTable>>;
let memories: DynamoMemoryStore;
let store: DynamoLangGraphStore;

beforeAll(async () => {
  table = await freshTable('lgstore');
  memories = new DynamoMemoryStore(table.doc, table.tableName);
  store = new DynamoLangGraphStore(memories, { actor: 'test-agent' });
});
afterAll(() => table?.client.destroy());

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const keys = (items: readonly Item[]) => items.map((item) => item.key);
const sortedKeys = (items: readonly Item[]) => keys(items).sort();
const texts = (items: readonly { value: Record<string, unknown> }[]) => items.map((item) => memoryText(item.value));
/** A LangMem memory value with extra top-level fields to filter on. */
const memory = (content: string, extra: Record<string, unknown> = {}) => ({ ...memoryValue(content), ...extra });

describe('LangGraph store methods over DynamoDB', () => {
  test('put / get round trip: LangGraph item shape with Date timestamps; updates keep createdAt; delete and put(null) remove', async () => {
    const ns = ['memories', uniqueId('user')];
    await store.put(ns, 'k1', memory('User likes dogs'));
    const item = await store.get(ns, 'k1');
    expect(Object.keys(item ?? {}).sort()).toEqual(['createdAt', 'key', 'namespace', 'updatedAt', 'value']);
    expect(item).toMatchObject({ namespace: ns, key: 'k1', value: memory('User likes dogs') });
    expect(item?.createdAt).toBeInstanceOf(Date);
    expect(item?.updatedAt).toBeInstanceOf(Date);
    expect(item?.createdAt.getTime()).toBe(item?.updatedAt.getTime());
    expect(Number.isNaN(item?.createdAt.getTime())).toBe(false);
    expect(await store.get(ns, 'missing')).toBeNull();
    expect(await store.get([...ns, 'deeper'], 'k1')).toBeNull();

    await pause(5);
    await store.put(ns, 'k1', memory('User loves dogs'), false); // index: accepted and ignored
    const updated = await store.get(ns, 'k1');
    expect(updated?.value).toEqual(memory('User loves dogs'));
    expect(updated?.createdAt.getTime()).toBe(item?.createdAt.getTime());
    expect((updated?.updatedAt.getTime() ?? 0) > (item?.updatedAt.getTime() ?? 0)).toBe(true);

    await store.delete(ns, 'k1');
    expect(await store.get(ns, 'k1')).toBeNull();
    await expect(store.delete(ns, 'never-was')).resolves.toBeUndefined();

    await store.put(ns, 'k2', memory('User owns a cat'));
    expect(await store.batch([{ namespace: ns, key: 'k2', value: null }])).toEqual([undefined]);
    expect(await store.get(ns, 'k2')).toBeNull();

    // The store behind keeps versions and who changed what.
    const history = await memories.history(ns, 'k1');
    expect(history.map((c) => [c.version, c.action, c.by.actor])).toEqual([
      [1, 'insert', 'test-agent'],
      [2, 'update', 'test-agent'],
      [3, 'delete', 'test-agent'],
    ]);
  });

  test('search: newest first without a query, filters, limit/offset pages, and scores for a query', async () => {
    const ns = ['memories', uniqueId('search')];
    const seeds: [string, string, Record<string, unknown>][] = [
      ['jazz', 'User likes jazz and blues', { topic: 'music', rating: 5 }],
      ['tea', 'User drinks green tea every morning', { topic: 'food', rating: 3 }],
      ['sushi', 'User loves sushi', { topic: 'food', rating: 4 }],
      ['piano', 'User plays the piano', { topic: 'music', rating: 2 }],
      ['dog', 'User has a dog named Fido', { topic: 'pets', rating: 1 }],
    ];
    for (const [key, content, extra] of seeds) {
      await store.put(ns, key, memory(content, extra));
      await pause(2);
    }

    const all = await store.search(ns);
    expect(keys(all)).toEqual(['dog', 'piano', 'sushi', 'tea', 'jazz']);
    for (const item of all) {
      expect(item.createdAt).toBeInstanceOf(Date);
      expect(item.updatedAt).toBeInstanceOf(Date);
      expect('score' in item).toBe(false);
    }

    expect(sortedKeys(await store.search(ns, { filter: { topic: 'food' } }))).toEqual(['sushi', 'tea']);
    expect(sortedKeys(await store.search(ns, { filter: { rating: { $gte: 3 } } }))).toEqual(['jazz', 'sushi', 'tea']);
    expect(sortedKeys(await store.search(ns, { filter: { topic: 'music', rating: { $lt: 5 } } }))).toEqual(['piano']);
    expect(sortedKeys(await store.search(ns, { filter: { topic: { $in: ['pets', 'music'] } } }))).toEqual(['dog', 'jazz', 'piano']);

    const pages = [0, 2, 4, 6].map((offset) => store.search(ns, { limit: 2, offset }));
    const [p0, p1, p2, p3] = await Promise.all(pages);
    expect([p0, p1, p2, p3].map((page) => keys(page ?? []))).toEqual([['dog', 'piano'], ['sushi', 'tea'], ['jazz'], []]);
    expect(await store.search(ns, { limit: 0 })).toEqual([]);

    const ranked = await store.search(ns, { query: 'some jazz, please' });
    expect(ranked[0]?.key).toBe('jazz');
    expect(ranked[0]?.score).toBe(1);
    for (const hit of ranked) expect(hit.score).toEqual(expect.any(Number));
    expect(ranked.every((hit, i) => i === 0 || (hit.score ?? 0) <= (ranked[i - 1]?.score ?? 0))).toBe(true);
    expect(keys(ranked)).not.toContain('tea');

    const filteredQuery = await store.search(ns, { query: 'user', filter: { topic: 'food' }, limit: 1 });
    expect(filteredQuery).toHaveLength(1);
    expect(['sushi', 'tea']).toContain(filteredQuery[0]?.key);
  });

  test('listNamespaces: prefix, suffix and wildcards, maxDepth, limit/offset', async () => {
    const root = uniqueId('ns');
    for (const ns of [
      [root, 'alice', 'memories'],
      [root, 'alice', 'profile'],
      [root, 'bob', 'memories'],
      [root, 'bob', 'v1', 'memories'],
    ]) {
      await store.put(ns, 'k', { kind: 'Memory', content: { content: ns.join(' ') } });
    }
    expect(await store.listNamespaces({ prefix: [root] })).toEqual([
      [root, 'alice', 'memories'],
      [root, 'alice', 'profile'],
      [root, 'bob', 'memories'],
      [root, 'bob', 'v1', 'memories'],
    ]);
    expect(await store.listNamespaces({ prefix: [root], suffix: ['memories'] })).toEqual([
      [root, 'alice', 'memories'],
      [root, 'bob', 'memories'],
      [root, 'bob', 'v1', 'memories'],
    ]);
    expect(await store.listNamespaces({ prefix: [root, '*', 'memories'] })).toEqual([
      [root, 'alice', 'memories'],
      [root, 'bob', 'memories'],
    ]);
    expect(await store.listNamespaces({ prefix: [root], suffix: ['*', 'memories'] })).toEqual([
      [root, 'alice', 'memories'],
      [root, 'bob', 'memories'],
      [root, 'bob', 'v1', 'memories'],
    ]);
    expect(await store.listNamespaces({ prefix: [root, 'bob'], suffix: ['v1', '*'] })).toEqual([[root, 'bob', 'v1', 'memories']]);
    expect(await store.listNamespaces({ prefix: [root], maxDepth: 2 })).toEqual([
      [root, 'alice'],
      [root, 'bob'],
    ]);
    expect(await store.listNamespaces({ prefix: [root], limit: 2, offset: 1 })).toEqual([
      [root, 'alice', 'profile'],
      [root, 'bob', 'memories'],
    ]);
    expect(await store.listNamespaces({ prefix: [root], limit: 0 })).toEqual([]);
  });

  test('listNamespaces through batch: several conditions of one type are combined (all must hold)', async () => {
    const root = uniqueId('conds');
    for (const ns of [
      [root, 'a', 'x'],
      [root, 'b', 'x'],
      [root, 'a', 'y'],
    ]) {
      await store.put(ns, 'k', { n: 1 });
    }
    const list = (matchConditions: { matchType: 'prefix' | 'suffix'; path: string[] }[]) =>
      store.batch([{ matchConditions, limit: 10, offset: 0 }]).then(([namespaces]) => namespaces);
    expect(
      await list([
        { matchType: 'prefix', path: [root, '*', 'x'] },
        { matchType: 'prefix', path: [root, 'a'] },
      ]),
    ).toEqual([[root, 'a', 'x']]);
    expect(
      await list([
        { matchType: 'prefix', path: [root, 'a'] },
        { matchType: 'prefix', path: [root, 'b'] },
      ]),
    ).toEqual([]);
    expect(
      await list([
        { matchType: 'prefix', path: [root] },
        { matchType: 'suffix', path: ['x'] },
        { matchType: 'suffix', path: ['b', '*'] },
      ]),
    ).toEqual([[root, 'b', 'x']]);
  });

  test('batch with mixed operations: results in operation order; reads between writes run concurrently, writes one by one in order', async () => {
    const ns = ['memories', uniqueId('batch')];
    await store.put(ns, 'x', memory('User lives in Lisbon'));
    await store.put(ns, 'y', memory('User works as a nurse'));

    const tracked = new DynamoMemoryStore(table.doc, table.tableName);
    const events = trackCalls(tracked);
    const adapter = new DynamoLangGraphStore(tracked);
    const results: unknown[] = await adapter.batch([
      { namespace: ns, key: 'x' },
      { namespace: ns, key: 'y' },
      { namespace: ns, key: 'a', value: memory('User speaks Portuguese') },
      { namespacePrefix: ns, query: 'portuguese language', limit: 5, offset: 0 },
      { matchConditions: [{ matchType: 'prefix', path: ns }], limit: 10, offset: 0 },
      { namespace: ns, key: 'a', value: null },
      { namespace: ns, key: 'a' },
    ]);

    expect(results).toHaveLength(7);
    expect((results[0] as Item).value).toEqual(memory('User lives in Lisbon'));
    expect((results[1] as Item).value).toEqual(memory('User works as a nurse'));
    expect(results[2]).toBeUndefined();
    // The search after the put sees it: operation order, not "all reads first".
    expect((results[3] as SearchItem[])[0]).toMatchObject({ key: 'a', score: 1 });
    expect(results[4]).toEqual([ns]);
    expect(results[5]).toBeUndefined();
    expect(results[6]).toBeNull();

    const at = (label: string) => events.log.indexOf(label);
    // The two gets overlap; the put starts after both end; search and listing overlap; the delete waits for them.
    expect(Math.max(at('start get:x'), at('start get:y'))).toBeLessThan(Math.min(at('end get:x'), at('end get:y')));
    expect(at('start put:a')).toBeGreaterThan(Math.max(at('end get:x'), at('end get:y')));
    expect(at('start search')).toBeGreaterThan(at('end put:a'));
    expect(Math.max(at('start search'), at('start listNamespaces'))).toBeLessThan(Math.min(at('end search'), at('end listNamespaces')));
    expect(at('start delete:a')).toBeGreaterThan(Math.max(at('end search'), at('end listNamespaces')));
    expect(at('start get:a')).toBeGreaterThan(at('end delete:a'));
    expect(events.maxInFlight).toBe(2);

    events.reset();
    await adapter.batch([
      { namespace: ns, key: 'w', value: memory('first') },
      { namespace: ns, key: 'v', value: memory('second') },
      { namespace: ns, key: 'w', value: memory('third') },
    ]);
    expect(events.log).toEqual(['start put:w', 'end put:w', 'start put:v', 'end put:v', 'start put:w', 'end put:w']);
    expect((await store.get(ns, 'w'))?.value).toEqual(memory('third'));
  });

  test("invalid namespaces throw LangGraph's InvalidNamespaceError wherever InMemoryStore does; other bad input the store's InvalidInputError", async () => {
    const reference = new InMemoryStore();
    const root = uniqueId('errors');
    type Call = (s: BaseStore) => Promise<unknown>;
    const both: [string, Call][] = [
      ['get with an empty namespace', (s) => s.get([], 'k')],
      ['delete with an empty namespace', (s) => s.delete([], 'k')],
      ['put with an empty namespace', (s) => s.put([], 'k', { a: 1 })],
      ['put under the reserved root "langgraph"', (s) => s.put(['langgraph', 'x'], 'k', { a: 1 })],
      ['put with a "." in a label', (s) => s.put([root, 'a.b'], 'k', { a: 1 })],
      ['put with a ":" in a label', (s) => s.put([root, 'a:b'], 'k', { a: 1 })],
      ['put with an empty label', (s) => s.put([root, ''], 'k', { a: 1 })],
      ['get with an empty label', (s) => s.get([root, ''], 'k')],
      ['search with an empty label', (s) => s.search([root, ''])],
      ['listNamespaces with a "." in the prefix', (s) => s.listNamespaces({ prefix: ['a.b'] })],
      ['batch get with an empty namespace', (s) => s.batch([{ namespace: [], key: 'k' }])],
      ['batch put with a ":" label', (s) => s.batch([{ namespace: [root, 'a:b'], key: 'k', value: { a: 1 } }])],
    ];
    for (const [name, call] of both) {
      const outcome = (s: BaseStore) =>
        call(s).then(
          () => 'ok',
          (err: unknown) => (err as Error).name,
        );
      expect([name, await outcome(reference), await outcome(store)]).toEqual([name, 'InvalidNamespaceError', 'InvalidNamespaceError']);
    }

    // As in InMemoryStore, batch() itself accepts the reserved root (only BaseStore.put refuses it).
    for (const s of [reference, store] as BaseStore[]) {
      await s.batch([{ namespace: ['langgraph', root], key: 'k', value: { a: 1 } }]);
      expect((await s.get(['langgraph', root], 'k'))?.value).toEqual({ a: 1 });
    }

    // Namespaces our keys cannot hold: InvalidNamespaceError here too (InMemoryStore accepts them).
    await expect(store.put([root, 'a\u001fb'], 'k', { a: 1 })).rejects.toBeInstanceOf(InvalidNamespaceError);
    await expect(
      store.put(
        Array.from({ length: 11 }, (_, i) => `l${i}`),
        'k',
        { a: 1 },
      ),
    ).rejects.toBeInstanceOf(InvalidNamespaceError);
    await expect(store.put([root, 'x'.repeat(300)], 'k', { a: 1 })).rejects.toBeInstanceOf(InvalidNamespaceError);
    await expect(store.search([root, 'a\u001fb'])).rejects.toBeInstanceOf(InvalidNamespaceError);

    // A batch with one bad namespace writes nothing.
    await expect(
      store.batch([
        { namespace: [root, 'ok'], key: 'k', value: { a: 1 } },
        { namespace: [root, 'bad.label'], key: 'k', value: { a: 1 } },
      ]),
    ).rejects.toBeInstanceOf(InvalidNamespaceError);
    expect(await store.get([root, 'ok'], 'k')).toBeNull();

    // Everything else stays the store's InvalidInputError.
    await expect(store.put([root], '', { a: 1 })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(store.put([root], 'k'.repeat(600), { a: 1 })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(store.batch([{ namespace: [root], key: 'k', value: ['not', 'an', 'object'] as unknown as Record<string, unknown> }])).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    await expect(store.search([root], { filter: { rating: { $foo: 1 } } })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(store.search([root], { limit: 5_000 })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(store.listNamespaces({ maxDepth: 0 })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(store.batch([{ matchConditions: [{ matchType: 'infix' as 'prefix', path: [root] }], limit: 1, offset: 0 }])).rejects.toBeInstanceOf(
      InvalidInputError,
    );
  });

  test('tenancy: an adapter over a tenant-bound store keeps the binding; forTenant binds one', async () => {
    const root = uniqueId('tenant');
    await store.put([root, 'bob'], 'k', memory('Bob likes chess'));
    const alice = new DynamoLangGraphStore(memories.forTenant([root, 'alice']));
    await alice.put([root, 'alice'], 'k1', memory('Alice likes jazz'));
    await alice.put([root, 'alice', 'notes'], 'k2', memory('Alice is learning the cello'));

    await expect(alice.put([root, 'bob'], 'k', { a: 1 })).rejects.toBeInstanceOf(TenantAccessError);
    await expect(alice.get([root, 'bob'], 'k')).rejects.toBeInstanceOf(TenantAccessError);
    await expect(alice.search([root])).rejects.toBeInstanceOf(TenantAccessError);
    await expect(alice.search(['*', 'alice'])).rejects.toBeInstanceOf(TenantAccessError);
    expect(sortedKeys(await alice.search([]))).toEqual(['k1', 'k2']);
    expect(await alice.listNamespaces()).toEqual([
      [root, 'alice'],
      [root, 'alice', 'notes'],
    ]);

    const bound = store.forTenant([root, 'alice']);
    expect(bound).toBeInstanceOf(DynamoLangGraphStore);
    expect(sortedKeys(await bound.search([]))).toEqual(['k1', 'k2']);
    await expect(bound.delete([root, 'bob'], 'k')).rejects.toBeInstanceOf(TenantAccessError);
    expect(texts(await bound.search([root, 'alice'], { query: 'cello' }))).toEqual(['Alice is learning the cello']);
  });
});

describe('inside a LangGraph run: AsyncBatchedStore around the adapter', () => {
  /**
   * What a LangGraph node does with `config.store` (LangGraph's PregelLoop wraps the compiled graph's
   * store in AsyncBatchedStore): recall what is relevant to the message, then remember something.
   */
  async function agentNode(graphStore: BaseStore, userId: string, message: string, step: number): Promise<string[]> {
    const hits = await graphStore.search(['memories', userId], { query: message, limit: 3 });
    for (const hit of hits) {
      if (!(hit.updatedAt instanceof Date) || typeof hit.score !== 'number') throw new Error('not a LangGraph SearchItem');
    }
    await graphStore.put(['memories', userId], `said-${step}`, memory(`User said: ${message}`));
    await graphStore.put(['memories', userId], 'last-message', { text: message, step });
    return texts(hits);
  }

  test('concurrent nodes: their searches and puts are batched together, answered per caller, written in order', async () => {
    const [alice, bob, carol] = [uniqueId('alice'), uniqueId('bob'), uniqueId('carol')];
    await memories.put(['memories', alice], 'jazz', memoryValue('Alice likes jazz and blues'));
    await memories.put(['memories', alice], 'coffee', memoryValue('Alice drinks her coffee black'));
    await memories.put(['memories', bob], 'dog', memoryValue('Bob has a dog named Rex'));

    const adapter = new DynamoLangGraphStore(memories);
    const batchSpy = jest.spyOn(adapter, 'batch');
    const graphStore = new AsyncBatchedStore(adapter);
    graphStore.start();
    try {
      const answers = await Promise.all([
        agentNode(graphStore, alice, 'recommend some jazz records', 1),
        agentNode(graphStore, bob, 'my dog is sick', 2),
        agentNode(graphStore, alice, 'how should my coffee be made', 3),
        agentNode(graphStore, carol, 'hello there', 4),
      ]);
      expect(answers[0]?.[0]).toBe('Alice likes jazz and blues');
      expect(answers[1]).toEqual(['Bob has a dog named Rex']);
      expect(answers[2]?.[0]).toBe('Alice drinks her coffee black');
      expect(answers[3]).toEqual([]);

      // One batch of four searches, then one of four puts, then one of four more puts.
      expect(batchSpy.mock.calls.map(([ops]) => ops.length)).toEqual([4, 4, 4]);
      expect(batchSpy.mock.calls[0]?.[0].every((op) => 'namespacePrefix' in op)).toBe(true);

      // Every put landed; of two puts to one key in a batch, the later (node 3) won.
      expect(sortedKeys(await adapter.search(['memories', alice]))).toEqual(['coffee', 'jazz', 'last-message', 'said-1', 'said-3']);
      expect((await graphStore.get(['memories', alice], 'last-message'))?.value).toEqual({ text: 'how should my coffee be made', step: 3 });
      expect(keys(await graphStore.search(['memories', carol]))).toEqual(['last-message', 'said-4']);

      // LangGraph 1.2.2's AsyncBatchedStore does not implement listNamespaces: inside a node it fails,
      // whatever the store. Call it on the adapter itself (outside the run) instead.
      await expect(graphStore.listNamespaces({ prefix: ['memories'] })).rejects.toThrow(/not implemented on `AsyncBatchedStore`/);
      expect(await adapter.listNamespaces({ prefix: ['memories', bob] })).toEqual([['memories', bob]]);
    } finally {
      await graphStore.stop();
    }
  });
});

describe('interop with the extraction pipeline', () => {
  test('memories the extraction wrote are found by the adapter; what the agent puts is what the next extraction reads', async () => {
    const user = uniqueId('user');
    const ns = ['memories', user];
    // As the extraction writes them: LangMem's {kind: 'Memory', content: {content}} values.
    await memories.put(ns, 'm1', memoryValue('User is vegetarian'));
    await memories.put(ns, 'm2', memoryValue('User is training for a marathon in April'));
    await memories.put(ns, 'm3', memoryValue('User prefers aisle seats on long flights'));

    const hits = await store.search(ns, { query: 'what should I cook for dinner, any vegetarian ideas?' });
    expect(hits[0]).toMatchObject({ key: 'm1', value: memoryValue('User is vegetarian'), score: 1 });
    expect(hits[0]?.createdAt).toBeInstanceOf(Date);

    // The agent remembers something, in LangMem's shape and in a shape of its own.
    await store.put(ns, 'agent-1', memoryValue('User switched to window seats after a bad flight'));
    await store.put(ns, 'agent-2', { note: 'User is allergic to peanuts', source: 'chat' });

    const viaStore = await memories.search(ns, { query: 'window seat' });
    expect(viaStore[0]).toMatchObject({ key: 'agent-1', version: 1 });
    const allergy = await memories.search(ns, { query: 'peanut allergy' });
    expect(allergy[0]?.key).toBe('agent-2');

    // What the extraction activity reads before asking the model (relevant + newest).
    const context = await memories.relevantTo(ns, 'Book me a flight to Rome, I want a window seat', { queryLimit: 5, newest: 5 });
    expect(context.map((item) => item.key)).toContain('agent-1');
    expect(context.find((item) => item.key === 'agent-1')?.value).toEqual(memoryValue('User switched to window seats after a bad flight'));
    const narrow = await memories.relevantTo(ns, 'snacks with peanuts on the plane', { queryLimit: 1, newest: 0 });
    expect(narrow.map((item) => item.key)).toEqual(['agent-2']);
    expect((await memories.history(ns, 'agent-1'))[0]?.by).toEqual({ kind: 'api', actor: 'test-agent' });
  });
});

describe("parity with LangGraph's InMemoryStore", () => {
  let parityTable: Awaited<ReturnType<typeof freshTable>>;
  let adapter: DynamoLangGraphStore;
  beforeAll(async () => {
    // A table of its own: listings and searches without a prefix must see only this sequence.
    parityTable = await freshTable('lgparity');
    adapter = new DynamoLangGraphStore(new DynamoMemoryStore(parityTable.doc, parityTable.tableName));
  });
  afterAll(() => parityTable?.client.destroy());

  type Step =
    | { put: [string[], string, Record<string, unknown>] }
    | { delete: [string[], string] }
    | { get: [string[], string] }
    | { search: [string[], Parameters<BaseStore['search']>[1]?] }
    | { pages: [string[], number] }
    | { list: Parameters<BaseStore['listNamespaces']>[0] };

  const alice = ['users', 'alice', 'memories'];
  const bob = ['users', 'bob', 'memories'];
  const steps: Step[] = [
    { put: [alice, 'm1', memory('Alice likes jazz', { topic: 'music', rating: 5 })] },
    { put: [alice, 'm2', memory('Alice drinks green tea', { topic: 'food', rating: 3 })] },
    { put: [['users', 'alice', 'profile'], 'p', { name: 'Alice', rating: 1 }] },
    { put: [bob, 'm1', memory('Bob has a dog', { topic: 'pets', rating: 4 })] },
    { put: [['teams', 'red'], 't', { size: 3, topic: 'music' }] },
    { get: [alice, 'm1'] },
    { get: [alice, 'missing'] },
    { get: [['users', 'alice'], 'm1'] },
    { search: [['users']] },
    { search: [['users', 'alice']] },
    { search: [[]] },
    { search: [['users', 'al']] },
    { search: [[], { filter: { topic: 'music' } }] },
    { search: [['users'], { filter: { rating: { $gte: 3 } } }] },
    { search: [['users'], { filter: { rating: { $in: [1, 4] } } }] },
    { search: [['users'], { filter: { topic: { $ne: 'food' } } }] },
    { search: [['users'], { filter: { rating: { $gt: 1, $lte: 4 }, topic: { $nin: ['pets'] } } }] },
    // A query whose every candidate matches (InMemoryStore without an index ignores the query).
    { search: [bob, { query: 'dog' }] },
    { pages: [['users'], 2] },
    { list: {} },
    { list: { prefix: ['users'] } },
    { list: { suffix: ['memories'] } },
    { list: { prefix: ['users', '*', 'memories'] } },
    { list: { prefix: ['users'], maxDepth: 2 } },
    { list: { maxDepth: 1 } },
    { list: { limit: 2, offset: 1 } },
    { put: [alice, 'm1', memory('Alice likes jazz and blues', { topic: 'music', rating: 5 })] },
    { get: [alice, 'm1'] },
    { delete: [alice, 'm2'] },
    { get: [alice, 'm2'] },
    { search: [['users', 'alice']] },
    { delete: [bob, 'm1'] },
    { search: [['users', 'bob']] },
    // Both keep listing a namespace whose items were all deleted.
    { list: { prefix: ['users'] } },
    { pages: [[], 3] },
  ];

  /** Values compared with their keys sorted: DynamoDB does not keep the key order of a map. */
  const describeItem = (item: Item) => `${item.namespace.join('/')}|${item.key}|${canonicalJson(item.value)}`;

  /** A step's outcome with scores and timestamps dropped; unordered results as sorted sets. */
  async function run(s: BaseStore, step: Step): Promise<unknown> {
    if ('put' in step) return s.put(...step.put);
    if ('delete' in step) return s.delete(...step.delete);
    if ('get' in step) {
      const item = await s.get(...step.get);
      return item && describeItem(item);
    }
    if ('search' in step) return (await s.search(...step.search)).map(describeItem).sort();
    if ('pages' in step) {
      const [prefix, limit] = step.pages;
      const sizes: number[] = [];
      const seen: string[] = [];
      for (let offset = 0; ; offset += limit) {
        const page = await s.search(prefix, { limit, offset });
        sizes.push(page.length);
        seen.push(...page.map(describeItem));
        if (page.length < limit) break;
      }
      return { sizes, items: seen.sort() };
    }
    return s.listNamespaces(step.list);
  }

  test('the same sequence gives the same keys, values and namespaces', async () => {
    const reference = new InMemoryStore();
    for (const [i, step] of steps.entries()) {
      const expected = await run(reference, step);
      const actual = await run(adapter, step);
      expect({ step: i, ...step, result: actual }).toEqual({ step: i, ...step, result: expected });
    }
  });

  test('differences from InMemoryStore, pinned (documented in the README)', async () => {
    const root = uniqueId('diff');
    const reference = new InMemoryStore();
    const both = async <T>(call: (s: BaseStore) => Promise<T>) => ({ memory: await call(reference), dynamo: await call(store) });
    const outcome = (call: (s: BaseStore) => Promise<unknown>) =>
      both((s) =>
        call(s).then(
          () => 'ok',
          (err: unknown) => (err as Error).name,
        ),
      );

    // 1. Search without a query: InMemoryStore lists in insertion order, we list newest change first.
    await both((s) => s.put([root, 'order'], 'a', { n: 1 }));
    await pause(2);
    await both((s) => s.put([root, 'order'], 'b', { n: 2 }));
    const order = await both((s) => s.search([root, 'order']).then(keys));
    expect(order).toEqual({ memory: ['a', 'b'], dynamo: ['b', 'a'] });

    // 2. Query without an index: InMemoryStore ignores it (everything, no score); we rank and keep matches only.
    await both((s) => s.put([root, 'q'], 'x', { text: 'likes jazz' }));
    await both((s) => s.put([root, 'q'], 'y', { text: 'owns a cat' }));
    const queried = await both((s) => s.search([root, 'q'], { query: 'jazz' }));
    expect(sortedKeys(queried.memory)).toEqual(['x', 'y']);
    expect(queried.memory.map((item) => item.score)).toEqual([undefined, undefined]);
    expect(queried.dynamo.map((item) => [item.key, item.score])).toEqual([['x', 1]]);

    // 3. Namespace order: InMemoryStore compares ':'-joined labels with localeCompare; we compare labels
    //    by code unit (U+001F-joined): upper case before lower case, a shorter label before a longer one.
    for (const label of ['b', 'B', 'a-1']) await both((s) => s.put([root, 'sort', label], 'k', { n: 1 }));
    await both((s) => s.put([root, 'sort', 'a', 'z'], 'k', { n: 1 }));
    const listed = await both((s) => s.listNamespaces({ prefix: [root, 'sort'] }));
    expect(listed.memory.map((ns) => ns.slice(2))).toEqual([['a-1'], ['a', 'z'], ['b'], ['B']]);
    expect(listed.dynamo.map((ns) => ns.slice(2))).toEqual([['B'], ['a', 'z'], ['a-1'], ['b']]);

    // 4. Deleting from a namespace that never held anything: InMemoryStore lists it from then on; we do not.
    await both((s) => s.delete([root, 'ghost'], 'k'));
    expect(await both((s) => s.listNamespaces({ prefix: [root, 'ghost'] }))).toEqual({ memory: [[root, 'ghost']], dynamo: [] });

    // 5. A read after a write in one batch: InMemoryStore answers from the state before the batch (a new
    //    item is null; an existing one is returned by reference and then mutated); we run in operation order.
    const readAfterWrite = await both((s) =>
      s.batch([
        { namespace: [root, 'raw'], key: 'new', value: { n: 1 } },
        { namespace: [root, 'raw'], key: 'new' },
      ]),
    );
    expect(readAfterWrite.memory[1]).toBeNull();
    expect(readAfterWrite.dynamo[1]?.value).toEqual({ n: 1 });

    // 6. A '*' in a search prefix: a literal label to InMemoryStore, any label to us.
    const wildcard = await both((s) => s.search([root, '*'], { limit: 100 }));
    expect(wildcard.memory).toEqual([]);
    expect(wildcard.dynamo.length).toBeGreaterThan(0);

    // 7. Inputs InMemoryStore takes and we refuse: empty or over-long keys, labels with U+001F, limits
    //    over 1,000, maxDepth 0, filters whose outcome does not depend on the data (nested objects never
    //    match in LangGraph.js; unknown operators).
    expect(await outcome((s) => s.put([root], '', { n: 1 }))).toEqual({ memory: 'ok', dynamo: 'InvalidInputError' });
    expect(await outcome((s) => s.put([root, 'a\u001fb'], 'k', { n: 1 }))).toEqual({ memory: 'ok', dynamo: 'InvalidNamespaceError' });
    expect(await outcome((s) => s.search([root], { limit: 2_000 }))).toEqual({ memory: 'ok', dynamo: 'InvalidInputError' });
    expect(await outcome((s) => s.listNamespaces({ maxDepth: 0 }))).toEqual({ memory: 'ok', dynamo: 'InvalidInputError' });
    expect(await outcome((s) => s.search([root], { filter: { value: { nested: 1 } } }))).toEqual({ memory: 'ok', dynamo: 'InvalidInputError' });
    // 8. Key order inside a value: InMemoryStore returns the object it was given; DynamoDB keeps no map order.
    await both((s) => s.put([root, 'keys'], 'k', { zebra: 1, apple: { mango: 2, kiwi: 3 } }));
    const got = await both((s) => s.get([root, 'keys'], 'k'));
    expect(Object.keys(got.memory?.value ?? {})).toEqual(['zebra', 'apple']);
    expect(got.dynamo?.value).toEqual(got.memory?.value); // equal as data, whatever the order

    // ... while a zero limit is an empty page in both.
    expect(await both((s) => s.search([root], { limit: 0 }))).toEqual({ memory: [], dynamo: [] });
  });
});

/** JSON with object keys sorted, for comparing values whatever their key order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}

/** Wraps a store's methods to log when each call starts and ends, and how many overlap. */
function trackCalls(target: DynamoMemoryStore) {
  const events = { log: [] as string[], inFlight: 0, maxInFlight: 0, reset: () => undefined as void };
  events.reset = () => {
    events.log.length = 0;
    events.maxInFlight = 0;
  };
  for (const name of ['get', 'put', 'delete', 'search', 'listNamespaces'] as const) {
    const original = (target[name] as (...args: unknown[]) => Promise<unknown>).bind(target);
    const withKey = name === 'get' || name === 'put' || name === 'delete';
    Object.assign(target, {
      [name]: async (...args: unknown[]) => {
        const label = withKey ? `${name}:${String(args[1])}` : name;
        events.log.push(`start ${label}`);
        events.inFlight += 1;
        events.maxInFlight = Math.max(events.maxInFlight, events.inFlight);
        try {
          return await original(...args);
        } finally {
          events.inFlight -= 1;
          events.log.push(`end ${label}`);
        }
      },
    });
  }
  return events;
}
