/**
 * `durable-memory-manager/langgraph`: memories for LangGraph.js agents — the store adapter a graph is
 * compiled with, and LangMem's two hot-path tools (the agent saves and searches memories itself), all
 * over the same DynamoDB memories the background extraction maintains.
 *
 * @example
 * import { DynamoMemoryStore } from 'durable-memory-manager';
 * import { DynamoLangGraphStore, createManageMemoryTool, createSearchMemoryTool } from 'durable-memory-manager/langgraph';
 *
 * const store = new DynamoLangGraphStore(new DynamoMemoryStore(doc, 'langmem-memories'));
 * const tools = [
 *   createManageMemoryTool({ namespace: ['memories', '{user_id}'] }),
 *   createSearchMemoryTool({ namespace: ['memories', '{user_id}'] }),
 * ];
 * const graph = new StateGraph(MessagesAnnotation)
 *   .addNode('agent', async (state) => ({ messages: [await model.bindTools(tools).invoke(state.messages)] }))
 *   .addNode('tools', new ToolNode(tools))
 *   .addEdge(START, 'agent')
 *   .addConditionalEdges('agent', toolsCondition, ['tools', END])
 *   .addEdge('tools', 'agent')
 *   .compile({ store });
 * await graph.invoke({ messages: [new HumanMessage("What's my dog's name?")] }, { configurable: { user_id: 'alice' } });
 */

/** LangGraph.js's `BaseStore` over the DynamoDB memory store: pass it as a graph's `store`. */
export { DynamoLangGraphStore, type LangGraphStoreOptions } from './langgraph-store';

/** The agent creates, updates and deletes its memories (LangMem's `create_manage_memory_tool`). */
export {
  createManageMemoryTool,
  DEFAULT_MANAGE_MEMORY_INSTRUCTIONS,
  DEFAULT_MANAGE_MEMORY_TOOL_NAME,
  type ManageMemoryToolOptions,
  type ManageMemoryArtifact,
  type MemoryAction,
  type MemoryKindSchema,
} from './manage-memory-tool';

/** The agent searches its memories (LangMem's `create_search_memory_tool`). */
export { createSearchMemoryTool, DEFAULT_SEARCH_MEMORY_TOOL_NAME, type SearchMemoryToolOptions } from './search-memory-tool';

/** What the tools accept as their `store` option. */
export type { MemoryToolStore } from './resolve-memory-store';
