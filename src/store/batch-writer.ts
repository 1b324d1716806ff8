/**
 * Commits one extraction in a single DynamoDB transaction: the memory operations, the batch receipt and
 * the batch's progress marker — the namespace cursor moving from `afterSeq` to `toSeq` (inbox batches) or
 * the dead letter turning `redriven` (re-drives). That transaction is the only place where messages become
 * processed, so they are marked processed exactly when, and only if, their memories are written.
 *
 * Every memory change writes a history record beside it (with the thread, batch and messages behind it);
 * deletes are soft (a tombstone, restorable). Conditions make every retry safe: the receipt must not
 * exist yet; the cursor must still be where the batch was planned; updates and deletes must find the
 * memory at the `version` the model saw, so a concurrent change surfaces as a `MemoryConflictError`
 * instead of being overwritten. An attempt that committed and crashed before reporting is answered by its
 * receipt on the next attempt.
 *
 * Retention (retention.ts): the receipt carries its TTL; once the commit is through, the batch's messages
 * and their dedupe keys get the message retention's TTL (`markProcessed`, after the transaction, which is
 * full at the operation cap). Every attempt that finds the batch committed marks them again (idempotent),
 * so a worker killed in between leaves the marking to the retry. A dead letter's messages are not marked
 * when it is written, only when a re-drive commits them; the re-driven letter gets the same TTL in that
 * commit.
 */
import { createHash } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { BatchRef, DeadLetterResult, ExtractionResult, FailureInfo } from '../contract';
import { HISTORY_MESSAGE_IDS_KEPT } from '../defaults';
import { BatchIdentityError, MemoryConflictError, MemoryWriteRejectedError } from '../errors';
import type { MemoryOperation } from './memory-operation';
import { DeadLetterStore } from './dead-letters';
import { TTL_ATTRIBUTE } from './ensure-table';
import type { MemoryItem } from './memory-types';
import { historyItem, liveMemoryItem, registryItems, extractionSource, tombstoneItem } from './memory-records';
import { BatchLog } from './batch-log';
import { MessageInbox } from './message-inbox';
import { DEFAULT_RETENTION, expiresAtAfter, type RetentionSettings } from './retention';
import { cursorKey, deadLetterKey, joinNamespace, namespaceGroupPartition, receiptKey, redriveRequestKey } from './table-keys';
import { transactWrite, type TransactItem } from './transact';

/** One extraction ready to be written. */
export interface BatchToApply {
  ref: BatchRef;
  operations: MemoryOperation[];
  /** The memories the model was shown, by key: updates and deletes are conditional on their `version`. */
  existing: ReadonlyMap<string, MemoryItem>;
  usage: ExtractionResult['usage'];
  model: string;
  /** Estimated USD of the extraction, recorded in the receipt. */
  costUsd?: number;
  /** The batch's message ids, for the history's provenance (the first HISTORY_MESSAGE_IDS_KEPT are kept). */
  messageIds: readonly string[];
  /** Embeddings of the inserted or updated contents, by operation index, when an embedder is configured. */
  embeddings?: { model: string; vectors: ReadonlyMap<number, number[]> };
}

/** A history record is written once per version: never over an existing one. */
const FIRST_OF_ITS_VERSION = { expression: 'attribute_not_exists(sk)' };

