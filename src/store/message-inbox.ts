/**
 * The thread inbox in DynamoDB: the claim check that keeps conversation content out of Temporal.
 *
 * `submit` appends messages here before it signals. Each message gets the thread's next sequence number
 * and a dedupe key for (namespace, message id), in one transaction with the inbox head (the last number
 * handed out) and the namespace's cursor. Because numbers are handed out in the same transaction that
 * makes their messages visible, a strongly consistent read that sees message `n` sees every message
 * before it: a batch planned up to `n` can never miss one that is still being written.
 *
 * Dedupe lasts as long as the message: a re-submitted message (a retried Lambda, a redelivered SQS record)
 * is reported with the sequence number it already has, so the retry's signal still reaches the thread if
 * the first attempt died between writing and signalling. Unprocessed messages never expire; once a batch
 * commits them (or re-drives their dead letter), `markExpiring` gives the messages and their dedupe keys the
 * message retention's TTL (see retention.ts).
 */
import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ThreadMessage } from '../contract';
import { INBOX_APPEND_BACKOFF_MS, INBOX_APPEND_MAX_ATTEMPTS, INBOX_WRITE_CHUNK, KNOWN_INBOX_HEADS, RETENTION_MARK_CONCURRENCY } from '../defaults';
import { InboxConflictError } from '../errors';
import { utf8Bytes } from '../rules';
import { TTL_ATTRIBUTE } from './ensure-table';
import { clientMemo } from './client-memo';
import { DEFAULT_MANAGER_NAME, NamespaceOwners, ownedByAnother } from './namespace-owners';
import { queryAll, queryItems } from './query-pages';
import { CURSOR_SK_PREFIX, cursorKey, dedupeKey, inboxHeadKey, messageKey, messagePrefix, threadPartitionKey } from './table-keys';

/** A message as the inbox keeps it. */
export interface StoredMessage extends ThreadMessage {
  seq: number;
  namespace: string[];
  /** Serialized size as the prompt carries it (bytes), counted against MAX_BATCH_BYTES. */
  bytes: number;
  /** ISO-8601 time the inbox stored it. */
  storedAt?: string;
  /** Epoch seconds after which DynamoDB's TTL removes it: set once it is processed (absent: kept). */
  expiresAt?: number;
}

/** What one append did. */
export interface AppendResult {
  /** Messages stored for the first time. */
  newMessages: number;
  /** Messages already stored under the same namespace and id (or repeated within this call). */
  duplicates: number;
  /** Highest sequence number among the call's messages, new or already stored (0 if none). */
  lastSeq: number;
}

/** How far one namespace of a thread has been through batches. */
export interface NamespaceCursor {
  namespace: string[];
  /** The memory manager whose namespace this is (absent: the default manager). */
  manager?: string;
  /** Every message of this namespace up to here has been committed or dead-lettered. */
  doneSeq: number;
  /** The namespace's newest message. */
  lastSeq: number;
}

/** The inbox head: the last sequence number handed out, and the inbox's epoch (new if the inbox is ever re-created). */
export interface InboxHead {
  lastSeq: number;
  epoch: string;
}

/** Size of a message as the prompt carries it: the UTF-8 bytes of its JSON. */
export function promptBytes(message: ThreadMessage): number {
  const { id, role, content, timestamp } = message;
  return utf8Bytes(JSON.stringify({ id, role, content, timestamp }));
}

/** Reads `seq` from an item that may still be in DynamoDB's wire format (cancellation reasons are not unmarshalled). */
function seqOf(item: Record<string, unknown> | undefined): number | undefined {
  const raw = item?.['seq'];
  if (typeof raw === 'number') return raw;
  const wire = raw as { N?: string } | undefined;
  return wire?.N !== undefined ? Number(wire.N) : undefined;
}

function toCursor(item: Record<string, unknown>): NamespaceCursor {
  const manager = item['manager'];
  return {
    namespace: item['namespace'] as string[],
    doneSeq: item['doneSeq'] as number,
    lastSeq: item['lastSeq'] as number,
    ...(typeof manager === 'string' ? { manager } : {}),
  };
}

function toStoredMessage(item: Record<string, unknown>): StoredMessage {
  return {
    seq: item['seq'] as number,
    id: item['messageId'] as string,
    role: item['role'] as StoredMessage['role'],
    content: item['content'] as string,
    timestamp: item['timestamp'] as string,
    namespace: item['namespace'] as string[],
    bytes: item['bytes'] as number,
    ...(typeof item['storedAt'] === 'string' ? { storedAt: item['storedAt'] } : {}),
    ...(typeof item[TTL_ATTRIBUTE] === 'number' ? { expiresAt: item[TTL_ATTRIBUTE] } : {}),
  };
}

