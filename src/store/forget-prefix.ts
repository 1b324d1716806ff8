/**
 * Right to be forgotten: removes everything the table holds under a namespace prefix — memories and their
 * history, owner and registry entries, stored messages and their dedupe keys, namespace cursors, batch
 * receipts and batch log entries, dead letters and their re-drive markers — and says what it removed.
 *
 * It reads the whole table once (a filtered, paginated Scan): no index maps a namespace to the threads that
 * wrote to it, and completeness matters more than speed for an erasure request, which is rare. Cost is one
 * read of the table; run it against a point-in-time-recovery backup policy you agree with (PITR keeps
 * deleted items restorable for its window). It is idempotent: run it again after extractions that were in
 * flight finish (a batch committing during the scan can write memories after it). Temporal history never
 * held message or memory content (see docs/design.md "Messages: a claim check in DynamoDB, references in Temporal"); it still names the namespace labels until the
 * runs age out of the Temporal namespace's retention.
 */
import { BatchWriteCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { FORGET_BACKOFF_BASE_MS, FORGET_BACKOFF_MAX_MS, FORGET_DELETE_CHUNK, FORGET_WRITE_ATTEMPTS } from '../defaults';
import { ForgetIncompleteError, InvalidInputError } from '../errors';
import { namespaceSchema, parseInput } from '../schemas';
import { NAMESPACE_SEPARATOR } from '../rules';
import {
  FIRST_LABELS_PARTITION,
  INDEX_SHARDS,
  joinNamespace,
  memoryPartitionKey,
  memoryPartitionsBelow,
  namespaceOfMemoryPartition,
  redriveRequestKey,
  secondLabelShardPartition,
} from './table-keys';

/** What `forget` removed (or, with `dryRun`, would remove) under a namespace prefix. */
export interface ForgetReport {
  prefix: string[];
  dryRun: boolean;
  /** Live memories and tombstones. */
  memories: number;
  historyRecords: number;
  messages: number;
  /** Dedupe keys, cursors, batch receipts and batch log entries, owner and registry entries. */
  bookkeeping: number;
  deadLetters: number;
  /** Threads that had messages under the prefix. */
  threads: string[];
  /** Namespaces that had data under the prefix. */
  namespaces: string[][];
}

type Key = { pk: string; sk: string };

/** The filter matching every item under `prefix`, and its values. */
function prefixFilter(prefix: readonly string[]) {
  const joined = joinNamespace(prefix);
  const values: Record<string, unknown> = {
    ':nsExact': memoryPartitionKey(prefix),
    ':nsBelow': memoryPartitionsBelow(prefix),
    ':nslGroup': 'nsl#',
    ':nsJoined': joined,
    ':nsJoinedBelow': `${joined}${NAMESPACE_SEPARATOR}`,
  };
  const names: Record<string, string> = { '#ns': 'namespace' };
  const clauses = [
    // A namespace's partition: its memories, history and owner.
    'pk = :nsExact',
    'begins_with(pk, :nsBelow)',
    // Its registry entry (the sort key is the joined namespace).
    '(begins_with(pk, :nslGroup) AND (sk = :nsJoined OR begins_with(sk, :nsJoinedBelow)))',
  ];
  // Items that name their namespace: messages, dedupe keys, cursors, receipts, batch log, dead letters.
  const labels = prefix.map((label, i) => {
    values[`:l${i}`] = label;
    return `#ns[${i}] = :l${i}`;
  });
  clauses.push(`(${labels.join(' AND ')})`);
  if (prefix.length <= 2) {
    // The first label's second-label entries: all of them (a one-label prefix), or this second label's.
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
  return { FilterExpression: clauses.join(' OR '), ExpressionAttributeNames: names, ExpressionAttributeValues: values };
}

function counts(prefix: readonly string[], dryRun: boolean): ForgetReport {
  return { prefix: [...prefix], dryRun, memories: 0, historyRecords: 0, messages: 0, bookkeeping: 0, deadLetters: 0, threads: [], namespaces: [] };
}

export class PrefixEraser {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Deletes (or, with `dryRun`, counts) everything under `prefix`; see the module comment. */
  async forget(prefix: readonly string[], options: { dryRun?: boolean } = {}): Promise<ForgetReport> {
    if (prefix.length === 0) {
      throw new InvalidInputError('prefix: needs at least one label (forgetting the whole table is not an erasure request)');
    }
    // The store's own label rules: a label holding U+001F would alias another namespace's keys.
    parseInput(namespaceSchema, prefix, 'prefix');
    const dryRun = options.dryRun ?? false;
    const report = counts(prefix, dryRun);
    const threads = new Set<string>();
    const namespaces = new Map<string, string[]>();
    const doomed = new Map<string, Key>();
    const doom = (key: Key) => doomed.set(JSON.stringify([key.pk, key.sk]), key);
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new ScanCommand({ TableName: this.tableName, ...prefixFilter(prefix), ConsistentRead: true, ...(start ? { ExclusiveStartKey: start } : {}) }),
      );
      for (const item of page.Items ?? []) {
        const key = { pk: item['pk'] as string, sk: item['sk'] as string };
        doom(key);
        const ns: unknown = item['namespace'];
        if (Array.isArray(ns)) namespaces.set(JSON.stringify(ns), ns as string[]);
        const partitionNamespace = namespaceOfMemoryPartition(key.pk);
        if (partitionNamespace) namespaces.set(JSON.stringify(partitionNamespace), partitionNamespace);
        if (key.pk.startsWith('thread#')) threads.add(key.pk.slice('thread#'.length));
        if (key.pk.startsWith('ns#') && key.sk.startsWith('m#')) report.memories++;
        else if (key.pk.startsWith('ns#') && key.sk.startsWith('h#')) report.historyRecords++;
        else if (key.pk.startsWith('thread#') && key.sk.startsWith('msg#')) report.messages++;
        else if (key.pk.startsWith('dlq#') && key.sk.startsWith('dl#')) {
          report.deadLetters++;
          // Its re-drive marker names no namespace; it goes with its letter.
          doom(redriveRequestKey(key.pk.slice('dlq#'.length), item['fromSeq'] as number, item['batchId'] as string));
        } else report.bookkeeping++;
      }
      start = page.LastEvaluatedKey;
    } while (start);
    report.threads = [...threads].sort();
    // Code-unit order (localeCompare would ignore the U+001F separator): a namespace before those below it.
    report.namespaces = [...namespaces.values()].sort((a, b) => {
      const [x, y] = [joinNamespace(a), joinNamespace(b)];
      return x < y ? -1 : x > y ? 1 : 0;
    });
    if (!dryRun) await this.deleteAll([...doomed.values()]);
    return report;
  }

  private async deleteAll(keys: Key[]): Promise<void> {
    for (let i = 0; i < keys.length; i += FORGET_DELETE_CHUNK) {
      let requests = keys.slice(i, i + FORGET_DELETE_CHUNK).map((Key) => ({ DeleteRequest: { Key } }));
      // BatchWriteItem may leave items unprocessed under throttling: send those again, with backoff, a bounded number of times.
      for (let attempt = 0; requests.length > 0; attempt++) {
        if (attempt >= FORGET_WRITE_ATTEMPTS) {
          throw new ForgetIncompleteError(
            `forget stopped after ${FORGET_WRITE_ATTEMPTS} attempts under throttling with ${keys.length - i} of ${keys.length} items left; it is idempotent: run it again`,
          );
        }
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(FORGET_BACKOFF_MAX_MS, FORGET_BACKOFF_BASE_MS * 2 ** attempt)));
        const out = await this.doc.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }));
        requests = (out.UnprocessedItems?.[this.tableName] ?? []) as typeof requests;
      }
    }
  }
}
