/**
 * Key layout of the single DynamoDB table (partition key `pk`, sort key `sk`, both strings).
 * docs/design.md "DynamoDB layout" lists the same items with the access pattern each serves.
 *
 * Memories (one partition per namespace: its memories, their history, newest-first through the LSI):
 * - memory:            pk `ns#<labels joined by U+001F>`, sk `m#<key>`; with three or more labels the
 *                      second ends with `.` instead: `ns#<first>U+001F<second>.<the rest joined>`
 *                      (a tenant boundary IAM can state: see {@link memoryPartitionKey})
 *                      LSI `recency`: rk `<updatedAt>#<key>` (live memories only)
 *                      GSI `tree`: gpk `tree#<first label>#<shard>`, gsk `<updatedAt>#<namespace>#<key>` (live only)
 * - memory history:    pk `ns#<labels joined>`,          sk `h#<sha256(key), 16 hex>#<version, 10 digits>`
 * - namespace owner:   pk `ns#<labels joined>`,          sk `owner`  (the memory manager whose namespace it is)
 * Namespace registry (listNamespaces without a scan, no hot partition per first label):
 * - namespace:         pk `nsl#<first label>[U+001F<second label>]`, sk `<labels joined>`
 * - second label:      pk `nsl1#<first label>#<shard>`,  sk `<second label>`
 * - first label:       pk `nsl0`,                        sk `<first label>`
 * Threads (one partition per thread: its inbox, sequence head and namespace cursors):
 * - inbox head:        pk `thread#<threadId>`, sk `head`                  (last sequence number, epoch)
 * - message:           pk `thread#<threadId>`, sk `msg#<namespace hash>#<seq, 12 digits>` (the claim-checked content)
 * - dedupe key:        pk `thread#<threadId>`, sk `id#<sha256(namespace, message id)>` (→ seq)
 * - namespace cursor:  pk `thread#<threadId>`, sk `cur#<labels joined>`    (doneSeq, lastSeq)
 * - batch log entry:   pk `thread#<threadId>`, sk `log#<fromSeq, 12 digits>#<batchId>` (what a commit changed, for operators)
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

/**
 * Ends the second label in the memory partition key of a namespace of three or more labels. `.` is the one
 * printable character a label can never hold (LangGraph's rule, `namespaceLabelProblem`), so an IAM policy
 * can write it: `ns#memories?<sub>` and `ns#memories?<sub>.*` are exactly the two-label tenant
 * `["memories", <sub>]` and every namespace below it, whatever the lengths of other subjects. (U+001F,
 * which joins the other labels, is a control character IAM policy documents refuse.)
 * docs/design.md "Tenancy" has the decision; changing it moves data (docs/design.md "Migrating to the tenant boundary").
 */
export const TENANT_LABEL_END = '.';

const MEMORY_PARTITION_PREFIX = 'ns#';

/**
 * Partition key of a namespace's memories (and their history and owner). Tenant prefixes are leading keys
 * here: one- and two-label namespaces are `ns#<labels joined>`; deeper ones end their second label with
 * {@link TENANT_LABEL_END}, so a two-label tenant's partitions all start with `ns#<first>U+001F<second>`
 * followed by nothing or by `.`.
 */
export function memoryPartitionKey(namespace: readonly string[]): string {
  if (namespace.length <= 2) return `${MEMORY_PARTITION_PREFIX}${joinNamespace(namespace)}`;
  return `${MEMORY_PARTITION_PREFIX}${joinNamespace(namespace.slice(0, 2))}${TENANT_LABEL_END}${joinNamespace(namespace.slice(2))}`;
}

/**
 * What the memory partition key of every namespace strictly below `prefix` (and only those) starts with:
 * for `begins_with(pk, …)` over the whole table (erasure, migration).
 */
export function memoryPartitionsBelow(prefix: readonly string[]): string {
  if (prefix.length === 0) return MEMORY_PARTITION_PREFIX;
  return `${memoryPartitionKey(prefix)}${prefix.length === 2 ? TENANT_LABEL_END : NAMESPACE_SEPARATOR}`;
}

/** The namespace of a memory partition key ({@link memoryPartitionKey}'s inverse), or null for any other key. */
export function namespaceOfMemoryPartition(pk: string): string[] | null {
  if (!pk.startsWith(MEMORY_PARTITION_PREFIX)) return null;
  // At most one `.` (labels cannot hold one): it stands where U+001F would join the second and third labels.
  return splitNamespace(pk.slice(MEMORY_PARTITION_PREFIX.length).replace(TENANT_LABEL_END, NAMESPACE_SEPARATOR));
}

