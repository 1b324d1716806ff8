/**
 * createManageMemoryTool against DynamoDB Local: every write lands in the store's history with the agent
 * as actor; permitted actions shape the schema, the description and what is refused; namespace templates
 * are filled from the run's configurable (or refused, naming the key); the store comes from the option or
 * from the running graph; tenancy holds.
 */
import { AIMessage, ToolMessage } from '@langchain/core/messages';
import { toJsonSchema } from '@langchain/core/utils/json_schema';
import { InMemoryStore } from '@langchain/langgraph-checkpoint';
import { END, MessagesAnnotation, START, StateGraph } from '@langchain/langgraph';
import { ToolNode } from '@langchain/langgraph/prebuilt';
import { z } from 'zod';
import { ConfigurationError, InvalidInputError, TenantAccessError } from '../../src/errors';
import { createManageMemoryTool, DynamoLangGraphStore } from '../../src/langgraph';
import { DynamoMemoryStore } from '../../src/store/memory-store';
import { memoryValue } from '../../src/store/memory-types';
import { freshTable, uniqueId } from '../support/test-env';

let table: Awaited<ReturnType<typeof freshTable>>;
let memories: DynamoMemoryStore;

beforeAll(async () => {
  table = await freshTable('lgmanage');
  memories = new DynamoMemoryStore(table.doc, table.tableName);
});
afterAll(() => table?.client.destroy());

/** A run's config with a fresh user, and that user's namespace. */
function run(): { config: { configurable: { user_id: string } }; namespace: string[] } {
  const user = uniqueId('user');
  return { config: { configurable: { user_id: user } }, namespace: ['memories', user] };
}

/** The key in a `created memory <key>` reply. */
function createdKey(reply: unknown): string {
  const match = /^created memory (\S+)$/.exec(String(reply));
  if (!match?.[1]) throw new Error(`not a create reply: ${String(reply)}`);
  return match[1];
}

/** The JSON Schema the model sees for a tool's arguments. */
function argsSchema(tool: ReturnType<typeof createManageMemoryTool>): { properties: Record<string, { enum?: string[] }> } {
  return toJsonSchema(tool.schema as z.ZodType) as { properties: Record<string, { enum?: string[] }> };
}

