/**
 * LangGraph.js's store interface (`BaseStore` of `@langchain/langgraph-checkpoint`) over the DynamoDB
 * memory store, so a LangGraph agent reads and writes the same memories the background extraction
 * maintains: what the agent `put`s, later extractions see; what extractions write, the agent `search`es.
 *
 * The adapter is thin: it validates namespaces with LangGraph's rules (and ours), maps each operation of
 * `batch` onto {@link DynamoMemoryStore} and converts items to LangGraph's shapes. Ranking, filters,
 * versions, history and tenancy are the store's.
 */
import {
  BaseStore,
  InvalidNamespaceError,
  validateNamespace,
  type GetOperation,
  type Item,
  type ListNamespacesOperation,
  type MatchCondition,
  type Operation,
  type OperationResults,
  type PutOperation,
  type SearchItem,
  type SearchOperation,
} from '@langchain/langgraph-checkpoint';
import { InvalidInputError } from '../errors';
import { namespaceLabelProblem, namespaceProblem } from '../rules';
import type { DynamoMemoryStore, WriteOptions } from '../store/memory-store';
import type { MemoryItem, SearchItem as MemorySearchItem } from '../store/memory-types';

/** Options of {@link DynamoLangGraphStore}. */
export interface LangGraphStoreOptions {
  /** Recorded as the `actor` of every change the adapter makes, in the memory's history (e.g. the agent's name). */
  actor?: string;
  /** Every put through the adapter expires this many seconds after it is written (LangGraph.js's put has no TTL of its own). */
  ttlSeconds?: number;
}

/** One operation of a batch, recognised and validated. */
type Step =
  | { kind: 'get'; op: GetOperation }
  | { kind: 'search'; op: SearchOperation }
  | { kind: 'put'; op: PutOperation }
  | { kind: 'list'; op: ListNamespacesOperation; prefix: string[] | undefined; suffix: string[] | undefined; impossible: boolean };

/**
 * A LangGraph.js `BaseStore` backed by a {@link DynamoMemoryStore}: pass it to a graph as its `store`, or
 * call `get` / `put` / `delete` / `search` / `listNamespaces` on it directly.
 *
 * - **Items** come back in LangGraph's shapes: `createdAt` / `updatedAt` as `Date`s, and `score` on the
 *   results of a search with a `query` (lexical BM25, or cosine similarity when the store has an embedder).
 *   The store's `version` is not part of LangGraph's `Item` and is left out; {@link memoryStore} has it,
 *   with `history` and `restore`.
 * - **Order within `batch`** is the order of the operations, as if they ran one by one: each run of
 *   consecutive reads (get, search, listNamespaces) runs concurrently — reads cannot affect one another —
 *   and each put or delete waits for everything before it and holds back everything after it, so writes
 *   land in order and a read after a write in the same batch sees it. (LangGraph's `InMemoryStore`
 *   instead answers every read of a batch from the state before the batch and applies the writes last.)
 *   Namespaces of every operation are validated before any runs; beyond that a batch is not atomic: when
 *   an operation fails the batch rejects, and the writes before it stay.
 * - **`index` of a put** (`false` or a list of field paths) is accepted and ignored: the store decides
 *   what is searchable itself — a memory's text (LangMem's `content.content`, else every string in the
 *   value), ranked lexically at query time or embedded once on write. Honouring per-item field lists
 *   would need several vectors per memory and would make items written by the extraction, which never
 *   pass `index`, rank differently from the agent's own; and inside a graph `index` never arrives anyway,
 *   since LangGraph's `AsyncBatchedStore.put` does not forward it. An item put with `index: false` is
 *   therefore still found by a query search.
 * - **Errors**: a namespace LangGraph would refuse (empty where one is required, empty labels, `.`, `:`,
 *   NUL) or that our keys cannot hold (U+001F; over MAX_NAMESPACE_LABELS labels, MAX_NAMESPACE_LABEL_CHARS
 *   a label or MAX_NAMESPACE_BYTES joined) throws LangGraph's `InvalidNamespaceError`, as `InMemoryStore`
 *   does. As there, the reserved root label `langgraph` is refused by `put` (LangGraph's own check) but
 *   accepted by `batch`. Other bad input (empty or over-long keys, values that are not objects, filters
 *   whose outcome would not depend on the data, limits over MAX_SEARCH_LIMIT) throws the store's
 *   `InvalidInputError`; a namespace outside a tenant throws `TenantAccessError`.
 * - **Tenancy**: built over a tenant-bound store (`store.forTenant([...])`) the adapter keeps the binding:
 *   an empty search or listing prefix means the tenant, anything outside it is refused.
 *
 * @example
 * const memories = new DynamoMemoryStore(doc, 'langmem-memories');
 * const store = new DynamoLangGraphStore(memories, { actor: 'support-agent' });
 *
 * // As a LangGraph graph's store (nodes reach it as `config.store`):
 * const graph = new StateGraph(MessagesAnnotation)
 *   .addNode('agent', async (state, config) => {
 *     const userId = config.configurable?.userId as string;
 *     const hits = await config.store!.search(['memories', userId], { query: lastMessageText(state), limit: 5 });
 *     return { messages: [await model.invoke([systemPrompt(hits), ...state.messages])] };
 *   })
 *   .addEdge(START, 'agent')
 *   .compile({ checkpointer, store });
 *
 * // Or directly, reading what the background extraction wrote:
 * const hits = await store.search(['memories', userId], { query: 'music taste' });
 * hits[0]?.value; // { kind: 'Memory', content: { content: 'User likes jazz' } }
 */
