/**
 * createSearchMemoryTool against DynamoDB Local: query ranking, limit / offset pages, value filters, the
 * JSON text the model reads (with the ids the manage tool takes), the artifact format, namespace
 * templates, the graph's store, tenancy, and input the store refuses.
 */
import { AIMessage, ToolMessage } from '@langchain/core/messages';
import { END, MessagesAnnotation, START, StateGraph } from '@langchain/langgraph';
import { ToolNode } from '@langchain/langgraph/prebuilt';
import { ConfigurationError, TenantAccessError } from '../../src/errors';
import { createManageMemoryTool, createSearchMemoryTool, DynamoLangGraphStore } from '../../src/langgraph';
import { DynamoMemoryStore } from '../../src/store/memory-store';
import { memoryText, memoryValue, type SearchItem } from '../../src/store/memory-types';
import { freshTable, uniqueId } from '../support/test-env';
import type { FoundMemory } from '../../src/langgraph/search-memory-tool';

let table: Awaited<ReturnType<typeof freshTable>>;
let memories: DynamoMemoryStore;
/** One user's namespace with four memories, two of them tagged. */
const user = uniqueId('user');
const namespace = ['memories', user];
const config = { configurable: { user_id: user } };

type Found = FoundMemory;
const parse = (text: unknown) => JSON.parse(String(text)) as Found[];
const texts = (found: readonly { value: Record<string, unknown> }[]) => found.map((f) => memoryText(f.value));
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  table = await freshTable('lgsearch');
  memories = new DynamoMemoryStore(table.doc, table.tableName);
  // Written apart in time so "newest first" has one answer.
  for (const [key, value] of [
    ['dog', { ...memoryValue('User has a dog named Fido'), topic: 'pets' }],
    ['tea', memoryValue('User prefers green tea in the morning')],
    ['cat', { ...memoryValue('User used to have a cat called Tom'), topic: 'pets' }],
    ['job', memoryValue('User works as a nurse')],
  ] as const) {
    await memories.put(namespace, key, value);
    await pause(5);
  }
  // Another user's memory, which a search of this user must never return.
  await memories.put(['memories', uniqueId('other')], 'dog', memoryValue('Other user has a dog named Rex'));
});
afterAll(() => table?.client.destroy());

describe('search input', () => {
  const search = () => createSearchMemoryTool({ namespace: ['memories', '{user_id}'], store: memories });

  test('query ranks by relevance and answers JSON text with ids, values, times and scores', async () => {
    const found = parse(await search().invoke({ query: 'dog named Fido' }, config));
    expect(found[0]).toMatchObject({ id: 'dog', namespace, value: { kind: 'Memory', content: { content: 'User has a dog named Fido' }, topic: 'pets' } });
    expect(typeof found[0]?.score).toBe('number');
    expect(Number.isNaN(Date.parse(found[0]?.createdAt ?? ''))).toBe(false);
    expect(found.map((f) => f.namespace)).toEqual(found.map(() => namespace));
    expect(texts(found)).not.toContain('Other user has a dog named Rex');
  });

  test('limit and offset page through the results', async () => {
    const all = parse(await search().invoke({ query: '', limit: 10 }, config));
    expect(all.map((f) => f.id)).toEqual(['job', 'cat', 'tea', 'dog']); // newest first without a query
    const first = parse(await search().invoke({ query: '', limit: 2 }, config));
    const second = parse(await search().invoke({ query: '', limit: 2, offset: 2 }, config));
    expect([...first, ...second].map((f) => f.id)).toEqual(all.map((f) => f.id));
    expect(parse(await search().invoke({ query: '', offset: 4 }, config))).toEqual([]);
  });

  test('filter keeps only matching values, with or without a query', async () => {
    const pets = parse(await search().invoke({ query: '', filter: { topic: 'pets' } }, config));
    expect(pets.map((f) => f.id).sort()).toEqual(['cat', 'dog']);
    const petCats = parse(await search().invoke({ query: 'cat', filter: { topic: { $eq: 'pets' } } }, config));
    expect(petCats[0]?.id).toBe('cat');
    expect(petCats.every((f) => f.value['topic'] === 'pets')).toBe(true);
  });

  test('input the store refuses is an error for the model: a limit over the maximum, a filter it cannot apply', async () => {
    await expect(search().invoke({ query: 'x', limit: 0 }, config)).rejects.toThrow(/did not match expected schema/);
    await expect(search().invoke({ query: 'x', limit: 100_000 }, config)).rejects.toThrow(/did not match expected schema/);
    await expect(search().invoke({ query: 'x', filter: { topic: { $regex: '.*' } } }, config)).rejects.toThrow(/filter/);
  });
});