/** Options of {@link MessageInbox.readRange}. */
export interface ReadRangeOptions {
  /** Stop after this many messages. */
  maxMessages?: number;
  /** Stop before the message that would take the total over this many bytes (at least one is returned). */
  maxBytes?: number;
}

/**
 * @example
 * const inbox = new MessageInbox(doc, 'langmem-memories');
 * const { lastSeq, newMessages } = await inbox.append('thread-1', ['memories'], messages);
 */
export class MessageInbox {
  /** Which manager each namespace belongs to. */
  readonly owners: NamespaceOwners;
  /**
   * The head each thread had after the last successful append to it through this document client and table
   * (most recent last, at most KNOWN_INBOX_HEADS): the next append to the thread sends its transaction on it
   * without reading the head first. The transaction's head condition makes a stale entry harmless: it fails,
   * and the append reads.
   */
  private readonly knownHeads: Map<string, number>;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.owners = new NamespaceOwners(doc, tableName);
    this.knownHeads = clientMemo(doc, tableName, 'inbox heads', () => new Map<string, number>());
  }

  /**
   * Stores messages (already validated, ids filled in) under one namespace, skipping those already stored.
   * Writes in transactions of INBOX_WRITE_CHUNK messages; a crash between two leaves the first stored,
   * which a retried submit recognises by id. Throws `InboxConflictError` when concurrent submits to the
   * same thread keep winning the race for sequence numbers, and `InvalidInputError` (nothing stored) when
   * the namespace belongs to another memory manager.
   */
  async append(threadId: string, namespace: readonly string[], messages: readonly ThreadMessage[], manager?: string): Promise<AppendResult> {
    await this.owners.claim(namespace, manager ?? DEFAULT_MANAGER_NAME);
    const seen = new Set<string>();
    const unique: ThreadMessage[] = [];
    for (const message of messages) {
      if (!seen.has(message.id)) unique.push(message);
      seen.add(message.id);
    }
    const result: AppendResult = { newMessages: 0, duplicates: messages.length - unique.length, lastSeq: 0 };
    for (let start = 0; start < unique.length; start += INBOX_WRITE_CHUNK) {
      await this.appendChunk(threadId, namespace, unique.slice(start, start + INBOX_WRITE_CHUNK), result, manager);
    }
    return result;
  }

  private async appendChunk(
    threadId: string,
    namespace: readonly string[],
    chunk: ThreadMessage[],
    result: AppendResult,
    manager: string | undefined,
  ): Promise<void> {
    let pending = chunk;
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > INBOX_APPEND_MAX_ATTEMPTS) {
        throw new InboxConflictError(`thread ${threadId}: lost the race for inbox sequence numbers ${INBOX_APPEND_MAX_ATTEMPTS} times; retry the submit`);
      }
      const known = this.knownHeads.get(threadId);
      const head = known !== undefined ? { lastSeq: known } : await this.head(threadId);
      const base = head?.lastSeq ?? 0;
      const last = base + pending.length;
      const items = this.appendItems(threadId, namespace, pending, head, base, manager);
      // Until the outcome is known: an error leaves the head unknown (a timed-out write may have landed).
      this.knownHeads.delete(threadId);
      try {
        await this.doc.send(new TransactWriteCommand({ TransactItems: items }));
        this.rememberHead(threadId, last);
        result.newMessages += pending.length;
        result.lastSeq = Math.max(result.lastSeq, last);
        return;
      } catch (err) {
        if (!(err instanceof TransactionCanceledException)) throw err;
        const reasons = err.CancellationReasons ?? [];
        if (known !== undefined && reasons[0]?.Code === 'ConditionalCheckFailed') {
          // The remembered head was stale (another process appended, or the inbox was forgotten): read it and
          // try again at once, as the attempt this was meant to be. Duplicates are found by that attempt.
          attempt--;
          continue;
        }
        if (reasons[1]?.Code === 'ConditionalCheckFailed') {
          const owner = (await this.cursor(threadId, namespace))?.manager ?? DEFAULT_MANAGER_NAME;
          throw ownedByAnother(namespace, owner, manager ?? DEFAULT_MANAGER_NAME);
        }
        // Items: [head, cursor, then (dedupe key, message) per message]. A failed dedupe condition names a
        // duplicate, whose stored sequence number comes back with the reason.
        const duplicates = new Set<number>();
        pending.forEach((_m, i) => {
          const reason = reasons[2 + 2 * i];
          if (reason?.Code !== 'ConditionalCheckFailed') return;
          duplicates.add(i);
          result.duplicates += 1;
          result.lastSeq = Math.max(result.lastSeq, seqOf(reason.Item) ?? 0);
        });
        const raced = reasons.some(
          (r, i) => (i === 0 || (i > 1 && i % 2 === 1) || i === 1) && (r.Code === 'ConditionalCheckFailed' || r.Code === 'TransactionConflict'),
        );
        if (duplicates.size === 0 && !raced) throw err;
        pending = pending.filter((_m, i) => !duplicates.has(i));
        // Lost a race with another submit to this thread: back off a little, with jitter, so the racers spread out.
        if (raced) await new Promise((resolve) => setTimeout(resolve, Math.random() * INBOX_APPEND_BACKOFF_MS * attempt));
      }
    }
  }

  private rememberHead(threadId: string, lastSeq: number): void {
    this.knownHeads.set(threadId, lastSeq);
    if (this.knownHeads.size > KNOWN_INBOX_HEADS) this.knownHeads.delete(this.knownHeads.keys().next().value as string);
  }

  /**
   * The TransactWriteItems of one append: [head, cursor, then (dedupe key, message) per message]. Not for
   * callers (use `append`); public so bench:submit can issue the very transaction by hand as its floor.
   * @internal
   */
  appendItems(
    threadId: string,
    namespace: readonly string[],
    pending: ThreadMessage[],
    head: Pick<InboxHead, 'lastSeq'> | null,
    base: number,
    manager: string | undefined,
  ) {
    const last = base + pending.length;
    const ns = [...namespace];
    const storedAt = new Date().toISOString();
    const headItem = head
      ? {
          Update: {
            TableName: this.tableName,
            Key: inboxHeadKey(threadId),
            UpdateExpression: 'SET lastSeq = :last',
            ConditionExpression: 'lastSeq = :base',
            ExpressionAttributeValues: { ':last': last, ':base': base },
          },
        }
      : {
          Put: {
            TableName: this.tableName,
            Item: { ...inboxHeadKey(threadId), threadId, lastSeq: last, epoch: randomUUID(), createdAt: storedAt },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        };
    // A namespace belongs to one memory manager (NamespaceOwners); the cursor repeats the check per thread,
    // so waiting messages are never extracted under another manager's rules. (Cursors from before managers
    // count as the default's.)
    const owner = manager ?? DEFAULT_MANAGER_NAME;
    const cursorItem = {
      Update: {
        TableName: this.tableName,
        Key: cursorKey(threadId, ns),
        // A new namespace starts at the current head: there is nothing of it below.
        UpdateExpression: 'SET #namespace = :ns, lastSeq = :last, doneSeq = if_not_exists(doneSeq, :base), manager = :manager',
        ConditionExpression:
          owner === DEFAULT_MANAGER_NAME
            ? 'attribute_not_exists(pk) OR attribute_not_exists(manager) OR manager = :manager'
            : 'attribute_not_exists(pk) OR manager = :manager',
        ExpressionAttributeNames: { '#namespace': 'namespace' },
        ExpressionAttributeValues: { ':ns': ns, ':last': last, ':base': base, ':manager': owner },
      },
    };
    const messageItems = pending.flatMap((message, i) => {
      const seq = base + 1 + i;
      return [
        {
          Put: {
            TableName: this.tableName,
            Item: { ...dedupeKey(threadId, ns, message.id), seq, messageId: message.id, namespace: ns },
            ConditionExpression: 'attribute_not_exists(pk)',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
          },
        },
        {
          Put: {
            TableName: this.tableName,
            Item: {
              ...messageKey(threadId, ns, seq),
              // Names its thread for an export, which finds messages by namespace, not by partition.
              threadId,
              seq,
              messageId: message.id,
              role: message.role,
              content: message.content,
              timestamp: message.timestamp,
              namespace: ns,
              bytes: promptBytes(message),
              storedAt,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ];
    });
    return [headItem, cursorItem, ...messageItems];
  }

  /** The inbox head, or null for a thread never submitted to. */
  async head(threadId: string): Promise<InboxHead | null> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: inboxHeadKey(threadId), ConsistentRead: true }));
    return out.Item ? { lastSeq: out.Item['lastSeq'] as number, epoch: out.Item['epoch'] as string } : null;
  }

  /** Every namespace cursor of a thread. */
  async cursors(threadId: string): Promise<NamespaceCursor[]> {
    const items = await queryAll(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': threadPartitionKey(threadId), ':prefix': CURSOR_SK_PREFIX },
      ConsistentRead: true,
    });
    return items.map(toCursor);
  }

  /** One namespace's cursor, or null. */
  async cursor(threadId: string, namespace: readonly string[]): Promise<NamespaceCursor | null> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: cursorKey(threadId, namespace), ConsistentRead: true }));
    return out.Item ? toCursor(out.Item) : null;
  }

  /**
   * Gives the messages of one namespace with `afterSeq < seq <= toSeq`, and their dedupe keys, the TTL
   * `expiresAt` (epoch seconds): called once they are processed. Idempotent (messages already marked are
   * skipped; a dedupe key is marked before its message, so a marked message's key is marked too), and never
   * re-creates an item `forget` removed meanwhile. Returns how many messages it marked.
   */
  async markExpiring(threadId: string, namespace: readonly string[], afterSeq: number, toSeq: number, expiresAt: number): Promise<number> {
    if (toSeq <= afterSeq) return 0;
    const unmarked: { seq: number; messageId: string }[] = [];
    const items = queryItems(this.doc, {
      ...this.messageRange(threadId, namespace, afterSeq, toSeq),
      ProjectionExpression: 'seq, messageId, #ttl',
      ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
    });
    for await (const item of items) {
      if (typeof item[TTL_ATTRIBUTE] !== 'number') unmarked.push({ seq: item['seq'] as number, messageId: item['messageId'] as string });
    }
    for (let start = 0; start < unmarked.length; start += RETENTION_MARK_CONCURRENCY) {
      await Promise.all(
        unmarked.slice(start, start + RETENTION_MARK_CONCURRENCY).map(async ({ seq, messageId }) => {
          await this.setExpiresAt(dedupeKey(threadId, namespace, messageId), expiresAt);
          await this.setExpiresAt(messageKey(threadId, namespace, seq), expiresAt);
        }),
      );
    }
    return unmarked.length;
  }

  /** The strongly consistent query of one namespace's messages with `afterSeq < seq <= toSeq` (one key range). */
  private messageRange(threadId: string, namespace: readonly string[], afterSeq: number, toSeq: number) {
    return {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: {
        ':pk': threadPartitionKey(threadId),
        ':from': messageKey(threadId, namespace, afterSeq + 1).sk,
        ':to': messageKey(threadId, namespace, toSeq).sk,
      },
      ConsistentRead: true,
    };
  }

  private async setExpiresAt(key: { pk: string; sk: string }, expiresAt: number): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'SET #ttl = :expiresAt',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: { ':expiresAt': expiresAt },
        }),
      );
    } catch (err) {
      // Forgotten (or already expired and removed) meanwhile: nothing to mark.
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }

  /** Messages of one namespace with `afterSeq < seq <= toSeq`, in order, up to the given caps (one key range, no filter). */
  async readRange(threadId: string, namespace: readonly string[], afterSeq: number, toSeq: number, options: ReadRangeOptions = {}): Promise<StoredMessage[]> {
    const messages: StoredMessage[] = [];
    if (toSeq <= afterSeq) return messages;
    const maxMessages = options.maxMessages ?? Number.POSITIVE_INFINITY;
    const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
    let bytes = 0;
    const items = queryItems(this.doc, this.messageRange(threadId, namespace, afterSeq, toSeq));
    for await (const item of items) {
      const message = toStoredMessage(item);
      if (messages.length >= maxMessages || (messages.length > 0 && bytes + message.bytes > maxBytes)) break;
      messages.push(message);
      bytes += message.bytes;
    }
    return messages;
  }

  /**
   * The newest `limit` messages of one namespace in a thread, newest first, and whether older ones exist:
   * follows DynamoDB's 1 MB pages until `limit` are read (so large messages are never silently dropped).
   */
  async newest(threadId: string, namespace: readonly string[], limit: number): Promise<{ messages: StoredMessage[]; more: boolean }> {
    const messages: StoredMessage[] = [];
    const items = queryItems(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': threadPartitionKey(threadId), ':prefix': messagePrefix(namespace) },
      ScanIndexForward: false,
      Limit: limit + 1,
    });
    for await (const item of items) {
      if (messages.length === limit) return { messages, more: true };
      messages.push(toStoredMessage(item));
    }
    return { messages, more: false };
  }
}
