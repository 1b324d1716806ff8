/**
 * A thread's batch log: one item per committed batch (what it changed, tokens, model), in the thread's
 * partition, so an operator's timeline reads a thread's batches with one Query. Receipts cannot serve: they
 * are keyed by batch id (for the commit's idempotence) and expire.
 *
 * The entry is written after the commit, not inside its transaction (which is full at the operation cap:
 * see MAX_OPERATIONS_PER_EXTRACTION). Every attempt that finds its batch committed writes it again
 * (idempotent, first write wins), so a worker killed between the commit and the log write leaves the entry
 * to the retry. It holds memory keys and counts, never message or memory content, and expires after the
 * batch log retention (retention.ts).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { BatchRef, ExtractionResult } from '../contract';
import { TTL_ATTRIBUTE } from './ensure-table';
import { DEFAULT_RETENTION, expiresAtAfter, type RetentionDays } from './retention';
import { queryItems } from './query-pages';
import { BATCH_LOG_SK_PREFIX, batchLogKey, threadPartitionKey } from './table-keys';

/**
 * One committed batch of a thread, as the log keeps it: what the extraction changed (memory keys of
 * `inserted` / `updated` / `deleted`, tokens, model) and which messages it covered. An operator's timeline
 * shows these as they are.
 */
export interface BatchLogEntry extends Omit<ExtractionResult, 'status'> {
  namespace: string[];
  kind: 'inbox' | 'redrive';
  fromSeq: number;
  toSeq: number;
  messageCount: number;
  /** ISO-8601 time it was recorded. */
  at: string;
}

export class BatchLog {
  /** @param retentionDays how long an entry is kept; @default DEFAULT_RETENTION.batchLogDays */
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
    private readonly retentionDays: RetentionDays = DEFAULT_RETENTION.batchLogDays,
  ) {}

  /** Records a committed batch (status `extracted` or `already-applied`); a no-op when it is already there. */
  async record(ref: BatchRef, result: ExtractionResult): Promise<void> {
    if (result.status === 'stale') return;
    const { status: _status, ...changed } = result;
    const entry: BatchLogEntry = {
      ...changed,
      namespace: [...ref.namespace],
      kind: ref.kind,
      fromSeq: ref.fromSeq,
      toSeq: ref.toSeq,
      messageCount: ref.messageCount,
      at: this.now().toISOString(),
    };
    const expiresAt = expiresAtAfter(this.now(), this.retentionDays);
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          // threadId: an export finds entries by namespace, not by partition.
          Item: {
            ...batchLogKey(ref.threadId, ref.fromSeq, ref.batchId),
            ...entry,
            threadId: ref.threadId,
            ...(expiresAt !== undefined ? { [TTL_ATTRIBUTE]: expiresAt } : {}),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }

  /** The newest `limit` logged batches of a thread, in inbox order. */
  async list(threadId: string, limit: number): Promise<BatchLogEntry[]> {
    const entries: BatchLogEntry[] = [];
    const items = queryItems(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': threadPartitionKey(threadId), ':prefix': BATCH_LOG_SK_PREFIX },
      ScanIndexForward: false,
    });
    for await (const { pk: _pk, sk: _sk, threadId: _threadId, [TTL_ATTRIBUTE]: _expiresAt, ...entry } of items) {
      if (entries.length >= limit) break;
      entries.push(entry as unknown as BatchLogEntry);
    }
    return entries.reverse();
  }
}