/** Sort key prefix of memories inside their namespace's partition. */
export const MEMORY_SK_PREFIX = 'm#';

/** A memory's key. */
export function memoryKey(namespace: readonly string[], key: string): { pk: string; sk: string } {
  return { pk: memoryPartitionKey(namespace), sk: `${MEMORY_SK_PREFIX}${key}` };
}

/** The item naming the memory manager a namespace belongs to (written once, by the first submit). */
export function namespaceOwnerKey(namespace: readonly string[]): { pk: string; sk: string } {
  return { pk: memoryPartitionKey(namespace), sk: 'owner' };
}

/** Shards of the cross-namespace indexes: spreads one first label's namespaces over this many partitions. */
export const INDEX_SHARDS = 16;

function shardOf(text: string): number {
  return createHash('sha256').update(text).digest().readUInt16BE(0) % INDEX_SHARDS;
}

/** Name and partition key of the GSI that orders every memory under a first label newest-first. */
export const TREE_INDEX = 'tree';

/** The `tree` index's partition of a namespace: its first label and a shard of the whole namespace. */
export function treePartition(namespace: readonly string[]): string {
  return treeShardPartition(namespace[0] ?? '', shardOf(joinNamespace(namespace)));
}

/** One shard of the `tree` index under a first label. */
export function treeShardPartition(firstLabel: string, shard: number): string {
  return `tree#${firstLabel}#${shard}`;
}

/** Name of the LSI that orders one namespace's memories newest-first. */
export const RECENCY_INDEX = 'recency';

/** Sort values of the recency LSI and the tree GSI: newest-first by change time, then by key. */
export function recencyKeys(namespace: readonly string[], key: string, updatedAt: string): { rk: string; gpk: string; gsk: string } {
  return {
    rk: `${updatedAt}#${key}`,
    gpk: treePartition(namespace),
    gsk: `${updatedAt}#${joinNamespace(namespace)}${NAMESPACE_SEPARATOR}#${key}`,
  };
}

/** Sort key prefix of one memory's history records. */
export function historyPrefix(key: string): string {
  return `h#${createHash('sha256').update(key).digest('hex').slice(0, 16)}#`;
}

/** One version of a memory in its history. */
export function historyKey(namespace: readonly string[], key: string, version: number): { pk: string; sk: string } {
  return { pk: memoryPartitionKey(namespace), sk: `${historyPrefix(key)}${String(version).padStart(10, '0')}` };
}

/**
 * Partition of the registry entries of namespaces sharing their first two labels (the first only, for
 * one-label namespaces): a prefix of two or more labels is listed with one Query.
 */
export function namespaceGroupPartition(labels: readonly string[]): string {
  return `nsl#${labels.slice(0, 2).join(NAMESPACE_SEPARATOR)}`;
}

/** The registry entries that make a namespace listable: its own, its second label's, its first label's. */
export function namespaceRegistryKeys(namespace: readonly string[]): { pk: string; sk: string }[] {
  const [first = '', second] = namespace;
  const keys = [
    { pk: namespaceGroupPartition(namespace), sk: joinNamespace(namespace) },
    { pk: FIRST_LABELS_PARTITION, sk: first },
  ];
  if (second !== undefined) keys.push({ pk: secondLabelShardPartition(first, shardOf(second)), sk: second });
  return keys;
}

/** The partition listing every first label in use. */
export const FIRST_LABELS_PARTITION = 'nsl0';

/** One shard of the second labels used under a first label. */
export function secondLabelShardPartition(firstLabel: string, shard: number): string {
  return `nsl1#${firstLabel}#${shard}`;
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

/** Sort key prefix of a thread's batch log. */
export const BATCH_LOG_SK_PREFIX = 'log#';

/** A committed batch in its thread's log (what the operator timeline shows), ordered by inbox position. */
export function batchLogKey(threadId: string, fromSeq: number, batchId: string): { pk: string; sk: string } {
  return { pk: threadPartitionKey(threadId), sk: `${BATCH_LOG_SK_PREFIX}${padSeq(fromSeq)}#${batchId}` };
}

/** Sort key prefix of one namespace's messages in a thread (see {@link messageKey}). */
export function messagePrefix(namespace: readonly string[]): string {
  return `msg#${namespaceHash(namespace)}#`;
}
