/**
 * Dead letters: batches whose extraction failed for good (retry window used up, or a final error). Each
 * one is a DynamoDB item naming its messages (inbox range and ids), the error, and a status:
 * `open` → `redrive-requested` (by the client) → `redriven` (committed by a re-drive extraction), or back
 * to `open` when the re-drive fails too. While a re-drive is asked for, a small request item marks it, so
 * the planner finds the next one with one short Query instead of reading every letter. The messages stay
 * in the inbox, so a re-drive extracts the original messages, with their original timestamps, against the
 * memories as they are now.
 *
 * What a reviewer needs beyond the error's code and counts (the proposed operations, a refusal, a model
 * API's error body) is in the batch's failure details (`failure-details.ts`), in the same partition;
 * `list(threadId, status, { details: true })` joins them to their letters.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { BatchRef, FailureInfo } from '../contract';
import { FailureDetailsStore, type FailureDetails } from './failure-details';
import { queryAll, queryItems } from './query-pages';
import { REDRIVE_REQUEST_SK_PREFIX, deadLetterKey, deadLetterPartitionKey, redriveRequestKey } from './table-keys';

/** Where a dead letter is in its life. */
export type DeadLetterStatus = 'open' | 'redrive-requested' | 'redriven';

/** A dead letter as the client lists it. */
export interface DeadLetter {
  threadId: string;
  batchId: string;
  namespace: string[];
  fromSeq: number;
  toSeq: number;
  messageCount: number;
  messageIds: string[];
  idsDigest: string;
  bytes: number;
  error: FailureInfo;
  /** ISO-8601 times: the batch's first attempt, and when it became a dead letter. */
  firstAttemptAt: string;
  deadAt: string;
  status: DeadLetterStatus;
  /** Re-drives requested so far. */
  redrives: number;
  /** The last re-drive's failure, if it failed. */
  lastRedriveError?: FailureInfo;
  /** The memory manager of the batch (absent: the default manager). */
  manager?: string;
  /** ISO-8601 time a re-drive committed, and the re-drive batch that did. */
  redrivenAt?: string;
  redriveBatchId?: string;
  /** With `details: true`: the details of the failure that made the letter (its last attempt), when they were recorded. */
  details?: FailureDetails;
  /** With `details: true`: the details of the last re-drive's failure, when it failed. */
  lastRedriveDetails?: FailureDetails;
}

function toDeadLetter(item: Record<string, unknown>): DeadLetter {
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest as unknown as DeadLetter;
}

/**
 * @example
 * const letters = new DeadLetterStore(doc, 'langmem-memories');
 * for (const letter of await letters.list('thread-1')) console.log(letter.batchId, letter.error.type);
 */
export class DeadLetterStore {
  /** The failure details of the thread's batches (proposals, refusals, error bodies), written by the extraction activity. */
  readonly details: FailureDetailsStore;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.details = new FailureDetailsStore(doc, tableName);
  }

  /** The dead-letter item for a failed batch (written by the batch writer, in one transaction with the cursor). */
  item(ref: BatchRef, messageIds: readonly string[], failure: FailureInfo, firstAttemptAt: string, deadAt: string) {
    const letter: DeadLetter = {
      threadId: ref.threadId,
      batchId: ref.batchId,
      namespace: [...ref.namespace],
      fromSeq: ref.fromSeq,
      toSeq: ref.toSeq,
      messageCount: ref.messageCount,
      messageIds: [...messageIds],
      idsDigest: ref.idsDigest,
      bytes: ref.bytes,
      error: failure,
      firstAttemptAt,
      deadAt,
      status: 'open',
      redrives: 0,
      ...(ref.manager ? { manager: ref.manager } : {}),
    };
    return { ...deadLetterKey(ref.threadId, ref.fromSeq, ref.batchId), ...letter };
  }

  /**
   * A thread's dead letters in inbox order, optionally only those with one status; with `details`, each
   * with its failure details (one more Query for the thread).
   */
  async list(threadId: string, status?: DeadLetterStatus, options: { details?: boolean } = {}): Promise<DeadLetter[]> {
    const [letters, details] = await Promise.all([this.letters(threadId, status), options.details ? this.details.forThread(threadId) : undefined]);
    if (!details) return letters;
    return letters.map((letter) => {
      const own = details.get(`${letter.batchId}#0`);
      const redrive = letter.lastRedriveError ? details.get(`${letter.batchId}#${letter.redrives}`) : undefined;
      return { ...letter, ...(own ? { details: own } : {}), ...(redrive ? { lastRedriveDetails: redrive } : {}) };
    });
  }

  private async letters(threadId: string, status?: DeadLetterStatus): Promise<DeadLetter[]> {
    const items = await queryAll(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :letters)',
      ExpressionAttributeValues: { ':pk': deadLetterPartitionKey(threadId), ':letters': 'dl#', ...(status ? { ':status': status } : {}) },
      ...(status ? { FilterExpression: '#status = :status', ExpressionAttributeNames: { '#status': 'status' } } : {}),
      ConsistentRead: true,
    });
    return items.map(toDeadLetter);
  }

  /** One dead letter, or null. */
  async get(threadId: string, fromSeq: number, batchId: string): Promise<DeadLetter | null> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: deadLetterKey(threadId, fromSeq, batchId), ConsistentRead: true }));
    return out.Item ? toDeadLetter(out.Item) : null;
  }

  /**
   * Marks open dead letters of a thread (all, or the one named) for re-drive; each gets a new re-drive
   * round, which names its re-drive batch. Letters already requested or re-driven are left alone, so a
   * repeated request does nothing twice.
   * @returns the dead letters now waiting for re-drive
   */
  async requestRedrive(threadId: string, batchId?: string): Promise<DeadLetter[]> {
    const open = (await this.list(threadId, 'open')).filter((letter) => batchId === undefined || letter.batchId === batchId);
    const requested: DeadLetter[] = [];
    for (const letter of open) {
      try {
        await this.doc.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: this.tableName,
                  Key: deadLetterKey(threadId, letter.fromSeq, letter.batchId),
                  UpdateExpression: 'SET #status = :requested, redrives = redrives + :one',
                  ConditionExpression: '#status = :open AND redrives = :round',
                  ExpressionAttributeNames: { '#status': 'status' },
                  ExpressionAttributeValues: { ':requested': 'redrive-requested', ':open': 'open', ':one': 1, ':round': letter.redrives },
                },
              },
              { Put: { TableName: this.tableName, Item: { ...redriveRequestKey(threadId, letter.fromSeq, letter.batchId), batchId: letter.batchId } } },
            ],
          }),
        );
        requested.push({ ...letter, status: 'redrive-requested', redrives: letter.redrives + 1 });
      } catch (err) {
        // Someone else requested it between our read and write: it is on its way either way.
        if (!(err instanceof TransactionCanceledException)) throw err;
      }
    }
    return requested;
  }

  /** The oldest dead letter of a thread waiting for re-drive, or null. */
  async nextRedrive(threadId: string): Promise<DeadLetter | null> {
    const requests = queryItems(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': deadLetterPartitionKey(threadId), ':prefix': REDRIVE_REQUEST_SK_PREFIX },
      Limit: 1,
      ConsistentRead: true,
    });
    for await (const request of requests) {
      const fromSeq = Number(String(request['sk']).slice(REDRIVE_REQUEST_SK_PREFIX.length).split('#')[0]);
      return this.get(threadId, fromSeq, request['batchId'] as string);
    }
    return null;
  }
}
