/**
 * Versioned writes of one memory (put, delete, restore all go through {@link VersionedWrites.write}): read
 * the memory, decide the change, write memory + history (+ registry entries for a namespace's first memory)
 * in one transaction conditional on the version read; on a lost race read again, up to
 * MEMORY_WRITE_MAX_ATTEMPTS times. Versions continue from the history when the item itself is gone, so a
 * re-created memory never reuses a version number its history already has.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { MEMORY_WRITE_MAX_ATTEMPTS } from '../defaults';
import { MemoryConflictError } from '../errors';
import { formatNamespace } from './memory-input';
import { historyItem, liveMemoryItem, registryItems, tombstoneItem } from './memory-records';
import type { ChangeSource, MemoryChange, MemoryItem } from './memory-types';
import { queryItems } from './query-pages';
import { historyPrefix, joinNamespace, memoryKey, memoryPartitionKey, namespaceGroupPartition } from './table-keys';
import { transactWrite, type TransactItem } from './transact';

/** The change a write decides on, from the memory as it is (or null: nothing to write). */
export interface VersionedChange {
  item: MemoryItem;
  action: MemoryChange['action'];
  /** Epoch seconds at which DynamoDB's TTL may remove the item. */
  expiresAt?: number;
  embedding?: { vector: number[]; model: string };
}

/** Decides the change from the stored record (undefined: never written, or removed by TTL), the next version and now. */
export type DecideChange = (current: Record<string, unknown> | undefined, nextVersion: number, nowIso: string) => VersionedChange | null;

export class VersionedWrites {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date,
  ) {}

  /** The stored record at (namespace, key), live or not (strongly consistent). */
  async record(namespace: readonly string[], key: string): Promise<Record<string, unknown> | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: memoryKey(namespace, key), ConsistentRead: true }));
    return out.Item;
  }

  /**
   * Writes the change `decide` returns, conditional on the version read; retries a lost race.
   * @returns the item written, or null for a delete or when `decide` chose no change
   */
  async write(namespace: string[], key: string, by: ChangeSource, decide: DecideChange): Promise<MemoryItem | null> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.record(namespace, key);
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
          throw new MemoryConflictError(`memory ${formatNamespace(namespace)} ${JSON.stringify(key)} kept changing; ${attempt} writes lost the race`, {
            cause: err,
          });
        }
      }
    }
  }

  /** The last version a memory had, deleted or not (0 for a memory never written): what its next write follows. */
  async lastVersion(namespace: readonly string[], key: string): Promise<number> {
    const current = await this.record(namespace, key);
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
}
