/**
 * Right to be forgotten: removes everything the table holds under a namespace prefix — memories and their
 * history, owner and registry entries, stored messages and their dedupe keys, namespace cursors, batch
 * receipts and batch log entries, dead letters and their re-drive markers — and says what it removed.
 *
 * Which items are under the prefix is prefix-scan.ts's answer (export writes the same items). Registry
 * entries of a label other namespaces still use are kept, with the forgotten namespace's name removed from
 * them. A thread's inbox head (its sequence counter: thread id, last number, epoch; no content, no
 * namespace) is kept, so a running thread never hands out a sequence number twice.
 *
 * It reads the whole table once (a filtered, paginated Scan): no index maps a namespace to the threads that
 * wrote to it, and completeness matters more than speed for an erasure request, which is rare. Cost is one
 * read of the table; run it against a point-in-time-recovery backup policy you agree with (PITR keeps
 * deleted items restorable for its window). It is idempotent: run it again after extractions that were in
 * flight finish (a batch committing during the scan can write memories after it). Temporal history never
 * held message or memory content (see docs/design.md "Messages: a claim check in DynamoDB, references in Temporal"); it still names the namespace labels until the
 * runs age out of the Temporal namespace's retention.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { FORGET_BACKOFF_BASE_MS, FORGET_BACKOFF_MAX_MS, FORGET_DELETE_CHUNK, FORGET_WRITE_ATTEMPTS } from '../defaults';
import { ForgetIncompleteError, InvalidInputError } from '../errors';
import { namespaceSchema, parseInput } from '../schemas';
import { byNamespace, scanPrefix } from './prefix-scan';
import { redriveRequestKey } from './table-keys';

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
  /** Registry entries of a label other namespaces use too: kept, with the forgotten namespace's name removed from them. */
  scrubbed: number;
  /** Threads that had messages under the prefix. */
  threads: string[];
  /** Namespaces that had data under the prefix. */
  namespaces: string[][];
}

type Key = { pk: string; sk: string };

function counts(prefix: readonly string[], dryRun: boolean): ForgetReport {
  return { prefix: [...prefix], dryRun, memories: 0, historyRecords: 0, messages: 0, bookkeeping: 0, deadLetters: 0, scrubbed: 0, threads: [], namespaces: [] };
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
    const scrub: Key[] = [];
    const doom = (key: Key) => doomed.set(JSON.stringify([key.pk, key.sk]), key);
    for await (const { kind, key, item, threadId } of scanPrefix(this.doc, this.tableName, prefix)) {
      if (kind === 'shared') {
        scrub.push(key);
        report.scrubbed++;
        continue;
      }
      doom(key);
      const ns: unknown = item['namespace'];
      if (Array.isArray(ns)) namespaces.set(JSON.stringify(ns), ns as string[]);
      if (threadId !== null && kind !== 'receipt') threads.add(threadId);
      if (kind === 'memory') report.memories++;
      else if (kind === 'memoryVersion') report.historyRecords++;
      else if (kind === 'message') report.messages++;
      else if (kind === 'deadLetter') {
        report.deadLetters++;
        // Its re-drive marker names no namespace; it goes with its letter.
        doom(redriveRequestKey(item['threadId'] as string, item['fromSeq'] as number, item['batchId'] as string));
      } else report.bookkeeping++;
    }
    report.threads = [...threads].sort();
    report.namespaces = [...namespaces.values()].sort(byNamespace);
    if (!dryRun) {
      await this.deleteAll([...doomed.values()]);
      for (const key of scrub) await this.scrub(key);
    }
    return report;
  }

  /** Removes the forgotten namespace's name from a registry entry others still need (readers use its key only). */
  private async scrub(key: Key): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'REMOVE #ns',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#ns': 'namespace' },
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
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
