/**
 * The memories an extraction shows the model, per its manager: a profile's one document; otherwise those
 * related to the batch — found by one search on the batch's text (`retrieval: 'batch'`, the default), by
 * LangMem's windows of the latest 1, 2, 4, … messages merged by score (`retrieval: 'windows'`), or by the
 * queries a query model writes (`queryModel`) — plus the namespace's newest few. A manager with a default
 * document gets it seeded here when its namespace has none (see docs/configuration.md "Default documents").
 */
import type { ThreadMessage, TokenUsage } from '../contract';
import { ConfigurationError } from '../errors';
import { PROFILE_KEY } from '../model/memory-tool';
import type { QueryWriter } from '../model/query-writer';
import type { MemoryOperation } from '../store/memory-operation';
import type { SearchCandidates } from '../store/memory-search';
import type { DynamoMemoryStore } from '../store/memory-store';
import type { MemoryItem } from '../store/memory-types';
import type { ResolvedManager } from './memory-manager';

/** The key of a non-profile manager's default document (LangMem's). */
export const DEFAULT_DOCUMENT_KEY = 'default';

/** Most windows one batch searches with: 1, 2, 4, … 64 messages and the whole batch. */
export const MAX_SEARCH_WINDOWS = 8;

/** What the activity needs to find related memories. */
export interface RelatedMemoryDependencies {
  store: Pick<DynamoMemoryStore, 'get' | 'relevantTo' | 'lastVersion' | 'searchCandidates'>;
  /** Writes the queries of managers with a `queryModel`. */
  queryWriter?: QueryWriter;
}

/** The memories to show and what finding them cost. */
export interface RelatedMemories {
  /** Most relevant first; includes `seed` when there is one. */
  items: MemoryItem[];
  /** The manager's default document, not yet stored: written with the batch (see {@link withDefaultDocument}). */
  seed?: MemoryItem;
  /** Searches run (0 for a profile). */
  searches: number;
  /** The query model's tokens and cost, when one wrote the queries. */
  queryUsage?: { usage: TokenUsage; costUsd?: number; model: string };
}

/**
 * The texts of the windows of the latest 1, 2, 4, … messages, the whole batch last (LangMem's dilated
 * windows): the newest messages weigh most, and older ones still reach memories about them.
 */
export function searchWindows(messages: readonly ThreadMessage[], maxWindows = MAX_SEARCH_WINDOWS): string[] {
  const sizes: number[] = [];
  for (let size = 1; size < messages.length && sizes.length < maxWindows - 1; size *= 2) sizes.push(size);
  if (messages.length > 0) sizes.push(messages.length);
  return sizes.map((size) =>
    messages
      .slice(-size)
      .map((m) => m.content)
      .join('\n'),
  );
}

/** The search texts of a batch for its manager, and the query model's usage when it wrote them. */
async function searchTexts(deps: RelatedMemoryDependencies, manager: ResolvedManager, messages: readonly ThreadMessage[], signal?: AbortSignal) {
  if (manager.queryModel !== undefined) {
    if (!deps.queryWriter) throw new ConfigurationError(`managers.${manager.name}.queryModel: this worker has no query writer (give the worker a queryWriter)`);
    const written = await deps.queryWriter.write({ model: manager.queryModel, messages, ...(signal ? { signal } : {}) });
    const { queries, ...queryUsage } = written;
    return { texts: queries, queryUsage };
  }
  if (manager.retrieval === 'windows') return { texts: searchWindows(messages) };
  return { texts: [messages.map((m) => m.content).join('\n')] };
}

/** The manager's default document for `namespace`, as a memory not yet stored (version after any deleted one). */
async function seedFor(deps: RelatedMemoryDependencies, manager: ResolvedManager, namespace: string[], key: string): Promise<MemoryItem | undefined> {
  if (!manager.defaultDocument) return undefined;
  const content = manager.defaultDocument({ namespace: [...namespace] });
  const now = new Date().toISOString();
  const version = (await deps.store.lastVersion(namespace, key)) + 1;
  return { namespace, key, value: { kind: manager.schemas[0]?.kind, content }, createdAt: now, updatedAt: now, version };
}

/**
 * What finding a batch's related memories reads from the store, none of which depends on the batch's text:
 * a profile's document, or the search candidates and the default document. Read by {@link readRelated}
 * ahead of the messages when the namespace is known first (the extraction reads them side by side).
 */
export type RelatedReads = { profile: MemoryItem | null } | { candidates: SearchCandidates; document: MemoryItem | null };

