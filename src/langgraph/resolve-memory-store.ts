/**
 * Which memory store a tool call uses: the one the tool was built with, else the store of the running
 * LangGraph graph (`compile({ store })`, reaching tools as `config.store`, or through LangChain's async
 * context as LangGraph's `getStore()` reads it). Either way the tool ends at a {@link DynamoMemoryStore},
 * because its writes need what only that store has: versions, history with an actor, soft deletes,
 * tenancy. Another `BaseStore` (an `InMemoryStore`, say) is refused rather than written to without them.
 */
import type { BaseStore } from '@langchain/langgraph-checkpoint';
import { AsyncLocalStorageProviderSingleton } from '@langchain/core/singletons';
import { ConfigurationError } from '../errors';
import { DynamoMemoryStore } from '../store/memory-store';
import { DynamoLangGraphStore } from './langgraph-store';

/** What a tool may be given as its `store`. */
export type MemoryToolStore = DynamoMemoryStore | DynamoLangGraphStore;

/** How deep wrappers are followed: LangGraph wraps a graph's store once (`AsyncBatchedStore`). */
const MAX_WRAPPERS = 4;

/**
 * The memory store of one tool call.
 * @throws ConfigurationError when the tool has no store and the run has none, or the run's store is not
 *   backed by DynamoDB
 */
export function resolveMemoryStore(explicit: MemoryToolStore | undefined, config: { store?: unknown } | undefined, tool: string): DynamoMemoryStore {
  if (explicit) return unwrap(explicit, tool);
  const runStore = config?.store ?? (AsyncLocalStorageProviderSingleton.getRunnableConfig() as { store?: unknown } | undefined)?.store;
  if (runStore === undefined || runStore === null) {
    throw new ConfigurationError(`${tool}: no memory store: build the tool with { store } or compile the graph with { store: new DynamoLangGraphStore(...) }`);
  }
  return unwrap(runStore, tool);
}

/** Follows LangGraph's wrappers (`AsyncBatchedStore` keeps the graph's store as `store`) down to ours. */
function unwrap(candidate: unknown, tool: string): DynamoMemoryStore {
  let current = candidate;
  for (let depth = 0; depth <= MAX_WRAPPERS; depth++) {
    if (current instanceof DynamoMemoryStore) return current;
    if (current instanceof DynamoLangGraphStore) return current.memoryStore;
    const inner = typeof current === 'object' && current !== null ? (current as { store?: unknown }).store : undefined;
    if (inner === undefined) break;
    current = inner;
  }
  const kind = (candidate as BaseStore | null)?.constructor?.name ?? typeof candidate;
  throw new ConfigurationError(
    `${tool}: the graph's store is a ${kind}, not backed by DynamoDB: the memory tools need a DynamoLangGraphStore ` +
      '(or pass { store } when building the tool) so writes keep versions, history and tenancy',
  );
}
