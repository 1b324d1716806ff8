/**
 * Memories in DynamoDB with LangGraph's store semantics — items addressed by (namespace tuple, key);
 * `get`, `put`, `delete`, `search(prefix, {query, filter, limit, offset})`, `listNamespaces` — plus
 * numeric versions, a history of every change and `restore`, and tenant scoping.
 *
 * Reads touch only what their answer needs (see memory-reads.ts). A query search ranks the newest
 * SEARCH_CANDIDATES memories under the prefix: lexically (BM25 via minisearch), or by cosine similarity
 * when an embedder is configured and the memories carry vectors from its model.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import {
  DEFAULT_LIST_NAMESPACES_LIMIT,
  DEFAULT_SEARCH_LIMIT,
  MAX_MEMORY_KEY_BYTES,
  MAX_QUERY_CHARS,
  MAX_SEARCH_LIMIT,
  MEMORY_WRITE_MAX_ATTEMPTS,
  SEARCH_CANDIDATES,
  SEARCH_QUERY_PAGE_ITEMS,
} from '../defaults';
import { InvalidInputError, MemoryConflictError, TenantAccessError } from '../errors';
import { namespaceLabelProblem, utf8Bytes } from '../rules';
import { describeZodError, namespaceSchema } from '../schemas';
import { isLive, embeddingOf, historyItem, liveMemoryItem, registryItems, toMemoryChange, toMemoryItem, tombstoneItem } from './memory-records';
import { MemoryReads, type ReadMemory } from './memory-reads';
import type { ChangeSource, MemoryChange, MemoryItem, MemoryValue, SearchItem } from './memory-types';
import { queryAll, queryItems } from './query-pages';
import type { Embedder } from './search/embedder';
import { rankByEmbedding } from './search/embedder';
import { memorySearchText, rankLexically } from './search/lexical-ranker';
import { filterProblem, matchesFilter, type ValueFilter } from './search/value-filter';
import { historyPrefix, memoryKey, memoryPartitionKey, namespaceGroupPartition, joinNamespace } from './table-keys';
import { transactWrite, type TransactItem } from './transact';

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

const listOptionsSchema = z.object({
  prefix: z.array(z.string().min(1)).optional(),
  suffix: z.array(z.string().min(1)).optional(),
  maxDepth: z.number().int().min(1).optional(),
  limit: z.number().int().min(1).max(MAX_SEARCH_LIMIT).default(DEFAULT_LIST_NAMESPACES_LIMIT),
  offset: z.number().int().min(0).default(0),
});

/** Options of {@link DynamoMemoryStore.search}, as LangGraph's `store.search`. */
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

/** Options of {@link DynamoMemoryStore.listNamespaces}, as LangGraph's `store.listNamespaces`. */
export interface ListNamespacesOptions {
  /** Namespaces starting with these labels (`*` matches any label). */
  prefix?: string[];
  /** Namespaces ending with these labels (`*` matches any label). */
  suffix?: string[];
  /** Namespaces truncated to this many labels, duplicates removed. */
  maxDepth?: number;
  /** @default DEFAULT_LIST_NAMESPACES_LIMIT */
  limit?: number;
  /** @default 0 */
  offset?: number;
}

/** Options of writes through the store's API. */
export interface WriteOptions {
  /** The item expires this many seconds after the write (honoured on read at once, removed by DynamoDB's TTL later). */
  ttlSeconds?: number;
  /** Who is writing, kept in the history (e.g. a user or service name). */
  actor?: string;
}

/** Options of {@link DynamoMemoryStore}. */
export interface MemoryStoreOptions {
  /**
   * Binds the store to a tenant: every namespace must start with these labels, anything else is refused
   * with `TenantAccessError` (an empty search or listing prefix means "everything in the tenant").
   */
  tenant?: readonly string[];
  /** Embeds values on write and queries on search; lexical ranking when unset. */
  embedder?: Embedder | null;
  now?: () => Date;
}

function fmt(namespace: readonly string[]): string {
  return `(${namespace.map((l) => JSON.stringify(l)).join(', ')})`;
}