describe('response format', () => {
  test("'content_and_artifact' gives the items (with versions) as the ToolMessage's artifact; 'content' gives none", async () => {
    const search = createSearchMemoryTool({ namespace: ['memories', '{user_id}'], store: memories, responseFormat: 'content_and_artifact', name: 'recall' });
    const call = { type: 'tool_call' as const, id: 'call-1', name: 'recall', args: { query: 'green tea', limit: 1 } };
    const message = (await search.invoke(call, config)) as ToolMessage;
    expect(message).toBeInstanceOf(ToolMessage);
    expect(parse(message.content).map((f) => f.id)).toEqual(['tea']);
    const artifact = message.artifact as SearchItem[];
    expect(artifact.map((item) => [item.key, item.version])).toEqual([['tea', 1]]);

    const plain = createSearchMemoryTool({ namespace: ['memories', '{user_id}'], store: memories });
    const plainMessage = (await plain.invoke({ ...call, name: 'search_memory' }, config)) as ToolMessage;
    expect(plainMessage.artifact).toBeUndefined();
    expect(plain.name).toBe('search_memory');
    expect(plain.description).toBe('Search your long-term memories for information relevant to your current context.');
    expect(createSearchMemoryTool({ namespace: ['memories'], instructions: 'Search before answering personal questions.' }).description).toMatch(
      /context\. Search before answering personal questions\.$/,
    );
  });
});

describe('namespace and store', () => {
  test('a missing configurable key names it; a bad value is refused', async () => {
    const search = createSearchMemoryTool({ namespace: ['memories', '{user_id}'], store: memories });
    await expect(search.invoke({ query: 'dog' }, { configurable: {} })).rejects.toThrow(ConfigurationError);
    await expect(search.invoke({ query: 'dog' }, { configurable: {} })).rejects.toThrow(/config\.configurable\.user_id: required/);
    await expect(search.invoke({ query: 'dog' }, { configurable: { user_id: 'x.y' } })).rejects.toThrow(/must not contain "\."/);
  });

  test("without a store option it searches the running graph's store; what the manage tool wrote is found", async () => {
    const tools = [createManageMemoryTool({ namespace: ['memories', '{user_id}'] }), createSearchMemoryTool({ namespace: ['memories', '{user_id}'] })];
    const graph = new StateGraph(MessagesAnnotation)
      .addNode('tools', new ToolNode(tools))
      .addEdge(START, 'tools')
      .addEdge('tools', END)
      .compile({ store: new DynamoLangGraphStore(memories) });
    const runConfig = { configurable: { user_id: uniqueId('graph-user') } };
    const save = new AIMessage({ content: '', tool_calls: [{ id: 'c1', name: 'manage_memory', args: { content: 'User climbs on weekends' } }] });
    await graph.invoke({ messages: [save] }, runConfig);
    const find = new AIMessage({ content: '', tool_calls: [{ id: 'c2', name: 'search_memory', args: { query: 'weekends' } }] });
    const reply = (await graph.invoke({ messages: [find] }, runConfig)).messages.at(-1) as ToolMessage;
    expect(texts(parse(reply.content))).toEqual(['User climbs on weekends']);
  });

  test('a tenant-bound store answers within the tenant and refuses other namespaces', async () => {
    const search = createSearchMemoryTool({ namespace: ['memories', '{user_id}'], store: memories.forTenant(namespace) });
    expect(parse(await search.invoke({ query: 'dog' }, config)).map((f) => f.id)).toContain('dog');
    await expect(search.invoke({ query: 'dog' }, { configurable: { user_id: 'someone-else' } })).rejects.toThrow(TenantAccessError);
  });

  test('options the tool cannot honour are refused when it is built', () => {
    expect(() => createSearchMemoryTool({ namespace: ['memories'], responseFormat: 'artifact' as 'content' })).toThrow(ConfigurationError);
    expect(() => createSearchMemoryTool({ namespace: ['memories'], name: '' })).toThrow(ConfigurationError);
    expect(() => createSearchMemoryTool({ namespace: ['memories', 'a.b'] })).toThrow(/namespace\.1: namespace labels must not contain "\."/);
  });
});