describe('writes go through the memory store', () => {
  test('create, update and delete each appear in history() with the agent as actor; delete is a restorable tombstone', async () => {
    const tool = createManageMemoryTool({ namespace: ['memories', '{user_id}'], store: memories, actor: 'support-agent' });
    const { config, namespace } = run();

    const key = createdKey(await tool.invoke({ content: 'User likes dogs' }, config));
    expect(await memories.get(namespace, key)).toMatchObject({ value: memoryValue('User likes dogs'), version: 1 });

    expect(await tool.invoke({ action: 'update', id: key, content: 'User loves dogs' }, config)).toBe(`updated memory ${key}`);
    expect((await memories.get(namespace, key))?.value).toEqual(memoryValue('User loves dogs'));

    expect(await tool.invoke({ action: 'delete', id: key }, config)).toBe(`deleted memory ${key}`);
    expect(await memories.get(namespace, key)).toBeNull();

    const history = await memories.history(namespace, key);
    expect(history.map((c) => [c.version, c.action, c.by.kind, c.by.actor])).toEqual([
      [1, 'insert', 'api', 'support-agent'],
      [2, 'update', 'api', 'support-agent'],
      [3, 'delete', 'api', 'support-agent'],
    ]);
    expect(history.map((c) => c.value)).toEqual([memoryValue('User likes dogs'), memoryValue('User loves dogs'), null]);
    expect(await memories.restore(namespace, key, 2)).toMatchObject({ value: memoryValue('User loves dogs'), version: 4 });
  });

  test('the actor defaults to the tool name; a tool call returns a ToolMessage whose artifact names the change', async () => {
    const tool = createManageMemoryTool({ namespace: ['memories', '{user_id}'], store: memories, name: 'remember' });
    const { config, namespace } = run();
    const message = (await tool.invoke({ type: 'tool_call', id: 'call-1', name: 'remember', args: { content: 'User is vegetarian' } }, config)) as ToolMessage;
    expect(message).toBeInstanceOf(ToolMessage);
    const key = createdKey(message.content);
    expect(message.artifact).toEqual({ action: 'create', namespace, key, version: 1 });
    expect((await memories.history(namespace, key)).map((c) => c.by)).toEqual([{ kind: 'api', actor: 'remember' }]);
  });

  test('a zod schema stores {kind, content: object}; update keeps the kind and refuses memories of another kind', async () => {
    const profile = z.object({ name: z.string(), age: z.number().int().optional() });
    const tool = createManageMemoryTool({ namespace: ['profiles', '{user_id}'], store: memories, schema: { kind: 'UserProfile', schema: profile } });
    const { config } = run();
    const namespace = ['profiles', config.configurable.user_id];
    const key = createdKey(await tool.invoke({ content: { name: 'Ada', age: 36 } }, config));
    expect((await memories.get(namespace, key))?.value).toEqual({ kind: 'UserProfile', content: { name: 'Ada', age: 36 } });
    await tool.invoke({ action: 'update', id: key, content: { name: 'Ada', age: 37 } }, config);
    expect((await memories.get(namespace, key))?.value).toEqual({ kind: 'UserProfile', content: { name: 'Ada', age: 37 } });

    // Content that does not fit the schema is refused before anything is written.
    await expect(tool.invoke({ content: { age: 'old' } }, config)).rejects.toThrow(/did not match expected schema/);
    // A plain Memory in the same namespace (the extraction's, say) is not this tool's to overwrite.
    await memories.put(namespace, 'note-1', memoryValue('User likes tea'));
    await expect(tool.invoke({ action: 'update', id: 'note-1', content: { name: 'X' } }, config)).rejects.toThrow(
      /is a Memory, and manage_memory manages UserProfile memories only/,
    );
    expect((await memories.get(namespace, 'note-1'))?.value).toEqual(memoryValue('User likes tea'));
  });

  test('the agent updates a memory the background extraction wrote, and history tells them apart', async () => {
    const tool = createManageMemoryTool({ namespace: ['memories', '{user_id}'], store: memories });
    const { config, namespace } = run();
    // As the extraction stores a memory: LangMem's value shape, written by another actor.
    await memories.put(namespace, 'extracted-1', memoryValue('User has a dog named Fido'), { actor: 'extraction-test' });
    await tool.invoke({ action: 'update', id: 'extracted-1', content: 'User has two dogs, Fido and Rex' }, config);
    expect((await memories.history(namespace, 'extracted-1')).map((c) => c.by.actor)).toEqual(['extraction-test', 'manage_memory']);
  });
});