function parseNamespace(namespace: readonly string[], field: string): string[] {
  const parsed = namespaceSchema.safeParse(namespace);
  if (!parsed.success) throw new InvalidInputError(`${field}: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

/** A tenant prefix: a valid namespace whose labels are literal (a `*` would match every other tenant). */
function parseTenant(prefix: readonly string[]): string[] {
  const tenant = parseNamespace(prefix, 'tenant');
  const wildcard = tenant.findIndex((label) => label.includes('*'));
  if (wildcard >= 0) throw new InvalidInputError(`tenant.${wildcard}: a tenant label must not contain "*" (it would match other tenants)`);
  return tenant;
}

function parseKey(key: string): string {
  if (typeof key !== 'string' || key.length === 0) throw new InvalidInputError('key: must not be empty');
  if (utf8Bytes(key) > MAX_MEMORY_KEY_BYTES) throw new InvalidInputError(`key: must be at most ${MAX_MEMORY_KEY_BYTES} bytes`);
  return key;
}

function parseValue(value: unknown): MemoryValue {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidInputError('value: must be a JSON object');
  return value as MemoryValue;
}

/**
 * The memory store over one DynamoDB table.
 * @example
 * const store = new DynamoMemoryStore(doc, 'langmem-memories');
 * await store.put(['memories', 'alice'], 'pref-1', { kind: 'Memory', content: { content: 'Alice likes jazz' } });
 * const hits = await store.search(['memories', 'alice'], { query: 'music taste', limit: 5 });
 * const alice = store.forTenant(['memories', 'alice']); // refuses every other namespace
 */
export class DynamoMemoryStore {
  /** What this store's reads cost so far (benchmarks and tests read it). */
  readonly reads: MemoryReads;
  private readonly tenant: readonly string[] | undefined;
  private readonly now: () => Date;

  constructor(
    readonly doc: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly options: MemoryStoreOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.tenant = options.tenant ? parseTenant(options.tenant) : undefined;
    this.reads = new MemoryReads(doc, tableName, () => this.now().getTime());
  }

  /** The same table, bound to a tenant's namespace prefix (within this store's own tenant, if it has one). */
  forTenant(prefix: readonly string[]): DynamoMemoryStore {
    const tenant = parseTenant(prefix);
    this.scope(tenant, 'tenant');
    return new DynamoMemoryStore(this.doc, this.tableName, { ...this.options, tenant });
  }

  /** The embedder, if search and writes use one. */
  get embedder(): Embedder | null {
    return this.options.embedder ?? null;
  }

  /** Throws `TenantAccessError` naming `field` when `namespace` is outside this store's tenant. */
  assertWithinTenant(namespace: readonly string[], field: string): void {
    this.scope(namespace, field);
  }

  /** Refuses a namespace outside the tenant. */
  private scope(namespace: readonly string[], field: string): void {
    const tenant = this.tenant;
    if (!tenant) return;
    if (tenant.every((label, i) => namespace[i] === label)) return;
    throw new TenantAccessError(`${field}: ${fmt(namespace)} is outside tenant ${fmt(tenant)}`);
  }

  /**
   * A search or listing prefix (`*` matches any label). Empty means "everything" — in a tenant store, the
   * whole tenant. A tenant store refuses any other prefix that does not spell out its tenant's labels: a
   * shorter prefix or a wildcard there would reach other tenants.
   */
  private scopePrefix(prefix: readonly string[] | undefined, field: string): string[] {
    if (!prefix || prefix.length === 0) return this.tenant ? [...this.tenant] : [];
    for (const [i, label] of prefix.entries()) {
      const problem = label === '*' ? null : namespaceLabelProblem(label);
      if (problem) throw new InvalidInputError(`${field}.${i}: ${problem}`);
    }
    const tenant = this.tenant;
    if (tenant && !tenant.every((label, i) => prefix[i] === label)) {
      throw new TenantAccessError(`${field}: ${fmt(prefix)} is not within tenant ${fmt(tenant)}`);
    }
    return [...prefix];
  }

  /** The item at (namespace, key), or null (also for a deleted or expired one). */
  async get(namespace: readonly string[], key: string): Promise<MemoryItem | null> {
    const ns = parseNamespace(namespace, 'namespace');
    this.scope(ns, 'namespace');
    const record = await this.getRecord(ns, parseKey(key));
    return isLive(record, this.now().getTime()) && record ? toMemoryItem(record) : null;
  }

  private async getRecord(namespace: readonly string[], key: string): Promise<Record<string, unknown> | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: memoryKey(namespace, key), ConsistentRead: true }));
    return out.Item;
  }

  /**
   * Creates or replaces the value at (namespace, key): version + 1, a history record, `createdAt` kept.
   * Concurrent writers of the same memory are serialised by its version (the loser re-reads and retries).
   */
  async put(namespace: readonly string[], key: string, value: MemoryValue, options: WriteOptions = {}): Promise<MemoryItem> {
    const ns = parseNamespace(namespace, 'namespace');
    this.scope(ns, 'namespace');
    const k = parseKey(key);
    const v = parseValue(value);
    if (options.ttlSeconds !== undefined && !(Number.isFinite(options.ttlSeconds) && options.ttlSeconds > 0)) {
      throw new InvalidInputError('ttlSeconds: must be a positive number of seconds');
    }
    const embedding = await this.embedValue(v);
    const written = await this.writeVersioned(ns, k, { kind: 'api', ...(options.actor ? { actor: options.actor } : {}) }, (current, version, nowIso) => {
      const live = current && isLive(current, this.now().getTime()) ? toMemoryItem(current) : null;
      const item: MemoryItem = { namespace: ns, key: k, value: v, createdAt: live?.createdAt ?? nowIso, updatedAt: nowIso, version };
      const expiresAt = options.ttlSeconds !== undefined ? Math.floor(Date.parse(nowIso) / 1000 + options.ttlSeconds) : undefined;
      return { item, action: live ? 'update' : 'insert', expiresAt, embedding };
    });
    if (!written) throw new Error('put wrote nothing'); // unreachable: a put always decides a change
    return written;
  }

  /** Deletes the item at (namespace, key): a restorable tombstone and a history record. Deleting nothing is not an error. */
  async delete(namespace: readonly string[], key: string, options: WriteOptions = {}): Promise<void> {
    const ns = parseNamespace(namespace, 'namespace');
    this.scope(ns, 'namespace');
    await this.writeVersioned(ns, parseKey(key), { kind: 'api', ...(options.actor ? { actor: options.actor } : {}) }, (current) =>
      current && isLive(current, this.now().getTime()) ? { item: toMemoryItem(current), action: 'delete' } : null,
    );
  }

  /** Every change of a memory, oldest first (kept after the memory is deleted). */
  async history(namespace: readonly string[], key: string): Promise<MemoryChange[]> {
    const ns = parseNamespace(namespace, 'namespace');
    this.scope(ns, 'namespace');
    const records = await queryAll(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': memoryPartitionKey(ns), ':prefix': historyPrefix(parseKey(key)) },
      ConsistentRead: true,
    });
    return records.map(toMemoryChange);
  }

  /**
   * Makes the memory what it was at `version` (a new version, recorded as a restore): undoes a wrong
   * update, or brings back a deleted memory. Restoring a version that was a delete deletes the memory.
   * @returns the memory as it is now, or null when it is now deleted
   */
  async restore(namespace: readonly string[], key: string, version: number, options: WriteOptions = {}): Promise<MemoryItem | null> {
    const changes = await this.history(namespace, key);
    const target = changes.find((c) => c.version === version);
    if (!target) throw new InvalidInputError(`version: memory ${fmt(namespace)} ${JSON.stringify(key)} has no version ${version}`);
    const ns = [...target.namespace];
    const source: ChangeSource = { kind: 'restore', fromVersion: version, ...(options.actor ? { actor: options.actor } : {}) };
    const value = target.value;
    const embedding = value ? await this.embedValue(value) : undefined;
    const written = await this.writeVersioned(ns, key, source, (current, version, nowIso) => {
      const live = current && isLive(current, this.now().getTime()) ? toMemoryItem(current) : null;
      if (!value) return live ? { item: live, action: 'delete' } : null;
      // A tombstone still knows when the memory was first created.
      const createdAt = (current?.['createdAt'] as string | undefined) ?? nowIso;
      const item: MemoryItem = { namespace: ns, key, value, createdAt, updatedAt: nowIso, version };
      return { item, action: 'restore', embedding };
    });
    return value ? written : null;
  }

  /**
   * The write loop of put/delete/restore: read the memory, decide the change, write memory + history (+
   * registry entries for a namespace's first memory) conditional on the version read; on a lost race read
   * again, up to MEMORY_WRITE_MAX_ATTEMPTS times.
   */
  private async writeVersioned(
    namespace: string[],
    key: string,
    by: ChangeSource,
    decide: (
      current: Record<string, unknown> | undefined,
      nextVersion: number,
      nowIso: string,
    ) => { item: MemoryItem; action: MemoryChange['action']; expiresAt?: number; embedding?: { vector: number[]; model: string } } | null,
  ): Promise<MemoryItem | null> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.getRecord(namespace, key);
      // Versions continue from the history when the item itself is gone (a tombstone or a TTL'd item that
      // DynamoDB removed), so a re-created memory never reuses a version number its history already has.
      const lastVersion = (current?.['version'] as number | undefined) ?? (await this.lastHistoryVersion(namespace, key));
      const nowIso = this.now().toISOString();
      const change = decide(current, lastVersion + 1, nowIso);
      if (!change) return null;
      const condition = current
        ? { ConditionExpression: 'version = :version', ExpressionAttributeValues: { ':version': current['version'] ?? 1 } }
        : { ConditionExpression: 'attribute_not_exists(pk)' };
      const deleting = change.action === 'delete';
      const stored = deleting
        ? tombstoneItem(change.item, nowIso, by)
        : liveMemoryItem(change.item, { changedBy: by, expiresAt: change.expiresAt, embedding: change.embedding });
      const version = stored['version'] as number;
      const items: TransactItem[] = [
        { Put: { TableName: this.tableName, Item: stored, ...condition } },
        {
          Put: {
            TableName: this.tableName,
            Item: historyItem({ namespace, key, version, action: change.action, value: deleting ? null : change.item.value, at: nowIso, by }),
            ConditionExpression: 'attribute_not_exists(sk)',
          },
        },
      ];
      if (!deleting && !(await this.registered(namespace))) {
        for (const entry of registryItems(namespace)) items.push({ Put: { TableName: this.tableName, Item: entry } });
      }
      try {
        await transactWrite(this.doc, items);
        return deleting ? null : { ...change.item, version };
      } catch (err) {
        const reasons = err instanceof TransactionCanceledException ? (err.CancellationReasons ?? []) : [];
        const lost = reasons.slice(0, 2).some((r) => r.Code === 'ConditionalCheckFailed');
        if (!lost) throw err;
        if (attempt >= MEMORY_WRITE_MAX_ATTEMPTS) {
          throw new MemoryConflictError(`memory ${fmt(namespace)} ${JSON.stringify(key)} kept changing; ${attempt} writes lost the race`, { cause: err });
        }
      }
    }
  }

  /** The last version a memory had, deleted or not (0 for a memory never written): what its next write follows. */
  async lastVersion(namespace: readonly string[], key: string): Promise<number> {
    const current = await this.getRecord(namespace, key);
    return (current?.['version'] as number | undefined) ?? (await this.lastHistoryVersion(namespace, key));
  }

  /** The newest version in a memory's history (0 for a memory never written). */
  private async lastHistoryVersion(namespace: readonly string[], key: string): Promise<number> {
    for await (const record of queryItems(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': memoryPartitionKey(namespace), ':prefix': historyPrefix(key) },
      ScanIndexForward: false,
      Limit: 1,
      ConsistentRead: true,
    })) {
      return record['version'] as number;
    }
    return 0;
  }

  /** True when the namespace already has its registry entries (written once, with its first memory). */
  async registered(namespace: readonly string[]): Promise<boolean> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: namespaceGroupPartition(namespace), sk: joinNamespace(namespace) }, ConsistentRead: true }),
    );
    return out.Item !== undefined;
  }

  private async embedValue(value: MemoryValue): Promise<{ vector: number[]; model: string } | undefined> {
    const embedder = this.embedder;
    if (!embedder) return undefined;
    const [vector] = await embedder.embed([memorySearchText(value)], 'document');
    return vector ? { vector, model: embedder.model } : undefined;
  }

  /**
   * Items whose namespace starts with `namespacePrefix` (an empty prefix: everything, or the whole tenant).
   * Without `query`: newest change first. With `query`: the newest SEARCH_CANDIDATES matching the filter,
   * ranked by relevance, each with its `score`.
   */
  async search(namespacePrefix: readonly string[], options: SearchOptions = {}): Promise<SearchItem[]> {
    const prefix = this.scopePrefix(namespacePrefix, 'namespacePrefix');
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
    const byId = new Map(candidates.map((c, i) => [String(i), c.item]));
    const scored = (ranked: { id: string; score: number }[]): SearchItem[] =>
      ranked.flatMap(({ id, score }) => {
        const item = byId.get(id);
        return item ? [{ ...item, score }] : [];
      });
    const lexical = (docs: { id: string; item: MemoryItem }[]) =>
      scored(rankLexically(query, docs.map((d) => ({ id: d.id, text: memorySearchText(d.item.value) }))));
    const embedder = this.embedder;
    const all = candidates.map((c, i) => ({ id: String(i), item: c.item, vector: embedder ? embeddingOf(c.record, embedder.model) : null }));
    const withVectors = all.filter((d) => d.vector !== null);
    if (!embedder || withVectors.length === 0) return lexical(all);
    const [queryVector] = await embedder.embed([query], 'query');
    const byCosine = scored(rankByEmbedding(queryVector ?? [], withVectors.map((d) => ({ id: d.id, vector: Array.from(d.vector ?? []) }))));
    // Memories without a vector from this model (written before embeddings were enabled, migrated, or by
    // another model) are not dropped: their lexical matches follow the vector-ranked ones.
    return [...byCosine, ...lexical(all.filter((d) => d.vector === null))];
  }

  /**
   * Namespaces that hold memories, as LangGraph's `listNamespaces`: under `prefix`, ending with `suffix`,
   * truncated to `maxDepth` (duplicates removed), in label order, paged by `limit` and `offset`.
   */
  async listNamespaces(options: ListNamespacesOptions = {}): Promise<string[][]> {
    const parsed = listOptionsSchema.safeParse(options);
    if (!parsed.success) throw new InvalidInputError(`invalid listNamespaces options: ${describeZodError(parsed.error)}`);
    const { suffix, maxDepth, limit, offset } = parsed.data;
    const prefix = this.scopePrefix(parsed.data.prefix, 'prefix');
    // Without a suffix, a listing truncated to one or two labels comes straight from the label registry.
    const shortcut = !suffix && (maxDepth === 1 || maxDepth === 2) && prefix.length <= maxDepth;
    const namespaces = shortcut ? this.reads.truncatedNamespaces(prefix, maxDepth) : this.reads.namespacesUnder(prefix);
    const seen = new Set<string>();
    const found: string[][] = [];
    // Namespaces arrive in label order, and truncating keeps that order: the first offset + limit suffice.
    for await (const namespace of namespaces) {
      if (suffix && !endsWith(namespace, suffix)) continue;
      const shown = maxDepth !== undefined ? namespace.slice(0, maxDepth) : namespace;
      const id = joinNamespace(shown);
      if (seen.has(id)) continue;
      seen.add(id);
      found.push(shown);
      if (found.length >= offset + limit) break;
    }
    return found.slice(offset, offset + limit);
  }

  /** One namespace's newest memories (the extraction's recent context). */
  async newest(namespace: readonly string[], limit: number): Promise<MemoryItem[]> {
    const ns = parseNamespace(namespace, 'namespace');
    this.scope(ns, 'namespace');
    const items: MemoryItem[] = [];
    for await (const { item } of this.reads.newestIn(ns, limit)) {
      items.push(item);
      if (items.length >= limit) break;
    }
    return items;
  }

  /**
   * The memories an extraction shows the model: the `queryLimit` most relevant to `text` among the
   * namespace's newest SEARCH_CANDIDATES, plus its `newest` most recent — bounded reads, whatever the
   * namespace's size.
   */
  async relevantTo(namespace: readonly string[], text: string, options: { queryLimit: number; newest: number }): Promise<MemoryItem[]> {
    const ns = parseNamespace(namespace, 'namespace');
    this.scope(ns, 'namespace');
    const candidates: ReadMemory[] = [];
    for await (const memory of this.reads.newestIn(ns, SEARCH_CANDIDATES)) {
      candidates.push(memory);
      if (candidates.length >= SEARCH_CANDIDATES) break;
    }
    const recent = candidates.slice(0, options.newest).map((c) => c.item);
    const relevant = text.trim() ? (await this.rank(text.slice(0, MAX_QUERY_CHARS), candidates)).slice(0, options.queryLimit) : [];
    const chosen = new Map<string, MemoryItem>();
    for (const item of [...relevant, ...recent]) {
      const { score: _score, ...plain } = item as SearchItem;
      chosen.set(item.key, plain);
    }
    return [...chosen.values()];
  }
}

function endsWith(namespace: readonly string[], suffix: readonly string[]): boolean {
  if (suffix.length > namespace.length) return false;
  const tail = namespace.slice(namespace.length - suffix.length);
  return suffix.every((label, i) => label === '*' || label === tail[i]);
}
