/**
 * Memories in DynamoDB with LangGraph's store semantics — items addressed by (namespace tuple, key);
 * `get`, `put`, `delete`, `search(prefix, {query, filter, limit, offset})`, `listNamespaces` — plus
 * numeric versions, a history of every change and `restore`, and tenant scoping.
 *
 * This class is the store's front: each method checks its input (memory-input.ts) and the tenant
 * (tenancy.ts), then calls the module that owns the operation — versioned writes (versioned-writes.ts),
 * reads (memory-reads.ts), search (memory-search.ts), namespace listing (namespace-listing.ts).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { InvalidInputError } from '../errors';
import { formatNamespace, parseKey, parseNamespace, parseTtlSeconds, parseValue, type WriteOptions } from './memory-input';
import { isLive, toMemoryChange, toMemoryItem } from './memory-records';
import { MemoryReads } from './memory-reads';
import { embedValue, MemorySearch, type SearchCandidates, type SearchOptions } from './memory-search';
import type { ChangeSource, MemoryChange, MemoryItem, MemoryValue, SearchItem } from './memory-types';
import { listNamespaces, type ListNamespacesOptions } from './namespace-listing';
import { queryAll } from './query-pages';
import type { Embedder } from './search/embedder';
import { historyPrefix, memoryPartitionKey } from './table-keys';
import { assertWithinTenant, parseTenant, scopePrefix } from './tenancy';
import { VersionedWrites } from './versioned-writes';

export type { ListNamespacesOptions, SearchOptions, WriteOptions };

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
  private readonly writes: VersionedWrites;
  private readonly searches: MemorySearch;

  constructor(
    readonly doc: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly options: MemoryStoreOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.tenant = options.tenant ? parseTenant(options.tenant) : undefined;
    this.reads = new MemoryReads(doc, tableName, () => this.now().getTime());
    this.writes = new VersionedWrites(doc, tableName, this.now);
    this.searches = new MemorySearch(this.reads, this.embedder);
  }

  /** The same table, bound to a tenant's namespace prefix (within this store's own tenant, if it has one). */
  forTenant(prefix: readonly string[]): DynamoMemoryStore {
    const tenant = parseTenant(prefix);
    assertWithinTenant(this.tenant, tenant, 'tenant');
    return new DynamoMemoryStore(this.doc, this.tableName, { ...this.options, tenant });
  }

  /** The embedder, if search and writes use one. */
  get embedder(): Embedder | null {
    return this.options.embedder ?? null;
  }

  /** Throws `TenantAccessError` naming `field` when `namespace` is outside this store's tenant. */
  assertWithinTenant(namespace: readonly string[], field: string): void {
    assertWithinTenant(this.tenant, namespace, field);
  }

  /** A valid namespace within the tenant. */
  private namespace(namespace: readonly string[]): string[] {
    const ns = parseNamespace(namespace, 'namespace');
    assertWithinTenant(this.tenant, ns, 'namespace');
    return ns;
  }

  /** The item at (namespace, key), or null (also for a deleted or expired one). */
  async get(namespace: readonly string[], key: string): Promise<MemoryItem | null> {
    const ns = this.namespace(namespace);
    const record = await this.writes.record(ns, parseKey(key));
    return isLive(record, this.now().getTime()) && record ? toMemoryItem(record) : null;
  }

  /**
   * Creates or replaces the value at (namespace, key): version + 1, a history record, `createdAt` kept.
   * Concurrent writers of the same memory are serialised by its version (the loser re-reads and retries).
   */
  async put(namespace: readonly string[], key: string, value: MemoryValue, options: WriteOptions = {}): Promise<MemoryItem> {
    const ns = this.namespace(namespace);
    const k = parseKey(key);
    const v = parseValue(value);
    const ttlSeconds = parseTtlSeconds(options.ttlSeconds);
    const embedding = await embedValue(this.embedder, v);
    const written = await this.writes.write(ns, k, apiSource(options), (current, version, nowIso) => {
      const live = current && isLive(current, this.now().getTime()) ? toMemoryItem(current) : null;
      const item: MemoryItem = { namespace: ns, key: k, value: v, createdAt: live?.createdAt ?? nowIso, updatedAt: nowIso, version };
      const expiresAt = ttlSeconds !== undefined ? Math.floor(Date.parse(nowIso) / 1000 + ttlSeconds) : undefined;
      return { item, action: live ? 'update' : 'insert', expiresAt, embedding };
    });
    if (!written) throw new Error('put wrote nothing'); // unreachable: a put always decides a change
    return written;
  }

  /** Deletes the item at (namespace, key): a restorable tombstone and a history record. Deleting nothing is not an error. */
  async delete(namespace: readonly string[], key: string, options: WriteOptions = {}): Promise<void> {
    const ns = this.namespace(namespace);
    await this.writes.write(ns, parseKey(key), apiSource(options), (current) =>
      current && isLive(current, this.now().getTime()) ? { item: toMemoryItem(current), action: 'delete' } : null,
    );
  }

  /** Every change of a memory, oldest first (kept after the memory is deleted). */
  async history(namespace: readonly string[], key: string): Promise<MemoryChange[]> {
    const ns = this.namespace(namespace);
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
    if (!target) throw new InvalidInputError(`version: memory ${formatNamespace(namespace)} ${JSON.stringify(key)} has no version ${version}`);
    const ns = [...target.namespace];
    const source: ChangeSource = { kind: 'restore', fromVersion: version, ...(options.actor ? { actor: options.actor } : {}) };
    const value = target.value;
    const embedding = value ? await embedValue(this.embedder, value) : undefined;
    const written = await this.writes.write(ns, key, source, (current, version, nowIso) => {
      const live = current && isLive(current, this.now().getTime()) ? toMemoryItem(current) : null;
      if (!value) return live ? { item: live, action: 'delete' } : null;
      // A tombstone still knows when the memory was first created.
      const createdAt = (current?.['createdAt'] as string | undefined) ?? nowIso;
      const item: MemoryItem = { namespace: ns, key, value, createdAt, updatedAt: nowIso, version };
      return { item, action: 'restore', embedding };
    });
    return value ? written : null;
  }

  /** The last version a memory had, deleted or not (0 for a memory never written): what its next write follows. */
  async lastVersion(namespace: readonly string[], key: string): Promise<number> {
    return this.writes.lastVersion(namespace, key);
  }

  /** True when the namespace already has its registry entries (written once, with its first memory). */
  async registered(namespace: readonly string[]): Promise<boolean> {
    return this.writes.registered(namespace);
  }

  /**
   * Items whose namespace starts with `namespacePrefix` (an empty prefix: everything, or the whole tenant).
   * Without `query`: newest change first. With `query`: the newest SEARCH_CANDIDATES matching the filter,
   * ranked by relevance, each with its `score`.
   */
  async search(namespacePrefix: readonly string[], options: SearchOptions = {}): Promise<SearchItem[]> {
    const prefix = scopePrefix(this.tenant, namespacePrefix, 'namespacePrefix');
    return this.searches.search(prefix, options);
  }

  /**
   * Namespaces that hold memories, as LangGraph's `listNamespaces`: under `prefix`, ending with `suffix`,
   * truncated to `maxDepth` (duplicates removed), in label order, paged by `limit` and `offset`.
   */
  async listNamespaces(options: ListNamespacesOptions = {}): Promise<string[][]> {
    return listNamespaces(this.reads, options, (prefix) => scopePrefix(this.tenant, prefix, 'prefix'));
  }

  /** One namespace's newest memories (the extraction's recent context). */
  async newest(namespace: readonly string[], limit: number): Promise<MemoryItem[]> {
    return this.searches.newest(this.namespace(namespace), limit);
  }

  /** The read half of {@link relevantTo}, done ahead (beside other reads): the candidates its ranking uses. */
  async searchCandidates(namespace: readonly string[]): Promise<SearchCandidates> {
    return this.searches.candidatesIn(this.namespace(namespace));
  }

  /** {@link MemorySearch.relevantTo} in this store's (tenant-scoped) namespace; `read` comes from {@link searchCandidates}. */
  async relevantTo(
    namespace: readonly string[],
    text: string | readonly string[],
    options: { queryLimit: number; newest: number },
    read?: SearchCandidates,
  ): Promise<MemoryItem[]> {
    return this.searches.relevantTo(this.namespace(namespace), text, options, read);
  }
}

/** Who a write through the API is by (the history's `by`). */
function apiSource(options: WriteOptions): ChangeSource {
  return { kind: 'api', ...(options.actor ? { actor: options.actor } : {}) };
}