describe('permitted actions', () => {
  test('a delete is refused when the tool was built without it, the memory unchanged; delete is not offered', async () => {
    const tool = createManageMemoryTool({ namespace: ['memories', '{user_id}'], store: memories, actionsPermitted: ['create', 'update'] });
    const { config, namespace } = run();
    const key = createdKey(await tool.invoke({ content: 'User likes jazz' }, config));

    await expect(tool.invoke({ action: 'delete' as 'create', id: key }, config)).rejects.toThrow(
      'action "delete" is not permitted for manage_memory; permitted: create, update',
    );
    expect(await memories.get(namespace, key)).toMatchObject({ value: memoryValue('User likes jazz'), version: 1 });
    expect((await memories.history(namespace, key)).map((c) => c.action)).toEqual(['insert']);

    expect(argsSchema(tool).properties['action']?.enum).toEqual(['create', 'update']);
    expect(tool.description).not.toMatch(/delete/i);
    expect(tool.description).toMatch(/^Create or update a persistent MEMORY/);
  });

  test('a create-only tool offers no id; a delete-only tool offers no content and defaults to delete', async () => {
    const createOnly = createManageMemoryTool({ namespace: ['memories', '{user_id}'], store: memories, actionsPermitted: ['create'] });
    expect(Object.keys(argsSchema(createOnly).properties).sort()).toEqual(['action', 'content']);
    expect(createOnly.description).not.toMatch(/update|delete/i);

    const deleteOnly = createManageMemoryTool({ namespace: ['memories', '{user_id}'], store: memories, actionsPermitted: ['delete'], name: 'forget_memory' });
    expect(Object.keys(argsSchema(deleteOnly).properties).sort()).toEqual(['action', 'id']);
    const { config, namespace } = run();
    await memories.put(namespace, 'old', memoryValue('User lives in Paris'));
    expect(await deleteOnly.invoke({ id: 'old' }, config)).toBe('deleted memory old');
    expect(await memories.get(namespace, 'old')).toBeNull();
    await expect(deleteOnly.invoke({ action: 'update' as 'delete', id: 'old' }, config)).rejects.toThrow(
      /"update" is not permitted for forget_memory; permitted: delete/,
    );
  });

  test('an empty or unknown list is refused when the tool is built', () => {
    expect(() => createManageMemoryTool({ namespace: ['memories'], actionsPermitted: [] })).toThrow(ConfigurationError);
    expect(() => createManageMemoryTool({ namespace: ['memories'], actionsPermitted: ['erase' as 'delete'] })).toThrow(/unknown action "erase"/);
  });

  test('mistakes the model makes get messages it can act on, and write nothing', async () => {
    const tool = createManageMemoryTool({ namespace: ['memories', '{user_id}'], store: memories });
    const { config, namespace } = run();
    await expect(tool.invoke({ content: 'x', id: 'mine' }, config)).rejects.toThrow('id: a MEMORY ID cannot be given when creating a MEMORY');
    await expect(tool.invoke({ action: 'update', content: 'x' }, config)).rejects.toThrow('id: the MEMORY ID is required to update a MEMORY');
    await expect(tool.invoke({ action: 'delete' }, config)).rejects.toThrow(InvalidInputError);
    await expect(tool.invoke({ action: 'update', id: 'no-such-id', content: 'x' }, config)).rejects.toThrow(/no MEMORY with ID "no-such-id"/);
    await expect(tool.invoke({ action: 'delete', id: 'no-such-id' }, config)).rejects.toThrow(/no MEMORY with ID "no-such-id"/);
    await expect(tool.invoke({}, config)).rejects.toThrow('content: required to create a MEMORY');
    expect(await memories.search(namespace)).toEqual([]);
  });
});

