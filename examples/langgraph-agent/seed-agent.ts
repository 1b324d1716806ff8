/**
 * The seed as what it is: an agent that chats and remembers. A LangGraph.js agent (Claude through
 * `@langchain/anthropic`, with the search and manage memory tools) talks with a user; each turn's new
 * messages are submitted to the durable memory manager with a quiet period (`afterSeconds`), whose
 * background extraction stores what is worth keeping in DynamoDB; in a later turn the agent recalls it
 * through `search_memory`.
 *
 *   npx tsx examples/langgraph-agent/seed-agent.ts
 *
 * Everything runs in this process on the embedded test stack (Temporal dev server, DynamoDB Local, a
 * worker). Without ANTHROPIC_API_KEY both the agent and the extraction talk to a fake Messages API with
 * scripted replies, and the first line printed says so.
 */
import { ChatAnthropic } from '@langchain/anthropic';
import { AIMessage, HumanMessage, SystemMessage, type BaseMessage } from '@langchain/core/messages';
import { END, MemorySaver, MessagesAnnotation, START, StateGraph } from '@langchain/langgraph';
import { ToolNode, toolsCondition } from '@langchain/langgraph/prebuilt';
import { randomUUID } from 'node:crypto';
import type { MessageInput } from 'durable-memory-manager';
import { createManageMemoryTool, createSearchMemoryTool, DynamoLangGraphStore } from 'durable-memory-manager/langgraph';
import { startMemoryTestStack, type MemoryTestStackOptions } from 'durable-memory-manager/testing';
import { fakeScript } from './fake-model-script';

/**
 * Where memories live. The seed (LangMem's README) uses one shared namespace, `("memories",)`; an app with
 * users gives each their own — `{user_id}` is filled from the run's `configurable`, both by `submit` and
 * by the tools, so the agent searches exactly what the extraction wrote for that user.
 */
const NAMESPACE = ['memories', '{user_id}'];
/** The quiet period before extraction: short, so the example is quick; a chat app might wait minutes. */
const AFTER_SECONDS = 0.5;
/** Claude model of the agent when a key is set. */
const AGENT_MODEL = process.env['ANTHROPIC_MODEL'] ?? 'claude-haiku-5-5';
/** Requests the example makes of the fake: turn 1 (one reply), the extraction, turn 2 (tool call, answer). */
const FAKE_REQUESTS = 4;

/** The text of a memory in LangMem's shape, `{kind: 'Memory', content: {content}}`. */
const memoryText = (value: Record<string, unknown>): string => (value['content'] as { content?: string } | undefined)?.content ?? JSON.stringify(value);

const SYSTEM_PROMPT =
  'You are a friendly assistant with long-term memory. Before answering a question about the user, call search_memory. ' +
  'Save what the user asks you to remember with manage_memory; other memories are extracted in the background.';

/** Options of {@link main}. */
export interface SeedAgentOptions {
  /** Passed to the test stack, e.g. servers to reuse instead of starting new ones. */
  stack?: MemoryTestStackOptions;
  /** Where lines go. @default console.log */
  log?: (line: string) => void;
}

/** What the run observed. */
export interface SeedAgentResult {
  /** Whether Claude or the fake Messages API answered. */
  model: 'claude' | 'fake';
  /** Texts of the memories stored for the user after the extraction. */
  memories: string[];
  /** The queries the agent passed to search_memory in the last turn. */
  searches: string[];
  /** The agent's final answer in the last turn. */
  answer: string;
}

export async function main(options: SeedAgentOptions = {}): Promise<SeedAgentResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const apiKey = process.env['ANTHROPIC_API_KEY'] || undefined;
  log(
    apiKey
      ? `Using Claude (${AGENT_MODEL}) through the Anthropic API for the agent and the extraction.`
      : 'No ANTHROPIC_API_KEY set: the agent and the extraction talk to a FAKE Messages API on 127.0.0.1 with scripted replies (not a live model). Set ANTHROPIC_API_KEY to use Claude.',
  );
  const stack = await startMemoryTestStack({ ...options.stack, anthropicApiKey: apiKey });
  try {
    stack.fake?.script(...fakeScript(FAKE_REQUESTS));
    const model = new ChatAnthropic({
      model: apiKey ? AGENT_MODEL : 'fake-model',
      apiKey: apiKey ?? 'fake-key-for-the-local-fake-messages-api',
      ...(stack.fake ? { anthropicApiUrl: stack.fake.baseURL, maxRetries: 0 } : {}),
    });
    const tools = [createSearchMemoryTool({ namespace: NAMESPACE }), createManageMemoryTool({ namespace: NAMESPACE })];
    const agent = model.bindTools(tools);
    const graph = new StateGraph(MessagesAnnotation)
      .addNode('agent', async (state) => ({ messages: [await agent.invoke([new SystemMessage(SYSTEM_PROMPT), ...state.messages])] }))
      .addNode('tools', new ToolNode(tools))
      .addEdge(START, 'agent')
      .addConditionalEdges('agent', toolsCondition, ['tools', END])
      .addEdge('tools', 'agent')
      // The tools find the store here (LangGraph hands it to them): the memories the worker writes.
      .compile({ checkpointer: new MemorySaver(), store: new DynamoLangGraphStore(stack.store) });

    const userId = 'user-1';
    const threadId = `seed-${randomUUID().slice(0, 8)}`;
    const config = { configurable: { thread_id: threadId, user_id: userId } };

    /** One chat turn: the agent answers, then the turn's new user and assistant messages go to the memory manager. */
    const turn = async (text: string): Promise<BaseMessage[]> => {
      log(`user: ${text}`);
      const before = ((await graph.getState(config)).values as { messages?: BaseMessage[] }).messages?.length ?? 0;
      const result = await graph.invoke({ messages: [new HumanMessage(text)] }, config);
      const added = result.messages.slice(before);
      const answer = added.at(-1)?.text ?? '';
      log(`agent: ${answer}`);
      const submitted: MessageInput[] = [{ role: 'user', content: text }, ...(answer ? [{ role: 'assistant' as const, content: answer }] : [])];
      await stack.memory.submit(threadId, submitted, { afterSeconds: AFTER_SECONDS, namespace: NAMESPACE, config: { configurable: { user_id: userId } } });
      return added;
    };

    await turn("I like dogs. My dog's name is Fido.");
    log(`submitted; the thread waits ${AFTER_SECONDS} s of quiet, then extracts (flushing so the example does not race the timer)...`);
    const flushed = await stack.memory.flush(threadId);
    log(`extracted: ${flushed.inserted} inserted, ${flushed.updated} updated, ${flushed.deleted} deleted`);
    const memories = (await stack.memory.search(['memories', userId])).map((item) => memoryText(item.value));
    for (const memory of memories) log(`  memory: ${memory}`);

    const added = await turn("What's my dog's name?");
    const searches = added
      .flatMap((m) => (m instanceof AIMessage ? (m.tool_calls ?? []) : []))
      .filter((call) => call.name === 'search_memory')
      .map((call) => (call.args as { query?: string }).query ?? '');
    log(`the agent searched its memories for: ${searches.map((q) => JSON.stringify(q)).join(', ') || '(nothing)'}`);
    const unexpected = stack.fake?.unexpected.length ?? 0;
    if (unexpected > 0) throw new Error(`the fake Messages API got ${unexpected} request(s) beyond its script`);
    return { model: apiKey ? 'claude' : 'fake', memories, searches, answer: added.at(-1)?.text ?? '' };
  } finally {
    await stack.stop();
    log('stopped everything the example started');
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
