/**
 * Memory search: a query search ranks the newest SEARCH_CANDIDATES memories under the prefix, lexically
 * (BM25 via minisearch), or by cosine similarity when an embedder is configured and the memories carry
 * vectors from its model. Without a query, the newest matching memories come back as they are read.
 * The prefix reaching here is already checked against the tenant (see tenancy.ts).
 */
import { z } from 'zod';
import { DEFAULT_SEARCH_LIMIT, MAX_QUERY_CHARS, MAX_SEARCH_LIMIT, SEARCH_CANDIDATES, SEARCH_QUERY_PAGE_ITEMS } from '../defaults';
import { InvalidInputError } from '../errors';
import { describeZodError } from '../schemas';
import { embeddingOf } from './memory-records';
import { joinNamespace } from './table-keys';
import type { MemoryReads, ReadMemory } from './memory-reads';
import type { MemoryItem, MemoryValue, SearchItem } from './memory-types';
import { rankByEmbedding, type Embedder } from './search/embedder';
import { memorySearchText, rankLexicallyEach } from './search/lexical-ranker';
import { mergeByScore } from './search/merge-by-score';
import { filterProblem, matchesFilter, type ValueFilter } from './search/value-filter';

/** Options of `DynamoMemoryStore.search`, as LangGraph's `store.search`. */
export interface SearchOptions {
  /** Rank by relevance to this text (newest first without it). */
  query?: string;
  /** Only items whose value matches, with LangGraph's filter semantics (`{field: value}`, `$eq`, `$gt`, ...). */
  filter?: ValueFilter;
  /** Most items returned (1 to MAX_SEARCH_LIMIT). @default DEFAULT_SEARCH_LIMIT (10, as LangGraph) */
  limit?: number;
  /** Items skipped before the first returned. @default 0 */
  offset?: number;
}