/** A search manager's reads: the candidates its search ranks and its default document (when it has one). */
async function readSearch(deps: RelatedMemoryDependencies, manager: ResolvedManager, namespace: string[]) {
  const [candidates, document] = await Promise.all([
    deps.store.searchCandidates(namespace),
    manager.defaultDocument ? deps.store.get(namespace, DEFAULT_DOCUMENT_KEY) : Promise.resolve(null),
  ]);
  return { candidates, document };
}

/** The reads {@link relatedMemories} needs for `manager` in `namespace` (see {@link RelatedReads}). */
export async function readRelated(deps: RelatedMemoryDependencies, manager: ResolvedManager, namespace: string[]): Promise<RelatedReads> {
  return manager.profile ? { profile: await deps.store.get(namespace, PROFILE_KEY) } : readSearch(deps, manager, namespace);
}

/**
 * The memories an extraction of `messages` shows the model (see the module comment). `reads`: what
 * {@link readRelated} read ahead for this manager and namespace; read here (beside writing the queries) when absent.
 */
export async function relatedMemories(
  deps: RelatedMemoryDependencies,
  manager: ResolvedManager,
  namespace: string[],
  messages: readonly ThreadMessage[],
  signal?: AbortSignal,
  reads?: RelatedReads,
): Promise<RelatedMemories> {
  if (manager.profile) {
    const profile = reads && 'profile' in reads ? reads.profile : await deps.store.get(namespace, PROFILE_KEY);
    if (profile) return { items: [profile], searches: 0 };
    const seed = await seedFor(deps, manager, namespace, PROFILE_KEY);
    return seed ? { items: [seed], seed, searches: 0 } : { items: [], searches: 0 };
  }
  const ahead = reads && 'candidates' in reads ? reads : undefined;
  // A query model's call goes first when the reads are still to do: a failed read must not leave it running.
  const [{ texts, queryUsage }, { candidates, document }] =
    manager.queryModel !== undefined && !ahead
      ? [await searchTexts(deps, manager, messages, signal), await readSearch(deps, manager, namespace)]
      : await Promise.all([searchTexts(deps, manager, messages, signal), ahead ?? readSearch(deps, manager, namespace)]);
  const found = await deps.store.relevantTo(namespace, texts, { queryLimit: manager.queryLimit, newest: manager.newestShown }, candidates);
  const withUsage = queryUsage ? { queryUsage } : {};
  // The default document is the one the model is there to update: always shown when it exists.
  if (document) return { items: [document, ...found.filter((item) => item.key !== document.key)], searches: texts.length, ...withUsage };
  const seed = found.length === 0 ? await seedFor(deps, manager, namespace, DEFAULT_DOCUMENT_KEY) : undefined;
  return { items: seed ? [seed] : found, ...(seed ? { seed } : {}), searches: texts.length, ...withUsage };
}

/**
 * The operations to write for a batch whose model saw `seed` (a default document not yet stored): an
 * update of it becomes the document's insert, seeded (history: the default, then the update); otherwise
 * the default is inserted as it is, after the model's operations (so their inserted keys do not move).
 */
export function withDefaultDocument(operations: readonly MemoryOperation[], seed: MemoryItem | undefined): MemoryOperation[] {
  if (!seed) return [...operations];
  const kind = String(seed.value['kind']);
  const content = seed.value['content'] as Record<string, unknown>;
  const others = operations.filter((op) => op.action === 'insert' || op.id !== seed.key);
  const update = operations.find((op): op is Extract<MemoryOperation, { action: 'update' }> => op.action === 'update' && op.id === seed.key);
  // The passes that shaped the update (a manager with phases) go with it into the document's history.
  const passes = update ? { ...(update.phase !== undefined ? { phase: update.phase } : {}), ...(update.phases ? { phases: update.phases } : {}) } : {};
  const document: MemoryOperation = update
    ? { action: 'insert', kind, content: update.content, key: seed.key, version: seed.version + 1, seeded: { content, version: seed.version }, ...passes }
    : { action: 'insert', kind, content, key: seed.key, version: seed.version };
  return [...others, document];
}

/** Token usage of the extraction plus the query model's. */
export function withQueryUsage<T extends { usage: TokenUsage; costUsd?: number }>(extraction: T, related: RelatedMemories): T {
  const query = related.queryUsage;
  if (!query) return extraction;
  const usage = { inputTokens: extraction.usage.inputTokens + query.usage.inputTokens, outputTokens: extraction.usage.outputTokens + query.usage.outputTokens };
  // A cost is only a cost when both parts are priced: half a sum would read as the whole.
  const { costUsd: _partial, ...rest } = extraction;
  const costUsd = extraction.costUsd !== undefined && query.costUsd !== undefined ? Math.round((extraction.costUsd + query.costUsd) * 1e6) / 1e6 : undefined;
  return { ...rest, usage, ...(costUsd !== undefined ? { costUsd } : {}) } as T;
}