/** Key of the n-th inserted memory of a batch: a UUID-shaped hash, stable for the same batch and position. */
function insertedMemoryKey(batchId: string, index: number): string {
  const hex = createHash('sha256').update(`${batchId}\u0000${index}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Writes extraction batches and dead letters atomically and idempotently.
 * @example
 * const batches = new BatchWriter(doc, 'langmem-memories');
 * const result = await batches.apply({ ref, operations, existing, usage, model });
 */
export class BatchWriter {
  private readonly deadLetters: DeadLetterStore;
  private readonly inbox: MessageInbox;
  private readonly retention: RetentionSettings;
  /** The threads' batch logs (written after a commit; see BatchLog). */
  readonly log: BatchLog;

  /** @param retention how long processed messages, receipts and log entries are kept; @default DEFAULT_RETENTION */
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
    retention: Partial<RetentionSettings> = {},
  ) {
    this.retention = { ...DEFAULT_RETENTION, ...retention };
    this.deadLetters = new DeadLetterStore(doc, tableName);
    this.inbox = new MessageInbox(doc, tableName);
    this.log = new BatchLog(doc, tableName, now, this.retention.batchLogDays);
  }

  /**
   * Gives a committed batch's messages (and their dedupe keys) the message retention's TTL; a no-op with
   * `keep`. Idempotent: called after the commit, and by every attempt that finds the batch committed.
   * @returns how many messages it marked now
   */
  async markProcessed(ref: BatchRef): Promise<number> {
    const expiresAt = expiresAtAfter(this.now(), this.retention.messagesDays);
    if (expiresAt === undefined) return 0;
    return this.inbox.markExpiring(ref.threadId, ref.namespace, ref.fromSeq - 1, ref.toSeq, expiresAt);
  }

  /**
   * The result recorded when this batch committed, or null. A receipt whose messages differ from the
   * batch's is a `BatchIdentityError`: an id must never answer for other messages.
   */
  async findReceipt(ref: Pick<BatchRef, 'batchId' | 'idsDigest'>): Promise<ExtractionResult | null> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: receiptKey(ref.batchId), ConsistentRead: true }));
    if (!out.Item) return null;
    if (out.Item['idsDigest'] !== ref.idsDigest) {
      throw new BatchIdentityError(`receipt of batch ${ref.batchId} records other messages (${String(out.Item['idsDigest'])} ≠ ${ref.idsDigest})`);
    }
    return { ...(out.Item['result'] as Omit<ExtractionResult, 'status'>), status: 'already-applied' };
  }

  /**
   * The items that mark the batch's messages processed (see the module comment); the first carries the
   * condition. A re-drive also removes its request marker.
   */
  private progressItems(ref: BatchRef, nowIso: string): TransactItem[] {
    if (ref.kind === 'redrive' && ref.redrive) {
      const letterExpiresAt = expiresAtAfter(new Date(nowIso), this.retention.messagesDays);
      return [
        {
          Update: {
            TableName: this.tableName,
            Key: deadLetterKey(ref.threadId, ref.fromSeq, ref.redrive.deadLetterBatchId),
            // Resolved: the letter expires with its messages (kept with `keep`).
            UpdateExpression: `SET #status = :redriven, redrivenAt = :now, redriveBatchId = :batchId${letterExpiresAt !== undefined ? ', #ttl = :expiresAt' : ''}`,
            ConditionExpression: '#status = :requested AND redrives = :round',
            ExpressionAttributeNames: { '#status': 'status', ...(letterExpiresAt !== undefined ? { '#ttl': TTL_ATTRIBUTE } : {}) },
            ExpressionAttributeValues: {
              ':redriven': 'redriven',
              ':requested': 'redrive-requested',
              ':round': ref.redrive.round,
              ':now': nowIso,
              ':batchId': ref.batchId,
              ...(letterExpiresAt !== undefined ? { ':expiresAt': letterExpiresAt } : {}),
            },
          },
        },
        { Delete: { TableName: this.tableName, Key: redriveRequestKey(ref.threadId, ref.fromSeq, ref.redrive.deadLetterBatchId) } },
      ];
    }
    return [
      {
        Update: {
          TableName: this.tableName,
          Key: cursorKey(ref.threadId, ref.namespace),
          UpdateExpression: 'SET doneSeq = :to',
          ConditionExpression: 'doneSeq = :after',
          ExpressionAttributeValues: { ':to': ref.toSeq, ':after': ref.afterSeq },
        },
      },
    ];
  }

  /**
   * Writes every operation, the receipt and the progress marker atomically; returns what changed, the
   * recorded result when the batch had already committed, or `stale` when the inbox moved on since the
   * batch was planned (nothing written).
   */
  async apply(batch: BatchToApply): Promise<ExtractionResult> {
    const { ref } = batch;
    const nowIso = this.now().toISOString();
    const result: ExtractionResult = {
      batchId: ref.batchId,
      status: 'extracted',
      inserted: [],
      updated: [],
      deleted: [],
      usage: batch.usage,
      model: batch.model,
      ...(batch.costUsd !== undefined ? { costUsd: batch.costUsd } : {}),
    };
    const items: TransactItem[] = [];
    const batchSource = extractionSource(ref, batch.messageIds, batch.model, HISTORY_MESSAGE_IDS_KEPT);
    const put = (item: Record<string, unknown>, condition?: { expression: string; values?: Record<string, unknown> }) =>
      items.push({
        Put: {
          TableName: this.tableName,
          Item: item,
          ...(condition ? { ConditionExpression: condition.expression, ExpressionAttributeValues: condition.values } : {}),
        },
      });
    const embeddingOf = (index: number) => {
      const vector = batch.embeddings?.vectors.get(index);
      return vector && batch.embeddings ? { vector, model: batch.embeddings.model } : undefined;
    };
    const seededHistory: Record<string, unknown>[] = [];
    batch.operations.forEach((op, index) => {
      // The pass that made it, for a manager with phases (docs/design.md "Phases and steps").
      const by = op.phase === undefined ? batchSource : { ...batchSource, phase: op.phase, ...(op.phases ? { phases: op.phases } : {}) };
      // Each operation writes the memory (conditional) and its history record: two items, in this order.
      if (op.action === 'insert') {
        // Derived from the batch, so a retried commit writes the same keys (a profile's one document has its own).
        const key = op.key ?? insertedMemoryKey(ref.batchId, index);
        result.inserted.push(key);
        const version = op.version ?? 1;
        const item: MemoryItem = {
          namespace: ref.namespace,
          key,
          value: { kind: op.kind, content: op.content },
          createdAt: nowIso,
          updatedAt: nowIso,
          version,
        };
        // Only over nothing, or over what a deleted or expired memory left (a profile re-created after a delete).
        put(liveMemoryItem(item, { changedBy: by, embedding: embeddingOf(index) }), {
          expression: 'attribute_not_exists(pk) OR deleted = :true OR expiresAt <= :nowSec',
          values: { ':true': true, ':nowSec': Math.floor(Date.parse(nowIso) / 1000) },
        });
        // A default document the model updated in the same batch: its default is version `seeded.version`
        // (that history record goes after the operations' pairs, which error messages count on).
        if (op.seeded)
          seededHistory.push(
            historyItem({
              namespace: ref.namespace,
              key,
              version: op.seeded.version,
              action: 'insert',
              value: { kind: op.kind, content: op.seeded.content },
              at: nowIso,
              by,
            }),
          );
        put(
          historyItem({ namespace: ref.namespace, key, version, action: op.seeded ? 'update' : 'insert', value: item.value, at: nowIso, by }),
          FIRST_OF_ITS_VERSION,
        );
        return;
      }
      const seen = batch.existing.get(op.id);
      if (!seen) throw new MemoryConflictError(`operations.${index}: memory ${op.id} was not shown to the model`);
      // Conditional on the version the model saw: a memory someone changed, deleted or that expired
      // meanwhile is not overwritten (nor brought back).
      const unchanged = {
        expression: 'version = :seen AND attribute_not_exists(deleted) AND (attribute_not_exists(expiresAt) OR expiresAt > :nowSec)',
        values: { ':seen': seen.version, ':nowSec': Math.floor(Date.parse(nowIso) / 1000) },
      };
      if (op.action === 'update') {
        result.updated.push(op.id);
        const item: MemoryItem = { ...seen, value: { kind: op.kind, content: op.content }, updatedAt: nowIso, version: seen.version + 1 };
        put(liveMemoryItem(item, { changedBy: by, embedding: embeddingOf(index) }), unchanged);
        put(
          historyItem({ namespace: ref.namespace, key: op.id, version: item.version, action: 'update', value: item.value, at: nowIso, by }),
          FIRST_OF_ITS_VERSION,
        );
      } else {
        // Soft: a tombstone, restorable from the history until DynamoDB's TTL removes it.
        result.deleted.push(op.id);
        put(tombstoneItem(seen, nowIso, by), unchanged);
        put(
          historyItem({ namespace: ref.namespace, key: op.id, version: seen.version + 1, action: 'delete', value: null, at: nowIso, by }),
          FIRST_OF_ITS_VERSION,
        );
      }
    });
    for (const record of seededHistory) put(record, FIRST_OF_ITS_VERSION);
    if (result.inserted.length > 0 && !(await this.registered(ref.namespace))) {
      for (const entry of registryItems(ref.namespace)) put(entry);
    }
    const { status: _status, ...recorded } = result;
    const receiptExpiresAt = expiresAtAfter(this.now(), this.retention.receiptsDays);
    const receiptIndex = items.length;
    items.push({
      Put: {
        TableName: this.tableName,
        Item: {
          ...receiptKey(ref.batchId),
          result: recorded,
          threadId: ref.threadId,
          namespace: ref.namespace,
          fromSeq: ref.fromSeq,
          toSeq: ref.toSeq,
          idsDigest: ref.idsDigest,
          appliedAt: nowIso,
          ...(receiptExpiresAt !== undefined ? { [TTL_ATTRIBUTE]: receiptExpiresAt } : {}),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    });
    const progressIndex = items.length;
    items.push(...this.progressItems(ref, nowIso));

    try {
      await transactWrite(this.doc, items);
    } catch (err) {
      if (err instanceof TransactionCanceledException) {
        const reasons = err.CancellationReasons ?? [];
        if (conditionFailed(err, receiptIndex)) {
          const earlier = await this.findReceipt(ref);
          if (earlier) {
            await this.markProcessed(ref);
            return earlier;
          }
        }
        if (conditionFailed(err, progressIndex) && !reasons.some((r, i) => i < receiptIndex && r.Code === 'ValidationError')) {
          return { ...result, status: 'stale', inserted: [], updated: [], deleted: [] };
        }
      }
      throw classifyWriteError(err, ref.batchId, batch.operations, receiptIndex);
    }
    // Committed. If marking fails the attempt fails; its retry finds the receipt and marks them.
    await this.markProcessed(ref);
    return result;
  }

  /**
   * Records a batch that failed for good. An inbox batch becomes a dead letter and the namespace cursor
   * moves past it in the same transaction, so the thread's later messages flow again; a failed re-drive
   * re-opens its dead letter with the new error. Safe to repeat.
   */
  async deadLetter(
    ref: BatchRef,
    messageIds: readonly string[],
    failure: FailureInfo,
    times: { firstAttemptAt: string; deadAt: string },
  ): Promise<DeadLetterResult> {
    if (ref.kind === 'redrive' && ref.redrive) {
      const letterKey = deadLetterKey(ref.threadId, ref.fromSeq, ref.redrive.deadLetterBatchId);
      try {
        await transactWrite(this.doc, [
          {
            Update: {
              TableName: this.tableName,
              Key: letterKey,
              UpdateExpression: 'SET #status = :open, lastRedriveError = :error, lastRedriveFailedAt = :now',
              ConditionExpression: '#status = :requested AND redrives = :round',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: {
                ':open': 'open',
                ':requested': 'redrive-requested',
                ':round': ref.redrive.round,
                ':error': failure,
                ':now': times.deadAt,
              },
            },
          },
          { Delete: { TableName: this.tableName, Key: redriveRequestKey(ref.threadId, ref.fromSeq, ref.redrive.deadLetterBatchId) } },
        ]);
        return { status: 'reopened' };
      } catch (err) {
        if (conditionFailed(err, 0)) return this.afterLostRace(ref);
        throw err;
      }
    }
    const letter = this.deadLetters.item(ref, messageIds, failure, times.firstAttemptAt, times.deadAt);
    try {
      await transactWrite(this.doc, [
        { Put: { TableName: this.tableName, Item: letter, ConditionExpression: 'attribute_not_exists(pk)' } },
        ...this.progressItems(ref, times.deadAt),
      ]);
      return { status: 'dead-lettered' };
    } catch (err) {
      // A repeat of this step finds its own dead letter already written.
      if (conditionFailed(err, 0)) return { status: 'dead-lettered' };
      if (conditionFailed(err, 1)) return this.afterLostRace(ref);
      // Conflicts that outlasted transactWrite's own attempts, throttling: the step is retried.
      throw err;
    }
  }

  /** True when the namespace already has its registry entries (written with its first memory). */
  private async registered(namespace: readonly string[]): Promise<boolean> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: namespaceGroupPartition(namespace), sk: joinNamespace(namespace) }, ConsistentRead: true }),
    );
    return out.Item !== undefined;
  }

  /** The progress marker had moved: the batch committed after all (receipt), or the plan is stale. */
  private async afterLostRace(ref: BatchRef): Promise<DeadLetterResult> {
    const committed = await this.findReceipt(ref);
    if (!committed) return { status: 'stale' };
    await this.markProcessed(ref);
    return { status: 'already-applied', result: committed };
  }
}

