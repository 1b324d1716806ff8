/**
 * Key layout of the single DynamoDB table (partition key `pk`, sort key `sk`, both strings):
 * - memory:          pk `ns#<labels joined by U+001F>`, sk `<key>`
 * - namespace index: pk `nsidx#<first label>`,         sk `<labels joined by U+001F>` (for prefix search)
 * - batch receipt:   pk `batch#<batchId>`,             sk `receipt` (idempotency of extractions, TTL'd)
 * One memory namespace is one partition, so `search(namespace)` is a single Query.
 */
import { NAMESPACE_SEPARATOR } from '../schemas';

export const RECEIPT_SORT_KEY = 'receipt';

export function joinNamespace(namespace: readonly string[]): string {
  return namespace.join(NAMESPACE_SEPARATOR);
}

export function splitNamespace(joined: string): string[] {
  return joined.split(NAMESPACE_SEPARATOR);
}

export function memoryPartitionKey(namespace: readonly string[]): string {
  return `ns#${joinNamespace(namespace)}`;
}

export function namespaceIndexKey(namespace: readonly string[]): { pk: string; sk: string } {
  return { pk: `nsidx#${namespace[0] ?? ''}`, sk: joinNamespace(namespace) };
}

export function receiptKey(batchId: string): { pk: string; sk: string } {
  return { pk: `batch#${batchId}`, sk: RECEIPT_SORT_KEY };
}