export class DynamoLangGraphStore extends BaseStore {
  constructor(
    /** The memory store behind the adapter (versions, `history`, `restore`, read statistics). */
    readonly memoryStore: DynamoMemoryStore,
    private readonly options: LangGraphStoreOptions = {},
  ) {
    super();
  }

  /** The same adapter over `memoryStore.forTenant(prefix)`: bound to that namespace prefix. */
  forTenant(prefix: readonly string[]): DynamoLangGraphStore {
    return new DynamoLangGraphStore(this.memoryStore.forTenant(prefix), this.options);
  }

  /** Runs LangGraph store operations in order (reads between two writes concurrently); see the class comment. */
  override async batch<Op extends Operation[]>(operations: Op): Promise<OperationResults<Op>> {
    const steps = operations.map((op, i) => prepare(op, i));
    const results: unknown[] = new Array<unknown>(steps.length).fill(undefined);
    let reads: Promise<void>[] = [];
    for (const [i, step] of steps.entries()) {
      if (step.kind === 'put') {
        await Promise.all(reads);
        reads = [];
        await this.write(step.op);
      } else {
        reads.push(
          this.read(step).then((result) => {
            results[i] = result;
          }),
        );
      }
    }
    await Promise.all(reads);
    return results as OperationResults<Op>;
  }

  private async read(step: Exclude<Step, { kind: 'put' }>): Promise<Item | null | SearchItem[] | string[][]> {
    switch (step.kind) {
      case 'get': {
        const item = await this.memoryStore.get(step.op.namespace, step.op.key);
        return item ? toItem(item) : null;
      }
      case 'search': {
        const { namespacePrefix, query, filter, limit, offset } = step.op;
        // InMemoryStore answers a zero limit with nothing; the store only accepts limits from 1.
        if (limit === 0) return [];
        const items = await this.memoryStore.search(namespacePrefix, { query, filter, limit, offset });
        return items.map(toSearchItem);
      }
      case 'list': {
        const { maxDepth, limit, offset } = step.op;
        if (step.impossible || limit === 0) return [];
        return this.memoryStore.listNamespaces({ prefix: step.prefix, suffix: step.suffix, maxDepth, limit, offset });
      }
    }
  }

  private async write(op: PutOperation): Promise<void> {
    // op.index is ignored on purpose: see the class comment.
    const options: WriteOptions = { actor: this.options.actor, ttlSeconds: this.options.ttlSeconds };
    if (op.value === null) {
      await this.memoryStore.delete(op.namespace, op.key, options);
    } else {
      await this.memoryStore.put(op.namespace, op.key, op.value, options);
    }
  }
}