/** True when the transaction was cancelled because the condition of its `index`-th item failed. */
function conditionFailed(err: unknown, index: number): boolean {
  return err instanceof TransactionCanceledException && err.CancellationReasons?.[index]?.Code === 'ConditionalCheckFailed';
}

/** Names the n-th item of a batch transaction: operations, the namespace index, the receipt, the progress marker. */
function describeItem(operations: readonly MemoryOperation[], index: number, receiptIndex: number): string {
  const opIndex = Math.floor(index / 2);
  const op = index < operations.length * 2 ? operations[opIndex] : undefined;
  const what = index % 2 === 0 ? '' : ' history';
  if (op) return op.action === 'insert' ? `operations.${opIndex} (insert${what})` : `operations.${opIndex} (${op.action} ${op.id}${what})`;
  if (index < receiptIndex) return 'default document history or namespace index';
  return index === receiptIndex ? 'batch receipt' : 'progress marker (cursor or dead letter)';
}

/**
 * Turns a failed batch transaction into a domain error: items DynamoDB refused (too large, bad key) are a
 * non-retryable `MemoryWriteRejectedError`; failed conditions and transaction conflicts are a retryable
 * `MemoryConflictError` (the next attempt re-reads, or finds the receipt a concurrent attempt wrote).
 */
function classifyWriteError(err: unknown, batchId: string, operations: readonly MemoryOperation[], receiptIndex: number): unknown {
  if (err instanceof TransactionCanceledException) {
    const reasons = (err.CancellationReasons ?? []).map((reason, i) => ({ ...reason, item: describeItem(operations, i, receiptIndex) }));
    const rejected = reasons.filter((r) => r.Code === 'ValidationError');
    if (rejected.length > 0) {
      const detail = rejected.map((r) => `${r.item}: ${r.Message ?? 'rejected'}`).join('; ');
      return new MemoryWriteRejectedError(`DynamoDB rejected batch ${batchId}: ${detail}`, { cause: err });
    }
    const conflicted = reasons.filter((r) => r.Code === 'ConditionalCheckFailed' || r.Code === 'TransactionConflict');
    if (conflicted.length > 0) {
      const detail = conflicted.map((r) => `${r.item} (${r.Code})`).join(', ');
      return new MemoryConflictError(`memories changed while extracting batch ${batchId}: ${detail}`, { cause: err });
    }
  }
  if (err instanceof Error && err.name === 'ValidationException') {
    return new MemoryWriteRejectedError(`DynamoDB rejected batch ${batchId}: ${err.message}`, { cause: err });
  }
  return err;
}
