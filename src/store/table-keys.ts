/**
 * Key layout of the single DynamoDB table (partition key `pk`, sort key `sk`, both strings). The README's
 * "DynamoDB layout" table lists the same items with the access pattern each serves.
 *
 * Memories:
 * - memory:            pk `ns#<labels joined by U+001F>`, sk `<key>`
 * - namespace index:   pk `nsidx#<first label>`,          sk `<labels joined by U+001F>` (for prefix search)
 * Threads (one partition per thread: its inbox, sequence head and namespace cursors):
 * - inbox head:        pk `thread#<threadId>`, sk `head`                  (last sequence number, epoch)
 * - message:           pk `thread#<threadId>`, sk `msg#<namespace hash>#<seq, 12 digits>` (the claim-checked content)
 * - dedupe key:        pk `thread#<threadId>`, sk `id#<sha256(namespace, message id)>` (→ seq)
 * - namespace cursor:  pk `thread#<threadId>`, sk `cur#<labels joined>`    (doneSeq, lastSeq)
 * Batches:
 * - batch receipt:     pk `batch#<batchId>`,   sk `receipt`                (TTL'd result of a commit)
 * - dead letter:       pk `dlq#<threadId>`,    sk `dl#<fromSeq, 12 digits>#<batchId>`
 * - re-drive request:  pk `dlq#<threadId>`,    sk `req#<fromSeq, 12 digits>#<batchId>` (while one is asked for)
 */
import { createHash } from 'node:crypto';
import { NAMESPACE_SEPARATOR } from '../rules';

/** Sort key of every batch receipt. */
const RECEIPT_SORT_KEY = 'receipt';

/** Width of zero-padded sequence numbers in sort keys (a trillion messages per thread). */
const SEQ_DIGITS = 12;

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

/** A sequence number padded so sort keys order numerically. */
export function padSeq(seq: number): string {
  return String(seq).padStart(SEQ_DIGITS, '0');
}

/** Partition of one thread's inbox. */
export function threadPartitionKey(threadId: string): string {
  return `thread#${threadId}`;
}

/** The thread's inbox head: the last sequence number handed out. */
export function inboxHeadKey(threadId: string): { pk: string; sk: string } {
  return { pk: threadPartitionKey(threadId), sk: 'head' };
}

/** A short, fixed-length stand-in for a namespace inside sort keys (its labels may be 1,000 bytes long). */
export function namespaceHash(namespace: readonly string[]): string {
  return createHash('sha256').update(joinNamespace(namespace)).digest('hex').slice(0, 16);
}

/**
 * A stored message, by namespace and sequence number: one namespace's messages are one contiguous key
 * range, so a batch reads exactly its own messages however many other namespaces share the thread.
 */
export function messageKey(threadId: string, namespace: readonly string[], seq: number): { pk: string; sk: string } {
  return { pk: threadPartitionKey(threadId), sk: `msg#${namespaceHash(namespace)}#${padSeq(seq)}` };
}

/** The dedupe key of (namespace, message id): hashed, because both parts together may exceed 1 KB. */
export function dedupeKey(threadId: string, namespace: readonly string[], messageId: string): { pk: string; sk: string } {
  const digest = createHash('sha256').update(joinNamespace(namespace)).update('\u0000').update(messageId).digest('hex');
  return { pk: threadPartitionKey(threadId), sk: `id#${digest}` };
}

/** Sort key prefix of namespace cursors. */
export const CURSOR_SK_PREFIX = 'cur#';

/** One namespace's cursor in a thread: how far its messages have been through a batch. */
export function cursorKey(threadId: string, namespace: readonly string[]): { pk: string; sk: string } {
  return { pk: threadPartitionKey(threadId), sk: `${CURSOR_SK_PREFIX}${joinNamespace(namespace)}` };
}

/** Partition of one thread's dead letters. */
export function deadLetterPartitionKey(threadId: string): string {
  return `dlq#${threadId}`;
}

/** One dead letter, ordered by the inbox position of its first message. */
export function deadLetterKey(threadId: string, fromSeq: number, batchId: string): { pk: string; sk: string } {
  return { pk: deadLetterPartitionKey(threadId), sk: `dl#${padSeq(fromSeq)}#${batchId}` };
}

/** Sort key prefix of re-drive requests. */
export const REDRIVE_REQUEST_SK_PREFIX = 'req#';

/** The marker of a dead letter waiting for re-drive: the planner finds the oldest with one small Query. */
export function redriveRequestKey(threadId: string, fromSeq: number, batchId: string): { pk: string; sk: string } {
  return { pk: deadLetterPartitionKey(threadId), sk: `${REDRIVE_REQUEST_SK_PREFIX}${padSeq(fromSeq)}#${batchId}` };
}
