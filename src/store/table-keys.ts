/**
 * Key layout of the single DynamoDB table (partition key `pk`, sort key `sk`, both strings):
 * - memory:          pk `ns#<labels joined by U+001F>`, sk `<key>`
 * - namespace index: pk `nsidx#<first label>`,         sk `<labels joined by U+001F>` (for prefix search)
 * - batch receipt:   pk `batch#<batchId>`,             sk `receipt` (idempotency of extractions, TTL'd)
 * One memory namespace is one partition, so `search(namespace)` is a single Query.
 */
import { NAMESPACE_SEPARATOR } from '../schemas';

/** Sort key of every batch receipt. */
const RECEIPT_SORT_KEY = 'receipt';

/** Joins labels with U+001F (forbidden inside labels, so the join is reversible). */
export function joinNamespace(namespace: readonly string[]): string {
  return namespace.join(NAMESPACE_SEPARATOR);
}

/** Inverse of {@link joinNamespace}. */
export function splitNamespace(joined: string): string[] {
  return joined.split(NAMESPACE_SEPARATOR);
}

/** Partition key of a namespace's memories. */
export function memoryPartitionKey(namespace: readonly string[]): string {
  return `ns#${joinNamespace(namespace)}`;
}

/** Key of a namespace's entry in the namespace index (one partition per first label). */
export function namespaceIndexKey(namespace: readonly string[]): { pk: string; sk: string } {
  return { pk: `nsidx#${namespace[0] ?? ''}`, sk: joinNamespace(namespace) };
}

/** Key of a batch's receipt. */
export function receiptKey(batchId: string): { pk: string; sk: string } {
  return { pk: `batch#${batchId}`, sk: RECEIPT_SORT_KEY };
}
