/**
 * The read paths of the memory store, each reading only what its answer needs:
 * - one namespace, newest first: the `recency` LSI of its partition, page by page (strongly consistent);
 * - a prefix of two or more labels: the registry group of its first two labels names the namespaces under
 *   it (one Query), then their newest-first streams are merged — other users' partitions are never read;
 * - a prefix of one label (or none): the `tree` GSI's shards of that label (of every label), merged
 *   newest-first, reading about `limit` items a shard (eventually consistent, as GSIs are);
 * - namespaces: the registry (first labels → second labels in sharded partitions → groups).
 * Every read is counted in {@link ReadStats}, so benchmarks and tests can see what a call cost.
 */
import type { DynamoDBDocumentClient, QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { SEARCH_PAGE_ITEMS } from '../defaults';
import { isLive, toMemoryItem } from './memory-records';
import type { MemoryItem } from './memory-types';
import { newestFirst } from './memory-types';
import { queryItems } from './query-pages';
import {
  FIRST_LABELS_PARTITION,
  INDEX_SHARDS,
  RECENCY_INDEX,
  TREE_INDEX,
  joinNamespace,
  memoryPartitionKey,
  namespaceGroupPartition,
  secondLabelShardPartition,
  splitNamespace,
  treeShardPartition,
} from './table-keys';

/** What the store's reads cost so far: Query calls and items DynamoDB read for them. */
export interface ReadStats {
  queries: number;
  itemsRead: number;
}

/** A live memory with the raw record it came from (for embeddings and filters). */
export interface ReadMemory {
  item: MemoryItem;
  record: Record<string, unknown>;
}

/** True when `namespace` is `prefix` or lies below it. */
export function isUnder(namespace: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length <= namespace.length && prefix.every((label, i) => label === '*' || label === namespace[i]);
}

/** Merges streams that are each in `order` into one stream in that order, pulling each only as needed. */
async function* mergeOrdered<T>(streams: AsyncGenerator<T>[], order: (a: T, b: T) => number): AsyncGenerator<T> {
  const heads = await Promise.all(streams.map((s) => s.next()));
  for (;;) {
    let best = -1;
    heads.forEach((head, i) => {
      if (head.done) return;
      const current = heads[best];
      if (best < 0 || !current || current.done || order(head.value, current.value) < 0) best = i;
    });
    const chosen = heads[best];
    const stream = streams[best];
    if (best < 0 || !chosen || chosen.done || !stream) return;
    yield chosen.value;
    heads[best] = await stream.next();
  }
}

function mergeNewest(streams: AsyncGenerator<ReadMemory>[]): AsyncGenerator<ReadMemory> {
  return mergeOrdered(streams, (a, b) => newestFirst(a.item, b.item));
}

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export class MemoryReads {
  readonly stats: ReadStats = { queries: 0, itemsRead: 0 };

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Items of one Query, page by page, counting what each page read. */
  private async *query(input: Omit<QueryCommandInput, 'ExclusiveStartKey' | 'TableName'>): AsyncGenerator<Record<string, unknown>> {
    yield* queryItems(this.doc, { TableName: this.tableName, ...input }, (page) => {
      this.stats.queries += 1;
      this.stats.itemsRead += page.ScannedCount ?? page.Count ?? 0;
    });
  }

  /** Live memories from a stream of stored items (expired ones are skipped: DynamoDB's TTL deletes lazily). */
  private async *live(records: AsyncGenerator<Record<string, unknown>>): AsyncGenerator<ReadMemory> {
    for await (const record of records) {
      if (isLive(record, this.now())) yield { item: toMemoryItem(record), record };
    }
  }

  /** One namespace's memories, newest first (strongly consistent). */
  newestIn(namespace: readonly string[], pageItems = SEARCH_PAGE_ITEMS): AsyncGenerator<ReadMemory> {
    return this.live(
      this.query({
        IndexName: RECENCY_INDEX,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': memoryPartitionKey(namespace) },
        ScanIndexForward: false,
        Limit: pageItems,
        ConsistentRead: true,
      }),
    );
  }

  /** Every memory under a prefix (the prefix itself included), newest first. */
  async *newestUnder(prefix: readonly string[], pageItems = SEARCH_PAGE_ITEMS): AsyncGenerator<ReadMemory> {
    if (prefix.length >= 2) {
      const namespaces: string[][] = [];
      for await (const ns of this.namespacesUnder(prefix)) namespaces.push(ns);
      yield* mergeNewest(namespaces.map((ns) => this.newestIn(ns, pageItems)));
      return;
    }
    const firstLabels = prefix.length === 1 && prefix[0] !== '*' ? [prefix[0] as string] : await this.firstLabels();
    const shards = firstLabels.flatMap((label) => Array.from({ length: INDEX_SHARDS }, (_, shard) => this.treeShard(label, shard, pageItems)));
    yield* mergeNewest(shards);
  }

  private treeShard(firstLabel: string, shard: number, pageItems: number): AsyncGenerator<ReadMemory> {
    return this.live(
      this.query({
        IndexName: TREE_INDEX,
        KeyConditionExpression: 'gpk = :gpk',
        ExpressionAttributeValues: { ':gpk': treeShardPartition(firstLabel, shard) },
        ScanIndexForward: false,
        Limit: pageItems,
      }),
    );
  }

  /** The first labels in use. */
  async firstLabels(): Promise<string[]> {
    const labels: string[] = [];
    for await (const item of this.query({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': FIRST_LABELS_PARTITION },
      ConsistentRead: true,
    })) {
      labels.push(item['sk'] as string);
    }
    return labels;
  }

  /** The second labels used under a first label, in order: its shards merged lazily, read only as far as needed. */
  secondLabels(firstLabel: string): AsyncGenerator<string> {
    const shards = Array.from({ length: INDEX_SHARDS }, (_, shard) => this.labelsOf(secondLabelShardPartition(firstLabel, shard)));
    return mergeOrdered(shards, byCodeUnits);
  }

  private async *labelsOf(partition: string): AsyncGenerator<string> {
    for await (const item of this.query({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': partition }, ConsistentRead: true })) {
      yield item['sk'] as string;
    }
  }

  /** True when some namespace is exactly `[firstLabel]`. */
  private async hasSingleLabelNamespace(firstLabel: string): Promise<boolean> {
    for await (const _ of this.group([firstLabel], [firstLabel])) return true;
    return false;
  }

  /**
   * Namespaces under a prefix of at most `maxDepth` (1 or 2) labels, truncated to `maxDepth`, in order and
   * without duplicates — straight from the first- and second-label registry, without reading any group.
   */
  async *truncatedNamespaces(prefix: readonly string[], maxDepth: 1 | 2): AsyncGenerator<string[]> {
    const [first, second] = prefix;
    const firstLabels = first !== undefined && first !== '*' ? [first] : (await this.firstLabels()).sort(byCodeUnits);
    for (const label of firstLabels) {
      if (maxDepth === 1) {
        yield [label];
        continue;
      }
      if ((second === undefined || second === '*') && (await this.hasSingleLabelNamespace(label))) yield [label];
      for await (const secondLabel of this.secondLabels(label)) {
        if (second === undefined || second === '*' || second === secondLabel) yield [label, secondLabel];
      }
    }
  }
  /** Namespaces registered in one group partition, under `prefix` (its leading labels must have no wildcard). */
  private async *group(groupLabels: readonly string[], prefix: readonly string[]): AsyncGenerator<string[]> {
    const literal = prefix.slice(0, prefix.findIndex((l) => l === '*') === -1 ? prefix.length : prefix.indexOf('*'));
    const joined = joinNamespace(literal);
    const records = this.query({
      KeyConditionExpression: literal.length > groupLabels.length ? 'pk = :pk AND begins_with(sk, :prefix)' : 'pk = :pk',
      ExpressionAttributeValues: {
        ':pk': namespaceGroupPartition(groupLabels),
        ...(literal.length > groupLabels.length ? { ':prefix': joined } : {}),
      },
      ConsistentRead: true,
    });
    for await (const record of records) {
      const namespace = splitNamespace(record['sk'] as string);
      if (isUnder(namespace, prefix)) yield namespace;
    }
  }

  /**
   * Every namespace under a prefix (itself included), in label order. A prefix of two or more labels reads
   * one group; a shorter one walks the registry down from its labels.
   */
  async *namespacesUnder(prefix: readonly string[]): AsyncGenerator<string[]> {
    const [first, second] = prefix;
    if (first !== undefined && first !== '*' && second !== undefined && second !== '*') {
      yield* this.group([first, second], prefix);
      return;
    }
    const firstLabels = first !== undefined && first !== '*' ? [first] : (await this.firstLabels()).sort(byCodeUnits);
    for (const label of firstLabels) {
      yield* this.group([label], prefix);
      for await (const secondLabel of this.secondLabels(label)) {
        if (second === undefined || second === '*' || second === secondLabel) yield* this.group([label, secondLabel], prefix);
      }
    }
  }
}