describe('namespace templates', () => {
  test('a missing configurable key is a ConfigurationError naming it', async () => {
    const tool = createManageMemoryTool({ namespace: ['memories', '{user_id}'], store: memories });
    const error: unknown = await tool.invoke({ content: 'User likes dogs' }, { configurable: { userId: 'alice' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/^config\.configurable\.user_id: required by namespace template label 1 "\{user_id\}"/);
    await expect(tool.invoke({ content: 'User likes dogs' })).rejects.toThrow(/config\.configurable\.user_id: required/);
  });

  test('filled labels are validated like every namespace: a value cannot reach another namespace', async () => {
    const tool = createManageMemoryTool({ namespace: ['memories', '{user_id}'], store: memories });
    await expect(tool.invoke({ content: 'x' }, { configurable: { user_id: 'a.b' } })).rejects.toThrow(
      /config\.configurable\.user_id: namespace labels must not contain "\." \(it fills namespace label 1/,
    );
    await expect(tool.invoke({ content: 'x' }, { configurable: { user_id: '' } })).rejects.toThrow(InvalidInputError);
    await expect(tool.invoke({ content: 'x' }, { configurable: { user_id: 'a\u001fb' } })).rejects.toThrow(/U\+001F/);
    await expect(tool.invoke({ content: 'x' }, { configurable: { user_id: { id: 1 } } })).rejects.toThrow(/must be a string or a number/);
    // Numbers fill labels as text; several placeholders fill independently.
    const teamTool = createManageMemoryTool({ namespace: ['{org}', 'team', '{team_id}'], store: memories });
    const org = uniqueId('org');
    const key = createdKey(await teamTool.invoke({ content: 'Team ships on Fridays' }, { configurable: { org, team_id: 42 } }));
    expect(await memories.get([org, 'team', '42'], key)).not.toBeNull();
  });

  test('a template the store would refuse is refused when the tool is built', () => {
    expect(() => createManageMemoryTool({ namespace: [] })).toThrow(/namespace: needs at least one label/);
    expect(() => createManageMemoryTool({ namespace: ['memories', 'a.b'] })).toThrow(/namespace\.1: namespace labels must not contain "\."/);
    expect(() => createManageMemoryTool({ namespace: ['memories'], name: 'manage memory' })).toThrow(ConfigurationError);
  });
});

describe('which store', () => {
  test("without a store option the tool writes to the running graph's DynamoLangGraphStore (through LangGraph's wrapper)", async () => {
    const tool = createManageMemoryTool({ namespace: ['memories', '{user_id}'] });
    const graph = new StateGraph(MessagesAnnotation)
      .addNode('tools', new ToolNode([tool]))
      .addEdge(START, 'tools')
      .addEdge('tools', END)
      .compile({ store: new DynamoLangGraphStore(memories) });
    const { config, namespace } = run();
    const call = new AIMessage({ content: '', tool_calls: [{ id: 'call-1', name: 'manage_memory', args: { content: 'User likes hiking' } }] });
    const result = await graph.invoke({ messages: [call] }, config);
    const reply = result.messages.at(-1) as ToolMessage;
    const key = createdKey(reply.content);
    expect(await memories.get(namespace, key)).toMatchObject({ value: memoryValue('User likes hiking') });
    expect((await memories.history(namespace, key))[0]?.by).toEqual({ kind: 'api', actor: 'manage_memory' });
  });

  test("inside a graph a refusal reaches the model as the tool's error result, not a crash", async () => {
    const tool = createManageMemoryTool({ namespace: ['memories', '{user_id}'], actionsPermitted: ['create'] });
    const graph = new StateGraph(MessagesAnnotation)
      .addNode('tools', new ToolNode([tool]))
      .addEdge(START, 'tools')
      .addEdge('tools', END)
      .compile({ store: new DynamoLangGraphStore(memories) });
    const { config } = run();
    const call = new AIMessage({ content: '', tool_calls: [{ id: 'call-2', name: 'manage_memory', args: { action: 'delete', id: 'x' } }] });
    const reply = (await graph.invoke({ messages: [call] }, config)).messages.at(-1) as ToolMessage;
    expect(reply.status).toBe('error');
    expect(reply.text).toMatch(/"delete" is not permitted for manage_memory; permitted: create/);
  });

  test('no store anywhere, or a store not backed by DynamoDB, is a ConfigurationError saying what to do', async () => {
    const tool = createManageMemoryTool({ namespace: ['memories', '{user_id}'] });
    await expect(tool.invoke({ content: 'x' }, run().config)).rejects.toThrow(/no memory store: build the tool with \{ store \}/);
    const inMemory = createManageMemoryTool({ namespace: ['memories', '{user_id}'], store: new InMemoryStore() as unknown as DynamoMemoryStore });
    await expect(inMemory.invoke({ content: 'x' }, run().config)).rejects.toThrow(/is a InMemoryStore, not backed by DynamoDB/);
  });

  test('a tenant-bound store refuses namespaces outside the tenant, before writing', async () => {
    const { config, namespace } = run();
    const tenantTool = createManageMemoryTool({ namespace: ['memories', '{user_id}'], store: new DynamoLangGraphStore(memories).forTenant(namespace) });
    const key = createdKey(await tenantTool.invoke({ content: 'User likes tea' }, config));
    expect(await memories.get(namespace, key)).not.toBeNull();
    const other = run();
    await expect(tenantTool.invoke({ content: 'User likes coffee' }, other.config)).rejects.toThrow(TenantAccessError);
    expect(await memories.search(other.namespace)).toEqual([]);
  });
});