/** Recognises an operation as `InMemoryStore.batch` does, and validates its namespaces before anything runs. */
function prepare(op: Operation, index: number): Step {
  const field = `operations.${index}`;
  if (typeof op !== 'object' || op === null) throw new InvalidInputError(`${field}: not a LangGraph store operation`);
  if ('namespacePrefix' in op) {
    checkPath(op.namespacePrefix, `${field}.namespacePrefix`);
    return { kind: 'search', op };
  }
  if ('namespace' in op && 'key' in op) {
    checkNamespace(op.namespace, `${field}.namespace`);
    return 'value' in op ? { kind: 'put', op } : { kind: 'get', op };
  }
  if ('matchConditions' in op || 'limit' in op || 'offset' in op || 'maxDepth' in op) {
    const conditions = op.matchConditions ?? [];
    for (const [i, condition] of conditions.entries()) {
      if (condition.matchType !== 'prefix' && condition.matchType !== 'suffix') {
        throw new InvalidInputError(`${field}.matchConditions.${i}.matchType: must be "prefix" or "suffix"`);
      }
      checkPath(condition.path, `${field}.matchConditions.${i}.path`);
    }
    const prefix = mergePaths(conditions, 'prefix');
    const suffix = mergePaths(conditions, 'suffix');
    return { kind: 'list', op, prefix: prefix || undefined, suffix: suffix || undefined, impossible: prefix === null || suffix === null };
  }
  throw new InvalidInputError(`${field}: not a LangGraph store operation`);
}

/** A namespace of a get or put: LangGraph's rules (reserved root allowed, as `InMemoryStore.batch`), then ours. */
function checkNamespace(namespace: unknown, field: string): void {
  if (!Array.isArray(namespace)) throw new InvalidNamespaceError(`${field}: must be an array of labels`);
  validateNamespace(namespace as string[], { allowReservedRoot: true });
  const problem = namespaceProblem(namespace);
  if (problem) throw new InvalidNamespaceError(`${field}: ${problem}`);
}

/** A search prefix or listing path: may be empty, and `*` stands for any label. */
function checkPath(path: unknown, field: string): void {
  if (!Array.isArray(path)) throw new InvalidNamespaceError(`${field}: must be an array of labels`);
  validateNamespace(path as string[], { allowEmpty: true, allowReservedRoot: true });
  for (const [i, label] of path.entries()) {
    const problem = label === '*' ? null : namespaceLabelProblem(label);
    if (problem) throw new InvalidNamespaceError(`${field}.${i}: ${problem}`);
  }
}

/**
 * The one prefix (or suffix) equivalent to all conditions of that type: labels aligned at the start (the
 * end), a literal wherever any condition has one, `*` elsewhere. `false` when there is no condition of the
 * type (or only empty paths); null when two conditions want different labels at one place, so nothing matches.
 */
function mergePaths(conditions: readonly MatchCondition[], type: MatchCondition['matchType']): string[] | false | null {
  const paths = conditions.filter((c) => c.matchType === type).map((c) => c.path);
  const length = Math.max(0, ...paths.map((p) => p.length));
  if (length === 0) return false;
  const merged = new Array<string>(length).fill('*');
  for (const path of paths) {
    const shift = type === 'suffix' ? length - path.length : 0;
    for (const [i, label] of path.entries()) {
      if (label === '*') continue;
      const current = merged[shift + i];
      if (current !== '*' && current !== label) return null;
      merged[shift + i] = label;
    }
  }
  return merged;
}

function toItem(item: MemoryItem): Item {
  return {
    namespace: item.namespace,
    key: item.key,
    value: item.value,
    createdAt: new Date(item.createdAt),
    updatedAt: new Date(item.updatedAt),
  };
}

function toSearchItem(item: MemorySearchItem): SearchItem {
  return item.score === undefined ? toItem(item) : { ...toItem(item), score: item.score };
}
