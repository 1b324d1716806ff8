/**
 * Everything the table holds under a namespace prefix, found by one filtered Scan and told apart by key:
 * what `forget` erases and what `export` writes are the same items, so neither can miss what the other
 * covers.
 *
 * An item belongs to the prefix when its `namespace` attribute starts with the prefix's labels — memories,
 * tombstones, history, the namespace's owner and registry entries, messages, dedupe keys, cursors,
 * receipts, batch log entries and dead letters all name their namespace — or when it is a registry entry
 * of a label only the prefix uses (the first label of a one-label prefix, the second label of a
 * one- or two-label prefix). Kinds are recognised by recomputing each item's key with the functions of
 * table-keys.ts from its own attributes, never by spelling a key format here. A registry entry other
 * namespaces share (a first or second label they use too) is not the prefix's: it is reported as `shared`,
 * for `forget` to scrub the forgotten namespace's name from it.
 */
import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NAMESPACE_SEPARATOR } from '../rules';
import {
  FIRST_LABELS_PARTITION,
  INDEX_SHARDS,
  batchLogKey,
  cursorKey,
  deadLetterKey,
  dedupeKey,
  historyKey,
  joinNamespace,
  memoryKey,
  messageKey,
  namespaceGroupPartition,
  namespaceOwnerKey,
  receiptKey,
  secondLabelShardPartition,
  threadPartitionKey,
} from './table-keys';

/** What an item under a prefix is. */
export type PrefixItemKind =
  | 'memory'
  | 'memoryVersion'
  | 'namespaceOwner'
  | 'registryEntry'
  | 'message'
  | 'dedupeKey'
  | 'cursor'
  | 'receipt'
  | 'batchLog'
  | 'deadLetter'
  /** A registry entry of a label other namespaces use too: kept, only its `namespace` attribute is the prefix's. */
  | 'shared'
  /** Names a namespace under the prefix, but no known kind (an item a newer version writes): erased and exported as is. */
  | 'other';

export interface PrefixItem {
  kind: PrefixItemKind;
  key: { pk: string; sk: string };
  item: Record<string, unknown>;
  /** The thread whose partition the item is in, or that it names (stored thread key), when it has one. */
  threadId: string | null;
}

/** The Scan filter matching every item under `prefix` (see the module comment). */
export function prefixFilter(prefix: readonly string[]) {
  const values: Record<string, unknown> = {};
  const labels = prefix.map((label, i) => {
    values[`:l${i}`] = label;
    return `#ns[${i}] = :l${i}`;
  });
  const clauses = [`(${labels.join(' AND ')})`];
  if (prefix.length <= 2) {
    const shards = Array.from({ length: INDEX_SHARDS }, (_, i) => {
      values[`:shard${i}`] = secondLabelShardPartition(prefix[0] as string, i);
      return `:shard${i}`;
    });
    if (prefix.length === 2) values[':secondLabel'] = prefix[1];
    clauses.push(`(pk IN (${shards.join(', ')})${prefix.length === 2 ? ' AND sk = :secondLabel' : ''})`);
  }
  if (prefix.length === 1) {
    values[':firstLabels'] = FIRST_LABELS_PARTITION;
    values[':firstLabel'] = prefix[0];
    clauses.push('(pk = :firstLabels AND sk = :firstLabel)');
  }
  return { FilterExpression: clauses.join(' OR '), ExpressionAttributeNames: { '#ns': 'namespace' }, ExpressionAttributeValues: values };
}

const same = (a: { pk: string; sk: string }, b: { pk: string; sk: string }) => a.pk === b.pk && a.sk === b.sk;
const str = (value: unknown): value is string => typeof value === 'string';
const num = (value: unknown): value is number => typeof value === 'number';

/** The stored thread key of an item in a thread partition: its `threadId` attribute, or its partition key's thread part. */
function threadOf(item: Record<string, unknown>, pk: string): string | null {
  if (str(item['threadId'])) return item['threadId'];
  const threadPrefix = threadPartitionKey('');
  return pk.startsWith(threadPrefix) ? pk.slice(threadPrefix.length) : null;
}

/** Which kind an item under `prefix` is (sort keys of thread items are recomputed without their partition). */
export function classify(prefix: readonly string[], item: Record<string, unknown>): PrefixItemKind {
  const key = { pk: item['pk'] as string, sk: item['sk'] as string };
  if (key.pk === FIRST_LABELS_PARTITION) return prefix.length === 1 && key.sk === prefix[0] ? 'registryEntry' : 'shared';
  const secondLabelShards = Array.from({ length: INDEX_SHARDS }, (_, i) => secondLabelShardPartition(prefix[0] as string, i));
  if (secondLabelShards.includes(key.pk)) return prefix.length <= 2 ? 'registryEntry' : 'shared';
  const ns = item['namespace'];
  if (!Array.isArray(ns) || !ns.every(str)) return 'other';
  if (same(key, { pk: namespaceGroupPartition(ns), sk: joinNamespace(ns) })) return 'registryEntry';
  const { key: memory, version, seq, messageId, batchId, fromSeq, threadId, result } = item;
  if (str(memory) && same(key, memoryKey(ns, memory))) return 'memory';
  if (str(memory) && num(version) && same(key, historyKey(ns, memory, version))) return 'memoryVersion';
  if (same(key, namespaceOwnerKey(ns))) return 'namespaceOwner';
  if (num(seq) && str(item['content']) && key.sk === messageKey('', ns, seq).sk) return 'message';
  if (str(messageId) && key.sk === dedupeKey('', ns, messageId).sk) return 'dedupeKey';
  if (key.sk === cursorKey('', ns).sk) return 'cursor';
  const receiptBatch = (result as { batchId?: unknown } | undefined)?.batchId;
  if (str(receiptBatch) && same(key, receiptKey(receiptBatch))) return 'receipt';
  if (str(batchId) && num(fromSeq) && str(threadId) && same(key, deadLetterKey(threadId, fromSeq, batchId))) return 'deadLetter';
  if (str(batchId) && num(fromSeq) && key.sk === batchLogKey('', fromSeq, batchId).sk) return 'batchLog';
  return 'other';
}

/** Every item under `prefix`, page by page (one filtered, strongly consistent Scan of the whole table). */
export async function* scanPrefix(doc: DynamoDBDocumentClient, tableName: string, prefix: readonly string[]): AsyncGenerator<PrefixItem> {
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new ScanCommand({ TableName: tableName, ...prefixFilter(prefix), ConsistentRead: true, ...(start ? { ExclusiveStartKey: start } : {}) }),
    );
    for (const item of page.Items ?? []) {
      const key = { pk: item['pk'] as string, sk: item['sk'] as string };
      const kind = classify(prefix, item);
      const threadId = ['message', 'dedupeKey', 'cursor', 'batchLog', 'receipt', 'deadLetter'].includes(kind) ? threadOf(item, key.pk) : null;
      yield { kind, key, item, threadId };
    }
    start = page.LastEvaluatedKey;
  } while (start);
}

/** Orders namespaces by code unit (localeCompare would ignore the U+001F separator): a namespace before those below it. */
export function byNamespace(a: readonly string[], b: readonly string[]): number {
  const [x, y] = [a.join(NAMESPACE_SEPARATOR), b.join(NAMESPACE_SEPARATOR)];
  return x < y ? -1 : x > y ? 1 : 0;
}
