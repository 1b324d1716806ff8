/**
 * The DynamoDB items behind memories: the memory itself (live, or a tombstone after a delete), its
 * history records and its namespace's registry entries. Both writers — the store's own put/delete/restore
 * and the extraction batch writer — build their items here, so the layout has one owner.
 */
import { TOMBSTONE_TTL_DAYS } from '../defaults';
import { TTL_ATTRIBUTE } from './ensure-table';
import type { ChangeSource, MemoryChange, MemoryItem, MemoryValue } from './memory-types';
import { historyKey, memoryKey, namespaceRegistryKeys, recencyKeys } from './table-keys';

/** A memory item as stored (live or tombstone). */
export interface MemoryRecord extends MemoryItem {
  deleted?: boolean;
  /** Epoch seconds after which the item is gone (tombstones; items put with a TTL). */
  expiresAt?: number;
  /** The embedding of the value's text (float32, little-endian), when an embedder is configured. */
  embedding?: Uint8Array;
  embeddingModel?: string;
  changedBy?: ChangeSource;
}

/** True when a stored item is a memory that exists now: not a tombstone, not past its TTL (DynamoDB deletes lazily). */
export function isLive(record: Record<string, unknown> | undefined, nowMs: number): boolean {
  if (!record || record['deleted'] === true) return false;
  const expiresAt = record[TTL_ATTRIBUTE];
  return typeof expiresAt !== 'number' || expiresAt * 1000 > nowMs;
}

/** The item as callers see it. */
export function toMemoryItem(record: Record<string, unknown>): MemoryItem {
  const expiresAt = record[TTL_ATTRIBUTE];
  return {
    namespace: record['namespace'] as string[],
    key: record['key'] as string,
    value: record['value'] as MemoryValue,
    createdAt: record['createdAt'] as string,
    updatedAt: record['updatedAt'] as string,
    version: (record['version'] as number | undefined) ?? 1,
    ...(typeof expiresAt === 'number' && record['deleted'] !== true ? { expiresAt } : {}),
  };
}

/** The stored embedding of a record, if it has one from `model`. */
export function embeddingOf(record: Record<string, unknown>, model: string): Float32Array | null {
  const bytes = record['embedding'];
  if (!(bytes instanceof Uint8Array) || record['embeddingModel'] !== model) return null;
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** An embedding as stored: float32 bytes (4 bytes a dimension, a quarter of a list of DynamoDB numbers). */
export function embeddingBytes(vector: readonly number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(vector).buffer);
}

/** What a live memory item holds, keys and index attributes included. */
export function liveMemoryItem(
  item: MemoryItem,
  extra: { changedBy: ChangeSource; expiresAt?: number; embedding?: { vector: readonly number[]; model: string } },
): Record<string, unknown> {
  const expiresAt = extra.expiresAt ?? item.expiresAt;
  return {
    ...memoryKey(item.namespace, item.key),
    ...recencyKeys(item.namespace, item.key, item.updatedAt),
    namespace: item.namespace,
    key: item.key,
    value: item.value,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    version: item.version,
    changedBy: extra.changedBy,
    ...(expiresAt !== undefined ? { [TTL_ATTRIBUTE]: expiresAt } : {}),
    ...(extra.embedding ? { embedding: embeddingBytes(extra.embedding.vector), embeddingModel: extra.embedding.model } : {}),
  };
}

/**
 * What a deleted memory leaves: a tombstone without index attributes (so searches no longer see it) that
 * DynamoDB's TTL removes after TOMBSTONE_TTL_DAYS; its last value stays in the history, so it can be restored.
 */
export function tombstoneItem(item: MemoryItem, deletedAt: string, changedBy: ChangeSource): Record<string, unknown> {
  return {
    ...memoryKey(item.namespace, item.key),
    namespace: item.namespace,
    key: item.key,
    value: item.value,
    createdAt: item.createdAt,
    updatedAt: deletedAt,
    version: item.version + 1,
    deleted: true,
    changedBy,
    [TTL_ATTRIBUTE]: Math.floor(Date.parse(deletedAt) / 1000) + TOMBSTONE_TTL_DAYS * 24 * 60 * 60,
  };
}

/** A history record. */
export function historyItem(change: MemoryChange): Record<string, unknown> {
  return { ...historyKey(change.namespace, change.key, change.version), ...change };
}

/** A history record as callers see it. */
export function toMemoryChange(record: Record<string, unknown>): MemoryChange {
  const { pk: _pk, sk: _sk, ...change } = record;
  return change as unknown as MemoryChange;
}

/** The registry entries that make a namespace listable (idempotent puts). */
export function registryItems(namespace: readonly string[]): Record<string, unknown>[] {
  return namespaceRegistryKeys(namespace).map((key) => ({ ...key, namespace: [...namespace] }));
}

/** Keeps the batch's first message ids in a change source (all of them for small batches) and the counts. */
export function extractionSource(
  ref: { threadId: string; batchId: string; fromSeq: number; toSeq: number; messageCount: number },
  messageIds: readonly string[],
  model: string,
  maxIds: number,
): ChangeSource {
  return {
    kind: 'extraction',
    threadId: ref.threadId,
    batchId: ref.batchId,
    fromSeq: ref.fromSeq,
    toSeq: ref.toSeq,
    messageCount: ref.messageCount,
    messageIds: messageIds.slice(0, maxIds),
    model,
  };
}
