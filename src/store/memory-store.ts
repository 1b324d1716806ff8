/**
 * Memories in DynamoDB, with LangGraph's store semantics: items addressed by (namespace tuple, key),
 * `get`, `put`, `delete`, `search(namespacePrefix)` and `listNamespaces`.
 */
import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT } from '../defaults';
import { NAMESPACE_SEPARATOR, describeZodError, namespaceSchema } from '../schemas';
import { InvalidInputError } from '../errors';
import { newestFirst, type MemoryItem, type MemoryValue } from './memory-types';
import { queryAll } from './query-pages';
import { memoryPartitionKey, namespaceIndexKey, splitNamespace, joinNamespace } from './table-keys';

const searchOptionsSchema = z.object({
  limit: z.number().int().min(1).max(MAX_SEARCH_LIMIT).default(DEFAULT_SEARCH_LIMIT),
  offset: z.number().int().min(0).default(0),
});

/** Options of {@link DynamoMemoryStore.search}. */
export interface SearchOptions {
  /** Most items returned, newest change first (1 to MAX_SEARCH_LIMIT). @default DEFAULT_SEARCH_LIMIT (10, as LangGraph) */
  limit?: number;
  /** Items skipped before the first returned. @default 0 */
  offset?: number;
}

/** A DynamoDB item of a memory, as written by this module and by the extraction batch writer. */
export interface StoredMemoryRecord extends MemoryItem {
  pk: string;
  sk: string;
  threadId?: string;
  batchId?: string;
}

function toMemoryItem(record: Record<string, unknown>): MemoryItem {
  const r = record as unknown as StoredMemoryRecord;
  return { namespace: r.namespace, key: r.key, value: r.value, createdAt: r.createdAt, updatedAt: r.updatedAt };
}

function checkNamespace(namespace: readonly string[], field: string): string[] {
  const parsed = namespaceSchema.safeParse(namespace);
  if (!parsed.success) {
    throw new InvalidInputError(`${field}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  }
  return parsed.data;
}

/**
 * The memory store over one DynamoDB table.
 * @example
 * const store = new DynamoMemoryStore(DynamoDBDocumentClient.from(new DynamoDBClient({})), 'langmem-memories');
 * const items = await store.search(['memories']);
 * console.log(items.map((item) => item.value.content));
 */
export class DynamoMemoryStore {
  constructor(
    readonly doc: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  /** The item at (namespace, key), or null. */
  async get(namespace: readonly string[], key: string): Promise<MemoryItem | null> {
    const ns = checkNamespace(namespace, 'namespace');
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: memoryPartitionKey(ns), sk: key }, ConsistentRead: true }),
    );
    return out.Item ? toMemoryItem(out.Item) : null;
  }

  /** Creates or replaces the value at (namespace, key); keeps `createdAt` of an existing item. */
  async put(namespace: readonly string[], key: string, value: MemoryValue): Promise<void> {
    const ns = checkNamespace(namespace, 'namespace');
    if (key.length === 0) throw new InvalidInputError('key: must not be empty');
    const now = new Date().toISOString();
    await this.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: this.tableName,
              Key: { pk: memoryPartitionKey(ns), sk: key },
              UpdateExpression:
                'SET #value = :value, #namespace = :namespace, #key = :key, updatedAt = :now, createdAt = if_not_exists(createdAt, :now)',
              ExpressionAttributeNames: { '#value': 'value', '#namespace': 'namespace', '#key': 'key' },
              ExpressionAttributeValues: { ':value': value, ':namespace': ns, ':key': key, ':now': now },
            },
          },
          { Put: { TableName: this.tableName, Item: { ...namespaceIndexKey(ns), namespace: ns } } },
        ],
      }),
    );
  }

  /** Deletes the item at (namespace, key); deleting a missing item is not an error. */
  async delete(namespace: readonly string[], key: string): Promise<void> {
    const ns = checkNamespace(namespace, 'namespace');
    await this.doc.send(
      new TransactWriteCommand({
        TransactItems: [{ Delete: { TableName: this.tableName, Key: { pk: memoryPartitionKey(ns), sk: key } } }],
      }),
    );
  }

  /**
   * Items whose namespace starts with `namespacePrefix`, newest change first. The exact namespace is one
   * Query; deeper namespaces are found through the namespace index.
   */
  async search(namespacePrefix: readonly string[], options: SearchOptions = {}): Promise<MemoryItem[]> {
    const prefix = checkNamespace(namespacePrefix, 'namespacePrefix');
    const parsed = searchOptionsSchema.safeParse(options);
    if (!parsed.success) throw new InvalidInputError(`invalid search options: ${describeZodError(parsed.error)}`);
    const { limit, offset } = parsed.data;
    const namespaces = await this.listNamespaces(prefix);
    if (!namespaces.some((ns) => joinNamespace(ns) === joinNamespace(prefix))) namespaces.unshift(prefix);
    const items: MemoryItem[] = [];
    for (const ns of namespaces) items.push(...(await this.queryNamespace(ns)));
    items.sort(newestFirst);
    return items.slice(offset, offset + limit);
  }

  /** Every item of exactly this namespace (all pages), in key order. */
  async queryNamespace(namespace: readonly string[]): Promise<MemoryItem[]> {
    return (await this.queryPartition(memoryPartitionKey(namespace))).map(toMemoryItem);
  }

  /** Namespaces that have held memories and start with `prefix` (all of them under its first label). */
  async listNamespaces(prefix: readonly string[]): Promise<string[][]> {
    const ns = checkNamespace(prefix, 'prefix');
    const joined = joinNamespace(ns);
    return (await this.queryPartition(namespaceIndexKey(ns).pk))
      .map((item) => String(item['sk']))
      .filter((sk) => sk === joined || sk.startsWith(joined + NAMESPACE_SEPARATOR))
      .map(splitNamespace);
  }

  /** All items of one partition, following pagination; strongly consistent so writes are seen at once. */
  private async queryPartition(pk: string): Promise<Record<string, unknown>[]> {
    return queryAll(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
      ConsistentRead: true,
    });
  }
}