const searchOptionsSchema = z.object({
  query: z.string().max(MAX_QUERY_CHARS).optional(),
  filter: z
    .record(z.string(), z.unknown())
    .superRefine((filter, ctx) => {
      const problem = filterProblem(filter);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  limit: z.number().int().min(1).max(MAX_SEARCH_LIMIT).default(DEFAULT_SEARCH_LIMIT),
  offset: z.number().int().min(0).default(0),
});

/** The vector of a value as search compares it (written with the memory), or undefined without an embedder. */
export async function embedValue(embedder: Embedder | null, value: MemoryValue): Promise<{ vector: number[]; model: string } | undefined> {
  if (!embedder) return undefined;
  const [vector] = await embedder.embed([memorySearchText(value)], 'document');
  return vector ? { vector, model: embedder.model } : undefined;
}

/** A namespace's search candidates, newest first, as {@link MemorySearch.candidatesIn} read them (for one later ranking). */
export interface SearchCandidates {
  /** The namespace as stored (tenant-scoped). */
  readonly namespace: readonly string[];
  readonly memories: readonly ReadMemory[];
}

export class MemorySearch {
  constructor(
    private readonly reads: MemoryReads,
    private readonly embedder: Embedder | null,
  ) {}

  /**
   * Items whose namespace starts with `prefix` (already scoped to the tenant). Without `query`: newest
   * change first. With `query`: the newest SEARCH_CANDIDATES matching the filter, ranked by relevance, each
   * with its `score`.
   */
  async search(prefix: readonly string[], options: SearchOptions): Promise<SearchItem[]> {
    const parsed = searchOptionsSchema.safeParse(options);
    if (!parsed.success) throw new InvalidInputError(`invalid search options: ${describeZodError(parsed.error)}`);
    const { query, filter, limit, offset } = parsed.data;
    const pageItems = query || filter ? SEARCH_QUERY_PAGE_ITEMS : Math.min(offset + limit, SEARCH_CANDIDATES);
    const matching = this.matching(this.reads.newestUnder(prefix, pageItems), filter);
    if (!query?.trim()) {
      const items: SearchItem[] = [];
      for await (const { item } of matching) {
        items.push(item);
        if (items.length >= offset + limit) break;
      }
      return items.slice(offset);
    }
    const candidates: ReadMemory[] = [];
    for await (const memory of matching) {
      candidates.push(memory);
      if (candidates.length >= SEARCH_CANDIDATES) break;
    }
    return (await this.rank(query, candidates)).slice(offset, offset + limit);
  }

  /** One namespace's newest memories (the extraction's recent context). */
  async newest(namespace: readonly string[], limit: number): Promise<MemoryItem[]> {
    const items: MemoryItem[] = [];
    for await (const { item } of this.reads.newestIn(namespace, limit)) {
      items.push(item);
      if (items.length >= limit) break;
    }
    return items;
  }

  /**
   * The read half of {@link relevantTo}: the namespace's newest SEARCH_CANDIDATES memories, which do not
   * depend on the text they will be ranked against — so an extraction reads them beside the batch's messages.
   */
  async candidatesIn(namespace: readonly string[]): Promise<SearchCandidates> {
    const memories: ReadMemory[] = [];
    for await (const memory of this.reads.newestIn(namespace, SEARCH_CANDIDATES)) {
      memories.push(memory);
      if (memories.length >= SEARCH_CANDIDATES) break;
    }
    return { namespace: [...namespace], memories };
  }

  /**
   * The memories an extraction shows the model: the `queryLimit` most relevant to `text` among the
   * namespace's newest SEARCH_CANDIDATES, plus its `newest` most recent — bounded reads, whatever the
   * namespace's size. Several texts (search windows, a query model's queries) are ranked separately over
   * the same candidates, read once, and merged by score. `read`: the candidates {@link candidatesIn} read
   * ahead for this namespace (read here when absent, or when they are another namespace's).
   */
  async relevantTo(
    namespace: readonly string[],
    text: string | readonly string[],
    options: { queryLimit: number; newest: number },
    read?: SearchCandidates,
  ): Promise<MemoryItem[]> {
    const { memories: candidates } = read && joinNamespace(read.namespace) === joinNamespace(namespace) ? read : await this.candidatesIn(namespace);
    const recent = candidates.slice(0, options.newest).map((c) => c.item);
    const queries = (typeof text === 'string' ? [text] : text).map((q) => q.slice(0, MAX_QUERY_CHARS)).filter((q) => q.trim());
    const ranked = queries.length > 0 ? await this.rankAll(queries, candidates) : [];
    const relevant = ranked.length === 1 ? (ranked[0] ?? []).slice(0, options.queryLimit) : mergeByScore(ranked, options.queryLimit);
    const chosen = new Map<string, MemoryItem>();
    for (const item of [...relevant, ...recent]) {
      const { score: _score, ...plain } = item as SearchItem;
      chosen.set(item.key, plain);
    }
    return [...chosen.values()];
  }

  /**
   * The memories that pass the filter, among the newest SEARCH_CANDIDATES read: a rare filter value never
   * makes a search read every memory under the prefix (older matches are not found — the bound is the point).
   */
  private async *matching(memories: AsyncGenerator<ReadMemory>, filter: ValueFilter | undefined): AsyncGenerator<ReadMemory> {
    let read = 0;
    for await (const memory of memories) {
      if (!filter || matchesFilter(memory.item.value, filter)) yield memory;
      read += 1;
      if (read >= SEARCH_CANDIDATES) return;
    }
  }

  /** Ranks candidates by relevance to `query`: cosine over stored vectors with an embedder, else lexical. */
  private async rank(query: string, candidates: readonly ReadMemory[]): Promise<SearchItem[]> {
    return (await this.rankAll([query], candidates))[0] ?? [];
  }

  /** {@link rank} for each query, over the same candidates; the queries are embedded in one request. */
  private async rankAll(queries: readonly string[], candidates: readonly ReadMemory[]): Promise<SearchItem[][]> {
    const byId = new Map(candidates.map((c, i) => [String(i), c.item]));
    const scored = (ranked: { id: string; score: number }[]): SearchItem[] =>
      ranked.flatMap(({ id, score }) => {
        const item = byId.get(id);
        return item ? [{ ...item, score }] : [];
      });
    // The documents are indexed once for every query.
    const lexical = (docs: { id: string; item: MemoryItem }[]) =>
      rankLexicallyEach(
        queries,
        docs.map((d) => ({ id: d.id, text: memorySearchText(d.item.value) })),
      ).map(scored);
    const embedder = this.embedder;
    const all = candidates.map((c, i) => ({ id: String(i), item: c.item, vector: embedder ? embeddingOf(c.record, embedder.model) : null }));
    const withVectors = all.filter((d) => d.vector !== null);
    if (!embedder || withVectors.length === 0) return lexical(all);
    const queryVectors = await embedder.embed([...queries], 'query');
    const leftOver = lexical(all.filter((d) => d.vector === null));
    return queries.map((_query, q) => {
      const byCosine = scored(
        rankByEmbedding(
          queryVectors[q] ?? [],
          withVectors.map((d) => ({ id: d.id, vector: Array.from(d.vector ?? []) })),
        ),
      );
      // Memories without a vector from this model (written before embeddings were enabled, migrated, or by
      // another model) are not dropped: their lexical matches follow the vector-ranked ones.
      return [...byCosine, ...(leftOver[q] ?? [])];
    });
  }
}
