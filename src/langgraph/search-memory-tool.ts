/**
 * The hot-path read tool, LangMem's `create_search_memory_tool` for LangGraph.js: the agent searches its
 * memories — the ones the background extraction wrote and its own — when it needs them, instead of the
 * app stuffing every memory into each prompt.
 */
import { tool, type StructuredToolInterface } from '@langchain/core/tools';
import { z } from 'zod';
import { DEFAULT_SEARCH_LIMIT, MAX_QUERY_CHARS, MAX_SEARCH_LIMIT } from '../defaults';
import { ConfigurationError } from '../errors';
import type { SearchItem } from '../store/memory-types';
import { NamespaceTemplate } from './namespace-template';
import { resolveMemoryStore, type MemoryToolStore } from './resolve-memory-store';

/** The search tool's name unless given another (LangMem's). */
export const DEFAULT_SEARCH_MEMORY_TOOL_NAME = 'search_memory';

/** Options of {@link createSearchMemoryTool}. */
export interface SearchMemoryToolOptions {
  /**
   * The namespace prefix searched: labels, or `{name}` placeholders filled from the run's
   * `config.configurable` at each call (`['memories', '{user_id}']`), as the manage tool's.
   */
  namespace: readonly string[];
  /** Appended to the tool's description (when to search, what for). @default none, as LangMem */
  instructions?: string;
  /** The store to read. @default the running graph's store, which must be a {@link DynamoLangGraphStore} */
  store?: MemoryToolStore;
  /**
   * `'content'`: the tool's result is the memories as JSON text. `'content_and_artifact'`: the same text,
   * and the items themselves (with `version` and `score`) as the tool message's `artifact`, for app code
   * that reads the agent's tool results (LangMem's `response_format`). @default 'content'
   */
  responseFormat?: 'content' | 'content_and_artifact';
  /** The tool's name, as the model sees it. @default DEFAULT_SEARCH_MEMORY_TOOL_NAME ('search_memory') */
  name?: string;
}

/** One memory as the model reads it in the tool's result: the `id` the manage tool takes, and the value. */
export interface FoundMemory {
  id: string;
  namespace: string[];
  value: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  score?: number;
}

const toolNameSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'tool names are 1–64 letters, digits, "_" or "-" (the Messages API rule)');

const searchInputSchema = z.object({
  query: z.string().max(MAX_QUERY_CHARS).describe('What to look for; memories are ranked by relevance to it.'),
  limit: z.number().int().min(1).max(MAX_SEARCH_LIMIT).optional().describe(`Most memories returned. @default ${DEFAULT_SEARCH_LIMIT}`),
  offset: z.number().int().min(0).optional().describe('Memories skipped first, to page through results. @default 0'),
  filter: z.record(z.string(), z.unknown()).optional().describe('Only memories whose value matches, e.g. {"kind": "Memory"} or {"content.age": {"$gt": 30}}.'),
});

/**
 * A LangChain tool with which an agent searches its memories: `{query, limit?, offset?, filter?}` over the
 * namespace prefix, ranked as the store ranks (lexical BM25, or embeddings when the store has an
 * embedder), answered as JSON text with each memory's `id` for the manage tool. A tenant-bound store
 * keeps the search inside the tenant.
 *
 * @example
 * const searchMemory = createSearchMemoryTool({ namespace: ['memories', '{user_id}'] });
 * // In a graph compiled with { store: new DynamoLangGraphStore(memories) }, the model calls
 * // search_memory({ query: "user's dog" }) and reads:
 * // [{"id":"1b2…","namespace":["memories","alice"],"value":{"kind":"Memory","content":{"content":"User has a dog named Fido"}},…,"score":0.83}]
 *
 * // Outside a graph, with the items as artifact:
 * const search = createSearchMemoryTool({ namespace: ['memories', '{user_id}'], store, responseFormat: 'content_and_artifact' });
 * const message = await search.invoke(
 *   { type: 'tool_call', id: 'call-1', name: 'search_memory', args: { query: 'dog', limit: 3 } },
 *   { configurable: { user_id: 'alice' } },
 * ); // ToolMessage: content is the JSON text, artifact the SearchItems
 */
export function createSearchMemoryTool(options: SearchMemoryToolOptions): StructuredToolInterface {
  const named = toolNameSchema.safeParse(options.name ?? DEFAULT_SEARCH_MEMORY_TOOL_NAME);
  if (!named.success) throw new ConfigurationError(`name: ${named.error.issues.map((i) => i.message).join('; ')}`);
  const name = named.data;
  const template = new NamespaceTemplate(options.namespace);
  const responseFormat = options.responseFormat ?? 'content';
  if (responseFormat !== 'content' && responseFormat !== 'content_and_artifact') {
    throw new ConfigurationError(`responseFormat: must be "content" or "content_and_artifact"`);
  }
  const instructions = options.instructions?.trim();
  const description = `Search your long-term memories for information relevant to your current context.${instructions ? ` ${instructions}` : ''}`;

  return tool(
    async (input, config): Promise<string | [string, SearchItem[]]> => {
      const { query, limit, offset, filter } = input;
      const store = resolveMemoryStore(options.store, config as { store?: unknown }, name);
      const namespace = template.fill(config?.configurable as Record<string, unknown> | undefined);
      const items = await store.search(namespace, { query, filter, limit: limit ?? DEFAULT_SEARCH_LIMIT, offset: offset ?? 0 });
      const text = JSON.stringify(items.map(forModel));
      return responseFormat === 'content_and_artifact' ? [text, items] : text;
    },
    { name, description, schema: searchInputSchema, responseFormat },
  ) as StructuredToolInterface;
}

/** The fields the model needs; the version is the store's business (the artifact keeps it). */
function forModel(item: SearchItem): FoundMemory {
  return {
    id: item.key,
    namespace: item.namespace,
    value: item.value,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    ...(item.score !== undefined ? { score: item.score } : {}),
  };
}
