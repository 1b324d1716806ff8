/**
 * Applies one extraction's operations to DynamoDB in a single transaction together with a batch receipt.
 * The receipt (conditional on not existing) makes a retried activity idempotent: if an earlier attempt
 * committed and then crashed before reporting, the retry finds the receipt and returns its result without
 * calling the model or writing again. Updates are conditional on the version the model saw (`updatedAt`),
 * so a concurrent change surfaces as a `MemoryConflictError` instead of being overwritten.
 */
import { createHash } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ExtractionResult } from '../contract';
import { BATCH_RECEIPT_TTL_DAYS } from '../defaults';
import { MemoryConflictError, MemoryWriteRejectedError } from '../errors';
import type { MemoryOperation } from '../schemas';
import { TTL_ATTRIBUTE } from './ensure-table';
import type { MemoryItem } from './memory-types';
import { memoryValue } from './memory-types';
import { memoryPartitionKey, namespaceIndexKey, receiptKey } from './table-keys';

/** One extraction ready to be written. */
export interface BatchToApply {
  batchId: string;
  threadId: string;
  namespace: string[];
  operations: MemoryOperation[];
  /** The memories the model was shown, by key: updates are checked against their `updatedAt`. */
  existing: ReadonlyMap<string, MemoryItem>;
  /** Result to record in the receipt (inserted/updated/deleted are filled in here). */
  usage: ExtractionResult['usage'];
  model: string;
}

/** Key of the n-th inserted memory of a batch: a UUID-shaped hash, stable for the same batch and position. */
function insertedMemoryKey(batchId: string, index: number): string {
  const hex = createHash('sha256').update(`${batchId}\u0000${index}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Writes extraction batches atomically and idempotently.
 * @example
 * const batches = new BatchWriter(doc, 'langmem-memories');
 * const result = (await batches.findReceipt(batchId)) ?? (await batches.apply(batch));
 */
export class BatchWriter {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The result recorded by an earlier successful attempt of this batch, or null. */
  async findReceipt(batchId: string): Promise<ExtractionResult | null> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: receiptKey(batchId), ConsistentRead: true }),
    );
    if (!out.Item) return null;
    return { ...(out.Item['result'] as Omit<ExtractionResult, 'alreadyApplied'>), alreadyApplied: true };
  }

  /** Writes every operation and the receipt atomically; returns what changed. */
  async apply(batch: BatchToApply): Promise<ExtractionResult> {
    const nowIso = this.now().toISOString();
    const pk = memoryPartitionKey(batch.namespace);
    const result: ExtractionResult = {
      batchId: batch.batchId,
      inserted: [],
      updated: [],
      deleted: [],
      usage: batch.usage,
      model: batch.model,
      alreadyApplied: false,
    };
    const items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']> = [];
    batch.operations.forEach((op, index) => {
      if (op.action === 'insert') {
        const key = insertedMemoryKey(batch.batchId, index);
        result.inserted.push(key);
        items.push({
          Put: {
            TableName: this.tableName,
            Item: {
              pk,
              sk: key,
              namespace: batch.namespace,
              key,
              value: memoryValue(op.content),
              createdAt: nowIso,
              updatedAt: nowIso,
              threadId: batch.threadId,
              batchId: batch.batchId,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        });
      } else if (op.action === 'update') {
        const seen = batch.existing.get(op.id);
        result.updated.push(op.id);
        items.push({
          Update: {
            TableName: this.tableName,
            Key: { pk, sk: op.id },
            UpdateExpression: 'SET #value = :value, updatedAt = :now, threadId = :threadId, batchId = :batchId',
            ConditionExpression: 'updatedAt = :seen',
            ExpressionAttributeNames: { '#value': 'value' },
            ExpressionAttributeValues: {
              ':value': memoryValue(op.content),
              ':now': nowIso,
              ':threadId': batch.threadId,
              ':batchId': batch.batchId,
              ':seen': seen?.updatedAt ?? '',
            },
          },
        });
      } else {
        // Conditional like updates: a delete must not remove a memory someone changed after the model saw it.
        result.deleted.push(op.id);
        items.push({
          Delete: {
            TableName: this.tableName,
            Key: { pk, sk: op.id },
            ConditionExpression: 'updatedAt = :seen',
            ExpressionAttributeValues: { ':seen': batch.existing.get(op.id)?.updatedAt ?? '' },
          },
        });
      }
    });
    if (result.inserted.length > 0) {
      items.push({ Put: { TableName: this.tableName, Item: { ...namespaceIndexKey(batch.namespace), namespace: batch.namespace } } });
    }
    const { alreadyApplied: _flag, ...recorded } = result;
    const expiresAt = Math.floor(this.now().getTime() / 1000) + BATCH_RECEIPT_TTL_DAYS * 24 * 60 * 60;
    items.push({
      Put: {
        TableName: this.tableName,
        Item: { ...receiptKey(batch.batchId), result: recorded, appliedAt: nowIso, [TTL_ATTRIBUTE]: expiresAt },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    });

    try {
      await this.doc.send(new TransactWriteCommand({ TransactItems: items }));
      return result;
    } catch (err) {
      if (err instanceof TransactionCanceledException) {
        const reasons = err.CancellationReasons ?? [];
        if (reasons[items.length - 1]?.Code === 'ConditionalCheckFailed') {
          const earlier = await this.findReceipt(batch.batchId);
          if (earlier) return earlier;
        }
      }
      throw classifyWriteError(err, batch, items.length);
    }
  }
}

/** Names the n-th item of a batch transaction: an operation, then the namespace index, then the receipt. */
function describeItem(batch: BatchToApply, index: number, itemCount: number): string {
  const op = batch.operations[index];
  if (op) return op.action === 'insert' ? `operations.${index} (insert)` : `operations.${index} (${op.action} ${op.id})`;
  return index === itemCount - 1 ? 'batch receipt' : 'namespace index';
}

/**
 * Turns a failed batch transaction into a domain error: items DynamoDB refused (too large, bad key) are a
 * non-retryable `MemoryWriteRejectedError`; failed conditions and transaction conflicts are a retryable
 * `MemoryConflictError` (the next attempt re-reads, or finds the receipt a concurrent attempt wrote).
 */
function classifyWriteError(err: unknown, batch: BatchToApply, itemCount: number): unknown {
  if (err instanceof TransactionCanceledException) {
    const reasons = (err.CancellationReasons ?? []).map((reason, i) => ({ ...reason, item: describeItem(batch, i, itemCount) }));
    const rejected = reasons.filter((r) => r.Code === 'ValidationError');
    if (rejected.length > 0) {
      const detail = rejected.map((r) => `${r.item}: ${r.Message ?? 'rejected'}`).join('; ');
      return new MemoryWriteRejectedError(`DynamoDB rejected batch ${batch.batchId}: ${detail}`, { cause: err });
    }
    const conflicted = reasons.filter((r) => r.Code === 'ConditionalCheckFailed' || r.Code === 'TransactionConflict');
    if (conflicted.length > 0) {
      const detail = conflicted.map((r) => `${r.item} (${r.Code})`).join(', ');
      return new MemoryConflictError(`memories changed while extracting batch ${batch.batchId}: ${detail}`, { cause: err });
    }
  }
  if (err instanceof Error && err.name === 'ValidationException') {
    return new MemoryWriteRejectedError(`DynamoDB rejected batch ${batch.batchId}: ${err.message}`, { cause: err });
  }
  return err;
}
